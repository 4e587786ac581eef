"""Demo part: members in every state after approval, with their history and council decisions.

Also the helpers the applications part shares: a municipality's application built from a real
place, its representative, its council decision as a real PDF, and each move of its status
recorded in the history exactly as portal.membership.transitions allows it.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from portal.core.countries import COUNTRY_CODES, country_name
from portal.core.folding import fold, slugify
from portal.demo.accounts import DEMO_DOMAIN
from portal.demo.context import Demo
from portal.demo.names import CALLING_CODES, FIRST_NAMES, LAST_NAMES
from portal.demo.pdf import council_decision_pdf
from portal.extensions import db
from portal.membership import documents
from portal.membership.transitions import ALLOWED
from portal.models import CouncilDecision, Member, Representation, StatusChange, User
from portal.models.members import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    ON_HOLD,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
)
from portal.models.users import ROLE_REPRESENTATIVE
from portal.places.service import Place

FIRST_DECISION = date(2018, 3, 8)  # the joint statement in Brussels
# Members per country: a few everywhere, more where more people live.
MEMBERS_BASE = 3
MEMBERS_SPREAD = 220
# Share of members in each state after approval (the rest are active members).
LATER_STATES = ((ON_HOLD, 0.08), (SUSPENDED, 0.05), (WITHDRAWN, 0.05))
CHANGES_FIRST = 0.15  # share of members whose application went back once for changes

COMMENTS = {
    CHANGES_REQUESTED: (
        "The uploaded decision lacks the page with the signatures; please upload the whole "
        "document.",
        "Please give the official name of the municipality as written in the council decision.",
        "The population differs from the national statistics; please check it.",
    ),
    ON_HOLD: ("No action plan was published within the covenant's deadline.",),
    SUSPENDED: ("Still no action plan after our written notice; membership suspended.",),
    WITHDRAWN: ("The municipal council decided to leave the covenant.",),
}


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def person(demo: Demo) -> tuple[str, str]:
    return demo.rng.choice(FIRST_NAMES), demo.rng.choice(LAST_NAMES)


def new_representative(demo: Demo, place: Place, since: date) -> User:
    """The municipal officer who applied. No password: nobody signs in as them in the demo."""
    first, last = person(demo)
    domain = f"{slugify(place.name)}-{place.country.lower()}.{DEMO_DOMAIN}"
    user = User(
        email=f"{fold(first)}.{fold(last).replace(' ', '')}@{domain}",
        name=f"{first} {last}",
        password_hash=None,
        role=ROLE_REPRESENTATIVE,
        email_confirmed_at=at(since, 9),
        created_at=at(since, 9),
    )
    db.session.add(user)
    db.session.flush()
    return user


def new_application(demo: Demo, place: Place, representative: User, decided_on: date) -> Member:
    """A draft application for this place, complete, with its representative."""
    mayor = " ".join(person(demo))
    created = min(decided_on + timedelta(days=demo.rng.randint(1, 10)), demo.today)
    slug = f"{slugify(place.name)[:120].strip('-')}-{place.country.lower()}"
    phone_number = "".join(str(demo.rng.randint(0, 9)) for _ in range(8))
    member = Member(
        slug=slug,
        status=DRAFT,
        version=1,
        name=place.name,
        name_key=fold(place.name),
        country=place.country,
        region=place.region,
        region_key=fold(place.region),
        population=place.population,
        latitude=place.latitude,
        longitude=place.longitude,
        website=f"https://{slug}.{DEMO_DOMAIN}",
        mayor_name=mayor,
        geonames_id=place.geonames_id,
        joined_on=decided_on,
        contact_name=representative.name,
        contact_email=representative.email,
        contact_phone=f"+{CALLING_CODES[place.country]} {phone_number}",
        commitments_accepted_at=at(created, 11),
        created_by_id=representative.id,
        created_at=at(created, 11),
        updated_at=at(created, 11),
        status_changed_at=at(created, 11),
        representatives=[Representation(user=representative, created_at=at(created, 11))],
    )
    db.session.add(member)
    attach_decision(demo, member, representative, created)
    return member


def attach_decision(demo: Demo, member: Member, uploader: User, day: date) -> None:
    """The council decision as a real PDF in UPLOAD_DIR, under its own identifier."""
    content = council_decision_pdf(
        member.name, country_name(member.country), member.joined_on, member.mayor_name
    )
    identifier = documents.new_identifier()
    documents.write(identifier, content)
    demo.document_ids.append(identifier)
    member.documents.append(
        CouncilDecision(
            id=identifier,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by_id=uploader.id,
            uploaded_at=at(day, 11),
        )
    )


def move(member: Member, to_status: str, actor: User | None, when: datetime, comment: str = ""):
    """Record one status change as the transition function would: allowed moves only."""
    if to_status not in ALLOWED[member.status]:
        raise ValueError(f"demo data would move {member.status} -> {to_status}")
    member.history.append(
        StatusChange(
            actor=actor,
            from_status=member.status,
            to_status=to_status,
            comment=comment,
            created_at=when,
        )
    )
    member.status = to_status
    member.version += 1
    member.status_changed_at = when
    member.updated_at = when
    member.status_comment = comment
    if to_status == SUBMITTED:
        member.submitted_at = when
    if to_status == APPROVED and member.approved_at is None:
        member.approved_at = when


def later(demo: Demo, after: datetime, most_days: int) -> datetime:
    """A moment some days after `after`, never after today."""
    day = after.date() + timedelta(days=demo.rng.randint(1, max(1, most_days)))
    return max(at(min(day, demo.today), demo.rng.randint(8, 17)), after + timedelta(minutes=30))


def submit_and_decide(
    demo: Demo, member: Member, representative: User, decision: str, comment: str = ""
) -> None:
    """Submit the application, perhaps send it back once for changes, then decide it."""
    coordinator = demo.coordinators.get(member.country)
    submitted = later(demo, member.created_at, 20)
    move(member, SUBMITTED, representative, submitted)
    if demo.rng.random() < CHANGES_FIRST:
        asked = later(demo, submitted, 15)
        comment_asked = demo.rng.choice(COMMENTS[CHANGES_REQUESTED])
        move(member, CHANGES_REQUESTED, coordinator, asked, comment_asked)
        move(member, SUBMITTED, representative, later(demo, asked, 20))
    move(member, decision, coordinator, later(demo, member.status_changed_at, 25), comment)


def members_per_country() -> dict[str, int]:
    """A few members in every country, more in the populous ones (by their places' people)."""
    from portal.places.service import eu_places

    people: dict[str, int] = dict.fromkeys(COUNTRY_CODES, 0)
    for place in eu_places():
        people[place.country] += place.population or 0
    total = sum(people.values())
    return {
        code: MEMBERS_BASE + round(MEMBERS_SPREAD * count / total)
        for code, count in sorted(people.items())
    }


def _decision_date(demo: Demo) -> date:
    """Council decisions since the joint statement, more of them in recent years."""
    span = (demo.today - FIRST_DECISION).days - 120
    return FIRST_DECISION + timedelta(days=int(demo.rng.triangular(0, span, span * 0.8)))


def _later_state(demo: Demo) -> str:
    draw = demo.rng.random()
    for status, share in LATER_STATES:
        if draw < share:
            return status
        draw -= share
    return APPROVED


def add_member(
    demo: Demo, place: Place, representative: User | None = None, state: str | None = None
) -> Member:
    """An approved member for this place, then put on hold, suspended or withdrawn if `state`
    says so (by chance if not given)."""
    decided_on = _decision_date(demo)
    representative = representative or new_representative(demo, place, decided_on)
    member = new_application(demo, place, representative, decided_on)
    submit_and_decide(demo, member, representative, APPROVED)
    state = state or _later_state(demo)
    room = (demo.today - member.approved_at.date()).days
    coordinator = demo.coordinators.get(member.country)
    if state != APPROVED and room >= 3:
        if state in (ON_HOLD, SUSPENDED):
            held = later(demo, member.approved_at, room // 2)
            move(member, ON_HOLD, coordinator, held, COMMENTS[ON_HOLD][0])
        if state in (SUSPENDED, WITHDRAWN):
            since = member.status_changed_at
            left = (demo.today - since.date()).days
            move(member, state, coordinator, later(demo, since, left), COMMENTS[state][0])
    demo.members.append(member)
    return member


def seed_members(demo: Demo) -> None:
    for country, count in members_per_country().items():
        for _ in range(count):
            add_member(demo, demo.take_place(country))
    # The demo representative's own member, in one of the demo coordinator's countries.
    add_member(demo, demo.take_place("DE"), demo.accounts["representative"].user, APPROVED)
    db.session.flush()

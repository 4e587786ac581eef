"""Applying to join: create and edit an application, attach the council decision, submit it.

Each public function checks who may act (portal.permissions), then changes the state, writes the
history and the coordinators' mail in one transaction (_write, atomic). A council decision is
written to disk inside that transaction's lifetime and deleted again if it does not commit, so no
file is left without its row.
"""

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cache
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from portal import permissions
from portal.core import transaction
from portal.core.countries import COUNTRIES, COUNTRY_CODES
from portal.core.errors import NotAllowed, UserFacingError
from portal.core.folding import fold, is_slug, slugify
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.extensions import db
from portal.membership import documents
from portal.membership.transitions import (
    DUPLICATE_MESSAGE,
    DuplicateMunicipality,
    TransitionError,
    transition,
)
from portal.models import CoordinatorCountry, CouncilDecision, Member, Representation, User, utcnow
from portal.models.members import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    ON_HOLD,
    OPEN_STATUSES,
    SUBMITTED,
)
from portal.models.publicdata import public_reads
from portal.models.users import ROLE_COORDINATOR
from portal.places.service import find_place


class ApplicationError(UserFacingError):
    """The application cannot be saved as asked; `field` names the form field it concerns."""


class ApplicationIncomplete(ApplicationError):
    """Submission refused: `errors` maps each missing field to its message."""

    def __init__(self, errors: dict[str, object]):
        super().__init__(_l("Some information is still missing."))
        self.errors = errors


@dataclass
class ApplicationData:
    """What the applicant tells us, already checked for form (types, ranges, formats)."""

    name: str
    country: str
    region: str = ""
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""
    mayor_name: str = ""
    council_decision_date: date | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    accept_commitments: bool = False
    geonames_id: int | None = None

    @classmethod
    def from_mapping(cls, values: dict) -> "ApplicationData":
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in values.items() if k in known}
        for key, value in data.items():
            if isinstance(value, str):
                data[key] = " ".join(value.split()) if key != "website" else value.strip()
        return cls(**data)

    @classmethod
    def from_member(cls, member: Member) -> "ApplicationData":
        return cls(
            name=member.name,
            country=member.country,
            region=member.region,
            population=member.population,
            latitude=member.latitude,
            longitude=member.longitude,
            website=member.website,
            mayor_name=member.mayor_name,
            council_decision_date=member.joined_on,
            contact_name=member.contact_name,
            contact_email=member.contact_email,
            contact_phone=member.contact_phone,
            accept_commitments=member.commitments_accepted_at is not None,
            geonames_id=member.geonames_id,
        )


# What a submission needs, with the message shown next to each missing field.
REQUIRED_TO_SUBMIT: dict[str, object] = {
    "region": _l("Enter the region."),
    "population": _l("Enter the population."),
    "latitude": _l("Enter the latitude."),
    "longitude": _l("Enter the longitude."),
    "website": _l("Enter the website."),
    "mayor_name": _l("Enter the name of the mayor."),
    "council_decision_date": _l("Enter the date of the council decision."),
    "contact_name": _l("Enter the name of the contact person."),
    "contact_email": _l("Enter the contact person's e-mail address."),
    "contact_phone": _l("Enter the contact person's phone number."),
    "accept_commitments": _l("Accept the commitments to submit the application."),
}


def missing_for_submission(data: ApplicationData, has_document: bool) -> dict[str, object]:
    """The fields still missing before this application can be submitted."""
    missing = {
        name: message
        for name, message in REQUIRED_TO_SUBMIT.items()
        if getattr(data, name) in (None, "", False)
    }
    if not has_document:
        missing["council_decision"] = documents.NO_DOCUMENT
    return missing


# --- reading ---------------------------------------------------------------------------------


def application_for(actor, member_id: int) -> Member:
    """The application, if this actor may see it; NotAllowed, hidden (also if there is none)."""
    member = db.session.get(Member, member_id)
    if member is None or not permissions.can_view_application(actor, member):
        raise NotAllowed(hide=True)
    return member


def council_decision_for(actor, member_id: int) -> tuple[Member, CouncilDecision]:
    """The application and its newest council decision, if this actor may read it."""
    member = db.session.get(Member, member_id)
    if member is None or not permissions.can_read_council_decision(actor, member):
        raise NotAllowed(hide=True)
    document = member.council_decision
    if document is None:
        raise NotAllowed(hide=True)
    return member, document


@dataclass(frozen=True)
class PublicMember:
    """What a member's public page is built from, read as columns: PUBLIC_FIELDS and what
    says its state (no contact data, no names, no documents)."""

    id: int
    slug: str
    name: str
    country: str
    region: str
    population: int | None
    joined_on: date | None
    website: str
    status: str
    status_comment: str
    held_automatically: bool
    approved_at: datetime | None


# What the public page shows of a member: this list, nothing else.
PUBLIC_FIELDS = ("slug", "name", "country", "region", "population", "joined_on", "website")
_PUBLIC_MEMBER_COLUMNS = tuple(getattr(Member, name) for name in PublicMember.__annotations__)


def public_member(slug: str) -> PublicMember | None:
    """A member the public may see, by its slug (read on public_reads: one round trip)."""
    if not is_slug(slug):
        return None
    with public_reads(db.session) as connection:
        row = connection.execute(_public_member_statement(), {"slug": slug}).first()
    return PublicMember(*row) if row is not None else None


@cache
def _public_member_statement():
    # Built once per process (see pledges.service._public_actions_statement): the slug comes
    # as a parameter.
    return select(*_PUBLIC_MEMBER_COLUMNS).where(Member.slug == bindparam("slug"), Member.is_public)


def public_profile(member: PublicMember) -> dict:
    """The member's public facts, built from PUBLIC_FIELDS only (no contact data, no names)."""
    profile = {name: getattr(member, name) for name in PUBLIC_FIELDS}
    profile["status"] = member.status
    # An automatic hold states its reason in the visitor's language: the late commitments.
    profile["held_automatically"] = member.status == ON_HOLD and member.held_automatically
    profile["public_reason"] = (
        member.status_comment
        if member.status != APPROVED and not profile["held_automatically"]
        else ""
    )
    return profile


def history(member: Member) -> list:
    return list(member.history)


def coordinators_of(country: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(CoordinatorCountry, CoordinatorCountry.user_id == User.id)
            .where(
                CoordinatorCountry.country == country,
                User.role == ROLE_COORDINATOR,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


# --- changing --------------------------------------------------------------------------------


def create_application(
    actor, data: ApplicationData, upload: BinaryIO | None = None, submit: bool = False
) -> Member:
    """A new application by this representative, saved as a draft or submitted at once."""
    permissions.require(permissions.can_apply(actor))
    return _save(actor, None, data, upload, submit, None)


def update_application(
    actor,
    member: Member,
    data: ApplicationData,
    upload: BinaryIO | None = None,
    submit: bool = False,
    expected_version: int | None = None,
) -> Member:
    """Save changes to a draft (or an application sent back for changes), and maybe submit."""
    permissions.require(permissions.can_edit_application(actor, member), hide=True)
    return _save(actor, member, data, upload, submit, expected_version)


def submit_application(actor, member: Member, expected_version: int | None = None) -> Member:
    """Submit the application as saved."""
    permissions.require(permissions.can_edit_application(actor, member), hide=True)
    return _save(actor, member, ApplicationData.from_member(member), None, True, expected_version)


def _save(
    actor,
    member: Member | None,
    data: ApplicationData,
    upload: BinaryIO | None,
    submit: bool,
    expected_version: int | None,
) -> Member:
    if not data.name or not fold(data.name):
        raise ApplicationError(_l("Enter the municipality's name."), field="name")
    if data.country not in COUNTRY_CODES:
        raise ApplicationError(_l("Choose a country from the list."), field="country")
    if expected_version is not None and member is not None and expected_version != member.version:
        raise ApplicationError(
            _l("The application changed in the meantime. Please check it and try again.")
        )
    place = find_place(data.geonames_id, data.country) if data.geonames_id else None
    data.geonames_id = place.geonames_id if place else None
    _check_duplicates(actor, member, data)
    checked = None
    if upload is not None:
        try:
            checked = documents.read_pdf(upload)
        except documents.DocumentError as exc:
            raise ApplicationError(exc.message, field="council_decision") from exc
    if submit:
        has_document = checked is not None or (member is not None and bool(member.documents))
        missing = missing_for_submission(data, has_document)
        if missing:
            raise ApplicationIncomplete(missing)

    existing_id = member.id if member is not None else None
    for _attempt in range(3):
        try:
            return _write(actor, member, data, checked, submit, expected_version)
        except IntegrityError as exc:
            if transaction.active():
                raise  # part of a larger unit of work, which rolls back and decides
            # Rolled back by _write. A duplicate that raced us is said so; otherwise someone
            # took the slug between our look and our insert: look again.
            if _open_duplicate_exists(data, existing_id):
                raise ApplicationError(DUPLICATE_MESSAGE, field="name") from exc
    raise ApplicationError(_l("The application could not be saved. Please try again."))


@transaction.atomic
def _write(
    actor,
    member: Member | None,
    data: ApplicationData,
    checked: documents.CheckedPdf | None,
    submit: bool,
    expected_version: int | None,
) -> Member:
    """One transaction: the row, the document, the transition and the mail, or nothing (the
    document's file is deleted again if the transaction rolls back).

    No savepoint here: on SQLite (pysqlite) a SAVEPOINT opened before the first write starts a
    transaction of its own, and releasing it would commit part of this change on its own. A
    failed flush rolls the whole transaction back instead, and _save tries again if only the
    slug was taken meanwhile.
    """
    resubmission = member is not None and member.status == CHANGES_REQUESTED
    if member is None:
        member = Member(status=DRAFT, version=1, created_by_id=actor.id)
        member.representatives = [Representation(user_id=actor.id)]
        _apply(member, data)
        db.session.add(member)
    else:
        _apply(member, data)
    member.updated_at = utcnow()
    db.session.flush()
    if checked is not None:
        _attach(actor, member, checked)
    if submit:
        try:
            transition(actor, member, SUBMITTED, expected_version=expected_version)
        except DuplicateMunicipality as exc:
            raise ApplicationError(exc.message, field="name") from exc
        except TransitionError as exc:
            raise ApplicationError(exc.message) from exc
        _tell_coordinators(member, resubmitted=resubmission)
    return member


def _check_duplicates(actor, member: Member | None, data: ApplicationData) -> None:
    """Refuse a municipality that is a member or has an open application already, and a second
    draft of the same municipality by the same applicant. The unique index on open applications
    (uq_members_open_municipality) is what finally holds when two submissions race."""
    key = fold(data.name)
    others = select(Member.id).where(Member.country == data.country)
    if member is not None:
        others = others.where(Member.id != member.id)
    same_place = Member.name_key == key
    if data.geonames_id is not None:
        same_place = same_place | (Member.geonames_id == data.geonames_id)
    if db.session.scalar(others.where(same_place, Member.status.in_(OPEN_STATUSES)).limit(1)):
        raise ApplicationError(DUPLICATE_MESSAGE, field="name")
    own_draft = db.session.scalar(
        others.join(Representation, Representation.member_id == Member.id)
        .where(
            Representation.user_id == actor.id,
            Member.name_key == key,
            Member.status.in_((DRAFT, CHANGES_REQUESTED)),
        )
        .limit(1)
    )
    if own_draft:
        raise ApplicationError(
            _l(
                "You have an application for this municipality already. Continue it from your "
                "dashboard."
            ),
            field="name",
        )


def _apply(member: Member, data: ApplicationData) -> None:
    """Copy the applicant's data onto the row. The slug is set at creation and, as long as the
    member has never been public, follows a change of name or country."""
    if member.approved_at is None:
        base = _slug_base(data.name, data.country)
        if not re.fullmatch(re.escape(base) + r"(-\d+)?", member.slug or ""):
            with db.session.no_autoflush:
                member.slug = _free_slug(base)
    member.name = data.name
    member.name_key = fold(data.name)
    member.country = data.country
    member.region = data.region
    member.region_key = fold(data.region)
    member.population = data.population
    member.latitude = data.latitude
    member.longitude = data.longitude
    member.website = data.website
    member.mayor_name = data.mayor_name
    member.joined_on = data.council_decision_date
    member.contact_name = data.contact_name
    member.contact_email = data.contact_email.lower()
    member.contact_phone = data.contact_phone
    member.geonames_id = data.geonames_id
    if not data.accept_commitments:
        member.commitments_accepted_at = None
    elif member.commitments_accepted_at is None:
        member.commitments_accepted_at = utcnow()


def _open_duplicate_exists(data: ApplicationData, member_id: int | None) -> bool:
    query = select(func.count(Member.id)).where(
        Member.country == data.country,
        Member.name_key == fold(data.name),
        Member.status.in_(OPEN_STATUSES),
    )
    if member_id is not None:
        query = query.where(Member.id != member_id)
    return db.session.scalar(query) > 0


def _slug_base(name: str, country: str) -> str:
    return f"{slugify(name)[:120].strip('-')}-{country.lower()}"


def _free_slug(base: str) -> str:
    taken = set(
        db.session.scalars(
            select(Member.slug).where((Member.slug == base) | Member.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _attach(actor, member: Member, checked: documents.CheckedPdf) -> str:
    """Record and write a new council decision; older ones stay, the newest counts."""
    identifier = documents.new_identifier()
    db.session.add(
        CouncilDecision(
            id=identifier,
            member_id=member.id,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by_id=actor.id,
            uploaded_at=utcnow(),
        )
    )
    db.session.flush()
    transaction.on_rollback(lambda: documents.delete(identifier))
    documents.write(identifier, checked.content)
    db.session.expire(member, ["documents"])
    return identifier


def _tell_coordinators(member: Member, resubmitted: bool) -> None:
    link = external_url("membership.application", member_id=member.id)
    for coordinator in coordinators_of(member.country):
        subject = (
            _l(
                "Application resubmitted: %(name)s (%(country)s)",
                name=member.name,
                country=COUNTRIES[member.country],
            )
            if resubmitted
            else _l(
                "New application: %(name)s (%(country)s)",
                name=member.name,
                country=COUNTRIES[member.country],
            )
        )
        queue_mail(
            coordinator.email,
            subject,
            "new_application.txt",
            locale=coordinator.locale,
            coordinator=coordinator,
            member=member,
            resubmitted=resubmitted,
            link=link,
        )

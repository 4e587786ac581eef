"""Factories for test data: each builds a valid object, committed, with overridable fields."""

import itertools
from datetime import date, timedelta

import pyotp

from portal.auth import second_factor
from portal.auth.passwords import hash_password
from portal.core import clock
from portal.core.folding import fold, slugify
from portal.demo.pdf import pdf_document
from portal.extensions import db
from portal.models import (
    Action,
    ActionFunding,
    ActionSpace,
    CoordinatorCountry,
    Member,
    ProgressUpdate,
    Representation,
    SignIn,
    User,
    utcnow,
)
from portal.models.members import APPROVED, PUBLIC_STATUSES

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


# The authenticator key of each user the factories set a second factor up for, by address.
TOTP_SECRETS: dict[str, str] = {}


def make_user(
    role: str = "representative",
    countries: tuple[str, ...] | list[str] = (),
    confirmed: bool = True,
    password: str = PASSWORD,
    second_factor: bool | None = None,
    **fields,
) -> User:
    """A user; coordinators and administrators with a second factor set up unless
    `second_factor=False` (representatives only with `second_factor=True`)."""
    n = next(_seq)
    user = User(
        email=fields.pop("email", f"user{n}@city{n}.example.eu"),
        name=fields.pop("name", f"Officer {n}"),
        password_hash=_password_hash(password) if password else None,
        role=role,
        email_confirmed_at=utcnow() if confirmed else None,
        countries=[CoordinatorCountry(country=c) for c in countries],
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    if second_factor if second_factor is not None else role in ("coordinator", "admin"):
        enrol_second_factor(user)
    return user


def enrol_second_factor(user: User) -> list[str]:
    """Set up the user's second factor as the set-up page stores it (test data: no audit entry);
    the recovery codes."""
    secret = pyotp.random_base32()
    TOTP_SECRETS[user.email] = secret
    user.totp_secret = second_factor.encrypt_secret(secret)
    user.totp_enrolled_at = utcnow()
    codes = second_factor.issue_recovery_codes(user)
    db.session.commit()
    return codes


def totp_code(user: User) -> str:
    """A code the user's authenticator app would show now, for a time step not used yet.

    A code works once; a test that signs the same person in twice within 30 seconds is, for
    the portal, someone signing in again later, so the last step used is forgotten first.
    """
    db.session.refresh(user)
    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(TOTP_SECRETS[user.email]).at(clock.now_utc())


def make_coordinator(*countries: str, **fields) -> User:
    return make_user(role="coordinator", countries=countries or ("DE",), **fields)


def make_member(
    name: str | None = None,
    country: str = "DE",
    status: str = APPROVED,
    representatives: tuple[User, ...] | list[User] = (),
    **fields,
) -> Member:
    n = next(_seq)
    name = name or f"Testburg {n}"
    region = fields.pop("region", "Testregion")
    joined = fields.pop("joined_on", date(2024, 3, 8))
    approved_at = fields.pop("approved_at", utcnow() - timedelta(days=30))
    member = Member(
        name=name,
        name_key=fold(name),
        slug=fields.pop("slug", f"{slugify(name)}-{country.lower()}-{n}"),
        country=country,
        region=region,
        region_key=fields.pop("region_key", fold(region)),
        population=fields.pop("population", 25000 + n),
        latitude=fields.pop("latitude", 50.0 + n / 1000),
        longitude=fields.pop("longitude", 8.0 + n / 1000),
        website=fields.pop("website", f"https://www.testburg{n}.example.eu"),
        mayor_name=fields.pop("mayor_name", f"Mayor {n}"),
        joined_on=joined,
        contact_name=fields.pop("contact_name", f"Contact Person {n}"),
        contact_email=fields.pop("contact_email", f"contact{n}@testburg{n}.example.eu"),
        contact_phone=fields.pop("contact_phone", f"+49 30 {n:07d}"),
        commitments_accepted_at=utcnow(),
        status=status,
        submitted_at=utcnow() - timedelta(days=40),
        approved_at=approved_at if status in PUBLIC_STATUSES + ("suspended", "withdrawn") else None,
        **fields,
    )
    member.representatives = [Representation(user=u) for u in representatives]
    db.session.add(member)
    db.session.commit()
    return member


def make_action(member: Member, published: bool = True, **fields) -> Action:
    n = next(_seq)
    spaces = fields.pop("spaces", ["squares_streets"])
    funding = fields.pop("funding", ["municipal"])
    action = Action(
        member=member,
        title=fields.pop("title", f"Protective planters on market square {n}"),
        description=fields.pop("description", "Planters and bollards against vehicle ramming."),
        category=fields.pop("category", "security_by_design"),
        start_date=fields.pop("start_date", date(2025, 1, 1)),
        target_date=fields.pop("target_date", date(2026, 12, 31)),
        status=fields.pop("status", "planned"),
        language=fields.pop("language", "en"),
        published=published,
        published_at=utcnow() if published else None,
        last_progress_on=fields.pop("last_progress_on", date.today() if published else None),
        spaces=[ActionSpace(kind=k) for k in spaces],
        funding=[ActionFunding(source=s) for s in funding],
        **fields,
    )
    db.session.add(action)
    db.session.commit()
    return action


def make_update(action: Action, percent: int = 50, status: str = "in_progress", **fields):
    update = ProgressUpdate(
        action=action,
        reported_on=fields.pop("reported_on", date.today()),
        text=fields.pop("text", "Work has started."),
        language=fields.pop("language", "en"),
        percent_complete=percent,
        status=status,
        **fields,
    )
    action.percent_complete = percent
    action.status = status
    action.last_progress_on = update.reported_on
    db.session.add(update)
    db.session.commit()
    return update


def pdf_bytes() -> bytes:
    """A real, minimal, valid PDF document (the demo seed's generator)."""
    return pdf_document([(12, "Council decision to join the covenant")])


def application_form(name: str = "Köln", country: str = "DE", **overrides) -> dict:
    """The fields of a complete application as the form posts them (without the PDF)."""
    n = next(_seq)
    data = {
        "name": name,
        "country": country,
        "region": "North Rhine-Westphalia",
        "population": "1024621",
        "latitude": "50.93333",
        "longitude": "6.95",
        "website": "https://www.stadt-koeln.example.eu",
        "mayor_name": f"Mayor {n}",
        "council_decision_date": "2025-03-08",
        "contact_name": f"Contact Person {n}",
        "contact_email": f"contact{n}@city{n}.example.eu",
        "contact_phone": "+49 221 2210",
        "accept_commitments": "y",
        "geonames_id": "",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_council_decision(member: Member, content: bytes | None = None):
    """A stored council decision (file and row) for the member, as an upload leaves it."""
    import hashlib

    from portal.membership import documents
    from portal.models import CouncilDecision

    content = content or pdf_bytes()
    identifier = documents.new_identifier()
    documents.write(identifier, content)
    decision = CouncilDecision(
        id=identifier,
        member_id=member.id,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    db.session.add(decision)
    db.session.commit()
    return decision


def make_sign_in(user: User, **fields) -> SignIn:
    """An open sign-in record of the user, as signing in leaves it (test data: no audit entry)."""
    now = utcnow()
    record = SignIn(
        key=fields.pop("key", f"sign-in-{next(_seq)}"),
        user_id=user.id,
        browser=fields.pop("browser", "Firefox"),
        system=fields.pop("system", "Linux"),
        started_at=fields.pop("started_at", now),
        last_seen_at=fields.pop("last_seen_at", now),
        **fields,
    )
    db.session.add(record)
    db.session.commit()
    return record


def form_token() -> str:
    """A fresh one-time form token, as a page that creates something carries."""
    from portal.core import once

    return once.issue()

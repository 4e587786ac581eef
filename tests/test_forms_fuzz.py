"""Property-based tests of every form the portal posts: whatever a script sends (any text, with
NUL, control characters or direction overrides, huge or non-ASCII numbers, NaN, odd dates,
unknown choices, fields missing or repeated), the answer is never a server error, its status is
one the portal documents, no page echoes a raw NUL, and a refusal (4xx) changes no row.

Each case signs the right kind of person in and posts to one route. Every example starts from
an empty database (the suite cleans per test, not per example), so no example depends on an
earlier one and a failure replays alone. Half of the examples start from a valid posting and
spoil one to three of its fields, so that the services behind the forms are reached too.
"""

from __future__ import annotations

import io
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField

from portal.core.forms import PortalForm
from portal.core.inputs import BIDI_CONTROLS, text_problem
from portal.extensions import db
from portal.models import Base, Invitation, Member
from portal.models.members import APPROVED, DRAFT, ON_HOLD, SUBMITTED
from portal.team.service import hash_token
from tests import factories
from tests.conftest import _reset, sign_in
from tests.factories import PASSWORD, make_action, make_coordinator, make_member, make_user

STATUSES = {200, 302, 303, 400, 403, 404, 409, 410, 413, 422, 429}
# Tables a request may write to whatever its answer: the session store, the sign-in records
# (their last-seen time), the public data version and the audit trail (a refused sign-in code
# is an event worth keeping).
NOT_COUNTED = {"sessions", "sign_ins", "data_versions", "audit_entries"}
# The SQLite pass tries 30 inputs per form; the PostgreSQL pass, the first 10 of the same
# (derandomized) sequence: the forms' handling of input does not depend on the database, and
# what does (writes, constraints) is met by the first inputs already.
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
EXAMPLES = 10 if ON_POSTGRES else 30  # per form with fields
BUTTON_EXAMPLES = 4 if ON_POSTGRES else 8  # per button (only the CSRF token): junk fields only

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
BUTTON_FUZZ = settings(FUZZ, max_examples=BUTTON_EXAMPLES)

# --- what a script can send --------------------------------------------------------------------

REFUSED = sorted(
    {chr(c) for c in range(0x20) if chr(c) not in "\n\r\t"}
    | {"\x7f", "\x85", "\u2028", "\u2029"}
    | BIDI_CONTROLS
)
LINE_BREAKS = ["\n", "\r", "\r\n", "\t"]
AWKWARD = ["\ufeff", "\u200b", "\u200e", "\u200f", "e\u0301", "\ufffd", "\U0001f600", "ǅ", "ﬃ"]

any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
nasty_text = st.tuples(any_text, st.sampled_from(REFUSED + LINE_BREAKS + AWKWARD), any_text).map(
    "".join
)
ODD_NUMBERS = [
    "NaN", "nan", "-nan", "inf", "-Infinity", "1e400", "1e3", "-0", "0x10", "1_000", "1,5", "+",
    "-", ".", "..", "١٢", "۳", "１２", "²", "Ⅻ", "9" * 40, str(2**63), str(-(2**63) - 1),
    str(2**31), "0." + "0" * 30 + "1", "1" + "0" * 400,
]  # fmt: skip
ODD_DATES = [
    "2024-02-30", "2023-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01",
    "-2024-01-01", "2024-13-01", "2024-00-10", "２０２４-０１-０１", "2024-1-1", "20240101",
    "2024-01-01T00:00", "1969-12-31", "2024/01/01", "01.02.2024", "today",
]  # fmt: skip
numbers = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers().map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True).map(str),
)
dates = st.one_of(st.sampled_from(ODD_DATES), st.dates().map(date.isoformat))
long_text = st.sampled_from(["x" * 300, "é" * 5001, "1" * 4000, "a@" + "b" * 300 + ".eu"])
words = st.sampled_from(
    ["", " ", "y", "on", "0", "1", "-1", "true", "submit", "draft", "approve", "reject", "hold",
     "DE", "XX", "de", "en", "<script>x</script>", "%00", "a@b", "a@b.eu", "None", "[]"]
)  # fmt: skip
junk = st.one_of(any_text, nasty_text, nasty_text, numbers, dates, long_text, words)
junk_names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12)


def values(*valid) -> st.SearchStrategy:
    """What a field gets: mostly one value (often a valid one), sometimes none, or several."""
    one = st.one_of(st.sampled_from(valid), junk) if valid else junk
    return st.one_of(
        one.map(lambda v: [v]),
        one.map(lambda v: [v]),
        one.map(lambda v: [v]),
        st.just([]),  # missing
        st.lists(one, min_size=2, max_size=3),  # repeated
    )


DEADLINE = object()  # the stored name of the case's member's action-plan deadline
TOKEN = object()  # a valid one-time form token, made when the example is posted
VERSION = object()  # the current version of the case's member
tokens = st.sampled_from([TOKEN, TOKEN, "", "x", "not.a.token", "a" * 300])


text = values  # a text field's values


@dataclass
class Case:
    name: str
    url: Callable[[FlaskSetup], str]
    valid: dict = field(default_factory=dict)  # a posting the view accepts
    fields: dict = field(default_factory=dict)  # name -> strategy of the list of values
    files: tuple[str, ...] = ()


@dataclass
class FlaskSetup:
    """What a case's setup made: the signed-in person and what the form is about."""

    client: object
    user: object = None
    member: object = None
    action: object = None
    other: object = None
    token: str = ""


# --- who signs in, and what there is ------------------------------------------------------------


def nobody(client) -> FlaskSetup:
    return FlaskSetup(client, other=make_user(email="known@city.example.eu"))


def representative(client, status=APPROVED, second_factor=False, colleague=False) -> FlaskSetup:
    user = make_user(second_factor=second_factor)
    team = [user, make_user()] if colleague else [user]
    member = make_member(status=status, representatives=team, country="DE")
    sign_in(client, user)
    return FlaskSetup(client, user=user, member=member, action=make_action(member))


def coordinator(client, status=APPROVED) -> FlaskSetup:
    user = make_coordinator("DE")
    member = make_member(status=status, representatives=[make_user()], country="DE")
    sign_in(client, user)
    return FlaskSetup(client, user=user, member=member, action=make_action(member))


def plan_deadline(member) -> str:
    from portal.pledges.followup import commitments_for

    return commitments_for(member).plan.deadline_key(member.id)


def extension_asked(client) -> FlaskSetup:
    """A coordinator signed in, with a German member's request for more time waiting."""
    from portal.pledges.extensions import request_extension
    from portal.pledges.followup import commitments_for

    rep = make_user()
    member = make_member(representatives=[rep], country="DE")
    due = commitments_for(member).plan.due_on
    extension = request_extension(
        rep, member, plan_deadline(member), due + timedelta(days=30), "Council elections."
    )
    assert extension.id == 1  # the case's field names carry it
    user = make_coordinator("DE")
    sign_in(client, user)
    return FlaskSetup(client, user=user, member=member, other=extension)


def administrator(client) -> FlaskSetup:
    user = make_user(role="admin")
    sign_in(client, user)
    return FlaskSetup(client, user=user, other=make_coordinator("FR", name="Coord Inator"))


def pending_code(client) -> FlaskSetup:
    user = make_coordinator("DE")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/login/code"
    return FlaskSetup(client, user=user)


def password_link(client) -> FlaskSetup:
    from portal.auth.tokens import fingerprint, make_token

    user = make_user()
    token = make_token("password", {"uid": user.id, "fp": fingerprint(user.password_hash)})
    return FlaskSetup(client, user=user, token=token)


def invited(client) -> FlaskSetup:
    """A representative signed in, with an invitation to their address to join another member."""
    setup = representative(client)
    member = make_member(representatives=[make_user()], country="DE")
    now = factories.utcnow()
    invitation = Invitation(
        member_id=member.id,
        email=setup.user.email,
        token_hash=hash_token("the-invitation-token"),
        invited_by_id=member.representatives[0].user_id,
        created_at=now,
        expires_at=now + timedelta(days=14),
    )
    db.session.add(invitation)
    db.session.commit()
    setup.other, setup.token = invitation, "the-invitation-token"
    return setup


def email_change_link(client) -> FlaskSetup:
    """A representative signed in, holding the link mailed to confirm a new address."""
    from portal.auth.tokens import make_token

    setup = representative(client)
    setup.token = make_token(
        "email-change",
        {"uid": setup.user.id, "from": setup.user.email, "to": "new.address@city.example.eu"},
    )
    return setup


def with_invitation(client) -> FlaskSetup:
    setup = representative(client)
    setup.other = Invitation(
        member_id=setup.member.id,
        email="colleague@city.example.eu",
        token_hash=hash_token("some-token"),
        invited_by_id=setup.user.id,
        created_at=factories.utcnow(),
        expires_at=factories.utcnow() + timedelta(days=14),
    )
    db.session.add(setup.other)
    db.session.commit()
    return setup


# --- the forms ----------------------------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"
emails = text("ann@city.example.eu", "known@city.example.eu", "ANN@City.Example.EU", "x@y")
passwords = text(PASSWORD, NEW_PASSWORD, "short")
codes = text("123456", "000000", "abcde-fghij", "12345678901234")
countries = text("DE", "FR", "AT", "XX", "")
member_versions = text(VERSION, "0", "1", "2")

APPLICATION = {
    "name": ["Köln"],
    "country": ["DE"],
    "region": ["North Rhine-Westphalia"],
    "population": ["1024621"],
    "latitude": ["50.93333"],
    "longitude": ["6.95"],
    "website": ["https://www.stadt-koeln.example.eu"],
    "mayor_name": ["Henriette Reker"],
    "council_decision_date": ["2025-03-08"],
    "contact_name": ["Contact Person"],
    "contact_email": ["contact@stadt-koeln.example.eu"],
    "contact_phone": ["+49 221 2210"],
    "accept_commitments": ["y"],
    "geonames_id": [""],
    "action": ["submit"],
}
APPLICATION_FIELDS = {
    "name": text("Köln", "Saint-Étienne", "K\u00f6ln", "Ko\u0308ln", "123"),
    "country": countries,
    "region": text("Bavaria"),
    "population": text("1", "20000000", "20000001", "0"),
    "latitude": text("-90", "90", "90.0000001", "50.9"),
    "longitude": text("-180", "180", "180.5", "6.9"),
    "website": text("https://köln.example.eu", "http://x.eu:0", "https://[::1]/", "ftp://x.eu"),
    "mayor_name": text("Jane Doe"),
    "council_decision_date": text("2018-03-08", "2018-03-07", "2999-01-01", "2025-03-08"),
    "contact_name": text("Jo"),
    "contact_email": emails,
    "contact_phone": text("+49 221 2210", "+1", "١٢٣٤٥٦٧٨"),
    "accept_commitments": text("y", ""),
    "geonames_id": text("2886242", "", str(2**40)),
    "action": text("submit", "draft"),
}

ACTION = {
    "title": ["Protective planters"],
    "description": ["Planters on the square.\nAnd bollards."],
    "category": ["security_by_design"],
    "spaces": ["squares_streets"],
    "start_date": ["2025-01-01"],
    "target_date": ["2026-12-31"],
    "budget_eur": ["25000"],
    "funding": ["municipal"],
    "partners": ["The police"],
    "publish": ["y"],
    "form_token": [TOKEN],
}
ACTION_FIELDS = {
    "title": text("Protective planters", "ab"),
    "description": text("Two\nlines", "tab\there"),
    "category": text("security_by_design", "unknown"),
    "spaces": text("squares_streets", "nowhere"),
    "start_date": dates.map(lambda d: [d]) | text("2025-01-01"),
    "target_date": dates.map(lambda d: [d]) | text("2024-01-01"),
    "budget_eur": text("999999999999.99", "1000000000000", "0.001", "-1"),
    "funding": text("municipal", "lottery"),
    "partners": text("A\nB"),
    "publish": text("y"),
    "form_token": tokens.map(lambda t: [t]),
}


def _files():
    return st.sampled_from(
        [None, b"", factories.pdf_bytes(), b"%PDF-1.4\n%garbage", b"\x00" * 64, b"PK\x03\x04"]
    )


CASES = [
    # Signing up and in
    Case(
        "register",
        lambda s: "/account/register",
        {"name": ["Ann"], "email": ["ann@city.example.eu"]}
        | {"password": [NEW_PASSWORD], "password_again": [NEW_PASSWORD]},
        {"name": text("Ann", "Ann  Example"), "email": emails}
        | {"password": passwords, "password_again": passwords},
    ),
    Case(
        "resend",
        lambda s: "/account/confirm",
        {"email": ["known@city.example.eu"]},
        {"email": emails},
    ),
    Case(
        "login",
        lambda s: "/account/login",
        {"email": ["known@city.example.eu"], "password": [PASSWORD], "remember": ["y"]},
        {"email": emails, "password": passwords, "remember": text("y")},
    ),
    Case(
        "forgot-password",
        lambda s: "/account/password",
        {"email": ["known@city.example.eu"]},
        {"email": emails},
    ),
    Case(
        "set-password",
        lambda s: f"/account/password/{s.token}",
        {"password": [NEW_PASSWORD], "password_again": [NEW_PASSWORD]},
        {"password": passwords, "password_again": passwords},
    ),
    Case(
        "login-code",
        lambda s: "/account/login/code",
        {"code": ["123456"]},
        {"code": codes, "recovery_code": codes},
    ),
    # The account
    Case(
        "account",
        lambda s: "/account",
        {"name": ["Ann Example"], "locale": ["de"]},
        {"name": text("Ann"), "locale": text("de", "en", "fr", "xx")},
    ),
    Case(
        "end-sign-in",
        lambda s: "/account/sessions/end",
        {"sign_in": ["1"]},
        {"sign_in": text("1", "2", "0", str(2**40))},
    ),
    Case(
        "change-password",
        lambda s: "/account/change-password",
        {"current_password": [PASSWORD], "password": [NEW_PASSWORD]}
        | {"password_again": [NEW_PASSWORD]},
        {"current_password": passwords, "password": passwords, "password_again": passwords},
    ),
    Case(
        "change-email",
        lambda s: "/account/email",
        {"email": ["new.address@city.example.eu"]},
        {"email": emails},
    ),
    Case(
        "confirm-identity",
        lambda s: "/account/confirm-identity",
        {"password": [PASSWORD], "code": ["123456"]},
        {"password": passwords, "code": codes, "recovery_code": codes},
    ),
    Case(
        "second-factor", lambda s: "/account/second-factor", {"code": ["123456"]}, {"code": codes}
    ),
    Case("download", lambda s: "/account/data", {"password": [PASSWORD]}, {"password": passwords}),
    Case(
        "delete-account",
        lambda s: "/account/delete",
        {"password": [PASSWORD], "understood": ["y"]},
        {"password": passwords, "understood": text("y")},
    ),
    # Administration
    Case(
        "invite-coordinator",
        lambda s: "/admin/coordinators/invite",
        {"form_token": [TOKEN], "email": ["new@coord.example.eu"], "name": ["New"]}
        | {"countries": ["DE", "AT"]},
        {"form_token": tokens.map(lambda t: [t]), "email": emails, "name": text("Neu")}
        | {"countries": countries},
    ),
    Case(
        "coordinator-countries",
        lambda s: f"/admin/coordinators/{s.other.id}",
        {"countries": ["DE", "FR"]},
        {"countries": countries},
    ),
    # Applying
    Case("apply", lambda s: "/apply", APPLICATION, APPLICATION_FIELDS, files=("council_decision",)),
    Case(
        "edit-application",
        lambda s: f"/applications/{s.member.id}/edit",
        APPLICATION | {"version": [VERSION]},
        APPLICATION_FIELDS | {"version": member_versions},
        files=("council_decision",),
    ),
    Case(
        "submit-application",
        lambda s: f"/applications/{s.member.id}/submit",
        {"version": [VERSION]},
        {"version": member_versions},
    ),
    # Actions
    Case("new-action", lambda s: f"/plans/{s.member.id}/actions/new", ACTION, ACTION_FIELDS),
    Case(
        "edit-action",
        lambda s: f"/actions/{s.action.id}/edit",
        {k: v for k, v in ACTION.items() if k not in ("publish", "form_token")},
        ACTION_FIELDS,
    ),
    Case(
        "progress",
        lambda s: f"/actions/{s.action.id}/progress",
        {"reported_on": [date.today().isoformat()], "status": ["in_progress"]}
        | {
            "percent_complete": ["40"],
            "text": ["Half the planters are in."],
            "form_token": [TOKEN],
        },
        {"reported_on": dates.map(lambda d: [d]) | text(date.today().isoformat())}
        | {"status": text("in_progress", "completed", "planned", "cancelled")}
        | {"percent_complete": text("0", "100", "101", "-1")}
        | {"text": text("Two\nlines"), "form_token": tokens.map(lambda t: [t])},
    ),
    Case(
        "cancel-action",
        lambda s: f"/actions/{s.action.id}/cancel",
        {"reason": ["No money."]},
        {"reason": text("No\nmoney")},
    ),
    Case(
        "comment",
        lambda s: f"/actions/{s.action.id}/comments",
        {"body": ["Well done."], "form_token": [TOKEN]},
        {"body": text("Well\ndone"), "form_token": tokens.map(lambda t: [t])},
    ),
    Case(
        "good-practice",
        lambda s: f"/actions/{s.action.id}/good-practice",
        {"good": ["1"]},
        {"good": text("1", "0")},
    ),
    Case(
        "hold",
        lambda s: f"/coordination/members/{s.member.id}/hold",
        {"reason": ["Late with its plan."], "version": [VERSION]},
        {"reason": text("Late\nplan"), "version": member_versions},
    ),
    Case(
        "lift-hold",
        lambda s: f"/coordination/members/{s.member.id}/lift-hold",
        {"reason": ["Caught up."], "version": [VERSION]},
        {"reason": text("Caught up"), "version": member_versions},
    ),
    Case(
        "request-extension",
        lambda s: f"/plans/{s.member.id}/extensions/new",
        {"deadline": [DEADLINE], "until": ["2028-01-31"], "reason": ["Council elections."]},
        {
            "deadline": text(DEADLINE, "plan:1:2020-01-01", "progress:x:y"),
            "until": text("2028-01-31", "2020-01-01", "31/01/2030"),
            "reason": text("Two\nlines"),
        },
    ),
    Case(
        # The answer's fields carry the request's id (one form per request on the page): the
        # setup's request is the first of a fresh database.
        "decide-extension",
        lambda s: f"/coordination/extensions/{s.other.id}",
        {"x1-decision": ["grant"], "x1-new_due_on": ["2028-01-31"], "x1-comment": ["Fine."]},
        {
            "x1-decision": text("grant", "refuse"),
            "x1-new_due_on": text("2028-01-31", "2020-01-01"),
            "x1-comment": text("Two\nlines"),
        },
    ),
    # Review
    Case(
        "decide",
        lambda s: f"/review/{s.member.id}/decide",
        {"decision": ["approve"], "comment": ["Welcome."], "version": [VERSION]},
        {"decision": text("approve", "reject", "request_changes", "hold")}
        | {"comment": text("Two\nlines"), "version": member_versions},
    ),
    Case(
        "member-status",
        lambda s: f"/review/{s.member.id}/status",
        {"action": ["hold"], "reason": ["Late."], "version": [VERSION]},
        {"action": text("hold", "suspend", "withdraw", "reinstate", "approve")}
        | {"reason": text("Two\nlines"), "version": member_versions},
    ),
    Case(
        "helpdesk",
        lambda s: "/review/helpdesk/DE",
        {"de-email": ["helpdesk@coordination.example.eu"], "de-website": ["https://x.example.eu"]},
        {"de-email": emails, "de-website": text("https://x.example.eu", "http://x.eu", "")},
    ),
    # The team
    Case(
        "team-invite",
        lambda s: f"/team/{s.member.id}/invite",
        {"form_token": [TOKEN], "email": ["colleague@city.example.eu"]},
        {"form_token": tokens.map(lambda t: [t]), "email": emails},
    ),
]

BUTTONS = [
    # (name, setup, url): forms with no field but the CSRF token
    ("logout", representative, lambda s: "/account/logout"),
    ("end-other-sessions", representative, lambda s: "/account/sessions/end-others"),
    ("new-recovery-codes", coordinator, lambda s: "/account/second-factor/recovery-codes"),
    (
        "turn-off-second-factor",
        lambda c: representative(c, second_factor=True),
        lambda s: "/account/second-factor/turn-off",
    ),
    ("deactivate", administrator, lambda s: f"/admin/coordinators/{s.other.id}/deactivate"),
    ("reactivate", administrator, lambda s: f"/admin/coordinators/{s.other.id}/reactivate"),
    ("resend-invitation", administrator, lambda s: f"/admin/coordinators/{s.other.id}/invitation"),
    (
        "reset-second-factor",
        administrator,
        lambda s: f"/admin/coordinators/{s.other.id}/second-factor/reset",
    ),
    ("end-sessions", administrator, lambda s: f"/admin/coordinators/{s.other.id}/sessions/end"),
    ("send-mail-again", administrator, lambda s: "/admin/mail/send-again"),
    ("publish", representative, lambda s: f"/actions/{s.action.id}/publish"),
    ("unpublish", representative, lambda s: f"/actions/{s.action.id}/unpublish"),
    (
        "revoke-invitation",
        with_invitation,
        lambda s: f"/team/{s.member.id}/invitations/{s.other.id}/revoke",
    ),
    ("leave", lambda c: representative(c, colleague=True), lambda s: f"/team/{s.member.id}/leave"),
    ("join", invited, lambda s: f"/team/join/{s.token}"),
    ("confirm-email-change", email_change_link, lambda s: f"/account/email/{s.token}"),
    ("accept-invitation", invited, lambda s: f"/team/invitations/{s.other.id}/accept"),
]

SETUPS = {
    "register": nobody,
    "resend": nobody,
    "login": nobody,
    "forgot-password": nobody,
    "set-password": password_link,
    "login-code": pending_code,
    "account": representative,
    "end-sign-in": representative,
    "change-password": representative,
    "change-email": representative,
    "confirm-identity": coordinator,
    "second-factor": representative,
    "download": representative,
    "delete-account": representative,
    "invite-coordinator": administrator,
    "coordinator-countries": administrator,
    "apply": lambda c: representative(c),
    "edit-application": lambda c: representative(c, status=DRAFT),
    "submit-application": lambda c: representative(c, status=DRAFT),
    "new-action": representative,
    "edit-action": representative,
    "progress": representative,
    "cancel-action": representative,
    "comment": coordinator,
    "good-practice": coordinator,
    "hold": coordinator,
    "lift-hold": lambda c: coordinator(c, status=ON_HOLD),
    "decide": lambda c: coordinator(c, status=SUBMITTED),
    "member-status": coordinator,
    "helpdesk": coordinator,
    "request-extension": representative,
    "decide-extension": extension_asked,
    "team-invite": representative,
}

# --- one example ------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
        if table.name not in NOT_COUNTED
    }


def fresh(app, setup: Callable) -> FlaskSetup:
    """An empty database and a new browser, then the case's people and data."""
    db.session.remove()  # the test's session holds nothing (PostgreSQL's TRUNCATE would wait)
    _reset(app)
    return setup(app.test_client())


def concrete(values: list, setup: FlaskSetup) -> list:
    out = []
    for value in values:
        if value is TOKEN:
            value = factories.form_token()
        elif value is VERSION:
            value = str(db.session.get(Member, setup.member.id).version)
        elif value is DEADLINE:
            value = plan_deadline(db.session.get(Member, setup.member.id))
        out.append(value)
    return out


def post_and_check(app, setup: FlaskSetup, url: str, posted: dict, upload: bytes | None = None):
    data = MultiDict()
    for name, field_values in posted.items():
        for value in concrete(field_values, setup):
            data.add(name, value)
    if upload is not None:
        data.add("council_decision", (io.BytesIO(upload), "decision.pdf"))
    before = row_counts()
    response = setup.client.post(url, data=data, content_type="multipart/form-data")
    status = response.status_code
    assert status < 500, f"{status} for {url} with {data!r}"
    assert status in STATUSES, f"undocumented {status} for {url} with {data!r}"
    assert b"\x00" not in response.data, f"a raw NUL echoed by {url}"
    if 400 <= status < 500:
        after = row_counts()
        changed = {name for name in before if before[name] != after[name]}
        assert not changed, f"{status} for {url}, yet rows changed in {sorted(changed)}: {data!r}"
    db.session.remove()
    return response


@st.composite
def postings(draw, case: Case) -> dict:
    """A posting: a valid one with one to three fields spoilt, or every field drawn."""
    if case.valid and draw(st.booleans()):
        posted = dict(case.valid)
        names = sorted(case.fields)
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
            posted[name] = draw(case.fields[name])
    else:
        posted = {name: draw(strategy) for name, strategy in case.fields.items()}
    if draw(st.integers(0, 9)) == 0:  # a field no form has
        posted[draw(junk_names)] = [draw(junk)]
    return {name: v for name, v in posted.items() if v}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_no_input_breaks_a_form(app, case: Case):
    setup_for = SETUPS[case.name]

    @FUZZ
    @given(posted=postings(case), upload=_files() if case.files else st.none())
    def check(posted, upload):
        setup = fresh(app, setup_for)
        post_and_check(app, setup, case.url(setup), posted, upload)

    check()


@pytest.mark.parametrize("setup_for, url", [b[1:] for b in BUTTONS], ids=[b[0] for b in BUTTONS])
def test_no_input_breaks_a_button(app, setup_for, url):
    @BUTTON_FUZZ
    @given(posted=st.dictionaries(junk_names, values(), max_size=3))
    def check(posted):
        setup = fresh(app, setup_for)
        post_and_check(app, setup, url(setup), {k: v for k, v in posted.items() if v})

    check()


def test_every_posting_route_is_covered(app):
    """A new route that takes POST needs a case here."""
    some = SimpleNamespace(id=1)
    setup = FlaskSetup(None, user=some, member=some, action=some, other=some, token="t")
    urls = [case.url(setup) for case in CASES] + [url(setup) for _, _, url in BUTTONS]
    adapter = app.url_map.bind("localhost")
    covered = [adapter.match(url, method="POST")[0] for url in urls]
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert sorted(covered) == sorted(posting)


# --- any refused character in any text field: an error next to the field ---------------------


def _forms() -> dict:
    """Every form of the portal, by name, as a maker taking the form data."""
    from portal.account import forms as account
    from portal.admin import forms as admin
    from portal.audit import forms as audit
    from portal.auth import forms as auth
    from portal.membership import forms as membership
    from portal.pledges import forms as pledges
    from portal.review import forms as review
    from portal.team import forms as team

    arguments = {
        auth.AccountForm: {"languages": [("en", "English")]},
        auth.ConfirmIdentityForm: {"needs_code": True},
        audit.AuditFilterForm: {"countries": None},
        review.MemberStatusForm: {"actions": []},
        review.QueueFilterForm: {"countries": {"DE"}},
        review.MembersFilterForm: {"countries": {"DE"}},
    }
    forms = {}
    for module in (account, admin, audit, auth, membership, pledges, review, team):
        for form in vars(module).values():
            ours = isinstance(form, type) and form.__module__ == module.__name__
            ours = ours and not form.__name__.startswith("_")
            if ours and issubclass(form, PortalForm):
                forms[form.__name__] = (form, arguments.get(form, {}))
    return forms


FORMS = _forms()


@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_a_refused_character_in_any_text_field_is_shown_next_to_it(app, form_name):
    form_class, arguments = FORMS[form_name]
    with app.test_request_context("/", method="POST"):
        blank = form_class(formdata=None, **arguments)
        fields = sorted(
            name
            for name, bound in blank._fields.items()
            if isinstance(bound, StringField) and not isinstance(bound, PasswordField)
        )
    if not fields:
        pytest.skip(f"{form_name} has no text field")

    @FUZZ
    @given(
        name=st.sampled_from(fields),
        before=any_text,
        refused=st.sampled_from(REFUSED),
        after=any_text,
    )
    def check(name, before, refused, after):
        typed = before + refused + after
        with app.test_request_context("/", method="POST", data={name: typed}):
            form = form_class(**arguments)
            form.validate()
            field = form._fields[name]
            assert field.errors, f"{name} of {form_name} takes {typed!r}"
            assert text_problem(field._value(), multiline=True) is None, "drawn back unmarked"

    check()


# --- what the fuzz found, each kept as a plain example ----------------------------------------


def test_a_whole_number_too_large_for_any_column_is_refused_next_to_the_field(client, login):
    from portal.models import ProgressUpdate
    from tests.test_pledges import field_error

    user = make_user()
    action = make_action(make_member(representatives=[user]))
    login(user)
    response = client.post(
        f"/actions/{action.id}/progress",
        data={"reported_on": date.today().isoformat(), "status": "in_progress"}
        | {"percent_complete": "1" * 400, "text": "Done.", "form_token": factories.form_token()},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "percent_complete") == "Give a percentage from 0 to 100."
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == 0


def test_a_nul_in_a_date_or_number_is_drawn_back_marked(client, login):
    user = make_user()
    member = make_member(representatives=[user])
    login(user)
    response = client.post(
        f"/plans/{member.id}/actions/new",
        data={"title": "Planters", "start_date": "2025\x00", "budget_eur": "1\x00"},
    )
    assert response.status_code == 422
    assert b"\x00" not in response.data
    assert 'value="2025\ufffd"' in response.get_data(as_text=True)


@pytest.mark.parametrize("ending", ["\x1c", "\x1f", "\x85", "\u2028"])
def test_a_single_line_text_ending_in_a_control_character_is_refused(app, ending):
    from portal.auth.forms import AccountForm

    with app.test_request_context("/", method="POST", data={"name": "Ann" + ending}):
        form = AccountForm(languages=[("en", "English")])
        assert not form.validate()
        assert form.name.errors

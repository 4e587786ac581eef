"""States, roles and decisions are enums carrying their labels; the stored strings never change."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select, text

from config import Config
from portal.extensions import db
from portal.models import Action, Member, StatusChange, User
from portal.models.members import (
    MEMBER_STATUSES,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    STATUSES,
    Decision,
    MemberAction,
    MemberStatus,
)
from portal.models.pledges import ACTION_STATUSES, OPEN_ACTION_STATUSES, ActionStatus
from portal.models.users import ROLES, Role
from portal.pledges.catalog import PROGRESS_STATUSES, progress_status_choices
from tests.factories import make_action, make_coordinator, make_member, make_update

ROOT = Path(__file__).resolve().parents[1]
ENUMS = (MemberStatus, ActionStatus, Role, Decision, MemberAction)
LANGS = [lang for lang in Config.LANGUAGES if lang != "en"]

# The strings the database has always held (and the forms have always sent).
STORED = {
    MemberStatus: {
        "draft",
        "submitted",
        "changes_requested",
        "rejected",
        "approved",
        "on_hold",
        "suspended",
        "withdrawn",
    },
    ActionStatus: {"planned", "in_progress", "completed", "cancelled"},
    Role: {"representative", "coordinator", "admin"},
    Decision: {"approve", "reject", "request_changes"},
    MemberAction: {"hold", "suspend", "withdraw", "reinstate"},
}


def _catalogue(lang: str) -> dict[str, str]:
    path = ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id}


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_stored_strings_are_unchanged(enum):
    assert {member.value for member in enum} == STORED[enum]
    for member in enum:
        assert member == member.value and str(member) == member.value
        assert f"{member}" == member.value


def test_the_status_groups_keep_their_members():
    assert set(STATUSES) == STORED[MemberStatus]
    assert set(OPEN_STATUSES) == {
        "submitted",
        "changes_requested",
        "approved",
        "on_hold",
        "suspended",
    }
    assert set(PUBLIC_STATUSES) == {"approved", "on_hold"}
    assert set(MEMBER_STATUSES) == {"approved", "on_hold", "suspended", "withdrawn"}
    assert set(ACTION_STATUSES) == STORED[ActionStatus]
    assert set(OPEN_ACTION_STATUSES) == {"planned", "in_progress"}
    assert set(PROGRESS_STATUSES) == {"planned", "in_progress", "completed"}
    assert set(ROLES) == STORED[Role]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_an_english_label(enum):
    with force_locale("en"):
        for member in enum:
            assert str(member.label).strip(), member
            assert str(member.label) != member.value, member


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_translated_label_in_every_language(enum, lang):
    catalogue = _catalogue(lang)
    for member in enum:
        english = member.label._args[0]
        assert catalogue.get(english), f"{enum.__name__}.{member.name}: no {lang} translation"
        with force_locale(lang):
            assert str(member.label) == catalogue[english]


def test_labels_keep_the_texts_the_catalogues_hold():
    with force_locale("en"):
        assert str(MemberStatus.APPROVED.label) == "Active member"
        assert str(ActionStatus.IN_PROGRESS.label) == "In progress"
        assert str(Role.REPRESENTATIVE.label) == "City representative"
        assert str(Decision.REJECT.label) == "Reject: the application is closed"


def test_decisions_and_member_actions_lead_to_their_status():
    assert {d: d.status for d in Decision} == {
        Decision.APPROVE: MemberStatus.APPROVED,
        Decision.REJECT: MemberStatus.REJECTED,
        Decision.REQUEST_CHANGES: MemberStatus.CHANGES_REQUESTED,
    }
    assert {a: a.status for a in MemberAction} == {
        MemberAction.HOLD: MemberStatus.ON_HOLD,
        MemberAction.SUSPEND: MemberStatus.SUSPENDED,
        MemberAction.WITHDRAW: MemberStatus.WITHDRAWN,
        MemberAction.REINSTATE: MemberStatus.APPROVED,
    }


def test_get_finds_a_stored_value_and_nothing_else():
    assert MemberStatus.get("on_hold") is MemberStatus.ON_HOLD
    assert Decision.get("approve") is Decision.APPROVE
    assert Decision.get("approved") is None
    assert Decision.get(None) is None
    assert Decision.get("") is None


def test_choices_pair_the_value_with_the_label():
    with force_locale("en"):
        assert [(v, str(label)) for v, label in progress_status_choices()] == [
            ("planned", "Planned"),
            ("in_progress", "In progress"),
            ("completed", "Completed"),
        ]
        assert [v for v, _label in MemberAction.choices()] == [
            "hold",
            "suspend",
            "withdraw",
            "reinstate",
        ]


def test_columns_read_back_as_enums_and_store_the_plain_string():
    coordinator = make_coordinator("DE")
    member = make_member(status="on_hold")
    action = make_action(member, status="planned")
    make_update(action, status="in_progress")
    db.session.add(StatusChange(member_id=member.id, from_status="approved", to_status="on_hold"))
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Member, member.id).status is MemberStatus.ON_HOLD
    assert db.session.get(User, coordinator.id).role is Role.COORDINATOR
    loaded = db.session.get(Action, action.id)
    assert loaded.status is ActionStatus.IN_PROGRESS
    assert loaded.updates[0].status is ActionStatus.IN_PROGRESS
    change = db.session.scalar(select(StatusChange).where(StatusChange.member_id == member.id))
    assert (change.from_status, change.to_status) == (MemberStatus.APPROVED, MemberStatus.ON_HOLD)
    assert isinstance(change.to_status, MemberStatus)

    raw = db.session.execute(
        text("SELECT status FROM members WHERE id = :id"), {"id": member.id}
    ).scalar()
    assert type(raw) is str and raw == "on_hold"
    role = db.session.execute(
        text("SELECT role FROM users WHERE id = :id"), {"id": coordinator.id}
    ).scalar()
    assert type(role) is str and role == "coordinator"


def test_a_string_assigned_is_the_enum_at_once():
    member = Member(status="submitted")
    assert member.status is MemberStatus.SUBMITTED
    member.status = "approved"
    assert member.status is MemberStatus.APPROVED
    assert member.status.label == MemberStatus.APPROVED.label


def test_a_value_that_is_no_state_is_refused():
    with pytest.raises(ValueError):
        Member(status="active")
    with pytest.raises(ValueError):
        User(role="superuser")


# A quoted known state, role or decision on either side of a comparison in a template.
_VALUES = sorted(set().union(*STORED.values()), key=len, reverse=True)
_QUOTED = r"""['"](?:""" + "|".join(_VALUES) + r""")['"]"""
_COMPARISON = re.compile(
    rf"(?:(?:==|!=)\s*{_QUOTED})|(?:{_QUOTED}\s*(?:==|!=))"
    rf"|(?:\bin\s*[\(\[][^\)\]]*{_QUOTED})"
)


def _literal_comparisons(paths) -> list[str]:
    offenders = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _COMPARISON.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return offenders


def test_no_template_compares_a_state_literal():
    found = sorted((ROOT / "templates").rglob("*"))
    templates = [p for p in found if p.suffix in (".html", ".txt")]
    offenders = _literal_comparisons(templates)
    assert offenders == [], "compare with the enums (MemberStatus.APPROVED ...):\n" + "\n".join(
        offenders
    )


def test_no_module_compares_a_state_literal():
    offenders = _literal_comparisons(sorted((ROOT / "portal").rglob("*.py")))
    assert offenders == [], "compare with the enums (Role.REPRESENTATIVE ...):\n" + "\n".join(
        offenders
    )


def test_the_literal_check_catches_a_comparison():
    assert _COMPARISON.search('{% if member.status == "approved" %}')
    assert _COMPARISON.search("{% if member.status in ('approved', 'on_hold') %}")
    assert _COMPARISON.search('{% if current_user.role != "admin" %}')
    assert not _COMPARISON.search("{% if member.status == MemberStatus.APPROVED %}")
    assert not _COMPARISON.search('<span class="badge badge-on_hold">')

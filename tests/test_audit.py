"""The audit trail: one entry per privileged action, written in the action's own transaction
(a refused or failed change leaves none), with no secret and no personal data in it; and the
trail is append-only."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from portal.core import audit
from portal.extensions import db as _db
from portal.models import AppendOnlyError, AuditEntry, Invitation, Member, User, utcnow
from portal.pledges import service as pledges
from tests import factories
from tests.conftest import sign_in
from tests.factories import form_token, make_action, make_coordinator, make_member, make_user


def entries(**where) -> list[AuditEntry]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def count() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(AuditEntry))


def the_entry(action: str) -> AuditEntry:
    found = entries(action=action)
    assert len(found) == 1, [e.action for e in entries()]
    return found[0]


def check(entry, actor, target_type, target, country, *never):
    """The entry's actor, target and country; and none of `never` anywhere in it."""
    assert entry.actor_id == (actor.id if actor is not None else None)
    assert entry.actor_label == (f"{actor.role} #{actor.id}" if actor is not None else "")
    assert entry.target_type == target_type
    assert entry.target_id == (target.id if target is not None else None)
    assert entry.country == country
    assert entry.at is not None and utcnow() - entry.at < timedelta(minutes=1)
    text = json.dumps([entry.actor_label, entry.target_label, entry.details])
    for value in (factories.PASSWORD, *never):
        assert value not in text, f"{value!r} in the audit entry {text}"


def login_as(client, user):
    client.post("/account/logout")
    response = sign_in(client, user)
    assert response.status_code == 302


def signed_in(client, user):
    """Sign in and drop the sign-in's own entry, so a test sees only what follows."""
    login_as(client, user)
    assert entries(action="auth.signed_in", actor_id=user.id)


# ---- record() --------------------------------------------------------------------------


def test_record_adds_to_the_session_without_committing(db):
    admin = make_user(role="admin")
    entry = audit.record(admin, "coordinator.invited", admin, countries=["AT"])
    assert entry in db.session.new
    db.session.rollback()
    assert count() == 0


SECRET_KEYS = ["password", "new_password", "token", "reset_token", "code", "otp", "password_hash"]


@pytest.mark.parametrize("key", [*SECRET_KEYS, "api_key", "secret", "session_id"])
def test_record_refuses_secret_looking_details(db, key):
    with pytest.raises(audit.AuditDetailError):
        audit.record(None, "auth.sign_in_failed", **{key: "x"})


def test_record_refuses_unknown_actions_and_values_that_are_not_plain(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(None, "member.renamed")
    with pytest.raises(audit.AuditDetailError):
        audit.record(None, "auth.sign_in_failed", reason={"nested": "dict"})
    with pytest.raises(audit.AuditDetailError):
        audit.record(None, "auth.sign_in_failed", reason=[object()])


def test_record_takes_the_country_from_the_target_and_keeps_texts_short(db):
    member = make_member(country="PL", name="Wrocław")
    action = make_action(member, title="x" * 200)
    coordinator = make_coordinator("PL")
    assert audit.record(coordinator, "member.suspended", member).country == "PL"
    entry = audit.record(coordinator, "action.commented", action, note="y" * 500)
    assert entry.country == "PL" and len(entry.target_label) == 120
    assert len(entry.details["note"]) == audit.TEXT_MAX
    db.session.commit()
    assert entries()[0].target_label == "Wrocław"


# ---- append-only -----------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_orm(db):
    audit.record(None, "auth.sign_in_failed", reason="unknown_account")
    db.session.commit()
    entry = entries()[0]
    entry.action = "auth.signed_in"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entries()[0])
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.execute(update(AuditEntry).values(action="auth.signed_in"))
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()
    assert [e.action for e in entries()] == ["auth.sign_in_failed"]


def test_status_history_stays_append_only_by_the_same_mechanism(db):
    from portal.models import StatusChange

    with pytest.raises(AppendOnlyError):
        db.session.execute(delete(StatusChange))
    db.session.rollback()


def test_an_erased_account_leaves_its_entries_with_a_label_and_no_link(db):
    coordinator = make_coordinator("DE")
    member = make_member(country="DE")
    audit.record(coordinator, "member.suspended", member)
    db.session.commit()
    number = coordinator.id
    db.session.delete(coordinator)
    db.session.commit()
    (entry,) = entries()
    assert entry.actor_id is None and entry.actor_label == f"coordinator #{number}"
    assert entry.target_label == member.name


# ---- sign-in ---------------------------------------------------------------------------


def test_sign_in_success_and_failures(client, db):
    user = make_user(email="ana@city.example.eu")
    login_as(client, user)
    check(the_entry("auth.signed_in"), user, "user", user, None, user.email)

    client.post("/account/logout")
    client.post("/account/login", data={"email": user.email, "password": "not the password"})
    wrong = the_entry("auth.sign_in_failed")
    check(wrong, None, "user", user, None, user.email, "not the password")
    assert wrong.details == {"reason": "wrong_password"}

    client.post(
        "/account/login", data={"email": "nobody@nowhere.example.eu", "password": "guess 12345"}
    )
    unknown = entries(action="auth.sign_in_failed")[-1]
    check(unknown, None, None, None, None, "nobody@nowhere.example.eu", "guess 12345")
    assert unknown.details == {"reason": "unknown_account"} and unknown.target_label == ""

    user.active = False
    db.session.commit()
    response = client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 403
    deactivated = entries(action="auth.sign_in_failed")[-1]
    check(deactivated, None, "user", user, None, user.email)
    assert deactivated.details == {"reason": "deactivated"}


# ---- administrators --------------------------------------------------------------------


@pytest.fixture
def admin(client):
    admin = make_user(role="admin", name="Ada Admin")
    signed_in(client, admin)
    return admin


def test_coordinator_invitation_and_its_resending(client, admin, mailbox):
    client.post(
        "/admin/coordinators/invite",
        data={
            "form_token": form_token(),
            "email": "nadia@interior.example.at",
            "name": "Nadia",
            "countries": ["AT", "SI"],
        },
    )
    nadia = _db.session.scalar(select(User).where(User.email == "nadia@interior.example.at"))
    link = mailbox.last_link(nadia.email, "/account/password/")
    entry = the_entry("coordinator.invited")
    check(entry, admin, "user", nadia, None, nadia.email, "Nadia", link.rsplit("/", 1)[-1])
    assert entry.details == {"countries": ["AT", "SI"]}
    assert entry.target_label == f"coordinator #{nadia.id}"

    client.post(f"/admin/coordinators/{nadia.id}/invitation")
    resent = the_entry("coordinator.invitation_resent")
    check(resent, admin, "user", nadia, None, nadia.email)


def test_a_refused_invitation_leaves_no_entry(client, admin):
    make_coordinator("AT", email="taken@interior.example.at")
    client.post(
        "/admin/coordinators/invite",
        data={
            "form_token": form_token(),
            "email": "taken@interior.example.at",
            "name": "X",
            "countries": ["AT"],
        },
    )
    assert entries(action="coordinator.invited") == []


def test_country_changes_deactivation_and_reactivation(client, admin):
    coordinator = make_coordinator("DE", "AT")
    client.post(f"/admin/coordinators/{coordinator.id}", data={"countries": ["AT", "PL"]})
    changed = the_entry("coordinator.countries_changed")
    check(changed, admin, "user", coordinator, None, coordinator.email)
    assert changed.details == {"before": ["AT", "DE"], "after": ["AT", "PL"]}
    # Saving the same countries again changes nothing and records nothing.
    client.post(f"/admin/coordinators/{coordinator.id}", data={"countries": ["AT", "PL"]})
    assert len(entries(action="coordinator.countries_changed")) == 1
    # An empty choice is refused: no entry.
    client.post(f"/admin/coordinators/{coordinator.id}", data={})
    assert len(entries(action="coordinator.countries_changed")) == 1

    client.post(f"/admin/coordinators/{coordinator.id}/deactivate")
    check(the_entry("coordinator.deactivated"), admin, "user", coordinator, None)
    client.post(f"/admin/coordinators/{coordinator.id}/reactivate")
    check(the_entry("coordinator.reactivated"), admin, "user", coordinator, None)


# ---- applications and members -----------------------------------------------------------


def test_submitting_an_application(client):
    rep = make_user()
    member = make_member(status="draft", representatives=[rep], country="AT")
    factories.make_council_decision(member)
    signed_in(client, rep)
    client.post(f"/applications/{member.id}/submit", data={"version": member.version})
    entry = the_entry("application.submitted")
    check(entry, rep, "member", member, "AT", rep.email, member.contact_email)
    assert entry.details == {"from_status": "draft", "to_status": "submitted"}
    assert entry.target_label == member.name


@pytest.mark.parametrize(
    ("decision", "comment", "action", "status"),
    [
        ("approve", "", "application.approved", "approved"),
        ("reject", "Not a municipality.", "application.rejected", "rejected"),
        ("request_changes", "Sign the PDF.", "application.changes_requested", "changes_requested"),
    ],
)
def test_every_decision(client, decision, comment, action, status):
    coordinator = make_coordinator("DE")
    member = make_member(status="submitted", representatives=[make_user()])
    signed_in(client, coordinator)
    client.post(
        f"/review/{member.id}/decide",
        data={"decision": decision, "comment": comment, "version": member.version},
    )
    entry = the_entry(action)
    check(entry, coordinator, "member", member, "DE", coordinator.email, comment or "-")
    assert entry.details == {"from_status": "submitted", "to_status": status}


def test_a_stale_decision_leaves_no_entry(client):
    coordinator = make_coordinator("DE")
    member = make_member(status="submitted")
    seen = member.version
    member.version += 1
    _db.session.commit()
    signed_in(client, coordinator)
    response = client.post(
        f"/review/{member.id}/decide", data={"decision": "approve", "version": seen}
    )
    assert response.status_code == 302
    assert _db.session.get(Member, member.id).status == "submitted"
    assert entries(action="application.approved") == []


def test_a_decision_whose_mail_fails_leaves_no_entry(client, monkeypatch):
    from portal.review import service as review

    coordinator = make_coordinator("DE")
    member = make_member(status="submitted")

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(review, "_notify_representatives", broken)
    with pytest.raises(RuntimeError):
        review.approve_application(coordinator, member, "", member.version)
    assert _db.session.get(Member, member.id).status == "submitted"
    assert count() == 0


@pytest.mark.parametrize(
    ("start", "action", "reason", "name", "to_status"),
    [
        ("approved", "hold", "Late", "member.put_on_hold", "on_hold"),
        ("approved", "suspend", "Misuse", "member.suspended", "suspended"),
        ("on_hold", "withdraw", "Asked to", "member.withdrawn", "withdrawn"),
        ("suspended", "reinstate", "", "member.reinstated", "approved"),
        ("on_hold", "reinstate", "", "member.hold_lifted", "approved"),
    ],
)
def test_every_member_status_change(client, start, action, reason, name, to_status):
    coordinator = make_coordinator("FR")
    member = make_member(status=start, country="FR")
    signed_in(client, coordinator)
    client.post(
        f"/review/{member.id}/status",
        data={"action": action, "reason": reason, "version": member.version},
    )
    entry = the_entry(name)
    check(entry, coordinator, "member", member, "FR", coordinator.email)
    assert entry.details == {"from_status": start, "to_status": to_status}


def test_holds_for_lateness_and_lifting_them(client):
    coordinator = make_coordinator("DE")
    late = make_member(approved_at=utcnow() - timedelta(days=400), representatives=[make_user()])
    on_track = make_member(approved_at=utcnow() - timedelta(days=10))
    signed_in(client, coordinator)
    client.post(
        f"/coordination/members/{on_track.id}/hold",
        data={"version": on_track.version, "reason": "Not late at all"},
    )
    assert entries(action="member.put_on_hold") == []  # refused: not late

    client.post(
        f"/coordination/members/{late.id}/hold", data={"version": late.version, "reason": "Late"}
    )
    check(the_entry("member.put_on_hold"), coordinator, "member", late, "DE")
    late = _db.session.get(Member, late.id)
    client.post(f"/coordination/members/{late.id}/lift-hold", data={"version": late.version})
    lifted = the_entry("member.hold_lifted")
    check(lifted, coordinator, "member", late, "DE")
    assert lifted.details == {"from_status": "on_hold", "to_status": "approved"}


# ---- actions ---------------------------------------------------------------------------


def test_good_practice_marks_and_unmarks(client):
    member = make_member(country="IT")
    action = make_action(member, status="completed", percent_complete=100, title="Stewards")
    planned = make_action(member, title="Not yet done")
    coordinator = make_coordinator("IT")
    signed_in(client, coordinator)
    client.post(f"/actions/{planned.id}/good-practice", data={"good": "1"})
    assert entries(action="action.marked_good_practice") == []  # refused: not completed

    client.post(f"/actions/{action.id}/good-practice", data={"good": "1"})
    client.post(f"/actions/{action.id}/good-practice", data={"good": "1"})  # already marked
    marked = the_entry("action.marked_good_practice")
    check(marked, coordinator, "action", action, "IT")
    assert marked.target_label == "Stewards"
    client.post(f"/actions/{action.id}/good-practice", data={"good": "0"})
    check(the_entry("action.unmarked_good_practice"), coordinator, "action", action, "IT")


def test_comments(client, monkeypatch):
    member = make_member(country="ES", representatives=[make_user()])
    action = make_action(member)
    coordinator = make_coordinator("ES")
    signed_in(client, coordinator)
    client.post(f"/actions/{action.id}/comments", data={"form_token": form_token(), "body": ""})
    assert entries(action="action.commented") == []  # refused: empty
    client.post(
        f"/actions/{action.id}/comments",
        data={"form_token": form_token(), "body": "Please add the budget."},
    )
    entry = the_entry("action.commented")
    check(entry, coordinator, "action", action, "ES", "Please add the budget.")
    assert set(entry.details) == {"comment_id"}

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(pledges, "queue_mail", broken)
    with pytest.raises(RuntimeError):
        pledges.add_comment(coordinator, action, "Second comment")
    assert len(entries(action="action.commented")) == 1


# ---- teams -----------------------------------------------------------------------------


def test_team_invitation_revocation_join_and_leave(client, mailbox):
    rep = make_user(email="rep@city.example.eu")
    member = make_member(country="PL", representatives=[rep])
    colleague = make_user(email="colleague@city.example.eu")
    signed_in(client, rep)
    client.post(
        f"/team/{member.id}/invite",
        data={"form_token": form_token(), "email": "someone@city.example.eu"},
    )
    first = the_entry("team.invited")
    check(first, rep, "member", member, "PL", "someone@city.example.eu")
    invitation = _db.session.scalar(select(Invitation))
    assert first.details == {"invitation_id": invitation.id}
    client.post(f"/team/{member.id}/invitations/{invitation.id}/revoke")
    revoked = the_entry("team.invitation_revoked")
    check(revoked, rep, "member", member, "PL", "someone@city.example.eu")

    client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": colleague.email}
    )
    link = mailbox.last_link(colleague.email, "/team/join/")
    token = link.rsplit("/", 1)[-1]
    for entry in entries(action="team.invited"):
        check(entry, rep, "member", member, "PL", token, colleague.email)

    signed_in(client, colleague)
    client.post(link)
    joined = the_entry("team.joined")
    check(joined, colleague, "member", member, "PL", token, colleague.email)

    client.post(f"/team/{member.id}/leave")
    check(the_entry("team.left"), colleague, "member", member, "PL", colleague.email)
    # The last representative cannot leave: refused, no entry.
    signed_in(client, rep)
    client.post(f"/team/{member.id}/leave")
    assert len(entries(action="team.left")) == 1


def test_a_refused_team_invitation_leaves_no_entry(client):
    rep = make_user()
    member = make_member(representatives=[rep])
    signed_in(client, rep)
    client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": rep.email}
    )  # represents already
    client.post(
        f"/team/{member.id}/invite", data={"form_token": form_token(), "email": "not an address"}
    )
    assert entries(action="team.invited") == []


def test_a_persons_own_entries_are_in_their_data_download(client):
    user = make_user()
    login_as(client, user)
    response = client.post("/account/data", data={"password": factories.PASSWORD})
    entries_downloaded = json.loads(response.get_data(as_text=True))["audit_entries"]
    assert [e["action"] for e in entries_downloaded] == ["auth.signed_in"]
    assert entries_downloaded[0]["target_id"] == user.id

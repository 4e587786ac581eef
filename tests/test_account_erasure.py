"""'Delete my account': the person's data goes, the covenant's record stays under a pseudonym."""

from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from portal.account import erasure
from portal.core.errors import NotAllowed
from portal.extensions import db as _db
from portal.models import (
    Action,
    AuditEntry,
    Base,
    Invitation,
    Member,
    OutboxMail,
    Representation,
    User,
)
from tests.factories import PASSWORD, make_coordinator, make_member, make_user
from tests.personal_data import make_footprint


def delete_account(client, login, user, password=PASSWORD, understood=True):
    login(user)
    data = {"password": password}
    if understood:
        data["understood"] = "y"
    return client.post("/account/delete", data=data)


def every_text_in_the_database() -> str:
    texts = []
    with _db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in conn.execute(select(*columns)):
                    texts.extend(str(value) for value in row if value)
    return "\n".join(texts)


def test_erasure_leaves_nothing_personal_and_keeps_the_record(client, login, app):
    trace = make_footprint()
    rep_id, member_id, shared_id, draft_id = (
        trace.rep.id,
        trace.member.id,
        trace.shared.id,
        trace.draft.id,
    )
    draft_file = Path(app.config["UPLOAD_DIR"]) / trace.decision.id
    assert draft_file.exists()

    response = delete_account(client, login, trace.rep)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    _db.session.expire_all()

    text = every_text_in_the_database()
    for personal in ("Anna", "anna@musterstadt.example.eu", "+49 30 1234567", "+49 30 7654321"):
        assert personal not in text, personal
    user = _db.session.get(User, rep_id)
    assert user.email == f"erased-{rep_id}@erased.invalid"
    assert user.name == "" and user.password_hash is None and not user.active
    assert user.locale is None and user.last_login_at is None
    assert user.erased_at is not None
    # The memberships stay; the draft only she represented is gone with its file.
    assert _db.session.get(Member, member_id).status == "approved"
    assert _db.session.get(Member, shared_id).status == "approved"
    assert _db.session.get(Member, draft_id) is None
    assert not draft_file.exists()
    assert _db.session.scalars(select(Representation.user_id)).all() == [trace.colleague.id]
    # Her sent invitation stays (the colleague may still join); those to her are gone.
    assert [i.email for i in _db.session.scalars(select(Invitation))] == [
        "dora@musterstadt.example.eu"
    ]
    # The colleague's own data is untouched.
    assert "Ben Colleague" in text and "ben@musterstadt.example.eu" in text


def test_the_history_names_a_former_representative(client, login):
    trace = make_footprint()
    rep_id = trace.rep.id
    delete_account(client, login, trace.rep)
    client.post("/account/logout")
    login(trace.coordinator)
    page = client.get(f"/applications/{trace.member.id}").get_data(as_text=True)
    assert f"former representative #{rep_id}" in page
    assert "Clara Coordinator" in page
    action_id = _db.session.scalar(select(Action.id).where(Action.member_id == trace.member.id))
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Report on the planters." in page
    assert f"former representative #{rep_id}" in page


def test_a_former_coordinator_in_history_comments_and_good_practice(client, login):
    trace = make_footprint()
    coordinator_id = trace.coordinator.id
    other = make_coordinator("DE", name="Dieter Nachfolger")
    delete_account(client, login, trace.coordinator)
    client.post("/account/logout")
    login(trace.rep)  # Anna reads German
    page = client.get(f"/applications/{trace.member.id}").get_data(as_text=True)
    assert f"ehemalige Koordination #{coordinator_id}" in page
    assert "Clara" not in page
    action_id = _db.session.scalar(select(Action.id).where(Action.member_id == trace.member.id))
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Well done." in page
    assert f"ehemalige Koordination #{coordinator_id}" in page
    assert "Clara" not in page
    assert other.active


def test_erasure_signs_out_every_session(app, client, login):
    user = make_user()
    other_device = app.test_client()
    response = other_device.post(
        "/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    assert other_device.get("/account").status_code == 200
    delete_account(client, login, user)
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    # Nor can anyone sign in with the old credentials.
    again = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert again.status_code == 200


def test_the_address_can_register_again_afterwards(client, login):
    user = make_user(email="reuse@city.example.eu")
    delete_account(client, login, user)
    response = client.post(
        "/account/register",
        data={
            "name": "New Me",
            "email": "reuse@city.example.eu",
            "password": "a new long passphrase",
            "password_again": "a new long passphrase",
        },
    )
    assert response.status_code == 200
    users = _db.session.scalars(select(User).where(User.email == "reuse@city.example.eu")).all()
    assert len(users) == 1 and users[0].id != user.id


def test_the_last_representative_leaving_tells_the_coordinators(client, login, mailbox):
    rep = make_user(name="Solo Officer")
    coordinator = make_coordinator("DE", name="Clara Coordinator")
    make_coordinator("FR")
    member = make_member(name="Einsamstadt", representatives=[rep])
    delete_account(client, login, rep)
    mails = mailbox.to(coordinator.email)
    assert len(mails) == 1
    body = mailbox.body(mails[0])
    assert "Einsamstadt" in mails[0]["Subject"]
    assert f"/applications/{member.id}" in body
    assert "Solo" not in body and rep.email not in body
    assert len(mailbox.messages) == 1  # not the French coordinator


def test_a_member_with_other_representatives_tells_no_one(client, login, mailbox):
    rep, colleague = make_user(), make_user()
    make_coordinator("DE")
    make_member(representatives=[rep, colleague])
    delete_account(client, login, rep)
    assert mailbox.messages == []


def test_a_failure_changes_nothing(client, login, monkeypatch):
    rep = make_user(name="Solo Officer")
    make_coordinator("DE")
    member = make_member(representatives=[rep])

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(erasure, "queue_mail", broken)
    login(rep)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    finally:
        client.application.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    _db.session.rollback()
    _db.session.expire_all()
    assert _db.session.get(User, rep.id).name == "Solo Officer"
    assert _db.session.get(User, rep.id).active
    assert _db.session.get(Representation, (member.id, rep.id)) is not None


@pytest.mark.parametrize(
    ("password", "understood", "message"),
    [
        ("wrong password", True, "This is not your current password."),
        (PASSWORD, False, "Tick this box to confirm."),
        ("", True, "Enter your current password."),
    ],
)
def test_without_password_and_confirmation_nothing_is_erased(
    client, login, password, understood, message
):
    user = make_user(name="Careful Officer")
    response = delete_account(client, login, user, password=password, understood=understood)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(User, user.id).name == "Careful Officer"
    assert client.get("/account").status_code == 200


def test_the_page_warns_and_is_not_stored(client, login):
    login(make_user())
    page = client.get("/account/delete")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    text = page.get_data(as_text=True)
    assert "This cannot be undone." in text
    assert '<label for="understood">' in text and '<label for="password">' in text


def test_the_only_administrator_cannot_erase_their_account(client, login):
    admin = make_user(role="admin", name="Only Admin")
    response = delete_account(client, login, admin)
    assert response.status_code == 400
    assert "only administrator" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(User, admin.id).name == "Only Admin"


def test_an_administrator_with_a_colleague_can(client, login):
    admin = make_user(role="admin")
    make_user(role="admin")
    assert delete_account(client, login, admin).status_code == 302
    _db.session.expire_all()
    assert _db.session.get(User, admin.id).is_erased


def test_a_coordinators_uncovered_countries_are_told_to_the_administrators(client, login, mailbox):
    admin = make_user(role="admin")
    coordinator = make_coordinator("DE", "AT", name="Clara Coordinator")
    make_coordinator("AT")
    delete_account(client, login, coordinator)
    (mail,) = mailbox.to(admin.email)
    body = mailbox.body(mail)
    assert "Germany" in body and "Austria" not in body
    assert "Clara" not in body
    client.post("/account/logout")
    login(admin)
    listing = client.get("/admin/coordinators").get_data(as_text=True)
    assert "Clara" not in listing and "erased.invalid" not in listing
    assert client.get(f"/admin/coordinators/{coordinator.id}").status_code == 404


def test_only_the_person_may_erase_their_account(db):
    user, other = make_user(), make_user()
    with pytest.raises(NotAllowed) as caught:
        erasure.erase_account(other, user)
    assert caught.value.code == 403
    assert not _db.session.get(User, user.id).is_erased


def test_mails_to_the_person_go_with_the_account(client, login):
    user = make_user()
    _db.session.add(OutboxMail(recipient=user.email, subject="s", body="b"))
    _db.session.commit()
    delete_account(client, login, user)
    assert _db.session.scalars(select(OutboxMail)).all() == []


@pytest.mark.postgres
def test_two_colleagues_erasing_at_once_tell_the_coordinators_once(app, monkeypatch):
    """The members are locked while counting, so the second erasure waits for the first and
    then sees that it was the last representative."""
    import threading
    import time

    first, second = make_user(), make_user()
    coordinator = make_coordinator("DE")
    make_member(name="Zweistadt", representatives=[first, second])
    counted = threading.Event()
    real_count = erasure._count_representatives

    def count_then_linger(member_id):
        number = real_count(member_id)
        if threading.current_thread().name == "first":
            counted.set()
            time.sleep(0.5)  # the second erasure arrives while the first holds the lock
        return number

    monkeypatch.setattr(erasure, "_count_representatives", count_then_linger)
    emails = {"first": first.email, "second": second.email}
    errors: list[BaseException] = []

    def erase(name: str, wait: bool) -> None:
        client = app.test_client()
        try:
            client.post("/account/login", data={"email": emails[name], "password": PASSWORD})
            if wait:
                assert counted.wait(30)
            response = client.post(
                "/account/delete", data={"password": PASSWORD, "understood": "y"}
            )
            assert response.status_code == 302
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=erase, args=("first", False), name="first"),
        threading.Thread(target=erase, args=("second", True), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    _db.session.expire_all()
    mails = _db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == coordinator.email))
    assert ["Zweistadt" in m.subject for m in mails] == [True]


def test_the_erasure_is_audited_without_personal_data(client, login):
    rep = make_user(name="Solo Officer", email="solo@einsamstadt.example.eu")
    member = make_member(name="Einsamstadt", representatives=[rep])
    rep_id = rep.id
    assert delete_account(client, login, rep).status_code == 302
    entry = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account.erased")
    ).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (rep_id, "user", rep_id)
    assert entry.actor_label == entry.target_label == f"representative #{rep_id}"
    assert entry.details == {
        "members_left_without_representative": [member.id],
        "drafts_deleted": 0,
        "countries_left_without_coordinator": [],
    }
    written = repr((entry.actor_label, entry.target_label, entry.details, entry.country))
    assert "Solo" not in written and "einsamstadt" not in written.lower()


def test_a_refused_erasure_writes_no_entry(client, login):
    rep = make_user()
    assert delete_account(client, login, rep, password="wrong password!").status_code == 400
    assert (
        _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.erased")).all()
        == []
    )

"""The mail outbox: written with the change that causes it, delivered after it, never twice."""

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core.mail import delivery
from portal.core.mail.outbox import queue_mail
from portal.extensions import db
from portal.models import Member, OutboxMail, StatusChange, utcnow
from portal.models.members import APPROVED, SUBMITTED
from portal.review import service
from tests.factories import make_coordinator, make_member, make_user


def _application(reps=2):
    representatives = [make_user() for _ in range(reps)]
    member = make_member(status=SUBMITTED, representatives=representatives, name="Postdorf")
    return member, representatives


def _approve(client, member):
    return client.post(
        f"/review/{member.id}/decide", data={"decision": "approve", "version": member.version}
    )


def _outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def _eml_files(app) -> list[Path]:
    folder = Path(app.config["MAIL_FILE_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def _queue(n: int) -> list[int]:
    """n mails committed to the outbox, as a service would leave them."""
    mails = [
        OutboxMail(recipient=f"person{i}@city.example.eu", subject=f"Mail {i}", body="Hello")
        for i in range(n)
    ]
    db.session.add_all(mails)
    db.session.commit()
    return [m.id for m in mails]


# --- written in the same transaction, delivered after the request -------------------------------


def test_a_decision_writes_one_mail_per_representative_delivered_after_the_request(
    app, client, login, mailbox
):
    login(make_coordinator("DE"))
    member, reps = _application(reps=2)

    assert _approve(client, member).status_code == 302

    mails = _outbox()
    assert sorted(m.recipient for m in mails) == sorted(r.email for r in reps)
    assert all(m.sent_at is not None and m.attempts == 1 and m.last_error == "" for m in mails)
    assert len(_eml_files(app)) == 2
    for rep in reps:
        (message,) = mailbox.to(rep.email)
        assert message["Subject"] == "Postdorf is now a member of the covenant"
        assert message["From"] == app.config["MAIL_SENDER"]


def test_without_delivery_after_the_request_the_mails_wait_committed_with_the_decision(
    app, client, login, mailbox, runner, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_DELIVER_AFTER_REQUEST", False)
    login(make_coordinator("DE"))
    member, reps = _application(reps=2)

    assert _approve(client, member).status_code == 302

    assert db.session.get(Member, member.id).status == APPROVED
    assert [(m.sent_at, m.attempts) for m in _outbox()] == [(None, 0), (None, 0)]
    assert mailbox.messages == []

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed." in result.output
    assert sorted(m["To"] for m in mailbox.messages) == sorted(r.email for r in reps)
    assert runner.invoke(args=["mail", "send"]).output.strip() == "0 sent, 0 failed."
    assert len(mailbox.messages) == 2


def test_the_mails_and_the_decision_become_visible_together_at_commit(
    app, client, login, monkeypatch
):
    """Seen from another connection while the decision is being made, neither the new status
    nor the mails exist yet; after the request both do."""
    login(make_coordinator("DE"))
    member, reps = _application(reps=2)
    real_queue_mail = service.queue_mail
    seen_from_outside = []

    def queue_and_look_from_outside(*args, **kwargs):
        mail = real_queue_mail(*args, **kwargs)
        db.session.flush()  # the mail and the move are written, not yet committed
        with db.engine.connect() as outside:
            seen_from_outside.append(
                (
                    outside.scalar(select(Member.status).where(Member.id == member.id)),
                    outside.scalar(select(func.count(OutboxMail.id))),
                )
            )
        return mail

    monkeypatch.setattr(service, "queue_mail", queue_and_look_from_outside)
    assert _approve(client, member).status_code == 302

    assert seen_from_outside == [(SUBMITTED, 0), (SUBMITTED, 0)]
    with db.engine.connect() as outside:
        assert outside.scalar(select(Member.status).where(Member.id == member.id)) == APPROVED
        assert outside.scalar(select(func.count(OutboxMail.id))) == 2


# --- a rolled-back change sends nothing ----------------------------------------------------------


def test_a_decision_that_fails_after_queueing_mail_sends_nothing(app, client, login, monkeypatch):
    login(make_coordinator("DE"))
    member, _ = _application(reps=2)
    real_queue_mail = service.queue_mail
    calls = []

    def queue_then_fail(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("the second mail could not be written")
        return real_queue_mail(*args, **kwargs)

    monkeypatch.setattr(service, "queue_mail", queue_then_fail)

    with pytest.raises(RuntimeError):  # TESTING propagates the server error to the test
        _approve(client, member)

    assert len(calls) == 2
    assert _outbox() == []
    assert _eml_files(app) == []
    assert db.session.get(Member, member.id).status == SUBMITTED
    assert db.session.scalar(select(func.count(StatusChange.id))) == 0
    assert delivery.deliver_pending() == (0, 0)
    assert _eml_files(app) == []


def test_a_refused_decision_sends_nothing(app, client, login):
    login(make_coordinator("DE"))
    member, _ = _application()
    response = client.post(
        f"/review/{member.id}/decide",
        data={"decision": "approve", "version": member.version + 5},
    )
    assert response.status_code == 302
    assert _outbox() == [] and _eml_files(app) == []


def test_queued_mail_rolled_back_is_never_delivered(app):
    with app.test_request_context("/"):
        queue_mail("someone@city.example.eu", "Never", "review_decision.txt", **_mail_context())
        db.session.rollback()
        assert delivery.deliver_pending() == (0, 0)
    assert _outbox() == [] and _eml_files(app) == []


def _mail_context():
    member = make_member(status=APPROVED, name="Kontextstadt")
    user = make_user()
    return {
        "user": user,
        "member": member,
        "status": APPROVED,
        "reinstated": False,
        "comment": "",
        "link": "http://localhost/applications/1",
    }


# --- a mail that fails to send ------------------------------------------------------------------


def test_a_failing_mail_keeps_the_decision_and_waits_for_a_later_send(
    app, client, login, mailbox, runner, monkeypatch
):
    login(make_coordinator("DE"))
    member, (rep,) = _application(reps=1)

    def refuse(msg, mail):
        raise OSError("mail server unreachable")

    monkeypatch.setitem(delivery.TRANSPORTS, "file", refuse)
    response = _approve(client, member)

    assert response.status_code == 302
    assert db.session.get(Member, member.id).status == APPROVED
    assert db.session.scalar(select(func.count(StatusChange.id))) == 1
    (mail,) = _outbox()
    assert (mail.recipient, mail.sent_at, mail.claimed_at, mail.attempts) == (
        rep.email,
        None,
        None,
        1,
    )
    assert mail.last_error == "OSError: mail server unreachable"
    assert mailbox.messages == []

    still_failing = runner.invoke(args=["mail", "send"])
    assert still_failing.exit_code == 1
    assert "0 sent, 1 failed." in still_failing.output
    assert _outbox()[0].attempts == 2

    monkeypatch.undo()
    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed." in result.output
    (mail,) = _outbox()
    assert mail.sent_at is not None and mail.attempts == 3 and mail.last_error == ""
    (message,) = mailbox.to(rep.email)
    assert "approved the application of Postdorf" in mailbox.body(message)


def test_a_mail_that_keeps_failing_is_given_up_after_the_maximum_attempts(app, monkeypatch):
    (mail_id,) = _queue(1)

    def refuse(msg, mail):
        raise OSError("no")

    monkeypatch.setitem(delivery.TRANSPORTS, "file", refuse)
    most = app.config["MAIL_MAX_ATTEMPTS"]
    for _ in range(most + 2):
        delivery.deliver_all(due_only=False)
    mail = db.session.get(OutboxMail, mail_id)
    assert mail.attempts == most
    assert mail.failed_at is not None and mail.next_attempt_at is None


def test_a_subject_with_a_line_break_is_still_deliverable(app, mailbox):
    """A municipality's name is user input: a line break in it must not make the mail
    undeliverable (e-mail headers cannot hold one)."""
    context = _mail_context()
    queue_mail("someone@city.example.eu", "Bad\r\nname", "review_decision.txt", **context)
    db.session.commit()
    assert delivery.deliver_pending() == (1, 0)
    assert mailbox.messages[0]["Subject"] == "Bad name"


# --- two workers never send the same mail ---------------------------------------------------


def test_a_claimed_mail_is_not_claimed_again():
    (mail_id,) = _queue(1)
    assert delivery._claim_batch(0, 10, due_only=True) == [mail_id]
    assert delivery._claim_batch(0, 10, due_only=True) == []


def test_a_mail_claimed_by_another_worker_is_skipped_until_its_claim_expires(app):
    first, second = _queue(2)
    other_worker = db.session.get(OutboxMail, first)
    other_worker.claimed_at = utcnow()
    db.session.commit()

    assert delivery.deliver_pending() == (1, 0)
    assert [m.sent_at is not None for m in _outbox()] == [False, True]

    # The other worker died: after the timeout its mail is taken over.
    stuck = db.session.get(OutboxMail, first)
    stuck.claimed_at = utcnow() - delivery.CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.commit()
    assert delivery.deliver_pending() == (1, 0)
    assert len(_eml_files(app)) == 2


def test_a_sent_mail_is_never_sent_again(app):
    _queue(1)
    assert delivery.deliver_pending() == (1, 0)
    assert delivery.deliver_pending() == (0, 0)
    assert len(_eml_files(app)) == 1


def test_two_workers_at_once_send_every_mail_exactly_once(app, monkeypatch):
    ids = _queue(30)
    sent_by: dict[int, list[str]] = {}
    lock = threading.Lock()
    real_send = delivery.TRANSPORTS["file"]

    def slow_recording_send(msg, mail):
        time.sleep(0.01)  # so that the two workers overlap
        with lock:
            sent_by.setdefault(mail.id, []).append(threading.current_thread().name)
        real_send(msg, mail)

    monkeypatch.setitem(delivery.TRANSPORTS, "file", slow_recording_send)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                delivery.deliver_pending()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, name=f"worker-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(sent_by) == ids
    assert all(len(senders) == 1 for senders in sent_by.values()), sent_by
    assert len(_eml_files(app)) == 30
    assert all(m.sent_at is not None and m.attempts == 1 for m in _outbox())


def test_mail_send_does_not_let_failing_mails_hold_up_the_others(app, runner, mailbox, monkeypatch):
    for n in range(5):
        queue_mail(f"broken{n}@example.eu", "Subject", "confirm_email.txt", user=_Named(), link="x")
    queue_mail("ok@example.eu", "Subject", "confirm_email.txt", user=_Named(), link="x")
    db.session.commit()

    def refuse_broken(msg, mail):
        if mail.recipient.startswith("broken"):
            raise ConnectionRefusedError("mailbox unavailable")
        delivery.send_via_file(msg, mail)

    monkeypatch.setitem(delivery.TRANSPORTS, "file", refuse_broken)
    monkeypatch.setattr(delivery, "CLAIM_BATCH", 2)  # the failing mails fill whole batches
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent, 5 failed." in result.output
    assert result.exit_code == 1
    assert [m["To"] for m in mailbox.messages] == ["ok@example.eu"]
    attempts = db.session.scalars(select(OutboxMail.attempts).order_by(OutboxMail.id)).all()
    assert attempts == [1, 1, 1, 1, 1, 1]


class _Named:
    name = "Officer"

"""The background worker: the outbox's back-off and given-up mails, administrators sending them
again, the daily jobs once a day for the whole cluster, and the worker woken through Redis."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.core import worker as worker_module
from portal.core.mail import delivery
from portal.core.mail.outbox import queue_mail
from portal.core.worker import JOB_RETRY, JOB_STALE, Worker, claim_run, parse_daily_time
from portal.extensions import db
from portal.models import AuditEntry, JobRun, OutboxMail
from tests.conftest import Clock
from tests.factories import make_coordinator, make_user
from tests.test_outbox import _queue


def _mail(mail_id: int) -> OutboxMail:
    db.session.expire_all()
    return db.session.get(OutboxMail, mail_id)


@pytest.fixture
def mail_clock(monkeypatch):
    """The outbox's clock, stopped and moved on by the test."""
    stopped = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(delivery, "utcnow", stopped)
    return stopped


@pytest.fixture
def refusing(monkeypatch):
    """The mail server refuses every mail until `refusing.stop()`."""

    real = delivery.TRANSPORTS["file"]

    class Refusal:
        calls = 0

        def __call__(self, msg, mail):
            Refusal.calls += 1
            raise OSError("450 mailbox busy")

        def stop(self):
            delivery.TRANSPORTS["file"] = real  # the test's other patches stay

    refusal = Refusal()
    monkeypatch.setitem(delivery.TRANSPORTS, "file", refusal)
    return refusal


# --- back-off ------------------------------------------------------------------------------------


def test_a_failed_mail_waits_twice_as_long_after_each_attempt(app, mail_clock, refusing):
    (mail_id,) = _queue(1)
    base = app.config["MAIL_RETRY_SECONDS"]

    assert delivery.deliver_pending() == (0, 1)
    assert _mail(mail_id).next_attempt_at == mail_clock.now + timedelta(seconds=base)

    mail_clock.advance(seconds=base - 1)
    assert delivery.deliver_pending() == (0, 0)  # not due yet: not tried
    mail_clock.advance(seconds=1)
    assert delivery.deliver_pending() == (0, 1)
    assert _mail(mail_id).next_attempt_at == mail_clock.now + timedelta(seconds=2 * base)

    mail_clock.advance(seconds=2 * base)
    assert delivery.deliver_pending() == (0, 1)
    assert _mail(mail_id).next_attempt_at == mail_clock.now + timedelta(seconds=4 * base)
    assert _mail(mail_id).attempts == 3 and _mail(mail_id).failed_at is None

    refusing.stop()
    mail_clock.advance(seconds=4 * base)
    assert delivery.deliver_pending() == (1, 0)
    mail = _mail(mail_id)
    assert mail.sent_at is not None and mail.next_attempt_at is None and mail.attempts == 4


def test_the_back_off_is_capped(app):
    with app.test_request_context():
        top = app.config["MAIL_RETRY_MAX_SECONDS"]
        assert delivery.retry_delay(1) == timedelta(seconds=app.config["MAIL_RETRY_SECONDS"])
        assert delivery.retry_delay(30) == timedelta(seconds=top)


def test_a_failing_mail_does_not_hold_up_the_others(mail_clock, monkeypatch, mailbox):
    first, second = _queue(2)
    real = delivery.TRANSPORTS["file"]

    def refuse_the_first(msg, mail):
        if mail.id == first:
            raise OSError("550 no such user")
        real(msg, mail)

    monkeypatch.setitem(delivery.TRANSPORTS, "file", refuse_the_first)
    assert delivery.deliver_all() == (1, 1)
    assert _mail(second).sent_at is not None and _mail(first).sent_at is None


def test_a_mail_is_given_up_after_its_last_attempt_and_no_longer_tried(
    app, mail_clock, refusing, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    (mail_id,) = _queue(1)
    for _ in range(3):
        delivery.deliver_pending()
        mail_clock.advance(hours=7)
    mail = _mail(mail_id)
    assert mail.attempts == 3 and mail.failed_at is not None and mail.sent_at is None
    assert mail.last_error == "OSError: 450 mailbox busy"

    calls = refusing.calls
    assert delivery.deliver_all(due_only=False) == (0, 0)  # not even `flask mail send`
    assert refusing.calls == calls


def test_mail_send_tries_a_mail_waiting_out_its_back_off(app, runner, mail_clock, refusing):
    (mail_id,) = _queue(1)
    delivery.deliver_pending()
    refusing.stop()
    assert delivery.deliver_pending() == (0, 0)  # the worker would wait

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed." in result.output
    assert _mail(mail_id).sent_at is not None


def test_a_claim_left_by_a_worker_that_died_is_taken_over():
    first, second = _queue(2)
    assert delivery._claim_batch(0, 1, due_only=True) == [first]
    assert delivery._claim_batch(0, 10, due_only=True) == [second]  # the first is taken
    stuck = _mail(first)
    stuck.claimed_at = stuck.claimed_at - delivery.CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.commit()
    assert delivery._claim_batch(0, 10, due_only=True) == [first]


# --- administrators: given-up mails and the daily jobs --------------------------------------------


def _give_up(mail_id: int, error: str = "SMTPRecipientsRefused: 550") -> None:
    mail = _mail(mail_id)
    mail.attempts, mail.failed_at, mail.last_error = 10, datetime.now(UTC), error
    db.session.commit()


def test_administrators_see_given_up_mails_without_their_bodies(client, login):
    first, second, waiting = _queue(3)
    secret_link = "https://portal.example.eu/account/reset/SECRET-TOKEN"
    for mail_id in (first, second):
        _mail(mail_id).body = f"Your link: {secret_link}"
        _give_up(mail_id)
    login(make_user(role="admin"))

    page = client.get("/admin/mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "person0@city.example.eu" in html and "person1@city.example.eu" in html
    assert "person2@city.example.eu" not in html  # waiting, not given up
    assert "SMTPRecipientsRefused: 550" in html
    assert "SECRET-TOKEN" not in html
    assert "2 given-up mails" in html
    assert "No daily job has run yet" in html


def test_an_administrator_sends_a_given_up_mail_again_and_it_goes(client, login, mailbox):
    first, second = _queue(2)
    _give_up(first)
    _give_up(second)
    admin = login(make_user(role="admin"))

    response = client.post(f"/admin/mail/{first}/send-again")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/mail"
    # Development delivers after the request: the mail is out, the other still given up.
    assert _mail(first).sent_at is not None and _mail(first).attempts == 1
    assert _mail(second).failed_at is not None
    assert [m["To"] for m in mailbox.messages] == ["person0@city.example.eu"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "mail.sent_again")
    ).one()
    assert entry.actor_id == admin.id and entry.details["mail_ids"] == [first]

    client.post("/admin/mail/send-again")
    assert _mail(second).sent_at is not None
    follow = client.get("/admin/mail").get_data(as_text=True)
    assert "No mail has been given up." in follow


def test_sending_again_with_nothing_given_up_changes_nothing(client, login):
    (mail_id,) = _queue(1)
    delivery.deliver_pending()
    login(make_user(role="admin"))
    response = client.post(f"/admin/mail/{mail_id}/send-again", follow_redirects=True)
    assert "There was no given-up mail to send again." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1  # the sign-in only


@pytest.mark.parametrize("who", ["nobody", "representative", "coordinator"])
def test_only_administrators_see_or_resend_mail(client, login, who):
    (mail_id,) = _queue(1)
    _give_up(mail_id)
    if who == "representative":
        login(make_user())
    elif who == "coordinator":
        login(make_coordinator("DE"))
    page = client.get("/admin/mail")
    resend = client.post(f"/admin/mail/{mail_id}/send-again")
    if who == "nobody":
        assert page.status_code == 302 and "/account/login" in page.headers["Location"]
        assert resend.status_code == 302 and "/account/login" in resend.headers["Location"]
    else:
        assert page.status_code == 403 and resend.status_code == 403
    assert _mail(mail_id).failed_at is not None


# --- the daily jobs ------------------------------------------------------------------------------


def _worker(app, jobs, name="host-a:1", at="03:00"):
    app.config["DAILY_JOBS_AT"] = at
    try:
        return Worker(app, jobs, name=name)
    finally:
        app.config["DAILY_JOBS_AT"] = "03:00"


def _recording_jobs(log: list):
    def reminders(day):
        log.append(("reminders", day))
        return "2 reminder(s)"

    def purge(day):
        log.append(("purge", day))
        return "nothing to remove"

    return {"reminders": reminders, "purge": purge}


def test_the_daily_jobs_run_once_a_day_for_the_whole_cluster(app):
    log = []
    first = _worker(app, _recording_jobs(log), name="host-a:1")
    second = _worker(app, _recording_jobs(log), name="host-b:7")
    before = datetime(2026, 12, 1, 2, 59, tzinfo=UTC)
    after = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    assert first.run_pass(before).jobs == {}  # not yet time
    assert first.run_pass(after).jobs == {
        "reminders": "2 reminder(s)",
        "purge": "nothing to remove",
    }
    assert second.run_pass(after + timedelta(minutes=1)).jobs == {}  # the other worker had them
    assert first.run_pass(after + timedelta(hours=5)).jobs == {}  # and not twice for itself
    assert log == [("reminders", date(2026, 12, 1)), ("purge", date(2026, 12, 1))]

    assert second.run_pass(after + timedelta(days=1)).jobs.keys() == {"reminders", "purge"}
    runs = db.session.scalars(select(JobRun).order_by(JobRun.day, JobRun.job)).all()
    assert [(r.job, r.day.isoformat(), r.worker) for r in runs] == [
        ("purge", "2026-12-01", "host-a:1"),
        ("reminders", "2026-12-01", "host-a:1"),
        ("purge", "2026-12-02", "host-b:7"),
        ("reminders", "2026-12-02", "host-b:7"),
    ]
    assert all(r.finished_at is not None for r in runs)


def test_a_worker_started_late_in_the_day_still_runs_that_days_jobs(app):
    log = []
    late = _worker(app, _recording_jobs(log))
    late.run_pass(datetime(2026, 12, 1, 22, 30, tzinfo=UTC))
    assert len(log) == 2


def test_a_failed_job_is_given_back_and_tried_again_later(app):
    calls = []

    def flaky(day):
        calls.append(day)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return "done"

    worker = _worker(app, {"purge": flaky})
    at = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert worker.run_pass(at).jobs == {"purge": "failed: RuntimeError"}
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    assert worker.run_pass(at + timedelta(minutes=1)).jobs == {}  # waits JOB_RETRY
    assert worker.run_pass(at + JOB_RETRY).jobs == {"purge": "done"}
    assert len(calls) == 2


def test_a_run_whose_worker_died_is_taken_over(app):
    day = date(2026, 12, 1)
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert claim_run("purge", day, "host-a:1", start) is True
    assert claim_run("purge", day, "host-b:7", start + timedelta(minutes=30)) is False
    assert claim_run("purge", day, "host-b:7", start + JOB_STALE + timedelta(seconds=1)) is True
    assert db.session.get(JobRun, ("purge", day)).worker == "host-b:7"


def test_the_jobs_run_shows_on_the_administrators_page(app, client, login):
    worker = _worker(app, _recording_jobs([]))
    worker.run_pass(datetime(2026, 12, 1, 3, 5, tzinfo=UTC))
    login(make_user(role="admin"))
    html = client.get("/admin/mail").get_data(as_text=True).replace("\u202f", " ")
    assert "Deadline reminders" in html and "2 reminder(s)" in html
    assert "1 Dec 2026, 03:05 UTC" in html


@pytest.mark.parametrize("bad", ["3", "25:00", "03:5", "noon", ""])
def test_a_daily_time_that_is_not_hh_mm_is_refused(bad):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_daily_time(bad)


def test_the_worker_command_runs_one_round(app, runner, mailbox, monkeypatch):
    _queue(2)
    monkeypatch.setitem(app.config, "DAILY_JOBS_AT", "23:59")  # no daily job in this round
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 mail(s) sent, 0 failed." in result.output
    assert len(mailbox.messages) == 2


def test_the_worker_command_refuses_a_bad_daily_time(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "DAILY_JOBS_AT", "3 am")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0 and "HH:MM" in result.output


# --- who delivers: the request in development, the worker in production ----------------------


def test_without_delivery_after_the_request_the_mail_waits_for_the_worker(
    app, client, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_DELIVER_AFTER_REQUEST", False)
    response = client.post(
        "/account/register",
        data={
            "email": "officer@stadt.example.de",
            "name": "Officer",
            "password": "a long enough passphrase",
            "password_again": "a long enough passphrase",
        },
    )
    assert "We have sent a confirmation link" in response.get_data(as_text=True)
    waiting = db.session.scalars(select(OutboxMail)).all()
    assert len(waiting) == 1 and waiting[0].sent_at is None
    assert mailbox.messages == []

    Worker(app, {}).run_pass()
    assert [m["To"] for m in mailbox.messages] == ["officer@stadt.example.de"]


def test_a_mail_queued_by_a_request_wakes_the_worker_through_redis(
    app, redis_url, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_DELIVER_AFTER_REQUEST", False)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "WORKER_POLL_SECONDS", 60)  # it would not poll in time
    app.extensions.pop("portal.outbox_redis", None)
    worker = Worker(app, {})
    worker.run_pass()  # the round it does on starting
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        with app.test_request_context("/"):
            queue_mail("someone@city.example.eu", "Woken", "review_decision.txt", **_context())
            db.session.commit()
            app.do_teardown_request()  # the request's end: it wakes the worker
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["Subject"] for m in mailbox.messages] == ["Woken"]
    finally:
        worker.stop.set()
        thread.join(timeout=5)
        app.extensions.pop("portal.outbox_redis", None)
    assert not thread.is_alive()  # a stop ends the loop within a second


def _context():
    from tests.factories import make_member

    return {
        "user": make_user(),
        "member": make_member(name="Weckstadt"),
        "status": "approved",
        "reinstated": False,
        "comment": "",
        "link": "http://localhost/applications/1",
    }


def test_a_database_that_is_down_costs_a_round_not_the_worker(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    worker = Worker(app, {})
    rounds = []

    def failing_round():
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        worker.stop.set()
        return 0, 0

    monkeypatch.setattr(worker_module.delivery, "deliver_all", failing_round)
    monkeypatch.setattr(worker, "poll", 0.01)
    worker.run()
    assert len(rounds) == 2


def test_mail_goes_out_while_a_long_daily_job_runs(app, mailbox, monkeypatch):
    """The reminders of the whole EU take minutes: the mail of those minutes does not wait."""
    monkeypatch.setitem(app.config, "DAILY_JOBS_AT", "00:00")
    monkeypatch.setitem(app.config, "WORKER_POLL_SECONDS", 0.05)
    release = threading.Event()
    running = threading.Event()

    def long_job(day):
        running.set()
        release.wait(timeout=20)
        return "done at last"

    worker = Worker(app, {"reminders": long_job})
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert running.wait(timeout=10)
        _queue(1)
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(mailbox.messages) == 1  # delivered while the job still runs
        assert db.session.get(JobRun, ("reminders", datetime.now(UTC).date())).finished_at is None
    finally:
        release.set()
        worker.stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    db.session.expire_all()
    run = db.session.scalars(select(JobRun)).one()
    assert run.outcome == "done at last"  # a stop lets the job under way finish


def test_a_worker_for_mail_only_runs_no_daily_job(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "DAILY_JOBS_AT", "00:00")
    result = runner.invoke(args=["worker", "--once", "--no-daily-jobs"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0

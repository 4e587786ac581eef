"""`flask reminders send`: a month before a deadline and once it has passed, never twice, and
the ReminderSent rows and the outbox mails in one transaction."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import OutboxMail, ReminderSent, Representation
from portal.pledges import reminders
from tests.factories import make_action, make_member, make_user

APPROVED_AT = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)  # action plan due 2025-03-15


@pytest.fixture
def reps():
    return [make_user(name="Anna"), make_user(name="Ben")]


@pytest.fixture
def member(reps):
    return make_member(name="Erinnerstadt", representatives=reps, approved_at=APPROVED_AT)


def keys():
    return sorted(_db.session.scalars(select(ReminderSent.key)))


def outbox():
    return list(_db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_nothing_before_the_reminder_window(db, member):
    report = reminders.send_reminders(date(2025, 2, 12))
    assert (report.reminders, report.mails) == (0, 0)
    assert keys() == [] and outbox() == []


def test_due_soon_a_month_before_then_overdue_the_day_after(db, member, reps):
    report = reminders.send_reminders(date(2025, 2, 13))
    assert (report.reminders, report.mails, report.members) == (1, 2, 1)
    assert keys() == [f"plan:{member.id}:2025-03-15:due-soon"]
    mails = outbox()
    assert sorted(m.recipient for m in mails) == sorted(r.email for r in reps)
    assert "The action plan is due on 15 Mar 2025" in mails[0].body
    assert "0 are published so far" in mails[0].body
    assert f"/plans/{member.id}" in mails[0].body
    # Every later day up to the deadline: nothing new.
    for day in (date(2025, 2, 14), date(2025, 3, 14), date(2025, 3, 15)):
        assert reminders.send_reminders(day).reminders == 0
    assert len(outbox()) == 2
    # The day after: the overdue reminder, once.
    report = reminders.send_reminders(date(2025, 3, 16))
    assert report.reminders == 1
    assert keys()[-1] == f"plan:{member.id}:2025-03-15:overdue"
    overdue = outbox()[-1]
    assert "was due on 15 Mar 2025 (1 day ago)" in overdue.body
    assert reminders.send_reminders(date(2025, 3, 17)).reminders == 0
    assert len(outbox()) == 4


def test_running_twice_sends_nothing_twice(db, member, runner):
    first = runner.invoke(args=["reminders", "send", "--today", "2025-03-16", "--no-deliver"])
    assert first.exit_code == 0, first.output
    assert "1 reminder(s) for 1 member(s), 2 mail(s) queued" in first.output
    second = runner.invoke(args=["reminders", "send", "--today", "2025-03-16", "--no-deliver"])
    assert "0 reminder(s) for 0 member(s), 0 mail(s) queued" in second.output
    assert len(outbox()) == 2 and len(keys()) == 1


def test_first_run_after_the_deadline_sends_only_the_overdue_one(db, member):
    reminders.send_reminders(date(2025, 6, 1))
    assert keys() == [f"plan:{member.id}:2025-03-15:overdue"]


def test_progress_reminders_per_action_and_due_date(db, member):
    for n in range(3):
        make_action(member, title=f"Action {n}", last_progress_on=date(2025, 1, 10))
    make_action(member, title="Completed", status="completed", last_progress_on=date(2024, 1, 1))
    make_action(member, published=False, title="Draft")
    reminders.send_reminders(date(2025, 12, 11))  # a month before 2026-01-10
    assert len(keys()) == 3 and all(k.endswith(":2026-01-10:due-soon") for k in keys())
    body = outbox()[0].body
    assert "A progress update on “Action 0” is due on 10 Jan 2026." in body
    assert "Completed" not in body and "Draft" not in body
    # One mail per representative carries all three.
    assert len(outbox()) == 2


def test_a_new_report_starts_a_new_period_with_new_reminders(db, member, reps):
    action = make_action(member, last_progress_on=date(2025, 1, 10))
    reminders.send_reminders(date(2026, 1, 11))
    assert f"progress:{action.id}:2026-01-10:overdue" in keys()
    action.last_progress_on = date(2026, 1, 20)
    _db.session.commit()
    reminders.send_reminders(date(2026, 12, 21))
    assert f"progress:{action.id}:2027-01-20:due-soon" in keys()


def test_members_not_public_and_inactive_representatives_get_nothing(db, reps):
    make_member(status="suspended", representatives=[make_user()], approved_at=APPROVED_AT)
    member = make_member(representatives=reps, approved_at=APPROVED_AT)
    reps[1].active = False
    _db.session.commit()
    reminders.send_reminders(date(2025, 3, 16))
    assert [m.recipient for m in outbox()] == [reps[0].email]
    assert keys() == [f"plan:{member.id}:2025-03-15:overdue"]


def test_member_without_representatives_is_not_marked_as_reminded(db):
    member = make_member(approved_at=APPROVED_AT)
    reminders.send_reminders(date(2025, 3, 16))
    assert keys() == []
    user = make_user()
    _db.session.add(Representation(member_id=member.id, user_id=user.id))
    _db.session.commit()
    reminders.send_reminders(date(2025, 3, 17))
    assert keys() == [f"plan:{member.id}:2025-03-15:overdue"]
    assert [m.recipient for m in outbox()] == [user.email]


def test_a_crash_while_queueing_leaves_neither_rows_nor_mails(db, member, monkeypatch):
    calls = []

    def failing_queue_mail(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        from portal.core.mail.outbox import queue_mail

        return queue_mail(*args, **kwargs)

    monkeypatch.setattr(reminders, "queue_mail", failing_queue_mail)
    with pytest.raises(RuntimeError):
        reminders.send_reminders(date(2025, 3, 16))
    _db.session.rollback()
    assert keys() == [] and outbox() == []
    monkeypatch.undo()
    assert reminders.send_reminders(date(2025, 3, 16)).mails == 2


def test_a_run_that_loses_the_race_rolls_back_its_mails(db, member, monkeypatch):
    """Another run recorded the key after our check: the unique key refuses ours, and the mails
    queued with it are rolled back."""
    original = reminders._remind_member

    def racing(member_, due, today, report):
        with _db.engine.begin() as conn:
            conn.execute(
                ReminderSent.__table__.insert().values(
                    key=due[0].key, member_id=member_.id, sent_at=datetime.now(UTC)
                )
            )
        # Our check comes too late to see the other run's row.
        monkeypatch.setattr(reminders, "_already_sent", lambda found: set())
        return original(member_, due, today, report)

    monkeypatch.setattr(reminders, "_remind_member", racing)
    report = reminders.send_reminders(date(2025, 3, 16))
    assert report.skipped == 1 and report.mails == 0
    assert outbox() == []
    assert _db.session.scalar(select(func.count()).select_from(ReminderSent)) == 1


def test_cli_delivers_the_mails(db, member, runner, mailbox, reps):
    result = runner.invoke(args=["reminders", "send", "--today", "2025-02-20"])
    assert result.exit_code == 0, result.output
    assert "2 mail(s) sent, 0 failed" in result.output
    (mail,) = mailbox.to(reps[0].email)
    assert mail["Subject"] == "Covenant deadlines for Erinnerstadt"
    assert "Hello Anna," in mailbox.body(mail)


def test_cli_rejects_a_bad_date(runner):
    result = runner.invoke(args=["reminders", "send", "--today", "15/03/2025"])
    assert result.exit_code == 2 and "Invalid value for '--today'" in result.output
    assert outbox() == []

"""Deadline reminders by e-mail: `flask reminders send [--today YYYY-MM-DD]`.

For every public member (active or on hold), each obligation that is not met gets at most two
reminders (see portal.pledges.deadlines): "due soon" within REMINDER_DAYS_BEFORE days of its due
date, and "overdue" once the date has passed. A run that finds an obligation already overdue sends
only the overdue one. All new reminders of a member go to each of its representatives in one
mail.

Running it twice sends nothing twice: each reminder has a key (obligation, due date, kind) kept
in ReminderSent, whose unique index is the final word. The ReminderSent rows and the outbox mails
of a member are written in one transaction, so a crash leaves either both or neither, and a
concurrent run that loses the race on a key rolls back that member's mails.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import Member, ReminderSent
from portal.pledges.deadlines import Obligation
from portal.pledges.followup import members_with_commitments, rules

BATCH = 500


@dataclass
class Reminder:
    key: str
    kind: str  # deadlines.DUE_SOON_REMINDER or OVERDUE_REMINDER
    obligation: Obligation


@dataclass
class RunReport:
    reminders: int = 0
    mails: int = 0
    members: int = 0
    skipped: int = 0  # members whose reminders another run recorded first


def due_reminders(member_id: int, obligations: list[Obligation], today: date) -> list[Reminder]:
    """The reminders due today for these obligations, whether sent already or not."""
    soon = rules().reminder_days
    found = []
    for obligation in obligations:
        kind = obligation.reminder(today, soon)
        if kind is not None:
            found.append(Reminder(obligation.reminder_key(member_id, kind), kind, obligation))
    return found


def send_reminders(today: date) -> RunReport:
    """Queue today's new reminders in the outbox, one transaction per member."""
    report = RunReport()
    for member, commitments in members_with_commitments(today, BATCH):
        _remind_member(
            member, due_reminders(member.id, commitments.obligations, today), today, report
        )
    return report


def _already_sent(reminders: list[Reminder]) -> set[str]:
    keys = [r.key for r in reminders]
    return set(db.session.scalars(select(ReminderSent.key).where(ReminderSent.key.in_(keys))))


def _remind_member(member: Member, reminders: list[Reminder], today: date, report) -> None:
    if not reminders:
        return
    sent = _already_sent(reminders)
    new = [r for r in reminders if r.key not in sent]
    recipients = [r.user for r in member.representatives if r.user.active]
    if not new or not recipients:
        return
    try:
        _record_and_queue(member, new, recipients, today)
    except IntegrityError:  # another run recorded a key first; ours is rolled back whole
        report.skipped += 1
        return
    report.reminders += len(new)
    report.mails += len(recipients)
    report.members += 1


@atomic
def _record_and_queue(member: Member, new: list[Reminder], recipients: list, today: date) -> None:
    """One member's reminder keys and mails: one transaction."""
    for reminder in new:
        db.session.add(ReminderSent(key=reminder.key, member_id=member.id))
    link = external_url("pledges.plan", member_id=member.id)
    for user in recipients:
        queue_mail(
            user.email,
            _l("Covenant deadlines for %(name)s", name=member.name),
            "pledges_reminder.txt",
            locale=user.locale,
            user=user,
            member=member,
            reminders=new,
            today=today,
            link=link,
        )

"""Administrators watch the outbox: what waits, what was given up, and the daily jobs' runs;
a given-up mail can be sent again (the worker, or the request in development, delivers it).

Mail bodies are never shown: they hold the links people were mailed, with their tokens.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal import permissions
from portal.core import audit
from portal.core.clock import now_utc
from portal.core.mail.outbox import note_mail_waiting
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import JobRun, OutboxMail, User

FAILED_SHOWN = 200
RUNS_SHOWN = 14


@dataclass(frozen=True)
class OutboxOverview:
    waiting: int  # not sent, not given up
    retrying: int  # of those, waiting out a back-off after a failed attempt
    oldest_waiting: datetime | None
    sent_last_day: int
    failed: list[OutboxMail]  # given up, newest first (at most FAILED_SHOWN)
    failed_total: int
    runs: list[JobRun]  # the daily jobs' latest runs, newest first


def _require_admin(actor: User) -> None:
    permissions.require(permissions.can_manage_mail(actor))


def overview(actor: User) -> OutboxOverview:
    _require_admin(actor)
    now = now_utc()
    waiting = (OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None))
    given_up = (OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_not(None))
    count, retrying, oldest = db.session.execute(
        select(
            func.count(OutboxMail.id),
            func.count(OutboxMail.next_attempt_at),
            func.min(OutboxMail.created_at),
        ).where(*waiting)
    ).one()
    return OutboxOverview(
        waiting=count,
        retrying=retrying,
        oldest_waiting=oldest,
        sent_last_day=db.session.scalar(
            select(func.count(OutboxMail.id)).where(OutboxMail.sent_at >= now - timedelta(days=1))
        ),
        failed=list(
            db.session.scalars(
                select(OutboxMail)
                .where(*given_up)
                .order_by(OutboxMail.failed_at.desc(), OutboxMail.id.desc())
                .limit(FAILED_SHOWN)
            )
        ),
        failed_total=db.session.scalar(select(func.count(OutboxMail.id)).where(*given_up)),
        runs=list(
            db.session.scalars(
                select(JobRun).order_by(JobRun.day.desc(), JobRun.job).limit(RUNS_SHOWN)
            )
        ),
    )


@atomic
def send_again(actor: User, mail_id: int | None = None) -> int:
    """Put a given-up mail (or every one, with no id) back in the outbox with all its attempts;
    returns how many. Sent ones and waiting ones are left as they are."""
    _require_admin(actor)
    where = [OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_not(None)]
    if mail_id is not None:
        where.append(OutboxMail.id == mail_id)
    ids = sorted(db.session.scalars(select(OutboxMail.id).where(*where)))
    if not ids:
        return 0
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(ids))
        .values(failed_at=None, attempts=0, next_attempt_at=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(actor, "mail.sent_again", mails=len(ids), mail_ids=ids[:20])
    note_mail_waiting()
    return len(ids)

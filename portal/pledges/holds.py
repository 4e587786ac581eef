"""The automatic hold and the automatic reinstatement.

The daily job (`flask holds apply`, and the worker's daily jobs) looks at every approved member:

1. A member late with its commitments is first warned, by mail to its representatives, once
   its oldest late deadline is `HOLD_GRACE_DAYS - HOLD_WARNING_DAYS` days late. The warning
   names the day of the hold.
2. It is put on hold once that deadline is more than `HOLD_GRACE_DAYS` late and the warning went
   out at least `HOLD_WARNING_DAYS` before, so that a member always has that much notice (the
   first run on old data warns first). The public page then shows it on hold, with its late
   commitments as the reason, and the directory leaves it out of its default listing.
3. A member held automatically is reinstated as soon as it is on track again: in the
   transaction of the publication, progress update, cancellation or extension that brings it
   back (reinstate_if_caught_up, called by those services), and by the daily job for anything
   else (a deadline moved by a changed setting).

Coordinators override: they may lift an automatic hold while the member is still late, which
keeps the job from holding it again for `HOLD_GRACE_DAYS` (Member.hold_exempt_until), and they
may still put a late member on hold by hand (portal.pledges.followup), which only they lift.

Each warning is kept as a ReminderSent key ("hold-warning:<member>:<deadline>"), so no run
warns twice for the same deadline, and a member's change, its audit entry and its mails commit
together.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership.transitions import transition
from portal.models import Member, ReminderSent
from portal.models.members import APPROVED, ON_HOLD
from portal.pledges.deadlines import Commitments, Obligation
from portal.pledges.followup import (
    commitments_for,
    members_with_commitments,
    tell_representatives,
)

logger = logging.getLogger(__name__)
BATCH = 500


def grace_days() -> int:
    return int(current_app.config["HOLD_GRACE_DAYS"])


def warning_days() -> int:
    return int(current_app.config["HOLD_WARNING_DAYS"])


def oldest_late(c: Commitments) -> Obligation | None:
    return min(c.late, key=lambda o: o.due_on, default=None)


def hold_day(obligation: Obligation) -> date:
    """The first day a member late with `obligation` may be put on hold."""
    return obligation.due_on + timedelta(days=grace_days() + 1)


@dataclass
class HoldReport:
    warned: int = 0
    held: int = 0
    reinstated: int = 0


def apply_holds(today: date | None = None) -> HoldReport:
    """Warn, hold and reinstate as the rules say, one transaction per member."""
    today = today or today_utc()
    report = HoldReport()
    for member, commitments in members_with_commitments(today, BATCH):
        _apply_to(member, commitments, today, report)
    return report


def _apply_to(member: Member, c: Commitments, today: date, report: HoldReport) -> None:
    if member.status == ON_HOLD:
        if member.held_automatically and c.on_track:
            _reinstate(member)
            report.reinstated += 1
        return
    late = oldest_late(c)
    if late is None:
        return
    if member.hold_exempt_until is not None and member.hold_exempt_until >= today:
        return
    if late.days_late(today) < grace_days() - warning_days():
        return
    key = f"hold-warning:{member.id}:{late.deadline_key(member.id)}"
    warned_at = db.session.scalar(select(ReminderSent.sent_at).where(ReminderSent.key == key))
    if warned_at is None:
        _warn(member, late, key, max(hold_day(late), today + timedelta(days=warning_days())))
        report.warned += 1
    elif late.days_late(today) > grace_days() and warned_at.date() <= today - timedelta(
        days=warning_days()
    ):
        _hold(member, c, today)
        report.held += 1


@atomic
def _warn(member: Member, late: Obligation, key: str, on: date) -> None:
    db.session.add(ReminderSent(key=key, member_id=member.id))
    tell_representatives(
        member,
        _l("%(name)s will be put on hold on %(date)s", name=member.name, date=on.isoformat()),
        "pledges_hold_warning.txt",
        obligation=late,
        hold_on=on,
        grace=grace_days(),
    )


def automatic_reason() -> str:
    """The stored comment of an automatic hold, in the portal's default language (the public
    page states the late commitments themselves, in the visitor's language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "Late with the covenant's commitments for more than %(num)d days.", num=grace_days()
        )


@atomic
def _hold(member: Member, c: Commitments, today: date) -> None:
    transition(None, member, ON_HOLD, automatic_reason(), audit_as="member.held_automatically")
    member.held_automatically = True
    member.hold_exempt_until = None
    logger.info("member %s put on hold automatically", member.id)
    tell_representatives(
        member,
        _l("%(name)s is on hold in the covenant", name=member.name),
        "pledges_held_automatically.txt",
        late=c.late,
        today=today,
    )


@atomic
def _reinstate(member: Member) -> None:
    transition(
        None,
        member,
        APPROVED,
        "",
        audit_as="member.reinstated_automatically",
    )
    member.held_automatically = False
    logger.info("member %s reinstated automatically", member.id)
    tell_representatives(
        member,
        _l("%(name)s is back in the covenant", name=member.name),
        "pledges_reinstated.txt",
    )


@atomic
def reinstate_if_caught_up(member: Member, today: date | None = None) -> bool:
    """Reinstate a member held automatically once it is on track; in the caller's transaction.

    Called by every service whose change may bring a member back on track."""
    if member.status != ON_HOLD or not member.held_automatically:
        return False
    db.session.flush()
    if not commitments_for(member, today).on_track:
        return False
    _reinstate(member)
    return True

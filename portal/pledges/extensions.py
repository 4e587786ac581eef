"""More time on one deadline: a member asks once per deadline, with a reason and the date it
asks for; a coordinator of its country grants it (with the new date) or refuses it.

Both steps are audited and mailed in the transaction of the change: the request to the
country's coordinators, the answer to the member's representatives. A granted extension moves
the deadline (portal.pledges.deadlines reads it through portal.pledges.followup), so a member
on hold for that deadline alone is reinstated at once (portal.pledges.holds).
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import permissions
from portal.core import audit
from portal.core.clock import today_utc
from portal.core.countries import COUNTRIES
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.templating import nice_date
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership.service import coordinators_of
from portal.models import DeadlineExtension, Member, User, utcnow
from portal.models.pledges import ExtensionStatus
from portal.pledges.deadlines import PLAN, Obligation, add_months
from portal.pledges.errors import PledgeError
from portal.pledges.followup import commitments_for, tell_representatives
from portal.pledges.holds import reinstate_if_caught_up

REQUESTED = ExtensionStatus.REQUESTED
GRANTED = ExtensionStatus.GRANTED
REFUSED = ExtensionStatus.REFUSED


class ExtensionError(PledgeError):
    """A request or a decision that cannot be carried out; `field` names the form field."""


def max_months() -> int:
    return int(current_app.config["EXTENSION_MAX_MONTHS"])


def latest_allowed(obligation: Obligation) -> date:
    """The latest date a deadline may be moved to."""
    return add_months(obligation.ruled_due_on, max_months())


def obligation_for(member: Member, key: str, today: date | None = None) -> Obligation | None:
    """The member's open deadline stored as `key`, if it owes one by that name."""
    return commitments_for(member, today).find(member.id, key)


def _deadline_words(kind: str, action_title: str):
    if kind == PLAN:
        return _l("the action plan")
    return _l("the progress update on “%(title)s”", title=action_title)


def describe(obligation: Obligation):
    """What the deadline is, in words: the action plan or a progress update on one action."""
    return _deadline_words(obligation.kind, obligation.action_title)


@atomic
def request_extension(
    actor: User, member: Member, key: str, until: date | None, reason: str
) -> DeadlineExtension:
    """Ask, once, for more time on the deadline `key` of `member`, up to `until`."""
    permissions.require(permissions.can_request_extension(actor, member))
    obligation = obligation_for(member, key)
    if obligation is None or obligation.met:
        raise ExtensionError(_l("This deadline is not open: there is nothing to extend."))
    if obligation.extension is not None:
        raise ExtensionError(_l("You have already asked for more time on this deadline."))
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionError(_l("Please say why you need more time."), field="reason")
    if until is None:
        raise ExtensionError(_l("Please give the date you ask for."), field="until")
    _check_new_date(obligation.due_on, obligation.ruled_due_on, until, "until")
    extension = DeadlineExtension(
        deadline_key=obligation.deadline_key(member.id),
        member_id=member.id,
        kind=obligation.kind,
        action_id=obligation.action_id,
        due_on=obligation.ruled_due_on,
        requested_until=until,
        reason=reason,
        status=REQUESTED,
        requested_by_id=actor.id,
    )
    db.session.add(extension)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a colleague asked first, at the same moment
        raise ExtensionError(_l("You have already asked for more time on this deadline.")) from exc
    audit.record(
        actor,
        "extension.requested",
        member,
        deadline=obligation.kind,
        action_id=obligation.action_id,
        due_on=obligation.ruled_due_on.isoformat(),
        requested_until=until.isoformat(),
    )
    link = external_url("pledges.extension_requests")
    for coordinator in coordinators_of(member.country):
        queue_mail(
            coordinator.email,
            _l(
                "Request for more time: %(name)s (%(country)s)",
                name=member.name,
                country=COUNTRIES[member.country],
            ),
            "pledges_extension_requested.txt",
            locale=coordinator.locale,
            coordinator=coordinator,
            member=member,
            extension=extension,
            what=describe(obligation),
            link=link,
        )
    return extension


def _check_new_date(due_on: date, ruled_due_on: date, new: date, field: str) -> None:
    """A new date must be after the deadline, and at most EXTENSION_MAX_MONTHS after the one
    the rules gave."""
    if new <= due_on:
        raise ExtensionError(
            _l("Please give a date after the deadline (%(date)s).", date=nice_date(due_on)),
            field=field,
        )
    latest = add_months(ruled_due_on, max_months())
    if new > latest:
        raise ExtensionError(
            _l(
                "A deadline can be moved by %(num)d months at most, to %(date)s.",
                num=max_months(),
                date=nice_date(latest),
            ),
            field=field,
        )


@atomic
def decide_extension(
    actor: User,
    extension: DeadlineExtension,
    grant: bool,
    new_due_on: date | None,
    comment: str,
) -> None:
    """Grant the request (moving the deadline to `new_due_on`) or refuse it, with a comment."""
    member = extension.member
    permissions.require(permissions.can_decide_extension(actor, member), hide=True)
    if extension.status != REQUESTED:
        raise ExtensionError(_l("This request has been answered already."))
    comment = (comment or "").strip()
    if grant:
        if new_due_on is None:
            raise ExtensionError(_l("Please give the new date."), field="new_due_on")
        _check_new_date(extension.due_on, extension.due_on, new_due_on, "new_due_on")
    elif not comment:
        raise ExtensionError(_l("Please say why the request is refused."), field="comment")
    extension.status = GRANTED if grant else REFUSED
    extension.new_due_on = new_due_on if grant else None
    extension.decision_comment = comment
    extension.decided_by_id = actor.id
    extension.decided_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "extension.granted" if grant else "extension.refused",
        member,
        deadline=extension.kind,
        action_id=extension.action_id,
        due_on=extension.due_on.isoformat(),
        new_due_on=new_due_on.isoformat() if grant and new_due_on else None,
    )
    tell_representatives(
        member,
        _l("More time for %(name)s: granted", name=member.name)
        if grant
        else _l("More time for %(name)s: refused", name=member.name),
        "pledges_extension_decided.txt",
        extension=extension,
        granted=grant,
        what=describe_request(extension),
    )
    if grant:
        reinstate_if_caught_up(member)


def describe_request(extension: DeadlineExtension):
    """What the request is about, in words."""
    return _deadline_words(extension.kind, extension.action.title if extension.action else "")


@dataclass
class ExtensionRequests:
    waiting: list[DeadlineExtension]
    answered: list[DeadlineExtension]


def requests_for(actor: User, answered_limit: int = 50) -> ExtensionRequests:
    """For a coordinator: the requests of their countries' members waiting for an answer
    (oldest first), then the latest answered ones."""
    permissions.require(permissions.can_follow_up(actor))
    base = (
        select(DeadlineExtension)
        .join(Member, Member.id == DeadlineExtension.member_id)
        .where(Member.country.in_(actor.country_codes))
        .options(
            selectinload(DeadlineExtension.member),
            selectinload(DeadlineExtension.action),
        )
    )
    waiting = list(
        db.session.scalars(
            base.where(DeadlineExtension.status == REQUESTED).order_by(
                DeadlineExtension.requested_at, DeadlineExtension.id
            )
        )
    )
    answered = list(
        db.session.scalars(
            base.where(DeadlineExtension.status != REQUESTED)
            .order_by(DeadlineExtension.decided_at.desc(), DeadlineExtension.id.desc())
            .limit(answered_limit)
        )
    )
    return ExtensionRequests(waiting, answered)


def waiting_count(actor: User) -> int:
    if not permissions.can_follow_up(actor):
        return 0
    return len(requests_for(actor, answered_limit=0).waiting)


def extensions_of_member(member: Member) -> list[DeadlineExtension]:
    """A member's requests, newest first (its representatives' plan page)."""
    return list(
        db.session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.member_id == member.id)
            .options(selectinload(DeadlineExtension.action))
            .order_by(
                case((DeadlineExtension.status == REQUESTED, 0), else_=1),
                DeadlineExtension.requested_at.desc(),
            )
        )
    )


def default_until(obligation: Obligation, today: date | None = None) -> date:
    """The date a request form proposes: three months after the deadline (or after today, for
    a deadline long past), within the allowed maximum."""
    start = max(obligation.due_on, today or today_utc())
    return min(add_months(start, 3), latest_allowed(obligation))

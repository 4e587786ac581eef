"""Following members up on their commitments: what each owes and what is late (from the pure
rules in portal.pledges.deadlines), the coordinators' list of late members, and putting a late
member on hold or lifting the hold through the one transition function.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from portal import permissions
from portal.core.clock import today_utc
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership.transitions import transition
from portal.models import Action, DeadlineExtension, Member, Representation, User
from portal.models.members import APPROVED, ON_HOLD
from portal.models.publicdata import public_reads
from portal.pledges.deadlines import (
    ActionFacts,
    Commitments,
    DeadlineRef,
    ExtensionFacts,
    Rules,
    commitments,
)
from portal.pledges.errors import PledgeError

_FACT_COLUMNS = (
    Action.id,
    Action.member_id,
    Action.title,
    Action.language,
    Action.status,
    Action.published,
    Action.last_progress_on,
)


def rules() -> Rules:
    return Rules.from_config(current_app.config)


def approved_on(member: Member) -> date | None:
    return member.approved_at.date() if member.approved_at is not None else None


def _facts(row) -> ActionFacts:
    return ActionFacts(
        id=row.id,
        title=row.title,
        status=row.status,
        published=row.published,
        last_progress_on=row.last_progress_on,
        language=row.language,
    )


@cache
def _extensions_statement():
    # Built once per process, the members' ids as a parameter: building a statement costs more
    # than the query (see service._public_actions_statement).
    return select(
        DeadlineExtension.member_id,
        DeadlineExtension.kind,
        DeadlineExtension.action_id,
        DeadlineExtension.due_on,
        DeadlineExtension.status,
        DeadlineExtension.new_due_on,
    ).where(DeadlineExtension.member_id.in_(bindparam("member_ids", expanding=True)))


def extensions_of(member_ids: list[int]) -> dict[int, dict[DeadlineRef, ExtensionFacts]]:
    """The requests for more time of these members, by member and deadline (one query per
    500 members)."""
    found: dict[int, dict[DeadlineRef, ExtensionFacts]] = defaultdict(dict)
    with public_reads(db.session) as connection:
        for start in range(0, len(member_ids), 500):
            rows = connection.execute(
                _extensions_statement(), {"member_ids": member_ids[start : start + 500]}
            ).all()
            for row in rows:
                found[row.member_id][(row.kind, row.action_id, row.due_on)] = ExtensionFacts(
                    status=str(row.status), new_due_on=row.new_due_on
                )
    return found


def commitments_for(member: Member, today: date | None = None) -> Commitments:
    """What the member owes and what is late on `today` (default: today in UTC)."""
    rows = db.session.execute(
        select(*_FACT_COLUMNS).where(Action.member_id == member.id, Action.published.is_(True))
    ).all()
    return commitments(
        approved_on(member),
        [_facts(r) for r in rows],
        rules(),
        today or today_utc(),
        extensions_of([member.id]).get(member.id),
    )


def commitments_with(member: Member, actions: list, today: date | None = None) -> Commitments:
    """commitments_for, from the member's published actions already read (Action objects or
    rows with the same attributes): one query, for its requests for more time."""
    facts = [_facts(a) for a in actions if a.published]
    return commitments(
        approved_on(member),
        facts,
        rules(),
        today or today_utc(),
        extensions_of([member.id]).get(member.id),
    )


def commitments_of_members(
    members: list[Member], today: date | None = None
) -> dict[int, Commitments]:
    """commitments_for many members with one query for their published actions."""
    today = today or today_utc()
    by_member: dict[int, list[ActionFacts]] = defaultdict(list)
    ids = [m.id for m in members]
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(*_FACT_COLUMNS).where(
                Action.member_id.in_(ids[start : start + 500]), Action.published.is_(True)
            )
        ).all()
        for row in rows:
            by_member[row.member_id].append(_facts(row))
    current = rules()
    extensions = extensions_of(ids)
    return {
        m.id: commitments(approved_on(m), by_member[m.id], current, today, extensions.get(m.id))
        for m in members
    }


def members_with_commitments(today: date, batch: int = 500) -> Iterator[tuple[Member, Commitments]]:
    """Every public member that has been approved, with its representatives loaded and what it
    owes on `today`, read `batch` members at a time (the daily jobs: reminders, holds)."""
    last_id = 0
    while True:
        members = list(
            db.session.scalars(
                select(Member)
                .where(Member.is_public, Member.approved_at.is_not(None), Member.id > last_id)
                .options(selectinload(Member.representatives).selectinload(Representation.user))
                .order_by(Member.id)
                .limit(batch)
            )
        )
        if not members:
            return
        last_id = members[-1].id
        states = commitments_of_members(members, today)
        for member in members:
            yield member, states[member.id]


@dataclass
class FollowUp:
    member: Member
    commitments: Commitments


def overview(actor: User, today: date | None = None) -> tuple[list[FollowUp], list[FollowUp]]:
    """For a coordinator: the late members of their countries, latest first, and the members
    on hold that have caught up (whose hold may be lifted)."""
    permissions.require(permissions.can_follow_up(actor))
    members = list(
        db.session.scalars(
            select(Member)
            .where(Member.country.in_(actor.country_codes), Member.is_public)
            .order_by(Member.country, Member.name_key)
        )
    )
    states = commitments_of_members(members, today)
    late = [FollowUp(m, states[m.id]) for m in members if not states[m.id].on_track]
    late.sort(key=lambda f: (-f.commitments.days_late, f.member.name_key))
    caught_up = [
        FollowUp(m, states[m.id]) for m in members if m.status == ON_HOLD and states[m.id].on_track
    ]
    return late, caught_up


def late_count(actor: User, today: date | None = None) -> int:
    return len(overview(actor, today)[0]) if permissions.can_follow_up(actor) else 0


def tell_representatives(member: Member, subject, template: str, **context) -> None:
    """Queue a mail to each active representative of `member`, with the link to its actions."""
    link = external_url("pledges.plan", member_id=member.id)
    for representation in member.representatives:
        rep = representation.user
        if rep.active:
            queue_mail(
                rep.email,
                subject,
                template,
                locale=rep.locale,
                user=rep,
                member=member,
                link=link,
                **context,
            )


@atomic
def put_on_hold(
    actor: User,
    member: Member,
    reason: str,
    expected_version: int | None,
    today: date | None = None,
) -> None:
    """Put a member that is late with its commitments on hold (the reason is public)."""
    permissions.require(permissions.can_hold_for_lateness(actor, member))
    if commitments_for(member, today).on_track:
        raise PledgeError(_l("This member is not late with its commitments."))
    transition(actor, member, ON_HOLD, reason, expected_version)
    tell_representatives(
        member,
        _l("%(name)s is on hold in the covenant", name=member.name),
        "pledges_on_hold.txt",
        reason=member.status_comment,
    )


@atomic
def lift_hold(actor: User, member: Member, reason: str, expected_version: int | None) -> None:
    permissions.require(permissions.can_hold_for_lateness(actor, member))
    if member.status != ON_HOLD:
        raise PledgeError(_l("This member is not on hold."))
    transition(actor, member, APPROVED, reason, expected_version)
    member.held_automatically = False
    if not commitments_for(member).on_track:
        # The coordinator's override: the daily job (portal.pledges.holds) leaves the member
        # alone for the grace period before it may hold it again.
        member.hold_exempt_until = today_utc() + timedelta(
            days=int(current_app.config["HOLD_GRACE_DAYS"])
        )
    tell_representatives(
        member,
        _l("The hold on %(name)s is lifted", name=member.name),
        "pledges_hold_lifted.txt",
        reason=member.status_comment,
    )

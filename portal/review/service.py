"""Coordinators decide on applications and change members' status.

Each action checks who may take it, moves the membership through the one transition function
(with the version the coordinator saw, so a decision that no longer applies is refused), queues a
mail to every representative, all in one transaction (@atomic). On a refusal nothing is changed
and nothing sent.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_, union_all

from portal import permissions
from portal.core.errors import NotAllowed
from portal.core.folding import fold
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership.transitions import (
    ALLOWED,
    DuplicateMunicipality,
    StaleDecision,
    TransitionNotAllowed,
    transition,
)
from portal.models import Member, StatusChange, User
from portal.models.members import (
    APPROVED,
    CHANGES_REQUESTED,
    MEMBER_STATUSES,
    ON_HOLD,
    REJECTED,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
    Decision,
    MemberAction,
    MemberStatus,
)

# The subject of the mail the representatives get, by the member's new status; lazy, so each
# representative reads it in their own language.
SUBJECTS = {
    APPROVED: lambda name: _l("%(name)s is now a member of the covenant", name=name),
    REJECTED: lambda name: _l("Your application for %(name)s was not accepted", name=name),
    CHANGES_REQUESTED: lambda name: _l(
        "Changes requested to the application of %(name)s", name=name
    ),
    ON_HOLD: lambda name: _l("The membership of %(name)s is on hold", name=name),
    SUSPENDED: lambda name: _l("The membership of %(name)s is suspended", name=name),
    WITHDRAWN: lambda name: _l("The membership of %(name)s is withdrawn", name=name),
}


def reinstated_subject(name: str):
    return _l("The membership of %(name)s is active again", name=name)


@dataclass(frozen=True)
class Outcome:
    """What an action did: the history entry it wrote and how many people were mailed."""

    change: StatusChange
    notified: int


def queue_for(actor: User, country: str | None = None) -> Select:
    """The submitted applications of the coordinator's countries (or one of them), oldest first."""
    return (
        select(Member)
        .where(Member.status == SUBMITTED, Member.country.in_(_countries(actor, country)))
        .order_by(Member.submitted_at, Member.id)
    )


def waiting_count(actor: User) -> int:
    """How many submitted applications of the coordinator's countries wait (one count)."""
    countries = _countries(actor, None)
    if not countries:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.status == SUBMITTED, Member.country.in_(countries))
        )
        or 0
    )


def members_for(actor: User, status: str | None = None, country: str | None = None) -> Select:
    """The members (approved and after) of the coordinator's countries, by name."""
    statuses = [status] if status in MEMBER_STATUSES else list(MEMBER_STATUSES)
    return (
        select(Member)
        .where(Member.status.in_(statuses), Member.country.in_(_countries(actor, country)))
        .order_by(Member.name_key, Member.country, Member.id)
    )


@dataclass
class MembersPage:
    """One page of a coordinator's members by name, with the cursors to the pages around it."""

    items: list[Member]
    total: int
    previous: int | None = None  # show the page before the member with this id
    next: int | None = None  # show the page after the member with this id


# At most this many words of a name search are looked for (as in the directory).
NAME_SEARCH_WORDS = 6


def name_match(q: str | None) -> ColumnElement[bool] | None:
    """Members whose folded name has a word starting with each word of the folded `q` ("lodz"
    finds Łódź, "frank" Frankfurt am Main and Bad Frankenhausen); None for no search, and a
    match of nothing for a query with no letter or digit."""
    if q is None or not q.strip():
        return None
    words = tuple(dict.fromkeys(fold(q).split()))[:NAME_SEARCH_WORDS]
    if not words:
        return false()
    # fold() leaves [0-9a-z] and single spaces only: nothing LIKE would read as a wildcard.
    key = Member.name_key
    return and_(*(or_(key.like(f"{word}%"), key.like(f"% {word}%")) for word in words))


def members_page(
    actor: User,
    status: str | None = None,
    country: str | None = None,
    after: int | None = None,
    before: int | None = None,
    per_page: int = 50,
    q: str | None = None,
) -> MembersPage:
    """A page of members_for(), read by the index on (country, name_key, id): each of the
    coordinator's countries gives its next rows from the position of the cursor (a member's id),
    and the database merges those short runs, so a page costs the same at the start and deep
    into Germany's eleven thousand members (no OFFSET). `q` keeps the members whose name has a
    word starting with each of its words, folded (name_match)."""
    statuses = [status] if status in MEMBER_STATUSES else list(MEMBER_STATUSES)
    countries = _countries(actor, country)
    matching = name_match(q)
    named = [matching] if matching is not None else []
    total = db.session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.status.in_(statuses), Member.country.in_(countries), *named)
    )
    if not countries:
        return MembersPage([], total or 0)
    cursor_id = before if before is not None else after
    position = None
    if cursor_id is not None:
        position = db.session.execute(
            select(Member.name_key, Member.id).where(Member.id == cursor_id)
        ).first()
    backwards = before is not None and position is not None
    runs = []
    for code in countries:
        run = select(Member.id, Member.name_key).where(
            Member.country == code, Member.status.in_(statuses), *named
        )
        if position is not None:
            key = tuple_(Member.name_key, Member.id)
            run = run.where(key < tuple(position) if backwards else key > tuple(position))
        order = _by_name(Member.name_key, Member.id, backwards)
        runs.append(run.order_by(*order).limit(per_page + 1).subquery())
    merged = union_all(*(select(run.c.id, run.c.name_key) for run in runs)).subquery()
    order = _by_name(merged.c.name_key, merged.c.id, backwards)
    ids = list(db.session.scalars(select(merged.c.id).order_by(*order).limit(per_page + 1)))
    more = len(ids) > per_page
    ids = ids[:per_page]
    if backwards:
        ids.reverse()
    found = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}
    items = [found[i] for i in ids]
    page = MembersPage(items, total or 0)
    if items:
        at_start = (backwards and not more) or position is None
        at_end = not backwards and not more
        page.previous = None if at_start else items[0].id
        page.next = None if at_end else items[-1].id
    return page


def _by_name(name_key, ident, backwards: bool) -> tuple:
    """By name then id, or the reverse when reading the page before a cursor."""
    return (name_key.desc(), ident.desc()) if backwards else (name_key, ident)


def _countries(actor: User, country: str | None) -> list[str]:
    mine = actor.country_codes if permissions.can_review(actor) else set()
    if country:
        return [country] if country in mine else []
    return sorted(mine)


@atomic
def decide(actor: User, member: Member, decision: str, comment: str, version: int) -> Outcome:
    """Approve, reject or request changes to a submitted application."""
    if not permissions.can_decide(actor, member):
        raise NotAllowed(_l("You may not decide on this application."))
    ensure_current(member, version)
    chosen = Decision.get(decision)
    if chosen is None:
        raise TransitionNotAllowed(_l("Choose a decision."))
    return _move(actor, member, chosen.status, comment, version, (SUBMITTED,))


@atomic
def approve_application(actor: User, member: Member, comment: str, version: int) -> Outcome:
    return decide(actor, member, Decision.APPROVE, comment, version)


@atomic
def reject_application(actor: User, member: Member, reason: str, version: int) -> Outcome:
    return decide(actor, member, Decision.REJECT, reason, version)


@atomic
def request_changes(actor: User, member: Member, comment: str, version: int) -> Outcome:
    return decide(actor, member, Decision.REQUEST_CHANGES, comment, version)


def ensure_current(member: Member, version: int | None) -> None:
    """Refuse an action taken on a page showing an older version of the member."""
    if version != member.version:
        raise StaleDecision(
            _l(
                "This changed while you were looking at it: it is now “%(status)s”. "
                "Nothing was done; please look at it again.",
                status=_status_text(member.status),
            )
        )


def available_member_actions(member: Member) -> list[MemberAction]:
    """The member actions possible from the member's current status, in MemberAction order."""
    if member.status not in MEMBER_STATUSES:
        return []
    allowed = ALLOWED.get(member.status, frozenset())
    return [action for action in MemberAction if action.status in allowed]


@atomic
def change_member_status(
    actor: User, member: Member, action: str, reason: str, version: int
) -> Outcome:
    """Put a member on hold, suspend it, withdraw it, or reinstate it (back to approved)."""
    if not permissions.can_change_member_status(actor, member):
        raise NotAllowed(_l("You may not change the status of this member."))
    ensure_current(member, version)
    chosen = MemberAction.get(action)
    if chosen is None:
        raise TransitionNotAllowed(_l("Choose what to do."))
    try:
        return _move(actor, member, chosen.status, reason, version, MEMBER_STATUSES)
    except DuplicateMunicipality as exc:
        raise TransitionNotAllowed(
            _l(
                "It cannot be reinstated: the same municipality has another open application "
                "or membership."
            )
        ) from exc


def _move(
    actor: User,
    member: Member,
    to_status: str,
    comment: str,
    version: int,
    from_statuses: tuple[str, ...],
) -> Outcome:
    """The transition with its history, and the mails, in the caller's transaction."""
    # The member in the wrong state for this action (a member "approved" again, a form sent to
    # the wrong address); a change made meanwhile by someone else is refused by transition() on
    # the database's version, however close the race.
    if member.status not in from_statuses or to_status not in ALLOWED[member.status]:
        raise TransitionNotAllowed(
            _l(
                "This is not possible while it is “%(status)s”. Nothing was done.",
                status=_status_text(member.status),
            )
        )
    from_status = member.status
    change = transition(actor, member, to_status, comment, expected_version=version)
    notified = _notify_representatives(member, from_status, change.comment)
    return Outcome(change=change, notified=notified)


def _notify_representatives(member: Member, from_status: str, comment: str) -> int:
    """Queue one mail per active representative, in their language; returns how many."""
    reinstated = member.status == APPROVED and from_status in MEMBER_STATUSES
    subject = (reinstated_subject if reinstated else SUBJECTS[member.status])(member.name)
    link = external_url("membership.application", member_id=member.id)
    recipients = [r.user for r in member.representatives if r.user.active]
    for user in recipients:
        queue_mail(
            user.email,
            subject,
            "review_decision.txt",
            locale=user.locale,
            user=user,
            member=member,
            status=member.status,
            reinstated=reinstated,
            comment=comment,
            link=link,
        )
    return len(recipients)


def _status_text(status: str) -> str:
    return str(MemberStatus(status).label)

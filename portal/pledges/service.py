"""The domain actions on a member's pledged actions: create, edit, publish, unpublish, cancel,
report progress, comment, mark as good practice; and the queries the pages read.

Each command checks who may do it (portal.permissions), validates its input against the rules
below and the lists in portal.pledges.catalog, changes state and queues its mails, in one
transaction (@atomic). Bad input raises InvalidInput with a message per form field, and nothing
changes.

Progress updates: an update is dated (``reported_on``), not in the future and not before the
action's latest update (nor, for the first one, before the action was entered), so the history
reads in order and the newest update is the one the action's status and percentage follow.
``Action.published_at`` is the first publication and stays when an action is unpublished, and
``Action.last_progress_on`` is the later of that date and the latest update's date: the start of
the progress-report clock described in portal.pledges.deadlines.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from portal import permissions
from portal.core import audit, once
from portal.core.clock import today_utc
from portal.core.countries import COUNTRY_CODES
from portal.core.i18n import is_language
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import (
    Action,
    ActionComment,
    ActionFunding,
    ActionSpace,
    Member,
    ProgressUpdate,
    User,
    utcnow,
)
from portal.models.members import PUBLIC_STATUSES
from portal.models.pledges import CANCELLED, COMPLETED, PLANNED
from portal.models.publicdata import public_reads
from portal.pledges import holds
from portal.pledges.catalog import CATEGORIES, FUNDING_SOURCES, PROGRESS_STATUSES, SPACE_KINDS
from portal.pledges.errors import PledgeError

TITLE_MIN, TITLE_MAX = 3, 200
DESCRIPTION_MAX = 5000
PARTNERS_MAX = 1000
UPDATE_TEXT_MAX = 2000
COMMENT_MAX = 2000
BUDGET_MAX = Decimal("999999999999.99")  # what Numeric(14, 2) holds
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
GOOD_PRACTICES_PER_PAGE = 20


class InvalidInput(PledgeError):
    """Bad input: `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, object]):
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


@dataclass
class ActionData:
    """What a representative writes about an action."""

    title: str
    category: str
    start_date: date | None
    target_date: date | None
    description: str = ""
    space_kinds: list[str] = field(default_factory=list)
    budget_eur: Decimal | None = None
    funding_sources: list[str] = field(default_factory=list)
    partners: str = ""
    # The language the texts are written in (a code of LANGUAGES); "" where not known.
    language: str = ""


def check_action_data(data: ActionData) -> None:
    """Raise InvalidInput unless the data keeps every rule; strips the texts in place."""
    errors: dict[str, object] = {}
    data.title = (data.title or "").strip()
    data.description = (data.description or "").strip()
    data.partners = (data.partners or "").strip()
    if not TITLE_MIN <= len(data.title) <= TITLE_MAX:
        errors["title"] = _l(
            "Give a title of %(min)d to %(max)d characters.", min=TITLE_MIN, max=TITLE_MAX
        )
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _l("Use at most %(max)d characters.", max=DESCRIPTION_MAX)
    if data.category not in CATEGORIES:
        errors["category"] = _l("Choose a category from the list.")
    if not data.space_kinds:
        errors["spaces"] = _l("Choose at least one kind of public space.")
    elif any(kind not in SPACE_KINDS for kind in data.space_kinds):
        errors["spaces"] = _l("Choose kinds of public space from the list only.")
    if any(source not in FUNDING_SOURCES for source in data.funding_sources):
        errors["funding"] = _l("Choose funding sources from the list only.")
    for name in ("start_date", "target_date"):
        value = getattr(data, name)
        if value is None:
            errors[name] = _l("Give a date.")
        elif not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            errors[name] = _l(
                "Give a date between %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
    if (
        "start_date" not in errors
        and "target_date" not in errors
        and data.target_date < data.start_date
    ):
        errors["target_date"] = _l("The target date cannot be before the start date.")
    if data.budget_eur is not None:
        if not data.budget_eur.is_finite():
            errors["budget_eur"] = _l("Write the budget as a number of euros, such as 25000.")
        elif data.budget_eur < 0:
            errors["budget_eur"] = _l("The budget cannot be negative.")
        elif data.budget_eur > BUDGET_MAX:
            errors["budget_eur"] = _l("This budget is too large.")
    if len(data.partners) > PARTNERS_MAX:
        errors["partners"] = _l("Use at most %(max)d characters.", max=PARTNERS_MAX)
    if data.language and not is_language(data.language):
        errors["language"] = _l("Choose a language from the list.")
    if errors:
        raise InvalidInput(errors)


def _apply(action: Action, data: ActionData) -> None:
    action.title = data.title
    action.description = data.description
    action.category = data.category
    action.start_date = data.start_date
    action.target_date = data.target_date
    action.budget_eur = (
        None if data.budget_eur is None else data.budget_eur.quantize(Decimal("0.01"))
    )
    action.partners = data.partners
    action.language = data.language
    spaces = set(data.space_kinds)
    action.spaces = [s for s in action.spaces if s.kind in spaces] + [
        ActionSpace(kind=k) for k in sorted(spaces - set(action.space_kinds))
    ]
    sources = set(data.funding_sources)
    action.funding = [f for f in action.funding if f.source in sources] + [
        ActionFunding(source=s) for s in sorted(sources - set(action.funding_sources))
    ]


def _refresh_progress_clock(action: Action) -> None:
    """last_progress_on: the later of the first publication and the latest update's date."""
    dates = [u.reported_on for u in action.updates]
    if action.published_at is not None:
        dates.append(action.published_at.date())
    action.last_progress_on = max(dates) if action.published_at is not None else None


def _publish(action: Action) -> None:
    action.published = True
    if action.published_at is None:
        action.published_at = utcnow()
    _refresh_progress_clock(action)


@atomic
def create_action(
    actor: User,
    member: Member,
    data: ActionData,
    publish: bool = False,
    form_token: str | None = None,
) -> Action:
    permissions.require(permissions.can_manage_actions(actor, member))
    check_action_data(data)
    once.claim(form_token, "action")
    action = Action(member=member, created_by_id=actor.id, status=PLANNED, percent_complete=0)
    _apply(action, data)
    db.session.add(action)
    if publish:
        _publish(action)
        db.session.flush()
        holds.reinstate_if_caught_up(member)
    return action


@atomic
def update_action(actor: User, action: Action, data: ActionData) -> Action:
    permissions.require(permissions.can_manage_actions(actor, action.member))
    check_action_data(data)
    _apply(action, data)
    return action


@atomic
def publish_action(actor: User, action: Action) -> None:
    permissions.require(permissions.can_manage_actions(actor, action.member))
    _publish(action)
    holds.reinstate_if_caught_up(action.member)


@atomic
def unpublish_action(actor: User, action: Action) -> None:
    permissions.require(permissions.can_manage_actions(actor, action.member))
    action.published = False


def _check_update_date(action: Action, reported_on: date | None, today: date) -> None:
    if reported_on is None:
        raise InvalidInput({"reported_on": _l("Give the date of this update.")})
    if reported_on > today:
        raise InvalidInput({"reported_on": _l("The date cannot be in the future.")})
    latest = action.updates[-1].reported_on if action.updates else None
    if latest is not None and reported_on < latest:
        raise InvalidInput(
            {
                "reported_on": _l(
                    "The date cannot be before the latest update (%(date)s).",
                    date=latest.isoformat(),
                )
            }
        )
    created = action.created_at.date() if action.created_at else today
    if latest is None and reported_on < created:
        raise InvalidInput(
            {
                "reported_on": _l(
                    "The date cannot be before the action was entered (%(date)s).",
                    date=created.isoformat(),
                )
            }
        )


@atomic
def add_progress(
    actor: User,
    action: Action,
    reported_on: date | None,
    text: str,
    percent: int | None,
    status: str,
    today: date | None = None,
    form_token: str | None = None,
    language: str | None = None,
) -> ProgressUpdate:
    """Record a progress update; the action's status and percentage follow it. `language` is
    the one its text is written in; by default the action's own."""
    permissions.require(permissions.can_manage_actions(actor, action.member))
    once.claim(form_token, "progress")
    today = today or today_utc()
    if action.status == CANCELLED:
        raise PledgeError(_l("This action is cancelled; it takes no more updates."))
    errors: dict[str, object] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _l("Say what has happened.")
    elif len(text) > UPDATE_TEXT_MAX:
        errors["text"] = _l("Use at most %(max)d characters.", max=UPDATE_TEXT_MAX)
    if status not in PROGRESS_STATUSES:
        errors["status"] = _l("Choose a status from the list.")
    if language is None:
        language = action.language
    elif language and not is_language(language):
        errors["language"] = _l("Choose a language from the list.")
    if percent is None or not 0 <= percent <= 100:
        errors["percent_complete"] = _l("Give a percentage from 0 to 100.")
    elif status == COMPLETED and percent != 100:
        errors["percent_complete"] = _l(
            "A completed action must be marked as 100 percent complete."
        )
    if errors:
        raise InvalidInput(errors)
    _check_update_date(action, reported_on, today)
    update = ProgressUpdate(
        author_id=actor.id,
        reported_on=reported_on,
        text=text,
        language=language,
        percent_complete=percent,
        status=status,
    )
    action.updates.append(update)
    _follow_latest_update(action)
    holds.reinstate_if_caught_up(action.member, today)
    return update


def _follow_latest_update(action: Action) -> None:
    latest = action.updates[-1]
    action.status = latest.status
    action.percent_complete = latest.percent_complete
    if action.status != COMPLETED:
        _clear_good_practice(action)
    _refresh_progress_clock(action)


@atomic
def cancel_action(
    actor: User,
    action: Action,
    reason: str,
    today: date | None = None,
    language: str | None = None,
) -> ProgressUpdate:
    """Cancel an action; the reason is kept in its progress history, written in `language`
    (by default the action's)."""
    permissions.require(permissions.can_manage_actions(actor, action.member))
    today = today or today_utc()
    if action.status == CANCELLED:
        raise PledgeError(_l("This action is cancelled already."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Say why the action is cancelled.")})
    if len(reason) > UPDATE_TEXT_MAX:
        raise InvalidInput({"reason": _l("Use at most %(max)d characters.", max=UPDATE_TEXT_MAX)})
    latest = action.updates[-1].reported_on if action.updates else None
    update = ProgressUpdate(
        author_id=actor.id,
        reported_on=max(today, latest) if latest else today,
        text=reason,
        language=language if is_language(language) else action.language,
        percent_complete=action.percent_complete,
        status=CANCELLED,
    )
    action.updates.append(update)
    _follow_latest_update(action)
    holds.reinstate_if_caught_up(action.member, today)
    return update


@atomic
def add_comment(
    actor: User, action: Action, body: str, form_token: str | None = None
) -> ActionComment:
    """A coordinator's comment, for the member's representatives (never public)."""
    permissions.require(permissions.can_comment_action(actor, action))
    once.claim(form_token, "comment")
    body = (body or "").strip()
    if not body:
        raise InvalidInput({"body": _l("Write a comment.")})
    if len(body) > COMMENT_MAX:
        raise InvalidInput({"body": _l("Use at most %(max)d characters.", max=COMMENT_MAX)})
    comment = ActionComment(author_id=actor.id, body=body)
    action.comments.append(comment)
    db.session.flush()
    audit.record(actor, "action.commented", action, comment_id=comment.id)
    link = external_url("pledges.action", action_id=action.id)
    for representation in action.member.representatives:
        rep = representation.user
        if rep.active:
            queue_mail(
                rep.email,
                _l("A coordinator commented on “%(title)s”", title=action.title),
                "pledges_comment.txt",
                locale=rep.locale,
                user=rep,
                action=action,
                comment=comment,
                link=link,
            )
    return comment


def _clear_good_practice(action: Action) -> None:
    action.good_practice = False
    action.good_practice_at = None
    action.good_practice_by_id = None


@atomic
def set_good_practice(actor: User, action: Action, good: bool) -> None:
    """Mark a completed, published action as a good practice, or take the mark away."""
    permissions.require(permissions.can_mark_good_practice(actor, action))
    if good:
        if action.status != COMPLETED or not action.published:
            raise PledgeError(_l("Only a completed, published action can be a good practice."))
        if not action.good_practice:
            audit.record(actor, "action.marked_good_practice", action)
            action.good_practice = True
            action.good_practice_at = utcnow()
            action.good_practice_by_id = actor.id
    else:
        if action.good_practice:
            audit.record(actor, "action.unmarked_good_practice", action)
        _clear_good_practice(action)


# ---- Queries -------------------------------------------------------------------------------


def _with_details(query):
    return query.options(
        selectinload(Action.spaces),
        selectinload(Action.funding),
        selectinload(Action.updates),
    )


def all_actions(member: Member) -> list[Action]:
    """Published or not: for the member's representatives and coordinators."""
    return list(
        db.session.scalars(
            _with_details(select(Action))
            .where(Action.member_id == member.id)
            .order_by(Action.start_date.desc(), Action.id.desc())
        )
    )


@dataclass(frozen=True)
class PublicUpdate:
    """A progress update as the public sees it: never its author."""

    reported_on: date
    text: str
    percent_complete: int
    status: str
    language: str
    author = None


@dataclass(frozen=True)
class PublicAction:
    """A published action as its member's public page shows it, read as columns. The columns
    are listed here: the directory's public lists (portal.directory.public) cannot be imported
    by pledges, which the directory itself imports."""

    id: int
    member_id: int
    title: str
    description: str
    category: str
    status: str
    percent_complete: int
    start_date: date | None
    target_date: date | None
    budget_eur: Decimal | None
    good_practice: bool
    last_progress_on: date | None
    language: str
    space_kinds: tuple[str, ...]
    funding_sources: tuple[str, ...]
    updates: tuple[PublicUpdate, ...]
    published = True


def _codes(column, action_id):
    """A correlated list of an action's codes (public spaces, funding sources) as one string."""
    return (
        select(func.aggregate_strings(column, ","))
        .where(action_id == Action.id)
        .correlate(Action)
        .scalar_subquery()
    )


# The columns of PublicAction read as they are, and those of PublicUpdate with its action.
_ACTION_COLUMNS = tuple(
    getattr(Action, name)
    for name in PublicAction.__annotations__
    if name not in ("space_kinds", "funding_sources", "updates")
)
_UPDATE_COLUMNS = (
    ProgressUpdate.action_id,
    *(getattr(ProgressUpdate, name) for name in PublicUpdate.__annotations__),
)


def _code_tuple(codes: str | None) -> tuple[str, ...]:
    return tuple(sorted(codes.split(","))) if codes else ()


# The member page's two statements, built once per process: a statement built afresh costs
# more in SQLAlchemy (constructing it, then matching its columns to the compiled one's) than
# PostgreSQL takes to answer it, about 1 ms each. The values come as parameters.
@cache
def _public_actions_statement():
    return (
        select(
            *_ACTION_COLUMNS,
            _codes(ActionSpace.kind, ActionSpace.action_id).label("spaces"),
            _codes(ActionFunding.source, ActionFunding.action_id).label("funding"),
        )
        .where(Action.member_id == bindparam("member_id"), Action.published.is_(True))
        .order_by(Action.start_date.desc(), Action.id.desc())
    )


@cache
def _public_updates_statement():
    return (
        select(*_UPDATE_COLUMNS)
        .where(ProgressUpdate.action_id.in_(bindparam("action_ids", expanding=True)))
        .order_by(ProgressUpdate.reported_on, ProgressUpdate.id)
    )


def public_action_records(member) -> list[PublicAction]:
    """The member's published actions (none if the member is not public) as plain records,
    for its public page: two queries (the actions with their spaces and funding, then their
    updates) on public_reads, no ORM objects."""
    if member.status not in PUBLIC_STATUSES:
        return []
    with public_reads(db.session) as connection:
        rows = connection.execute(_public_actions_statement(), {"member_id": member.id}).all()
        updates: dict[int, list[PublicUpdate]] = {row.id: [] for row in rows}
        if rows:
            for row in connection.execute(
                _public_updates_statement(), {"action_ids": list(updates)}
            ):
                values = row._asdict()
                updates[values.pop("action_id")].append(PublicUpdate(**values))
    return [
        PublicAction(
            **{column.key: row._mapping[column.key] for column in _ACTION_COLUMNS},
            space_kinds=_code_tuple(row.spaces),
            funding_sources=_code_tuple(row.funding),
            updates=tuple(updates[row.id]),
        )
        for row in rows
    ]


def public_action(slug: str, action_id: int) -> Action | None:
    return db.session.scalar(
        _with_details(select(Action))
        .join(Member, Member.id == Action.member_id)
        .where(
            Action.id == action_id,
            Action.published.is_(True),
            Member.slug == slug,
            Member.is_public,
        )
    )


def good_practices(category: str | None, country: str | None, page: int):
    """Published, completed actions marked as good practice, newest mark first."""
    query = (
        select(Action)
        .join(Member, Member.id == Action.member_id)
        .where(
            Action.good_practice.is_(True),
            Action.published.is_(True),
            Action.status == COMPLETED,
            Member.is_public,
        )
        .options(selectinload(Action.member), selectinload(Action.funding))
        .order_by(Action.good_practice_at.desc(), Action.id.desc())
    )
    if category in CATEGORIES:
        query = query.where(Action.category == category)
    if country in COUNTRY_CODES:
        query = query.where(Member.country == country)
    return db.paginate(query, page=max(page, 1), per_page=GOOD_PRACTICES_PER_PAGE, error_out=False)

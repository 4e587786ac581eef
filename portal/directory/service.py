"""Reading the public directory: pages of members and actions, one member's public record, and
the rows of an export. Pages are cached until what they show changes (portal.core.cache): a
list until a member of its countries changes, a member's record until that member does.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select

from portal.core.cache import public_cache
from portal.core.folding import is_slug
from portal.directory.action_query import ActionFilters, count_actions, filtered_actions
from portal.directory.public import (
    ACTION_COLUMNS,
    UPDATE_COLUMNS,
    action_record,
    member_record,
    update_record,
)
from portal.directory.query import (
    PUBLIC_COLUMNS,
    DirectoryFilters,
    count_members,
    filtered_members,
    members_page,
    published_action_counts,
    published_actions_count_column,
)
from portal.extensions import db
from portal.models import Action, ActionFunding, ActionSpace, Member, ProgressUpdate
from portal.models.publicdata import ACTIONS, MEMBERS, list_scopes, member_scope

EXPORT_BATCH = 2000


@dataclass(frozen=True)
class ResultPage:
    items: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first_number(self) -> int:
        """The position of the first item on this page in the whole result (1-based)."""
        return (self.page - 1) * self.per_page + 1


def member_list_scopes(filters: DirectoryFilters) -> tuple[str, ...]:
    """The parts of the public data a list of members with these filters shows."""
    return list_scopes(MEMBERS, filters.countries)


def find_members(filters: DirectoryFilters) -> ResultPage:
    """One page of public members matching the filters, with the total: three queries at most
    (count, page, published actions per member on the page), whatever the page size."""
    return public_cache().get(
        ("members", filters.key), lambda: _find_members(filters), member_list_scopes(filters)
    )


def _find_members(filters: DirectoryFilters) -> ResultPage:
    # Plain rows, no ORM objects: read on the session's connection (its transaction), without
    # the ORM's work per statement.
    connection = db.session.connection()
    offset = (filters.page - 1) * filters.per_page
    if filters.words:
        # A search: its matches are found (and, for the best match first, ranked) in full
        # anyway, so the page and the number of matches come from one query (count(*) over the
        # whole result), not from running the search twice. Past the last page there is no
        # row to carry the number: counted apart then.
        statement = (
            filtered_members(filters, *PUBLIC_COLUMNS, func.count().over().label("total"))
            .limit(filters.per_page)
            .offset(offset)
        )
        rows = connection.execute(statement).all()
        total = rows[0].total if rows else connection.scalar(count_members(filters)) or 0
    else:
        total = connection.scalar(count_members(filters)) or 0
        rows = []
        if total > offset:
            rows = connection.execute(members_page(filters, late_rows=True)).all()
    counts: dict[int, int] = {}
    if rows:
        counts = dict(connection.execute(published_action_counts([r.id for r in rows])).all())
    items = [member_record(row, counts.get(row.id, 0)) for row in rows]
    return ResultPage(items, total, filters.page, filters.per_page)


def iter_members(filters: DirectoryFilters) -> Iterator[dict]:
    """Every matching member's public record, read in batches from the database as the caller
    consumes them (for streamed exports: nothing is built in memory)."""
    statement = filtered_members(filters, *PUBLIC_COLUMNS, published_actions_count_column())
    result = db.session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    for row in result:
        yield member_record(row, row.actions)


def _spaces_and_funding(action_ids: list[int]) -> tuple[dict, dict]:
    spaces: dict[int, list[str]] = defaultdict(list)
    funding: dict[int, list[str]] = defaultdict(list)
    if action_ids:
        for action_id, kind in db.session.execute(
            select(ActionSpace.action_id, ActionSpace.kind)
            .where(ActionSpace.action_id.in_(action_ids))
            .order_by(ActionSpace.action_id, ActionSpace.kind)
        ):
            spaces[action_id].append(kind)
        for action_id, source in db.session.execute(
            select(ActionFunding.action_id, ActionFunding.source)
            .where(ActionFunding.action_id.in_(action_ids))
            .order_by(ActionFunding.action_id, ActionFunding.source)
        ):
            funding[action_id].append(source)
    return spaces, funding


def public_member(slug: str) -> dict | None:
    """A public member's record with its published actions and their progress updates, or
    None if no public member has this slug."""
    if not is_slug(slug):
        return None
    return public_cache().get(("member", slug), lambda: _public_member(slug), [member_scope(slug)])


def _public_member(slug: str) -> dict | None:
    row = db.session.execute(
        select(*PUBLIC_COLUMNS).where(Member.slug == slug, Member.is_public)
    ).first()
    if row is None:
        return None
    actions = db.session.execute(
        select(*ACTION_COLUMNS)
        .where(Action.member_id == row.id, Action.published.is_(True))
        .order_by(Action.start_date.desc(), Action.id.desc())
    ).all()
    ids = [a.id for a in actions]
    spaces, funding = _spaces_and_funding(ids)
    updates: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for update in db.session.execute(
            select(*UPDATE_COLUMNS)
            .where(ProgressUpdate.action_id.in_(ids))
            .order_by(ProgressUpdate.reported_on, ProgressUpdate.id)
        ):
            updates[update.action_id].append(update_record(update))
    records = []
    for action in actions:
        record = action_record(action, spaces[action.id], funding[action.id])
        record["updates"] = updates[action.id]
        records.append(record)
    member = member_record(row, len(records))
    member["action_list"] = records
    return member


def member_exists(slug: str) -> bool:
    if not is_slug(slug):
        return False
    return (
        db.session.scalar(select(Member.id).where(Member.slug == slug, Member.is_public))
        is not None
    )


def find_actions(filters: ActionFilters) -> ResultPage:
    """One page of published actions of public members, newest first, with the total."""
    key = ("actions", filters.key, filters.page, filters.per_page)
    return public_cache().get(key, lambda: _find_actions(filters), action_list_scopes(filters))


def action_list_scopes(filters: ActionFilters) -> tuple[str, ...]:
    """The parts of the public data a list of actions with these filters shows."""
    if filters.member:
        # Text that cannot be a slug matches no member, now or later: it shows no data.
        return (member_scope(filters.member),) if is_slug(filters.member) else ()
    return list_scopes(ACTIONS, filters.countries)


def _find_actions(filters: ActionFilters) -> ResultPage:
    total = db.session.scalar(count_actions(filters)) or 0
    rows = []
    if total > (filters.page - 1) * filters.per_page:
        statement = (
            filtered_actions(filters, *ACTION_COLUMNS, Member.slug, Member.name, Member.country)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
        rows = db.session.execute(statement).all()
    spaces, funding = _spaces_and_funding([r.id for r in rows])
    items = []
    for row in rows:
        record = action_record(row, spaces[row.id], funding[row.id])
        record["member"] = {"slug": row.slug, "name": row.name, "country": row.country}
        items.append(record)
    return ResultPage(items, total, filters.page, filters.per_page)

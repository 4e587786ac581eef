"""Reading the public directory: pages of members and actions, one member's public record, and
the rows of an export. Pages are cached until what they show changes (portal.core.cache): a
list until a member of its countries changes, a member's record until that member does.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

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
    LATE_ROWS_FROM,
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
from portal.models.publicdata import ACTIONS, MEMBERS, list_scopes, member_scope, public_reads

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
    """One page of public members matching the filters, with the total and each member's number
    of published actions: one query for a usual page, whatever the page size."""
    return public_cache().get(
        ("members", filters.key), lambda: _find_members(filters), member_list_scopes(filters)
    )


# Rows skipped up to which a page counts its members' actions in its own query (a correlated
# count in the page's query would count them for every row skipped as well).
INLINE_COUNTS_UP_TO = 50


def _find_members(filters: DirectoryFilters) -> ResultPage:
    # Plain rows, no ORM objects, without the ORM's work per statement. Each query is a round
    # trip to the database, which on PostgreSQL costs more than reading the page: the page
    # carries its total and its members' numbers of actions (a correlated count through an
    # index) in the same query, on a connection without BEGIN and ROLLBACK (public_reads).
    with public_reads(db.session) as connection:
        return _members_on(connection, filters)


def _members_on(connection: Connection, filters: DirectoryFilters) -> ResultPage:
    offset = (filters.page - 1) * filters.per_page
    late_rows = not filters.words and offset >= LATE_ROWS_FROM
    inline_counts = late_rows or offset <= INLINE_COUNTS_UP_TO
    counted = (published_actions_count_column(),) if inline_counts else ()
    if filters.words:
        # A search: its matches are found (and, for the best match first, ranked) in full
        # anyway, so the number of matches comes with the page (count(*) over the whole result).
        total_column = func.count().over().label("total")
        statement = (
            filtered_members(filters, *PUBLIC_COLUMNS, total_column, *counted)
            .limit(filters.per_page)
            .offset(offset)
        )
    else:
        # The total is an uncorrelated subquery: computed once per query.
        total_column = count_members(filters).scalar_subquery().label("total")
        statement = members_page(filters, True, total_column, *counted)
    rows = connection.execute(statement).all()
    if rows:
        total = rows[0].total
    else:
        # No row to carry the number: none at all, or a page past the last one.
        total = (connection.scalar(count_members(filters)) or 0) if offset else 0
    if inline_counts:
        counts = {row.id: row.actions for row in rows}
    else:
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


def _spaces_and_funding(connection: Connection, action_ids: list[int]) -> tuple[dict, dict]:
    spaces: dict[int, list[str]] = defaultdict(list)
    funding: dict[int, list[str]] = defaultdict(list)
    if action_ids:
        for action_id, kind in connection.execute(
            select(ActionSpace.action_id, ActionSpace.kind)
            .where(ActionSpace.action_id.in_(action_ids))
            .order_by(ActionSpace.action_id, ActionSpace.kind)
        ):
            spaces[action_id].append(kind)
        for action_id, source in connection.execute(
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
    with public_reads(db.session) as connection:
        return _public_member_on(connection, slug)


def _public_member_on(connection: Connection, slug: str) -> dict | None:
    row = connection.execute(
        select(*PUBLIC_COLUMNS).where(Member.slug == slug, Member.is_public)
    ).first()
    if row is None:
        return None
    actions = connection.execute(
        select(*ACTION_COLUMNS)
        .where(Action.member_id == row.id, Action.published.is_(True))
        .order_by(Action.start_date.desc(), Action.id.desc())
    ).all()
    ids = [a.id for a in actions]
    spaces, funding = _spaces_and_funding(connection, ids)
    updates: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for update in connection.execute(
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
    with public_reads(db.session) as connection:
        return _actions_on(connection, filters)


def _actions_on(connection: Connection, filters: ActionFilters) -> ResultPage:
    total = connection.scalar(count_actions(filters)) or 0
    rows = []
    if total > (filters.page - 1) * filters.per_page:
        statement = (
            filtered_actions(filters, *ACTION_COLUMNS, Member.slug, Member.name, Member.country)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
        rows = connection.execute(statement).all()
    spaces, funding = _spaces_and_funding(connection, [r.id for r in rows])
    items = []
    for row in rows:
        record = action_record(row, spaces[row.id], funding[row.id])
        record["member"] = {"slug": row.slug, "name": row.name, "country": row.country}
        items.append(record)
    return ResultPage(items, total, filters.page, filters.per_page)

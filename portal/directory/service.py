"""Reading the public directory: pages of members and actions, one member's public record, and
the rows of an export. Pages are cached until what they show changes (portal.core.cache): a
list until a member of its countries changes, a member's record until that member does.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from math import ceil
from threading import Lock

from sqlalchemy import Select, bindparam, func, select
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
    page_parameters,
    paged,
    parameters,
    published_action_counts,
    published_actions_count_column,
    statement_shape,
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
    inline_counts = _page_kind(filters)[1]
    values = parameters(filters) | page_parameters(filters)
    rows = connection.execute(_page_statement(filters), values).all()
    if rows:
        total = rows[0].total
    else:
        # No row to carry the number: none at all, or a page past the last one.
        total = (connection.scalar(count_members(filters)) or 0) if filters.offset else 0
    if inline_counts:
        counts = {row.id: row.actions for row in rows}
    else:
        counts = dict(
            connection.execute(
                _statements().action_counts, {"member_ids": [r.id for r in rows]}
            ).all()
        )
    items = [member_record(row, counts.get(row.id, 0)) for row in rows]
    return ResultPage(items, total, filters.page, filters.per_page)


# The page statements built so far, by statement shape (portal.directory.query): the same
# filters with other values run the same statement with other parameters.
_PAGE_STATEMENTS: dict[tuple, Select] = {}
_PAGE_STATEMENTS_LOCK = Lock()
PAGE_STATEMENTS_KEPT = 512


def _page_statement_key(filters: DirectoryFilters) -> tuple:
    return (statement_shape(filters), *_page_kind(filters))


def _page_kind(filters: DirectoryFilters) -> tuple[bool, bool]:
    """(late_rows, inline_counts): whether the page reads its rows after their ids, and
    whether it counts its members' actions in its own query."""
    late_rows = not filters.words and filters.offset >= LATE_ROWS_FROM
    return late_rows, late_rows or filters.offset <= INLINE_COUNTS_UP_TO


def _page_statement(filters: DirectoryFilters) -> Select:
    key = _page_statement_key(filters)
    statement = _PAGE_STATEMENTS.get(key)
    if statement is None:
        statement = _build_page_statement(filters, *key[1:])
        with _PAGE_STATEMENTS_LOCK:  # threads of a process: the oldest shape makes room
            if len(_PAGE_STATEMENTS) >= PAGE_STATEMENTS_KEPT:
                del _PAGE_STATEMENTS[next(iter(_PAGE_STATEMENTS))]
            _PAGE_STATEMENTS[key] = statement
    return statement


def _build_page_statement(filters: DirectoryFilters, late_rows: bool, inline_counts: bool):
    counted = (published_actions_count_column(),) if inline_counts else ()
    if filters.words:
        # A search: its matches are found (and, for the best match first, ranked) in full
        # anyway, so the number of matches comes with the page (count(*) over the whole result).
        total_column = func.count().over().label("total")
        return paged(filtered_members(filters, *PUBLIC_COLUMNS, total_column, *counted), filters)
    # The total is an uncorrelated subquery: computed once per query.
    total_column = count_members(filters).scalar_subquery().label("total")
    return members_page(filters, late_rows, total_column, *counted)


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
        ids = {"action_ids": action_ids}
        for action_id, kind in connection.execute(_statements().spaces, ids):
            spaces[action_id].append(kind)
        for action_id, source in connection.execute(_statements().funding, ids):
            funding[action_id].append(source)
    return spaces, funding


@dataclass(frozen=True)
class _Statements:
    member: Select
    actions: Select
    updates: Select
    spaces: Select
    funding: Select
    action_counts: Select


@cache
def _statements() -> _Statements:
    """The statements of a member's record and of a page's parts, built once per process with
    their values as parameters: a statement built afresh costs more in SQLAlchemy
    (constructing it, then matching its columns to those of the compiled one it reuses) than
    PostgreSQL takes to answer it."""
    action_ids = bindparam("action_ids", expanding=True)
    return _Statements(
        member=select(*PUBLIC_COLUMNS).where(Member.slug == bindparam("slug"), Member.is_public),
        actions=select(*ACTION_COLUMNS)
        .where(Action.member_id == bindparam("member_id"), Action.published.is_(True))
        .order_by(Action.start_date.desc(), Action.id.desc()),
        updates=select(*UPDATE_COLUMNS)
        .where(ProgressUpdate.action_id.in_(action_ids))
        .order_by(ProgressUpdate.reported_on, ProgressUpdate.id),
        spaces=select(ActionSpace.action_id, ActionSpace.kind)
        .where(ActionSpace.action_id.in_(action_ids))
        .order_by(ActionSpace.action_id, ActionSpace.kind),
        funding=select(ActionFunding.action_id, ActionFunding.source)
        .where(ActionFunding.action_id.in_(action_ids))
        .order_by(ActionFunding.action_id, ActionFunding.source),
        action_counts=published_action_counts(bindparam("member_ids", expanding=True)),
    )


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
    statements = _statements()
    row = connection.execute(statements.member, {"slug": slug}).first()
    if row is None:
        return None
    actions = connection.execute(statements.actions, {"member_id": row.id}).all()
    ids = [a.id for a in actions]
    spaces, funding = _spaces_and_funding(connection, ids)
    updates: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for update in connection.execute(statements.updates, {"action_ids": ids}):
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

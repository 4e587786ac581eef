"""Keeping the directory's search index (portal.models.search.MemberSearch) in step with the
members, in the transaction that changes them.

Nothing has to remember it: a Session event refreshes the rows of every member whose name,
region, status or place a flush changed, and of every member an ORM UPDATE statement touches
(portal.membership.transitions moves states that way). Deleting a member deletes its row (the
foreign key cascades). Code that writes members with plain SQL (the scale demo) writes their
rows itself (search_row(), and words_index_paused() for a bulk insert); `flask search reindex`
writes every row again (rebuild()).

A row exists for public members only, so the index never finds a member the public may not see.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, event, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from portal.core.folding import fold
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import Member, MemberSearch
from portal.models.members import PUBLIC_STATUSES
from portal.models.search import FTS_INSERT_TRIGGER, FTS_TABLE, PG_INDEX
from portal.places.service import names_for

# The attributes the index is made of.
WATCHED = ("name", "region", "status", "geonames_id", "country")


def folded_names(name: str, geonames_id: int | None) -> str:
    """The member's name and every name of its place in the gazetteer, folded, between bars:
    "|copenhagen|kobenhavn|kopenhagen|...|". Codes such as "CPH" are left out."""
    keys = [fold(name)]
    if geonames_id is not None:
        keys.extend(
            fold(other)
            for other in names_for(geonames_id)
            if not (len(other) <= 4 and other.isascii() and other.isupper())
        )
    unique = [key for key in dict.fromkeys(keys) if key]
    return "|" + "|".join(unique) + "|"


def search_row(
    member_id: int, name: str, region: str, geonames_id: int | None, country: str
) -> dict:
    return {
        "member_id": member_id,
        "names": folded_names(name, geonames_id),
        "region": fold(region or ""),
        "country": country,
    }


# What search_row() is made from, in its order.
_ROW_COLUMNS = (Member.id, Member.name, Member.region, Member.geonames_id, Member.country)


def refresh(connection: Connection, member_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these members from what the database holds now."""
    ids = sorted(set(member_ids))
    if not ids:
        return
    table = MemberSearch.__table__
    connection.execute(delete(table).where(table.c.member_id.in_(ids)))
    members = connection.execute(
        select(*_ROW_COLUMNS).where(Member.id.in_(ids), Member.status.in_(PUBLIC_STATUSES))
    ).all()
    if members:
        connection.execute(insert(table), [search_row(*member) for member in members])


@event.listens_for(Session, "after_flush")
def _refresh_flushed(session: Session, flush_context) -> None:
    changed = [
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Member) and obj.id is not None and _watched_changed(obj)
    ]
    if changed:
        refresh(session.connection(), changed)


def _watched_changed(member: Member) -> bool:
    state = inspect(member)
    if state.pending or not state.has_identity:
        return True
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "do_orm_execute")
def _refresh_updated(state: ORMExecuteState):
    if not state.is_update or not any(m.class_ is Member for m in state.all_mappers):
        return None
    # The members this statement will touch, read before it runs (the same WHERE), then
    # refreshed after.
    where = state.statement.whereclause
    query = select(Member.id) if where is None else select(Member.id).where(where)
    ids = list(state.session.connection().scalars(query))
    result = state.invoke_statement()
    refresh(state.session.connection(), ids)
    return result


@contextmanager
def words_index_paused(connection: Connection, first_id: int) -> Iterator[None]:
    """For bulk inserts into member_search (rows with member_id >= first_id): their words are
    indexed once for all, not row by row (on SQLite 0.5 s instead of 14 s, on PostgreSQL 3 s
    instead of 7 s at 79,000 members). The insert trigger (SQLite) or the GIN index
    (PostgreSQL) is dropped for the insert and created again from its own definition as the
    database holds it, in the same transaction."""
    if connection.dialect.name == "sqlite":
        definition = connection.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": FTS_INSERT_TRIGGER},
        )
        connection.execute(text(f"DROP TRIGGER {FTS_INSERT_TRIGGER}"))
        yield
        connection.execute(
            text(
                f"INSERT INTO {FTS_TABLE} (rowid, names, region) "  # noqa: S608 (our names)
                "SELECT member_id, names, region FROM member_search WHERE member_id >= :first"
            ),
            {"first": first_id},
        )
        connection.execute(text(definition))
    elif connection.dialect.name == "postgresql":
        definition = connection.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": PG_INDEX}
        )
        connection.execute(text(f"DROP INDEX {PG_INDEX}"))
        yield
        connection.execute(text(definition))
    else:
        yield


BATCH = 2000


def rebuild(connection: Connection) -> int:
    """Write the whole index again from the members (after the migration that creates it, or
    when the gazetteer's names changed). Returns the number of public members indexed."""
    table = MemberSearch.__table__
    connection.execute(delete(table))
    members = connection.execute(
        select(*_ROW_COLUMNS).where(Member.status.in_(PUBLIC_STATUSES)).order_by(Member.id)
    ).all()
    with words_index_paused(connection, 0):
        for start in range(0, len(members), BATCH):
            rows = [search_row(*member) for member in members[start : start + BATCH]]
            connection.execute(insert(table), rows)
    return len(members)


@atomic
def reindex() -> int:
    """rebuild() in a transaction of its own (`flask search reindex`)."""
    return rebuild(db.session.connection())

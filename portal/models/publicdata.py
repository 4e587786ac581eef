"""What the public sees, versioned per part, and the counts behind the statistics.

Version tokens. Public answers (the directory, the open data API, the member pages) are cached
keyed by the tokens of the parts of the public data they show, so that a write renews only
the answers that show what it changed:

- ``member:<slug>``: one member's page, its API record and its public actions' pages;
- ``members:<CC>`` and ``members:*``: the member lists filtered by country CC, and those that
  span countries (any member change, a published action added or removed);
- ``actions:<CC>`` and ``actions:*``: the same for the lists of actions;
- ``public``: everything (a write made with plain SQL, or one whose rows cannot be told).

A transaction that writes a member, an action or what belongs to it gives each part it touched
a new random token as the last writes of the same transaction (in name order, so two
transactions never wait for each other's rows in opposite orders). A progress update of one
German member's action thus renews that member's page and the action lists of Germany and of
all countries, never /members?country=FR or another member's page. Writes made through the ORM,
unit of work or bulk statement alike, are noted and bumped at commit on their own (a bulk
UPDATE or DELETE first reads which members it reaches); code that writes with plain SQL on a
connection calls bump_public_data(connection), which renews everything.

Counts. ``public_counts`` holds, per country, what the statistics add up (public members, the
population they cover, members by year of joining, published actions by category and status,
funding sources of published actions), kept in the same transaction as each write: the
members a flush or bulk statement touches are counted before and after it, and the difference
is added at commit. recount_public() rebuilds the table from the data (after plain-SQL loads).
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import chain
from uuid import uuid4

from sqlalchemy import BigInteger, Index, String, delete, event, func, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, scoped_session

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.members import ON_HOLD, Member
from portal.models.pledges import Action, ActionFunding, ActionSpace, ProgressUpdate

PUBLIC_DATA = "public"
ALL = "*"
# The models whose rows can show in a public page, API answer or export.
PUBLIC_MODELS = (Member, Action, ActionFunding, ActionSpace, ProgressUpdate)
# The models the statistics count.
COUNTED_MODELS = (Member, Action, ActionFunding)
# Columns of an action that member lists depend on (counts of published actions, the category
# filter); a change of any other (status, progress) renews the action lists only.
_LISTED_ACTION_COLUMNS = ("published", "category", "member_id")

# What a change reaches: the member's own answers, the member lists, the action lists.
MEMBER, MEMBERS, ACTIONS = "member", "members", "actions"
# The kinds of count the directory reads: public members, and those of them on hold.
MEMBERS_COUNT, ON_HOLD_COUNT = "members", "on_hold"


class DataVersion(Base):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicCount(Base):
    """One figure of one country: kind "members", "population", "joins" (key: the year),
    "actions" (key: "category status") or "funding" (key: the source)."""

    __tablename__ = "public_counts"
    # The whole EU's figure of a kind is summed over the countries from this index alone (the
    # key is the country first: every row of every kind would be read otherwise).
    __table_args__ = (Index("ix_public_counts_kind_key", "kind", "key", "country", "value"),)

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# ---- scopes --------------------------------------------------------------------------------


def member_scope(slug: str) -> str:
    return f"{MEMBER}:{slug}"


def list_scopes(kind: str, countries=()) -> tuple[str, ...]:
    """The scopes a list of `kind` (MEMBERS or ACTIONS) filtered by these countries shows (all
    countries when none is given)."""
    if countries:
        return tuple(f"{kind}:{code}" for code in sorted(set(countries)))
    return (f"{kind}:{ALL}",)


def _upsert(connection: Connection, table, values: list[dict], set_: dict):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns), set_=set_
    )
    connection.execute(statement)


def bump_scopes(connection: Connection, names) -> None:
    """New tokens for these scopes, inside the connection's transaction, in name order."""
    names = sorted(set(names))
    if not names:
        return
    now = utcnow()
    table = DataVersion.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for name in names:  # one row at a time, in order: the locks are always taken in one order
        statement = dialect.insert(table).values(name=name, token=uuid4().hex, changed_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.name],
            set_={"token": statement.excluded.token, "changed_at": now},
        )
        connection.execute(statement)


def bump_public_data(connection: Connection) -> str:
    """Give all the public data a new version (every cached answer renews)."""
    bump_scopes(connection, [PUBLIC_DATA])
    return connection.scalar(_tokens_of([PUBLIC_DATA]).with_only_columns(DataVersion.token))


def _tokens_of(names):
    table = DataVersion.__table__
    return select(table.c.name, table.c.token).where(table.c.name.in_(list(names)))


@contextmanager
def public_reads(session: Session) -> Iterator[Connection]:
    """A connection to read public data on.

    Inside a transaction it is the session's own, which sees the transaction's changes.
    Outside one (a public page read by an anonymous visitor) it is a connection of its own,
    without the session's bookkeeping and, on PostgreSQL, in autocommit: no BEGIN and no
    ROLLBACK around the reads, two round trips fewer. At READ COMMITTED, the default, each
    statement sees what was committed when it began in both cases.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        yield session.connection()
        return
    with session.get_bind().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def public_tokens(session: Session, names) -> tuple[tuple[str, str], ...]:
    """((name, token), ...) for "public" and these scopes, in name order ("0" if never bumped).

    Read with public_reads: a cached public page makes no other query, so outside a
    transaction that is one round trip on PostgreSQL.
    """
    wanted = sorted({PUBLIC_DATA, *names})
    with public_reads(session) as connection:
        found = dict(connection.execute(_tokens_of(wanted)).all())
    return tuple((name, found.get(name, "0")) for name in wanted)


def public_data_version(session: Session) -> str:
    """The token of the whole public data ("0" before the first bump)."""
    return public_tokens(session, ())[0][1]


# ---- counts --------------------------------------------------------------------------------


def _contributions(connection: Connection, member_ids) -> Counter:
    """What these members add to the counts now: {(country, kind, key): value}."""
    ids = sorted({i for i in member_ids if i is not None})
    counts: Counter = Counter()
    if not ids:
        return counts
    country_of = {}
    for chunk in _chunks(ids):
        for member_id, country, population, joined_on, status in connection.execute(
            select(
                Member.id, Member.country, Member.population, Member.joined_on, Member.status
            ).where(Member.id.in_(chunk), Member.is_public)
        ):
            country_of[member_id] = country
            counts[(country, MEMBERS_COUNT, "")] += 1
            if status == ON_HOLD:
                counts[(country, ON_HOLD_COUNT, "")] += 1
            counts[(country, "population", "")] += population or 0
            if joined_on is not None:
                counts[(country, "joins", str(joined_on.year))] += 1
    public_ids = sorted(country_of)
    for chunk in _chunks(public_ids):
        for member_id, category, status, n in connection.execute(
            select(Action.member_id, Action.category, Action.status, func.count())
            .where(Action.member_id.in_(chunk), Action.published.is_(True))
            .group_by(Action.member_id, Action.category, Action.status)
        ):
            counts[(country_of[member_id], "actions", f"{category} {status}")] += n
        for member_id, source, n in connection.execute(
            select(Action.member_id, ActionFunding.source, func.count())
            .select_from(ActionFunding)
            .join(Action, Action.id == ActionFunding.action_id)
            .where(Action.member_id.in_(chunk), Action.published.is_(True))
            .group_by(Action.member_id, ActionFunding.source)
        ):
            counts[(country_of[member_id], "funding", source)] += n
    return counts


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _add_counts(connection: Connection, delta: Counter) -> None:
    rows = sorted((key, n) for key, n in delta.items() if n)
    table = PublicCount.__table__
    for (country, kind, key), n in rows:  # in key order: locks in one order
        _upsert(
            connection,
            table,
            [{"country": country, "kind": kind, "key": key, "value": n}],
            {"value": table.c.value + n},
        )


def recount_public(connection: Connection) -> None:
    """Rebuild public_counts from the data (after writes the ORM did not see)."""
    table = PublicCount.__table__
    connection.execute(delete(table))
    year = func.extract("year", Member.joined_on)
    published = (Action.published.is_(True), Member.is_public)
    queries = [
        select(Member.country, literal("members"), literal(""), func.count())
        .where(Member.is_public)
        .group_by(Member.country),
        select(Member.country, literal(ON_HOLD_COUNT), literal(""), func.count())
        .where(Member.status == ON_HOLD)
        .group_by(Member.country),
        select(
            Member.country,
            literal("population"),
            literal(""),
            func.coalesce(func.sum(Member.population), 0),
        )
        .where(Member.is_public)
        .group_by(Member.country),
        select(Member.country, literal("joins"), year, func.count())
        .where(Member.is_public, Member.joined_on.is_not(None))
        .group_by(Member.country, year),
        select(Member.country, literal("actions"), Action.category, Action.status, func.count())
        .join(Action, Action.member_id == Member.id)
        .where(*published)
        .group_by(Member.country, Action.category, Action.status),
        select(Member.country, literal("funding"), ActionFunding.source, func.count())
        .select_from(ActionFunding)
        .join(Action, Action.id == ActionFunding.action_id)
        .join(Member, Member.id == Action.member_id)
        .where(*published)
        .group_by(Member.country, ActionFunding.source),
    ]
    rows = []
    for query in queries:
        for row in connection.execute(query):
            if len(row) == 5:
                country, kind, category, status, n = row
                key = f"{category} {status}"
            else:
                country, kind, key, n = row
                key = str(int(key)) if kind == "joins" else str(key)
            rows.append({"country": country, "kind": kind, "key": key, "value": int(n)})
    for start in range(0, len(rows), 500):
        connection.execute(table.insert(), rows[start : start + 500])


def counted(connection: Connection) -> dict[tuple[str, str, str], int]:
    """The kept counts, {(country, kind, key): value}, without the zeros."""
    table = PublicCount.__table__
    return {
        (country, kind, key): value
        for country, kind, key, value in connection.execute(
            select(table.c.country, table.c.kind, table.c.key, table.c.value).where(
                table.c.value != 0
            )
        )
    }


# ---- noting what a transaction changes -----------------------------------------------------

_SCOPES = "public_scopes"  # set of scope names to bump
_REACHED = "public_reached"  # {member id: set of MEMBER/MEMBERS/ACTIONS}
_ACTIONS = "public_reached_actions"  # {action id: set of kinds}
_COUNT_DELTA = "public_count_delta"  # Counter
_BEFORE = "public_count_before"  # member ids counted before the flush, and their counts


def _reach(session: Session, member_id, kinds) -> None:
    if member_id is not None:
        session.info.setdefault(_REACHED, {}).setdefault(member_id, set()).update(kinds)


def _reach_action(session: Session, action_id, kinds) -> None:
    if action_id is not None:
        session.info.setdefault(_ACTIONS, {}).setdefault(action_id, set()).update(kinds)


def _scope(session: Session, *names: str) -> None:
    session.info.setdefault(_SCOPES, set()).update(names)


def _scopes_of(slug, country, kinds) -> list[str]:
    names = []
    if MEMBER in kinds and slug:
        names.append(member_scope(slug))
    for kind in (MEMBERS, ACTIONS):
        if kind in kinds:
            names.append(f"{kind}:{ALL}")
            if country:
                names.append(f"{kind}:{country}")
    return names


def _values(obj, name: str) -> list:
    """The attribute's current and previous values this flush knows (without loading)."""
    history = inspect(obj).attrs[name].history
    return [v for v in chain(history.added, history.unchanged, history.deleted) if v is not None]


def _pk(obj):
    """The row's id: its identity once persistent, else what the flush just gave it."""
    state = inspect(obj)
    return state.identity[0] if state.identity else state.dict.get("id")


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _counted_member_ids(session: Session) -> set[int]:
    """The existing members whose counts the pending flush may change."""
    ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Member):
            if _pk(obj) is not None:
                ids.add(_pk(obj))
        elif isinstance(obj, Action):
            ids.update(_values(obj, "member_id"))
            if obj.member is not None and obj.member.id is not None:
                ids.add(obj.member.id)
        elif isinstance(obj, ActionFunding):
            for action_id in _values(obj, "action_id"):
                ids.update(
                    session.connection().scalars(
                        select(Action.member_id).where(Action.id == action_id)
                    )
                )
    return ids


@event.listens_for(Session, "before_flush")
def _count_before_flush(session: Session, flush_context, instances) -> None:
    pending = chain(session.new, session.dirty, session.deleted)
    if not any(isinstance(obj, COUNTED_MODELS) for obj in pending):
        return
    with session.no_autoflush:
        ids = _counted_member_ids(session)
    session.info[_BEFORE] = (ids, _contributions(session.connection(), ids))


@event.listens_for(Session, "after_flush")
def _note_public_write(session: Session, flush_context) -> None:
    # In after_flush, new/dirty/deleted and the attributes' history still show what was written.
    counted_ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Member):
            kinds = {MEMBER, MEMBERS, ACTIONS}
            slugs, countries = _values(obj, "slug"), _values(obj, "country")
            if not slugs or not countries:
                _reach(session, _pk(obj), kinds)  # read at commit
            for slug in slugs:
                _scope(session, *_scopes_of(slug, None, {MEMBER}))
            for country in countries or [None]:
                _scope(session, *_scopes_of(None, country, {MEMBERS, ACTIONS}))
            if _pk(obj) is not None:
                counted_ids.add(_pk(obj))
        elif isinstance(obj, Action):
            kinds = {MEMBER, ACTIONS}
            added_or_gone = obj in session.new or obj in session.deleted
            if added_or_gone or _changed(obj, _LISTED_ACTION_COLUMNS):
                kinds.add(MEMBERS)
            for member_id in _values(obj, "member_id"):
                _reach(session, member_id, kinds)
                counted_ids.add(member_id)
        elif isinstance(obj, (ActionFunding, ActionSpace)):
            for action_id in _values(obj, "action_id"):
                _reach_action(session, action_id, {MEMBER, ACTIONS})
        elif isinstance(obj, ProgressUpdate):
            for action_id in _values(obj, "action_id"):
                _reach_action(session, action_id, {MEMBER})
    before = session.info.pop(_BEFORE, None)
    if before is not None:
        ids, counts_before = before
        for obj in session.new:  # funding added to an action: its member, now that ids exist
            if isinstance(obj, ActionFunding) and obj.action_id is not None:
                counted_ids.update(
                    session.connection().scalars(
                        select(Action.member_id).where(Action.id == obj.action_id)
                    )
                )
        # Members not counted before the flush did not exist then (or were reached through a
        # row that did not): they added nothing before it.
        counted_ids |= ids
        _add_delta(session, counts_before, _contributions(session.connection(), counted_ids))


def _add_delta(session: Session, before: Counter, after: Counter) -> None:
    delta = session.info.setdefault(_COUNT_DELTA, Counter())
    for key in set(before) | set(after):
        delta[key] += after.get(key, 0) - before.get(key, 0)


_BULK_TARGETS = {
    Member: lambda where: select(Member.id).where(where),
    Action: lambda where: select(Action.member_id).where(where),
    ActionFunding: lambda where: (
        select(Action.member_id)
        .join(ActionFunding, ActionFunding.action_id == Action.id)
        .where(where)
    ),
    ActionSpace: lambda where: (
        select(Action.member_id).join(ActionSpace, ActionSpace.action_id == Action.id).where(where)
    ),
    ProgressUpdate: lambda where: (
        select(Action.member_id)
        .join(ProgressUpdate, ProgressUpdate.action_id == Action.id)
        .where(where)
    ),
}


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state: ORMExecuteState):
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    models = [m.class_ for m in state.all_mappers if issubclass(m.class_, PUBLIC_MODELS)]
    if not models:
        return None
    session = state.session
    where = getattr(state.statement, "whereclause", None)
    model = models[0]
    if state.is_insert or where is None or len(models) > 1:
        # Rows that cannot be told: everything renews, and the counts are rebuilt at commit.
        _scope(session, PUBLIC_DATA)
        session.info["public_recount"] = True
        return None
    connection = session.connection()
    ids = set(connection.scalars(_BULK_TARGETS[model](where)))
    members = connection.execute(
        select(Member.slug, Member.country).where(Member.id.in_(sorted(ids)))
    ).all()
    for slug, country in members:  # as they were: a bulk write may change both
        _scope(session, *_scopes_of(slug, country, {MEMBER, MEMBERS, ACTIONS}))
    for member_id in ids:
        _reach(session, member_id, {MEMBER, MEMBERS, ACTIONS})
    counts = model in COUNTED_MODELS
    before = _contributions(connection, ids) if counts else None
    result = state.invoke_statement()
    if counts:
        _add_delta(session, before, _contributions(connection, ids))
    return result


def _resolve(session: Session) -> set[str]:
    """Every scope the transaction's writes reach, its members read as they are now."""
    names = set(session.info.pop(_SCOPES, set()))
    reached: dict = session.info.pop(_REACHED, {})
    actions: dict = session.info.pop(_ACTIONS, {})
    connection = session.connection()
    if actions:
        owners = dict(
            connection.execute(
                select(Action.id, Action.member_id).where(Action.id.in_(sorted(actions)))
            ).all()
        )
        for action_id, kinds in actions.items():
            if action_id in owners:
                reached.setdefault(owners[action_id], set()).update(kinds)
    if reached:
        found = {
            member_id: (slug, country)
            for member_id, slug, country in connection.execute(
                select(Member.id, Member.slug, Member.country).where(Member.id.in_(sorted(reached)))
            )
        }
        for member_id, kinds in reached.items():
            if member_id in found:
                names.update(_scopes_of(*found[member_id], kinds))
    return names


@event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    # The counts and tokens are the transaction's last writes, so the shared rows are locked
    # only for the moment of the commit, always after every other row and in one order.
    session.flush()
    if not any(k in session.info for k in (_SCOPES, _REACHED, _ACTIONS, _COUNT_DELTA)):
        return
    connection = session.connection()
    if session.info.pop("public_recount", False):
        session.info.pop(_COUNT_DELTA, None)
        recount_public(connection)
    else:
        _add_counts(connection, session.info.pop(_COUNT_DELTA, Counter()))
    names = _resolve(session)
    if PUBLIC_DATA in names:
        names = {PUBLIC_DATA}
    bump_scopes(connection, names)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    for key in (_SCOPES, _REACHED, _ACTIONS, _COUNT_DELTA, _BEFORE, "public_recount"):
        session.info.pop(key, None)

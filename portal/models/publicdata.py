"""The version of the public data: a token that changes with every write to what the public sees.

Public answers (the directory, the open data API, the map) may be cached, keyed by this token:
any transaction that adds, changes or deletes a member, an action or a progress update gives it
a new random token as the last write of the same transaction, so a cached answer is never
served after a change has been committed, in any process. Writes made through the ORM (unit of
work or bulk statements) are noted and bumped at commit on their own; code that writes with
plain SQL on a connection calls bump_public_data(connection).
"""

from datetime import datetime
from itertools import chain
from uuid import uuid4

from sqlalchemy import String, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, scoped_session

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.members import Member
from portal.models.pledges import Action, ActionFunding, ActionSpace, ProgressUpdate

PUBLIC_DATA = "public"
# The models whose rows can show in a public page, API answer or export.
PUBLIC_MODELS = (Member, Action, ActionFunding, ActionSpace, ProgressUpdate)


class DataVersion(Base):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def bump_public_data(connection: Connection) -> str:
    """Give the public data a new version token, inside the connection's transaction."""
    token = uuid4().hex
    now = utcnow()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = DataVersion.__table__
    statement = dialect.insert(table).values(name=PUBLIC_DATA, token=token, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"token": token, "changed_at": now}
    )
    connection.execute(statement)
    return token


_TOKEN = select(DataVersion.__table__.c.token).where(DataVersion.__table__.c.name == PUBLIC_DATA)


def public_data_version(session: Session) -> str:
    """The current token ("0" before the first write).

    Inside a transaction the session's own view is read. Outside one (a cached public page
    makes no other query) the token is read on a connection of its own, without the session's
    bookkeeping; on PostgreSQL in autocommit, one round trip where the session would add a
    BEGIN before it and a ROLLBACK when the request ends.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        return session.scalar(_TOKEN) or "0"
    with session.get_bind().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.scalar(_TOKEN) or "0"


_CHANGED = "public_data_changed"


@event.listens_for(Session, "after_flush")
def _note_public_write(session: Session, flush_context) -> None:
    # In after_flush, new/dirty/deleted still list what this flush wrote.
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, PUBLIC_MODELS) for obj in changed):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if any(issubclass(mapper.class_, PUBLIC_MODELS) for mapper in state.all_mappers):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    # The bump is the transaction's last write, so the one shared row is locked only for the
    # moment of the commit, and always after every other row: no lock-order deadlocks.
    session.flush()
    if session.info.pop(_CHANGED, False):
        bump_public_data(session.connection())


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)

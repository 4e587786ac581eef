"""Declarative base with a naming convention, and the column types every model shares."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (used as a callable column default)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back as aware UTC, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AppendOnlyError(RuntimeError):
    """A row of an append-only table (a history, the audit trail) is never changed or deleted."""


_APPEND_ONLY: set[type] = set()


def append_only(model: type) -> type:
    """Refuse every change and deletion of `model`'s rows through the ORM: a changed or deleted
    object at flush, and a bulk UPDATE or DELETE statement (session.execute) before it runs.

    Rows leave only with what the database itself does: the ON DELETE rules of their foreign
    keys (an erased account's id becomes NULL) and the test suite's reset.
    """
    name = model.__tablename__

    def refuse(mapper, connection, target):
        raise AppendOnlyError(f"{name} is append-only")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    _APPEND_ONLY.add(model)
    return model


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if state.bind_mapper.class_ in _APPEND_ONLY:
        raise AppendOnlyError(f"{state.bind_mapper.class_.__tablename__} is append-only")

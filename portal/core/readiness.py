"""Is this process ready to serve? The database answers, Redis answers (when REDIS_URL is set),
and the schema is at the newest migration. `/readyz` asks this, `/healthz` does not: a load
balancer takes a process out of rotation while it is not ready, and leaves it running.
"""

from functools import lru_cache

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db


@lru_cache(maxsize=1)
def _heads_in(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def schema_heads() -> frozenset[str]:
    """The newest revisions among the migration scripts shipped with this code (the folder
    Flask-Migrate was given)."""
    return _heads_in(current_app.extensions["migrate"].directory)


def schema_revisions(connection) -> list[str]:
    """The revisions the database is at, as Alembic recorded them."""
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _database() -> str | None:
    try:
        with db.engine.connect() as conn:
            current = frozenset(schema_revisions(conn))
    except SQLAlchemyError as exc:
        return f"database: {type(exc).__name__}"
    if current != schema_heads():
        return "schema: not at the newest migration (run flask db upgrade)"
    return None


def _redis() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) as client:
            client.ping()
    except (RedisError, OSError) as exc:
        return f"redis: {type(exc).__name__}"
    return None


def problems() -> list[str]:
    """What is not ready, by part (no addresses, no secrets): empty when all is well."""
    return [p for p in (_database(), _redis()) if p is not None]

"""Sessions kept on the server (Flask-Session): in the database, or in Redis when REDIS_URL is set.

The browser holds only a random session id; the data stays on the server, so a session can be
ended there and a copied cookie is then worth nothing. Flask-Session's Redis interface is used
as it is. For the database, its generic server-side interface is given a store of our own: the
`sessions` table comes from a migration (Flask-Session's SQLAlchemy interface would create it
itself at start-up), and its reads and writes use a connection of their own, so saving a
session never commits, or rolls back, the request's unit of work.

An empty session is never stored and sets no cookie, so anonymous visitors of public pages get
none (portal.core.pages relies on that).
"""

from datetime import timedelta

from flask import Flask, current_app
from flask.json.tag import TaggedJSONSerializer
from flask_session.base import Serializer, ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from portal.core import clock, transaction
from portal.extensions import db
from portal.models.sessions import ServerSession


class FlaskSerializer(Serializer):
    """Session data written as Flask's own session cookie writes it (tagged JSON), so tuples,
    markup and dates come back as they went in; lazy translated strings become text."""

    def __init__(self) -> None:
        self._tagged = TaggedJSONSerializer()

    def encode(self, session: ServerSideSession) -> bytes:
        return self._tagged.dumps(dict(session)).encode()

    def decode(self, serialized_data: bytes) -> dict:
        return self._tagged.loads(serialized_data.decode())


def _with_flask_serializer(interface: ServerSideSessionInterface) -> ServerSideSessionInterface:
    interface.serializer = FlaskSerializer()
    return interface


class DatabaseSessionInterface(ServerSideSessionInterface):
    """Session data in the `sessions` table, written outside the request's transaction."""

    session_class = ServerSideSession
    ttl = False

    def save_session(self, app: Flask, session: ServerSideSession, response) -> None:
        # The request's reads may still hold a pooled connection: end that transaction first
        # (every change was committed by its service), so a request never holds one connection
        # while it waits for another. Fifty requests at once would otherwise take the whole
        # pool with their reads and wait for ever for the connection that saves the session.
        if not transaction.active():
            transaction.release()
        super().save_session(app, session, response)

    def _register_cleanup_app_command(self) -> None:
        """Expired rows are removed by delete_expired_sessions (see portal.auth.sessions)."""

    def _read_row(self, store_id: str):
        table = ServerSession.__table__
        with db.engine.connect() as conn:
            return conn.execute(
                select(table.c.data, table.c.expiry).where(table.c.session_id == store_id)
            ).first()

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        try:
            row = self._read_row(store_id)
        except DBAPIError as error:
            # The first read of a request after the database restarted (portal.core.reconnect
            # retries the request's own reads): once more, on a fresh connection.
            if not error.connection_invalidated:
                raise
            row = self._read_row(store_id)
        if row is None:
            return None
        if row.expiry <= clock.now_utc():
            self._delete_session(store_id)
            return None
        return self.serializer.decode(bytes(row.data))

    def _delete_session(self, store_id: str) -> None:
        table = ServerSession.__table__
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.session_id == store_id))

    def _upsert_session(
        self, session_lifetime: timedelta, session: ServerSideSession, store_id: str
    ) -> None:
        table = ServerSession.__table__
        values = {
            "data": self.serializer.encode(session),
            "expiry": clock.now_utc() + session_lifetime,
        }
        with db.engine.begin() as conn:
            changed = conn.execute(
                update(table).where(table.c.session_id == store_id).values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(table).values(session_id=store_id, **values))

    def _delete_expired_sessions(self) -> None:
        table = ServerSession.__table__
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expiry <= clock.now_utc()))


def session_interface(app: Flask) -> ServerSideSessionInterface:
    """The interface for this app's configuration: Redis if REDIS_URL is set, else the database."""
    options = {
        "key_prefix": "session:",
        "permanent": False,  # a browser-session cookie, unless the person asks to stay signed in
        "sid_length": 32,
    }
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis

        client = Redis.from_url(redis_url)
        return _with_flask_serializer(RedisSessionInterface(app, client=client, **options))
    return _with_flask_serializer(DatabaseSessionInterface(app, **options))


def register(app: Flask) -> None:
    app.session_interface = session_interface(app)


def renew_session_id(session: ServerSideSession) -> None:
    """Give the session a new id and drop the old one from the store (signing in and out)."""
    interface = current_app.session_interface
    interface._delete_session(interface._get_store_id(session.sid))
    session.sid = interface._generate_sid(interface.sid_length)
    session.modified = True

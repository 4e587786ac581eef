"""A read that meets a dropped database connection is read again, on a fresh connection.

After a PostgreSQL restart or failover every pooled connection is dead, and the first query on
each would fail: one error page per connection of every process. SQLAlchemy notices (the error
says `connection_invalidated`) and throws the dead connections of the pool away; this runs the
request once more, on a new one. While the database is still restarting (it refuses
connections, or says it is shutting down or starting up), the read waits for it, trying again
with a growing pause, for at most RECONNECT_WAIT_SECONDS: the visitor gets the page a second
or two late instead of an error page.

Only a request that cannot have changed anything is run again: a GET, HEAD or OPTIONS that has
flushed nothing to the database before the connection failed. A write is never retried blindly:
a POST meets the error page, and its user decides whether to send it again.
"""

import logging
import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.core import transaction
from portal.extensions import db

logger = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "_portal_flushed"


@event.listens_for(Session, "before_flush")
def _note_a_write(session, flush_context, instances) -> None:
    if has_request_context():
        setattr(g, _WROTE, True)


# PostgreSQL's answers while it stops or starts (SQLSTATE class 08: no connection; 57P01-03:
# shut down by the administrator, after a crash, not accepting connections yet).
UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03"})
UNAVAILABLE_WORDS = ("connection refused", "connection failed", "could not connect")


def unavailable(error: DBAPIError) -> bool:
    """True when the error says the connection was lost or the database cannot be reached."""
    if error.connection_invalidated:
        return True
    state = getattr(error.orig, "sqlstate", None) or ""
    if state in UNAVAILABLE_STATES or state.startswith("08"):
        return True
    text = str(error.orig).lower()
    return any(words in text for words in UNAVAILABLE_WORDS)


def _may_retry(error: DBAPIError) -> bool:
    return unavailable(error) and request.method in SAFE_METHODS and not getattr(g, _WROTE, False)


def _let_go() -> None:
    """The dead connection leaves the session (the pool renews it); the rollback that ends its
    transaction may itself meet the closed connection, which changes nothing."""
    try:
        transaction.release()
    except DBAPIError:
        db.session.close()


def register(app: Flask) -> None:
    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        deadline = None
        pause = 0.05
        while True:
            try:
                return dispatch()
            except DBAPIError as error:
                if not _may_retry(error):
                    raise
                _let_go()
                now = time.monotonic()
                if deadline is None:
                    # The first time: at once, on a fresh connection (the pool threw the dead
                    # ones away); the database is most often up again already.
                    deadline = now + current_app.config["RECONNECT_WAIT_SECONDS"]
                    logger.warning("The database connection was lost; the request is read again.")
                    continue
                if now >= deadline:
                    raise
                time.sleep(min(pause, deadline - now))
                pause = min(pause * 2, 1.0)

    app.full_dispatch_request = full_dispatch_request

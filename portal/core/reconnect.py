"""A read that meets a dropped database connection is retried once, on a fresh connection.

After a PostgreSQL restart or failover every pooled connection is dead, and the first query on
each would fail: one error page per connection of every process. SQLAlchemy notices (the error
says `connection_invalidated`) and throws the dead connections of the pool away; this runs the
request once more, on a new one.

Only a request that cannot have changed anything is run again: a GET, HEAD or OPTIONS that has
flushed nothing to the database before the connection failed. A write is never retried blindly:
a POST meets the error page, and its user decides whether to send it again.
"""

import logging

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.core import transaction

logger = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "_portal_flushed"


@event.listens_for(Session, "before_flush")
def _note_a_write(session, flush_context, instances) -> None:
    if has_request_context():
        setattr(g, _WROTE, True)


def _may_retry(error: DBAPIError) -> bool:
    return (
        error.connection_invalidated
        and request.method in SAFE_METHODS
        and not getattr(g, _WROTE, False)
    )


def register(app: Flask) -> None:
    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        try:
            return dispatch()
        except DBAPIError as error:
            if not _may_retry(error):
                raise
            logger.warning("The database connection was lost; the request is read again.")
            transaction.release()  # the dead connection leaves the session; the pool renews it
            return dispatch()

    app.full_dispatch_request = full_dispatch_request

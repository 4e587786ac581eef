"""Logging: a request id on every answer and every log record, and no secrets in the logs.

Each request gets an id: the caller's `X-Request-ID` when it is a sane token (a proxy or load
balancer sets one), a new random one otherwise. It is sent back in the `X-Request-ID` header and
added to each log record as `request_id` by RequestFilter, which also blanks the secrets that
can reach a log line: the tokens in the paths of mailed links (Werkzeug's access log writes the
path and query string of every request) and any `password`, `token` or `code` in a query string.
"""

import json
import logging
import os
import re
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Path segments that are secrets: the token after these prefixes in a mailed link.
_SECRET_PATHS = re.compile(r"(/account/confirm/|/account/password/|/team/join/)[^\s/?#\"']+")
_SECRET_QUERY = re.compile(
    r"([?&](?:[^=&\s]*(?:password|token|code|secret|key)[^=&\s]*)=)[^&\s\"']*", re.IGNORECASE
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with the secrets of links and query strings blanked."""
    return _SECRET_QUERY.sub(r"\1" + REDACTED, _SECRET_PATHS.sub(r"\1" + REDACTED, text))


def request_id() -> str:
    """This request's id ('-' outside a request)."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SANE_REQUEST_ID.fullmatch(given) else secrets.token_hex(16)
    return g.request_id


def _user_id() -> int | None:
    """The signed-in user's id, if this request has loaded one (never their address; and never
    a database query from inside logging)."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is None or isinstance(user, AnonymousUserMixin):
        return None
    # The identity the session already knows: reading user.id (or is_authenticated) could
    # make the ORM load the row, from inside whatever statement is being logged.
    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


class RequestFilter(logging.Filter):
    """Adds `request_id` (and `user_id`) to a record and blanks the secrets in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        if not hasattr(record, "user_id"):
            record.user_id = _user_id()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class HideRows(logging.Filter):
    """SQLAlchemy at DEBUG logs every row it reads: rows hold personal data and the outbox's
    mailed links. Their values are left out (statements' values are, by hide_parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.args = ("(values hidden)",)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: time (UTC), level, logger, request id, the
    user's id when one is signed in, the message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        user_id = getattr(record, "user_id", None)
        if user_id is not None:
            entry["user_id"] = user_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def log_format() -> str:
    """`json` or `text`: LOG_FORMAT, else JSON in production and text elsewhere."""
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in {"json", "text"}:
        return chosen
    return "json" if os.environ.get("PORTAL_ENV") == "production" else "text"


_FILTER = RequestFilter()
_HIDE_ROWS = HideRows()


def configure_logging() -> None:
    """One handler on the root logger, with the filter; Werkzeug's own records filtered at source.

    Idempotent: every app of the process shares the root logger.
    """
    root = logging.getLogger()
    if not any(getattr(h, "_portal", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._portal = True  # type: ignore[attr-defined]
        json_lines = log_format() == "json"
        handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(FORMAT))
        handler.addFilter(_FILTER)
        root.addHandler(handler)
    logging.getLogger("portal").setLevel(logging.INFO)
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.INFO)
    # A logger's filter sees the records made on that logger, before any handler, any test's
    # capture included: the access log lines are cleaned wherever they go.
    if _FILTER not in werkzeug.filters:
        werkzeug.addFilter(_FILTER)
    engine = logging.getLogger("sqlalchemy.engine.Engine")
    if _HIDE_ROWS not in engine.filters:
        engine.addFilter(_HIDE_ROWS)


def register(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        request_id()

    @app.after_request
    def send_request_id(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response

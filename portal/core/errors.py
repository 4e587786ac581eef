"""Error pages, switching to JSON for API clients; one helper builds every JSON error.

A server error is logged once, at ERROR, with its traceback, a new incident id and the request
id; the visitor sees a plain page (or JSON) with the incident id to quote, never a traceback.
"""

import logging
import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, SecurityError

from portal.core.logs import request_id

log = logging.getLogger("portal.errors")
_PLAIN_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>500</title></head>'
    "<body><h1>{message}</h1><p>{incident}</p></body></html>"
)


class UserFacingError(Exception):
    """A domain action that cannot be carried out, said in words fit to show the user.

    `field` names the form field the message belongs next to, when there is one. Each feature
    subclasses it (AccountError, ApplicationError, TransitionError ...), so views can catch the
    feature's own errors and place the message.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(UserFacingError):
    """The actor may not do this: answered 403, or 404 with `hide`, when even the thing's
    existence is private (the answer is then the one for a thing that does not exist).

    The one exception for "not allowed", raised by permissions.require() and by services; one
    error handler (register, below) answers it. Errors meaning a wrong state or bad input are
    other UserFacingErrors.
    """

    def __init__(self, message=None, field: str | None = None, hide: bool = False):
        super().__init__(_l("You may not do this.") if message is None else message, field)
        self.hide = hide

    @property
    def code(self) -> int:
        """The HTTP status it is answered with."""
        return 404 if self.hide else 403


class BadParameter(UserFacingError):
    """A query parameter with a value outside what is allowed (answered 400 by the error
    handler: JSON for API clients, the error page with the message for a browser)."""

    def __init__(self, message, parameter: str):
        super().__init__(message, parameter)
        self.parameter = parameter

    def as_json(self) -> dict:
        return {"parameter": self.parameter}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def json_error(status: int, message: str, **extra):
    body = {"status": status, "error": message}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def incident_id() -> str:
    """This request's incident id, made on first use: short enough to read out on the phone."""
    if "incident" not in g:
        g.incident = secrets.token_hex(6)
    return g.incident


def log_exception(exc_info) -> None:
    """Replaces Flask's app.log_exception: the same traceback, with both ids."""
    log.error(
        "Server error, incident %s, request %s: %s %s",
        incident_id(),
        request_id(),
        request.method,
        request.path,
        exc_info=exc_info,
    )


def register(app: Flask) -> None:
    app.log_exception = log_exception  # type: ignore[method-assign]

    @app.errorhandler(NotAllowed)
    def not_allowed(exc: NotAllowed):
        message = _("There is no such page.") if exc.hide else str(exc.message)
        if wants_json():
            return json_error(exc.code, message)
        return render_template("errors/error.html", code=exc.code, message=message), exc.code

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        if wants_json():
            return json_error(400, str(exc.message), **exc.as_json())
        return render_template("errors/error.html", code=400, message=exc.message), 400

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form had expired or was sent from elsewhere. Please try again.")
        if wants_json():
            return json_error(400, message)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # A Host outside TRUSTED_HOSTS: no address of the portal can be built for this request,
        # so the answer is plain, without the layout and its links.
        return "Bad request: this host is not served here.", 400, {"Content-Type": "text/plain"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: _("The request was not understood."),
            403: _("You may not do this."),
            404: _("There is no such page."),
            405: _("This address does not accept that kind of request."),
            413: _(
                "The file is too large: a council decision may be at most 10 MB. Nothing was "
                "saved; go back and choose a smaller PDF."
            ),
            429: _("Too many attempts. Please wait a little and try again."),
        }
        message = messages.get(exc.code, exc.name)
        if wants_json():
            return json_error(exc.code or 500, exc.description if exc.code == 400 else message)
        response = render_template("errors/error.html", code=exc.code, message=message)
        return response, exc.code

    @app.errorhandler(500)
    def server_error(exc):
        message = _("Something went wrong on our side. Nothing was changed; please try again.")
        incident = incident_id()
        if wants_json():
            return json_error(500, message, incident=incident)
        try:
            page = render_template(
                "errors/error.html", code=500, message=message, incident=incident
            )
        except Exception:  # the layout itself failed (the database is gone, say)
            log.exception("rendering the error page of incident %s failed", incident)
            page = _PLAIN_PAGE.format(message=escape(message), incident=escape(incident))
        return page, 500

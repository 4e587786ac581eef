"""Sensitive actions ask for the password (and code) again when the sign-in is not recent.

`require_recent_auth` guards a view: when the person last proved who they are more than
REAUTH_MINUTES ago, they are sent to the confirmation page, which returns them to where they
were. Changing the password or the second factor, exporting or erasing one's data, and an
administrator's changes to roles and accounts use it.
"""

from datetime import timedelta
from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from portal.core import clock
from portal.core.links import is_local_url

AUTH_AT = "_auth_at"


def mark_authenticated() -> None:
    """The person has just proved who they are (signed in, or confirmed their password)."""
    session[AUTH_AT] = clock.now_utc().timestamp()


def auth_is_recent() -> bool:
    """Did the person prove who they are within the last REAUTH_MINUTES?"""
    proved_at = session.get(AUTH_AT)
    if not isinstance(proved_at, int | float):
        return False
    age = clock.now_utc().timestamp() - proved_at
    return 0 <= age <= timedelta(minutes=current_app.config["REAUTH_MINUTES"]).total_seconds()


def _return_to() -> str:
    """Where to come back to: this page, or for a form sent, the page the form was on."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host + "/"):
        path = referrer[len(host) :]
        if is_local_url(path):
            return path
    return url_for("auth.account")


def require_recent_auth(view):
    """Let the view run only for a recent sign-in or confirmation; otherwise ask for one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if auth_is_recent():
            return view(*args, **kwargs)
        if request.method != "GET":
            flash(_("Please confirm it is you; then send the form again."), "info")
        return redirect(url_for("auth.reauthenticate", next=_return_to()))

    return wrapper

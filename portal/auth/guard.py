"""Each request's sign-in, checked: the session still open and in its limits, and a second factor
set up by those who need one before any other page opens. Starting and ending sessions.
"""

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import sessions
from portal.auth.reauth import mark_authenticated
from portal.core.session_store import renew_session_id
from portal.models import User

SIGN_IN_KEY = "_sign_in"
# What a coordinator or administrator without a second factor may still open: its set-up.
OPEN_BEFORE_SET_UP = {
    "auth.setup_second_factor",
    "auth.logout",
    "auth.reauthenticate",
    "static",
    "pages.choose_language",
    "pages.choose_language_link",
    "pages.healthz",
    "pages.readyz",
}


def begin_session(user: User, remember: bool) -> None:
    """Sign the user in on a fresh session id (no fixation) with a record of its own."""
    session.clear()
    renew_session_id(session)
    record = sessions.start_sign_in(user, request.headers.get("User-Agent", ""), remember)
    login_user(user, remember=False, fresh=True)
    session[SIGN_IN_KEY] = record.key
    session.permanent = remember  # keep the cookie after the browser closes
    mark_authenticated()


def finish_sign_in(user: User, remember: bool, target: str):
    """Sign in (password and, if set up, code done) and go on: to the second factor's set-up
    first for a coordinator or administrator who has none."""
    begin_session(user, remember)
    if not user.is_confirmed:
        flash(_("Please confirm your e-mail address with the link we sent you."), "info")
    if user.is_privileged and not user.has_second_factor:
        return redirect(url_for("auth.setup_second_factor"))
    return redirect(target)


def end_session() -> None:
    """Sign out: this session's record ends, its data goes and the browser gets a new id."""
    if current_user.is_authenticated:
        found = sessions.find_sign_in(session.get(SIGN_IN_KEY))
        record = sessions.live_sign_in(current_user, found)
        if record is not None:
            sessions.end_sign_in(record)
    _forget()


def _forget() -> None:
    logout_user()
    session.clear()
    renew_session_id(session)


def current_sign_in_key() -> str | None:
    return session.get(SIGN_IN_KEY)


def keep_current_session(user: User) -> None:
    """After the user's sessions were ended, keep this one: it carries the new version."""
    session["_user_id"] = user.get_id()


def register(bp: Blueprint) -> None:
    @bp.before_app_request
    def check_sign_in():
        if request.endpoint == "static":
            return None
        found = sessions.find_sign_in(session.get(SIGN_IN_KEY))
        if not current_user.is_authenticated:
            if "_user_id" in session:  # its sessions were ended, or the account deactivated
                _forget()
                flash(_("You were signed out. Please sign in again."), "info")
            return None
        if sessions.live_sign_in(current_user, found) is None:
            _forget()
            flash(_("You were signed out. Please sign in again."), "info")
            return None
        if (
            current_user.is_privileged
            and not current_user.has_second_factor
            and request.endpoint not in OPEN_BEFORE_SET_UP
        ):
            return redirect(url_for("auth.setup_second_factor"))
        return None

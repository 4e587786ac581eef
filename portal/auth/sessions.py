"""Signed-in sessions: start them, keep them within their limits, list them and end them.

Each sign-in gets a `SignIn` record, named by a random key kept in the server-side session.
A request is signed in only while its record is open and within the idle and absolute limits
of the user's role. Ending every session of a user raises `User.session_version`, which is part
of the id Flask-Login keeps, so no session or cookie from before loads the user any more.
"""

import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import permissions
from portal.core import audit, clock
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import SignIn, User

# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> tuple[str, str]:
    """(browser, system) named from a User-Agent header; empty when not recognised."""
    user_agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if not browser:
        # Other clients name themselves first: "curl/8.5.0", "Python-urllib/3.12".
        match = re.match(r"([A-Za-z][\w.-]{0,40})/", user_agent)
        browser = match.group(1) if match else ""
    return browser, system


def limits(user: User, remember: bool) -> tuple[timedelta | None, timedelta]:
    """(idle limit or None, absolute lifetime) of a session of this user."""
    config = current_app.config
    if user.is_privileged:
        return (
            timedelta(minutes=config["SESSION_IDLE_MINUTES_PRIVILEGED"]),
            timedelta(hours=config["SESSION_ABSOLUTE_HOURS_PRIVILEGED"]),
        )
    if remember:
        return None, timedelta(days=config["REMEMBER_ME_DAYS"])
    return (
        timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
    )


@atomic
def start_sign_in(actor: User, user_agent: str, remember: bool) -> SignIn:
    """Record a new signed-in browser of this actor."""
    browser, system = describe_user_agent(user_agent)
    now = clock.now_utc()
    record = SignIn(
        key=secrets.token_urlsafe(32),
        user_id=actor.id,
        browser=browser,
        system=system,
        remember=remember,
        started_at=now,
        last_seen_at=now,
    )
    actor.last_login_at = now
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "auth.signed_in", actor, remember=remember)
    return record


def find_sign_in(key: str | None) -> SignIn | None:
    """The record a session names, with its user in the same query (so loading the signed-in
    user costs none of its own)."""
    if not key:
        return None
    return db.session.scalar(
        select(SignIn).options(joinedload(SignIn.user)).where(SignIn.key == key)
    )


def live_sign_in(user: User, record: SignIn | None) -> SignIn | None:
    """This session's record if it is still open, its last-seen time kept; None once ended."""
    if record is None or record.user_id != user.id or record.ended_at is not None:
        return None
    now = clock.now_utc()
    idle, absolute = limits(user, record.remember)
    if now - record.started_at > absolute or (
        idle is not None and now - record.last_seen_at > idle
    ):
        end_sign_in(record)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        _seen(record, now)
    return record


@atomic
def _seen(record: SignIn, now) -> None:
    record.last_seen_at = now


@atomic
def end_sign_in(record: SignIn) -> None:
    """This one session ends (signing out, or its time is up)."""
    if record.ended_at is None:
        record.ended_at = clock.now_utc()


def open_sign_ins(actor: User, user: User) -> list[SignIn]:
    """The user's sessions that have not ended, the most recently seen first."""
    permissions.require(permissions.can_end_sessions_of(actor, user))
    return list(
        db.session.scalars(
            select(SignIn)
            .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
            .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
        )
    )


@atomic
def end_other_sign_in(actor: User, record_id: int, current_key: str | None) -> bool:
    """End one of the actor's other sessions; False if there is no such open session."""
    record = db.session.get(SignIn, record_id)
    if record is None or record.user_id != actor.id or record.ended_at is not None:
        return False
    if record.key == current_key:
        return False
    record.ended_at = clock.now_utc()
    audit.record(actor, "auth.signed_out_elsewhere", actor, ended=1)
    return True


def close_sign_ins(user: User, keep_key: str | None = None) -> int:
    """Mark the user's open sessions ended, but the one named `keep_key`; no commit."""
    condition = [SignIn.user_id == user.id, SignIn.ended_at.is_(None)]
    if keep_key:
        condition.append(SignIn.key != keep_key)
    return db.session.execute(
        update(SignIn).where(*condition).values(ended_at=clock.now_utc())
    ).rowcount


def end_all_sessions(user: User, keep_key: str | None = None) -> int:
    """End every session of the user (but the one named `keep_key`), remember-me included.

    Raises the user's session version: sessions and cookies from before no longer load the
    user. The session kept must be given the new id (auth.guard.keep_current_session). Part of
    the caller's transaction: the caller's change and this end together.
    """
    user.session_version = (user.session_version or 0) + 1
    return close_sign_ins(user, keep_key)


@atomic
def end_other_sessions(actor: User, current_key: str | None) -> int:
    """The actor ends all their other sessions; the number ended."""
    permissions.require(permissions.can_end_sessions_of(actor, actor))
    ended = end_all_sessions(actor, keep_key=current_key)
    audit.record(actor, "auth.signed_out_elsewhere", actor, ended=ended)
    return ended


@atomic
def end_sessions_of(actor: User, user: User) -> int:
    """An administrator signs a user out everywhere."""
    permissions.require(permissions.can_end_sessions_of(actor, user))
    ended = end_all_sessions(user)
    audit.record(actor, "auth.signed_out_everywhere", user, ended=ended)
    return ended

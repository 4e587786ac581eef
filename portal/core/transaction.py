"""Services are the unit of work: each public service function that changes data is `@atomic`.

The outermost atomic call commits when it returns and rolls back when anything escapes it, so a
change, its history, its audit entry and its outbox mails are kept together or not at all. A
service called by another service joins the caller's transaction: only the outermost call
commits. Views and commands never commit or roll back themselves.

The depth of atomic calls is kept in the session's `info`, so it is per session (per app
context, and so per request and per thread).

Work outside the database that belongs to the change (a council decision written to disk) is
undone by a callback given to `on_rollback`, run after the outermost call has rolled back; work
that may only follow a kept change (removing the files of deleted rows) is given to `on_commit`,
run after the outermost call has committed.
"""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from portal.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "portal.atomic_depth"
_UNDO = "portal.atomic_on_rollback"
_AFTER = "portal.atomic_on_commit"


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` as one transaction, or as part of the caller's if one is open already."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session  # the scoped session: this app context's own
        depth = session.info.get(_DEPTH, 0)
        session.info[_DEPTH] = depth + 1
        try:
            result = func(*args, **kwargs)
            if depth == 0:
                session.commit()
        except BaseException:
            if depth == 0:
                session.rollback()
                session.info.pop(_AFTER, None)
                _run_undo(session)
            raise
        else:
            if depth == 0:
                session.info.pop(_UNDO, None)
        finally:
            session.info[_DEPTH] = depth
        if depth == 0:
            for done in session.info.pop(_AFTER, []):
                done()
        return result

    wrapper.atomic = True  # type: ignore[attr-defined]
    return wrapper


def active() -> bool:
    """True inside an atomic call: the outermost one will commit or roll back."""
    return db.session.info.get(_DEPTH, 0) > 0


def release() -> None:
    """End the transaction that reads left open (at a request's end): nothing in it is to be
    kept, since every change was committed by its service."""
    if active():
        raise RuntimeError("release() inside an atomic call: its outermost call decides")
    db.session.rollback()


def on_rollback(undo: Callable[[], None]) -> None:
    """Call `undo` if the current atomic call rolls back (never if it commits)."""
    session = db.session
    if not session.info.get(_DEPTH, 0):
        raise RuntimeError("on_rollback needs an atomic call to belong to")
    session.info.setdefault(_UNDO, []).append(undo)


def on_commit(done: Callable[[], None]) -> None:
    """Call `done` once the current atomic call has committed (never if it rolls back): for
    work outside the database that must not happen unless the change is kept (a file removed
    with the row that pointed to it)."""
    session = db.session
    if not session.info.get(_DEPTH, 0):
        raise RuntimeError("on_commit needs an atomic call to belong to")
    session.info.setdefault(_AFTER, []).append(done)


def _run_undo(session) -> None:
    for undo in reversed(session.info.pop(_UNDO, [])):
        undo()

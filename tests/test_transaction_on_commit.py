"""transaction.on_commit: work outside the database that follows only a kept change."""

import pytest

from portal.core import transaction
from portal.core.transaction import atomic
from portal.extensions import db as _db
from portal.models import OutboxMail


def test_on_commit_runs_after_the_outermost_commit_and_never_on_rollback():
    done = []

    @atomic
    def inner(fail: bool) -> None:
        _db.session.add(OutboxMail(recipient="a@b.example.eu", subject="s", body="b"))
        transaction.on_commit(lambda: done.append(_db.session.info.get("portal.atomic_depth")))
        if fail:
            raise RuntimeError("inner failed")

    @atomic
    def outer(fail: bool) -> None:
        before = list(done)
        inner(fail)
        assert done == before  # the inner call does not commit, so nothing runs yet

    outer(False)
    assert done == [0]
    with pytest.raises(RuntimeError):
        outer(True)
    assert done == [0]
    # A later commit does not run what a rolled-back call asked for.
    outer(False)
    assert done == [0, 0]
    with pytest.raises(RuntimeError, match="needs an atomic call"):
        transaction.on_commit(lambda: None)


def test_on_commit_does_not_run_when_the_commit_fails(monkeypatch):
    done = []

    def refuse():
        raise RuntimeError("the database refused")

    @atomic
    def change() -> None:
        transaction.on_commit(lambda: done.append(True))

    monkeypatch.setattr(_db.session, "commit", refuse)
    with pytest.raises(RuntimeError):
        change()
    assert done == []

"""Services own the transaction (portal.core.transaction): the outermost atomic call commits,
anything escaping it rolls everything back, a nested call joins; views never commit."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core import transaction
from portal.core.transaction import atomic
from portal.extensions import db as _db
from portal.models import ActionComment, Invitation, Member, OutboxMail, StatusChange, User
from portal.models.members import APPROVED, SUBMITTED
from portal.pledges import service as pledges
from portal.review import service as review
from portal.team import service as team
from tests.factories import form_token, make_action, make_coordinator, make_member, make_user

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def commits(monkeypatch):
    """The commits asked of the session while the test runs (savepoints are not commits)."""
    made = []
    real_commit = _db.session.commit

    def counting_commit():
        made.append(True)
        real_commit()

    monkeypatch.setattr(_db.session, "commit", counting_commit)
    return made


def _failing_after(real, fail_on: int = 1):
    calls = []

    def queue_then_fail(*args, **kwargs):
        calls.append(args)
        mail = real(*args, **kwargs)
        if len(calls) == fail_on:
            _db.session.flush()  # the change and the mail are written, not yet committed
            raise RuntimeError("failed after writing")
        return mail

    return queue_then_fail


def test_a_service_that_fails_after_writing_leaves_neither_change_nor_mail(monkeypatch):
    rep = make_user()
    member = make_member(representatives=[rep])
    monkeypatch.setattr(team, "queue_mail", _failing_after(team.queue_mail))
    with pytest.raises(RuntimeError, match="failed after writing"):
        team.invite(rep, member, "colleague@city.example.eu")
    assert count(Invitation) == 0
    assert count(OutboxMail) == 0
    assert not transaction.active()


def test_a_view_whose_service_fails_after_writing_leaves_nothing(client, login, monkeypatch):
    coordinator = login(make_coordinator("DE"))
    action = make_action(make_member(country="DE", representatives=[make_user()]))
    monkeypatch.setattr(pledges, "queue_mail", _failing_after(pledges.queue_mail))
    with pytest.raises(RuntimeError):  # TESTING propagates the server error to the test
        client.post(
            f"/actions/{action.id}/comments",
            data={"form_token": form_token(), "body": "Well done."},
        )
    assert count(ActionComment) == 0 and count(OutboxMail) == 0
    assert coordinator.id


def test_a_refused_change_rolls_back_what_was_written_before_the_refusal():
    @atomic
    def write_then_refuse():
        _db.session.add(User(email="half@city.example.eu", name="Half", role="representative"))
        _db.session.flush()
        raise team.TeamError("refused")

    with pytest.raises(team.TeamError):
        write_then_refuse()
    assert count(User) == 0


def test_nested_service_calls_commit_once(commits):
    coordinator = make_coordinator("DE")
    member = make_member(country="DE", status=SUBMITTED, representatives=[make_user()])
    commits.clear()
    # approve_application is a service calling the decide service: both atomic.
    review.approve_application(coordinator, member, "", member.version)
    assert len(commits) == 1
    assert _db.session.get(Member, member.id).status == APPROVED


def test_an_inner_call_commits_nothing_until_the_outer_one_returns(app, commits):
    seen_from_outside = []

    @atomic
    def add_user(email: str) -> None:
        _db.session.add(User(email=email, name=email, role="representative"))

    @atomic
    def add_two() -> None:
        add_user("one@city.example.eu")
        add_user("two@city.example.eu")
        assert transaction.active()
        with app.app_context():  # another session, as another request would see the data
            seen_from_outside.append(count(User))

    add_two()
    assert seen_from_outside == [0]
    assert len(commits) == 1
    assert count(User) == 2


def test_an_outer_call_failing_after_an_inner_one_rolls_back_both(commits):
    @atomic
    def add_user() -> None:
        _db.session.add(User(email="inner@city.example.eu", name="Inner", role="representative"))

    @atomic
    def add_then_fail() -> None:
        add_user()
        raise RuntimeError("after the inner call")

    with pytest.raises(RuntimeError):
        add_then_fail()
    assert commits == []
    assert count(User) == 0
    assert not transaction.active()


def test_on_rollback_runs_only_when_the_outermost_call_rolls_back():
    undone = []

    @atomic
    def inner(fail: bool) -> None:
        transaction.on_rollback(lambda: undone.append("inner"))
        if fail:
            raise RuntimeError("inner failed")

    @atomic
    def outer(fail: bool) -> None:
        transaction.on_rollback(lambda: undone.append("outer"))
        inner(fail)

    outer(False)
    assert undone == []
    with pytest.raises(RuntimeError):
        outer(True)
    assert undone == ["inner", "outer"]
    with pytest.raises(RuntimeError, match="needs an atomic call"):
        transaction.on_rollback(lambda: None)


def test_a_failed_commit_rolls_back(monkeypatch):
    def refuse():
        raise RuntimeError("the database went away")

    @atomic
    def add_user() -> None:
        _db.session.add(User(email="late@city.example.eu", name="Late", role="representative"))

    monkeypatch.setattr(_db.session, "commit", refuse)
    with pytest.raises(RuntimeError):
        add_user()
    monkeypatch.undo()
    assert count(User) == 0 and not transaction.active()


def test_review_decision_history_and_mails_commit_together(commits):
    coordinator = make_coordinator("DE")
    member = make_member(country="DE", status=SUBMITTED, representatives=[make_user()])
    commits.clear()
    review.decide(coordinator, member, "approve", "", member.version)
    assert len(commits) == 1
    assert count(StatusChange) == 1 and count(OutboxMail) == 1


def test_no_view_commits_or_rolls_back():
    pattern = re.compile(r"\.(commit|rollback)\(")
    offenders = [
        f"{path.relative_to(PORTAL)}:{number}"
        for path in sorted(PORTAL.glob("*/views.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_only_the_transaction_module_commits_or_rolls_back():
    pattern = re.compile(r"\.(commit|rollback)\(")
    offenders = [
        f"{path.relative_to(PORTAL)}:{number}"
        for path in sorted(PORTAL.rglob("*.py"))
        if path != PORTAL / "core" / "transaction.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []

"""Service tests for the one transition function."""

import pytest
from sqlalchemy import select

from portal.membership import transitions as t
from portal.models import StatusChange
from portal.models.members import APPROVED, CHANGES_REQUESTED, DRAFT, REJECTED, SUBMITTED
from tests.factories import make_coordinator, make_member


def test_allowed_move_bumps_version_and_records_history(db):
    coordinator = make_coordinator("DE")
    member = make_member(status=SUBMITTED)
    version = member.version
    change = t.transition(coordinator, member, APPROVED, "Welcome")
    db.session.commit()
    assert member.status == APPROVED and member.version == version + 1
    assert member.approved_at is not None
    assert (change.from_status, change.to_status, change.actor_id) == (
        SUBMITTED,
        APPROVED,
        coordinator.id,
    )


def test_move_not_allowed_from_current_state(db):
    member = make_member(status=DRAFT)
    with pytest.raises(t.TransitionNotAllowed):
        t.transition(None, member, APPROVED)


@pytest.mark.parametrize("to_status", [REJECTED, CHANGES_REQUESTED])
def test_reason_required(db, to_status):
    member = make_member(status=SUBMITTED)
    with pytest.raises(t.CommentRequired):
        t.transition(None, member, to_status, "   ")


def test_decision_on_an_older_version_is_refused(db):
    member = make_member(status=SUBMITTED)
    seen = member.version
    t.transition(None, member, CHANGES_REQUESTED, "Please add the signature page")
    db.session.commit()
    with pytest.raises(t.StaleDecision):
        t.transition(None, member, APPROVED, expected_version=seen)
    db.session.rollback()
    assert db.session.scalars(select(StatusChange.to_status)).all() == [CHANGES_REQUESTED]


def test_history_is_append_only(db):
    member = make_member(status=SUBMITTED)
    change = t.transition(None, member, APPROVED)
    db.session.commit()
    change.comment = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        db.session.commit()

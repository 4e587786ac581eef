"""Service rules of the review: who may decide, one transaction, and two decisions racing."""

import threading
import time

import pytest
from sqlalchemy import func, select, text

from portal.core.errors import NotAllowed
from portal.extensions import db
from portal.membership.transitions import StaleDecision, TransitionError
from portal.models import Member, OutboxMail, StatusChange, User
from portal.models.members import APPROVED, CHANGES_REQUESTED, REJECTED, SUBMITTED, Decision
from portal.review import service
from tests.conftest import ON_POSTGRES
from tests.factories import make_coordinator, make_member, make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fresh(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


@pytest.mark.parametrize(
    "decide, status",
    [
        (service.approve_application, APPROVED),
        (service.reject_application, REJECTED),
        (service.request_changes, CHANGES_REQUESTED),
    ],
)
def test_each_decision_moves_records_and_mails_active_representatives(decide, status):
    coordinator = make_coordinator("DE")
    reps = [make_user(), make_user(), make_user(active=False)]
    member = make_member(status=SUBMITTED, representatives=reps)

    outcome = decide(coordinator, member, "Our comment", member.version)

    assert outcome.notified == 2
    assert (outcome.change.actor_id, outcome.change.to_status) == (coordinator.id, status)
    assert _fresh(member.id).status == status
    recipients = sorted(db.session.scalars(select(OutboxMail.recipient)))
    assert recipients == sorted(r.email for r in reps[:2])


@pytest.mark.parametrize(
    "who",
    [
        lambda: make_coordinator("FR"),
        lambda: make_user(),
        lambda: make_user(role="admin"),
        lambda: make_coordinator("DE", active=False),
        lambda: None,
    ],
)
def test_only_the_countrys_coordinators_may_decide(who):
    member = make_member(status=SUBMITTED, representatives=[make_user()])
    with pytest.raises(NotAllowed):
        service.decide(who(), member, "approve", "", member.version)
    with pytest.raises(NotAllowed):
        service.change_member_status(who(), member, "suspend", "x", member.version)
    assert _fresh(member.id).status == SUBMITTED
    assert _count(StatusChange) == 0 and _count(OutboxMail) == 0


def test_a_representative_of_the_application_may_not_decide_it():
    rep = make_user()
    member = make_member(status=SUBMITTED, representatives=[rep])
    with pytest.raises(NotAllowed):
        service.approve_application(rep, member, "", member.version)


def test_a_failure_after_the_transition_undoes_everything(monkeypatch):
    """The move, its history and the mails are one transaction: a failure leaves none of them."""
    coordinator = make_coordinator("DE")
    member = make_member(status=SUBMITTED, representatives=[make_user(), make_user()])
    queued = []

    def queue_then_fail(*args, **kwargs):
        if queued:
            raise RuntimeError("mail template broken")
        queued.append(service_queue_mail(*args, **kwargs))

    service_queue_mail = service.queue_mail
    monkeypatch.setattr(service, "queue_mail", queue_then_fail)

    with pytest.raises(RuntimeError):
        service.approve_application(coordinator, member, "", member.version)

    assert len(queued) == 1
    member = _fresh(member.id)
    assert (member.status, member.version, member.approved_at) == (SUBMITTED, 1, None)
    assert _count(StatusChange) == 0 and _count(OutboxMail) == 0


def test_queue_and_members_queries_stay_within_the_coordinators_countries():
    coordinator = make_coordinator("DE", "AT")
    de = make_member(country="DE", status=SUBMITTED)
    at = make_member(country="AT", status=SUBMITTED)
    make_member(country="FR", status=SUBMITTED)
    member_de = make_member(country="DE")

    def ids(query):
        return [m.id for m in db.session.scalars(query)]

    assert sorted(ids(service.queue_for(coordinator))) == sorted([de.id, at.id])
    assert ids(service.queue_for(coordinator, "AT")) == [at.id]
    assert ids(service.queue_for(coordinator, "FR")) == []
    assert ids(service.members_for(coordinator)) == [member_de.id]
    assert ids(service.queue_for(make_user(role="admin"))) == []
    assert ids(service.queue_for(make_user(), "DE")) == []


# --- two coordinators deciding at once ---------------------------------------------------------


def _race(app, member_id, coordinator_ids, decisions, on_winner=None):
    """Each decision in its own thread, app context and session, both on the version they saw."""
    barrier = threading.Barrier(len(decisions))
    results: dict[int, object] = {}

    def decide(i):
        with app.app_context():
            try:
                member = db.session.get(Member, member_id)
                coordinator = db.session.get(User, coordinator_ids[i])
                coordinator.country_codes  # noqa: B018 (loaded before the race, as a view would)
                seen = member.version
                barrier.wait(timeout=10)
                service.decide(coordinator, member, decisions[i], "Race comment", seen)
                results[i] = "decided"
            except TransitionError as exc:
                results[i] = exc
            except Exception as exc:  # reported by the assertions below, not lost in the thread
                results[i] = exc
            finally:
                db.session.remove()

    if on_winner is not None:
        original = service.queue_mail
        winner = threading.Lock()

        def hold_then_queue(*args, **kwargs):
            # Only the thread whose transition went through gets here; it keeps its transaction
            # open a while so the other decision runs into it.
            if winner.acquire(blocking=False):
                on_winner()
            return original(*args, **kwargs)

        service.queue_mail = hold_then_queue
    try:
        threads = [threading.Thread(target=decide, args=(i,)) for i in range(len(decisions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if on_winner is not None:
            service.queue_mail = original
    return results


def _assert_exactly_one_counts(member_id, rep, results, decisions, coordinator_ids):
    decided = [i for i, r in results.items() if r == "decided"]
    refused = [r for r in results.values() if r != "decided"]
    assert len(decided) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], StaleDecision), results
    assert "changed while you were looking at it" in str(refused[0].message)
    winner = decided[0]
    member = _fresh(member_id)
    assert member.status == Decision(decisions[winner]).status
    assert member.version == 2
    history = db.session.scalars(select(StatusChange)).all()
    assert [(c.actor_id, c.to_status) for c in history] == [
        (coordinator_ids[winner], member.status)
    ]
    assert db.session.scalars(select(OutboxMail.recipient)).all() == [rep.email]


def test_two_coordinators_deciding_at_once_in_threads(app):
    first, second = make_coordinator("DE"), make_coordinator("DE")
    rep = make_user()
    member = make_member(status=SUBMITTED, representatives=[rep])
    decisions = ["approve", "reject"]
    ids = [first.id, second.id]

    results = _race(app, member.id, ids, decisions, on_winner=lambda: time.sleep(0.3))

    _assert_exactly_one_counts(member.id, rep, results, decisions, ids)


@pytest.mark.postgres
def test_the_second_decision_waits_for_the_first_and_is_refused_on_postgres(app):
    """Real concurrency: the winner holds its transaction until PostgreSQL shows the other
    decision blocked on its locks; when the winner commits, that decision is refused."""
    assert ON_POSTGRES
    first, second = make_coordinator("DE"), make_coordinator("DE")
    rep = make_user()
    member = make_member(status=SUBMITTED, representatives=[rep])
    decisions = ["request_changes", "approve"]
    ids = [first.id, second.id]
    saw_waiting = []

    def wait_until_the_other_is_blocked():
        with db.engine.connect() as conn:
            for _ in range(200):
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar()
                if waiting:
                    saw_waiting.append(waiting)
                    return
                time.sleep(0.05)

    results = _race(app, member.id, ids, decisions, on_winner=wait_until_the_other_is_blocked)

    assert saw_waiting, "the second decision never waited for the first"
    _assert_exactly_one_counts(member.id, rep, results, decisions, ids)

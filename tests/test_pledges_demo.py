"""The demo seed's pledged actions: every category and status, histories, drafts, good
practices and late members, all consistent with the service's rules.

Seeding takes seconds, and the database is reset for every test, so one test seeds once and
checks each point through the helpers below.
"""

from collections import Counter
from datetime import date

from sqlalchemy import select

from portal.models import Action, ActionComment, Invitation, Member, ReminderSent, User
from portal.models.members import PUBLIC_STATUSES
from portal.models.pledges import ACTION_STATUSES
from portal.pledges.catalog import CATEGORIES
from portal.pledges.followup import commitments_of_members
from portal.pledges.reminders import send_reminders

TODAY = date(2026, 6, 15)


def test_demo_actions(db):
    from portal.demo.seed import seed_demo

    seeded = seed_demo(today=TODAY)
    every_category_and_status_published_or_not(db)
    actions_only_for_public_members_and_within_the_rules(db)
    some_members_are_late_on_their_plan_and_some_on_reports(db)
    the_demo_representatives_member_shows_everything(seeded, db)
    reminders_run_on_the_demo_data_once(db)


def every_category_and_status_published_or_not(db):
    actions = db.session.scalars(select(Action)).all()
    assert set(Counter(a.category for a in actions)) == set(CATEGORIES)
    assert set(Counter(a.status for a in actions)) == set(ACTION_STATUSES)
    assert {a.published for a in actions} == {True, False}
    assert any(len(a.updates) >= 3 for a in actions)
    assert db.session.scalars(select(ActionComment)).first() is not None
    good = [a for a in actions if a.good_practice]
    assert len(good) >= 5
    assert all(a.status == "completed" and a.published for a in good)
    assert all(a.good_practice_by_id is not None for a in good)


def actions_only_for_public_members_and_within_the_rules(db):
    for action in db.session.scalars(select(Action)):
        member = action.member
        assert member.status in PUBLIC_STATUSES
        assert action.created_at >= member.approved_at.replace(hour=0, minute=0)
        assert action.start_date <= action.target_date
        days = [u.reported_on for u in action.updates]
        assert days == sorted(days) and all(day <= TODAY for day in days)
        if action.updates:
            latest = action.updates[-1]
            assert (action.status, action.percent_complete) == (
                latest.status,
                latest.percent_complete,
            )
            assert days[0] >= action.created_at.date()
        if action.status == "completed":
            assert action.percent_complete == 100
        if action.published:
            assert action.last_progress_on == max([action.published_at.date(), *days])
        else:
            assert action.last_progress_on is None and action.published_at is None


def some_members_are_late_on_their_plan_and_some_on_reports(db):
    members = db.session.scalars(select(Member).where(Member.status.in_(PUBLIC_STATUSES))).all()
    states = commitments_of_members(members, TODAY)
    late_plan = [m for m in members if states[m.id].plan and states[m.id].plan.is_late(TODAY)]
    late_reports = [m for m in members if any(o.kind == "progress" for o in states[m.id].late)]
    on_track = [m for m in members if states[m.id].on_track]
    assert len(late_plan) >= 5 and len(late_reports) >= 5
    assert len(on_track) > len(members) / 2
    assert any(m.status == "on_hold" for m in late_plan)
    # The demo coordinator's countries have late members to follow up.
    assert {m.country for m in late_plan + late_reports} & {"DE", "AT", "PL"}


def the_demo_representatives_member_shows_everything(seeded, db):
    rita = db.session.scalar(select(User).where(User.email == "representative@demo.example.org"))
    (member,) = [m for m in seeded.members if any(r.user_id == rita.id for r in m.representatives)]
    actions = db.session.scalars(select(Action).where(Action.member_id == member.id)).all()
    assert {a.status for a in actions} == set(ACTION_STATUSES)
    assert any(not a.published for a in actions)
    assert any(a.good_practice for a in actions) and any(a.comments for a in actions)
    assert len(member.representatives) == 2
    invitation = db.session.scalar(select(Invitation).where(Invitation.member_id == member.id))
    assert invitation.accepted_at is None and invitation.revoked_at is None
    state = commitments_of_members([member], TODAY)[member.id]
    assert state.plan.met
    if (TODAY - member.approved_at.date()).days > 400:
        assert not state.on_track
        assert any(state.state(o) == "due_soon" for o in state.obligations)


def reminders_run_on_the_demo_data_once(db):
    first = send_reminders(TODAY)
    assert first.reminders > 0 and first.mails > 0
    # (The demo's hold warnings are kept in the same table, under keys of their own.)
    sent = db.session.scalars(
        select(ReminderSent.key).where(ReminderSent.key.not_like("hold-warning:%"))
    ).all()
    assert len(sent) == len(set(sent)) == first.reminders
    assert send_reminders(TODAY).reminders == 0

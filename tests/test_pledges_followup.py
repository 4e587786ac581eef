"""Following members up: commitments read from the database, the coordinators' late-members
overview, putting a late member on hold and lifting it, the dashboard section."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.core.errors import NotAllowed
from portal.extensions import db as _db
from portal.models import Member, StatusChange, utcnow
from portal.pledges import followup
from portal.pledges.deadlines import add_months
from portal.pledges.service import PledgeError
from tests.factories import make_action, make_coordinator, make_member, make_update, make_user

APPROVED_AT = datetime(2024, 3, 15, 22, 30, tzinfo=UTC)


def test_commitments_from_the_database_at_the_edges(db):
    member = make_member(approved_at=APPROVED_AT)
    make_action(member, last_progress_on=date(2024, 6, 1))
    make_action(member, published=False)
    make_action(member, status="cancelled", last_progress_on=date(2024, 6, 1))
    before = followup.commitments_for(member, date(2025, 3, 14))
    on_the_day = followup.commitments_for(member, date(2025, 3, 15))
    after = followup.commitments_for(member, date(2025, 3, 16))
    assert before.plan.due_on == date(2025, 3, 15) and before.plan.have == 1
    assert before.on_track and on_the_day.on_track
    assert not after.on_track and after.late == [after.plan] and after.days_late == 1


def test_progress_overdue_from_the_latest_update(db):
    member = make_member(approved_at=APPROVED_AT)
    for _ in range(3):
        make_action(member, last_progress_on=date(2024, 5, 1))
    action = make_action(member, last_progress_on=date(2024, 5, 1))
    make_update(action, reported_on=date(2024, 9, 1))
    c = followup.commitments_for(member, date(2025, 5, 2))
    assert c.plan.met
    assert [o.due_on for o in c.late] == [date(2025, 5, 1)] * 3
    assert [o.action_id for o in c.pending] == [action.id]


def late_setup():
    """Germany: a member late on its plan, one late on a report, one on track; France: late."""
    coordinator = make_coordinator("DE", "AT")
    rep = make_user()
    plan_late = make_member(
        name="Planlos", representatives=[rep], approved_at=utcnow() - timedelta(days=380)
    )
    make_action(plan_late, title="Only action")
    report_late = make_member(name="Schweigstadt", approved_at=utcnow() - timedelta(days=800))
    stale = today_utc() - timedelta(days=400)
    for n in range(3):
        make_action(report_late, title=f"Quiet action {n}", last_progress_on=stale)
    on_track = make_member(name="Fleissig", approved_at=utcnow() - timedelta(days=30))
    foreign = make_member(
        name="Lentville", country="FR", approved_at=utcnow() - timedelta(days=900)
    )
    return coordinator, rep, plan_late, report_late, on_track, foreign


def test_overview_lists_late_members_of_the_coordinators_countries(client, login):
    coordinator, rep, plan_late, report_late, on_track, foreign = late_setup()
    late, caught_up = followup.overview(coordinator)
    assert [f.member.name for f in late] == ["Schweigstadt", "Planlos"]  # latest first
    assert caught_up == []
    login(coordinator)
    html = client.get("/coordination/late").get_data(as_text=True)
    assert "Planlos" in html and "Schweigstadt" in html
    assert "Fleissig" not in html and "Lentville" not in html
    assert "Action plan was due on" in html and "1 of 3 actions published" in html
    assert 'Progress update on “<span lang="en">Quiet action 0</span>” was due on' in html
    stale = today_utc() - timedelta(days=400)
    report_days_late = (today_utc() - add_months(stale, 12)).days
    assert f"{report_days_late} days late" in html


def test_overview_is_for_coordinators_only(client, login):
    rep = make_user()
    make_member(representatives=[rep])
    with pytest.raises(NotAllowed):
        followup.overview(rep)
    login(rep)
    assert client.get("/coordination/late").status_code == 403
    client.post("/account/logout")
    assert client.get("/coordination/late").status_code == 302


def test_put_a_late_member_on_hold_and_lift_it(client, login, mailbox):
    coordinator, rep, plan_late, *_ = late_setup()
    login(coordinator)
    response = client.post(
        f"/coordination/members/{plan_late.id}/hold",
        data={"version": plan_late.version, "reason": "No action plan after a year."},
    )
    assert response.status_code == 302
    _db.session.expire_all()
    member = _db.session.get(Member, plan_late.id)
    assert member.status == "on_hold" and member.status_comment == "No action plan after a year."
    change = _db.session.scalars(select(StatusChange)).all()[-1]
    assert (change.from_status, change.to_status, change.actor_id) == (
        "approved",
        "on_hold",
        coordinator.id,
    )
    (mail,) = mailbox.to(rep.email)
    assert "on hold" in mail["Subject"] and "No action plan after a year." in mailbox.body(mail)
    # The public sees the hold on the member's actions.
    action = member_action(member)
    client.post("/account/logout")
    public = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert "Member on hold" in public and "Late with its commitments" in public
    page = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert "On hold" in page and "No action plan after a year." in page
    assert "Late with its commitments" in page and "Only action" in page
    # Still late: listed with a lift button.
    login(coordinator)
    html = client.get("/coordination/late").get_data(as_text=True)
    assert f"/coordination/members/{member.id}/lift-hold" in html
    client.post(f"/coordination/members/{member.id}/lift-hold", data={"version": member.version})
    _db.session.expire_all()
    assert _db.session.get(Member, member.id).status == "approved"
    assert len(mailbox.to(rep.email)) == 2


def member_action(member):
    from portal.models import Action

    return _db.session.scalar(select(Action).where(Action.member_id == member.id))


def test_hold_needs_a_reason(client, login):
    coordinator, rep, plan_late, *_ = late_setup()
    login(coordinator)
    response = client.post(
        f"/coordination/members/{plan_late.id}/hold",
        data={"version": plan_late.version, "reason": ""},
        follow_redirects=True,
    )
    assert "Give the reason for the hold" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Member, plan_late.id).status == "approved"


def test_a_member_on_track_cannot_be_held_from_here(client, login):
    coordinator, rep, plan_late, report_late, on_track, foreign = late_setup()
    login(coordinator)
    response = client.post(
        f"/coordination/members/{on_track.id}/hold",
        data={"version": on_track.version, "reason": "Just because"},
        follow_redirects=True,
    )
    assert "not late with its commitments" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Member, on_track.id).status == "approved"
    with pytest.raises(PledgeError):
        followup.put_on_hold(coordinator, on_track, "x", on_track.version)


def test_coordinator_of_another_country_cannot_hold(client, login):
    coordinator, rep, plan_late, report_late, on_track, foreign = late_setup()
    login(coordinator)
    for path in ("hold", "lift-hold"):
        response = client.post(
            f"/coordination/members/{foreign.id}/{path}",
            data={"version": foreign.version, "reason": "x"},
        )
        assert response.status_code == 404
    with pytest.raises(NotAllowed):
        followup.put_on_hold(coordinator, foreign, "x", foreign.version)
    assert _db.session.get(Member, foreign.id).status == "approved"


def test_a_stale_hold_is_refused(client, login):
    coordinator, rep, plan_late, *_ = late_setup()
    seen = plan_late.version
    plan_late.version += 1  # someone else changed the member meanwhile
    _db.session.commit()
    login(coordinator)
    response = client.post(
        f"/coordination/members/{plan_late.id}/hold",
        data={"version": seen, "reason": "Late"},
        follow_redirects=True,
    )
    assert "changed while you were looking" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Member, plan_late.id).status == "approved"


def test_lift_hold_only_from_on_hold(db):
    coordinator, rep, plan_late, *_ = late_setup()
    with pytest.raises(PledgeError, match="not on hold"):
        followup.lift_hold(coordinator, plan_late, "", plan_late.version)


def test_members_on_hold_that_caught_up_are_listed_for_lifting(client, login):
    coordinator = make_coordinator("DE")
    held = make_member(
        name="Bussfertig", status="on_hold", approved_at=utcnow() - timedelta(days=400)
    )
    for _ in range(3):
        make_action(held)
    late, caught_up = followup.overview(coordinator)
    assert late == [] and [f.member.name for f in caught_up] == ["Bussfertig"]
    login(coordinator)
    html = client.get("/coordination/late").get_data(as_text=True)
    assert "Bussfertig" in html and f"/coordination/members/{held.id}/lift-hold" in html


def test_dashboard_shows_what_is_due_when_and_what_is_late(client, login):
    rep = make_user()
    approved = utcnow() - timedelta(days=340)
    member = make_member(name="Fristenburg", representatives=[rep], approved_at=approved)
    make_action(
        member,
        title="Cameras with privacy safeguards",
        last_progress_on=today_utc() - timedelta(days=370),
    )
    login(rep)
    html = client.get("/dashboard").get_data(as_text=True)
    due = add_months(approved.date(), 12)
    assert "Fristenburg" in html and "Late with its commitments" in html
    assert "Action plan due by" in html and "1 of 3 actions published" in html
    assert f"{(due - today_utc()).days} days left" in html
    title = '<span lang="en">Cameras with privacy safeguards</span>'
    assert f"Progress update on “{title}” was due on" in html
    assert f"/plans/{member.id}/actions/new" in html


def test_dashboard_of_a_coordinator_counts_late_members(client, login):
    coordinator, *_ = late_setup()
    login(coordinator)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "2 members are late with their commitments" in html
    assert "/coordination/late" in html

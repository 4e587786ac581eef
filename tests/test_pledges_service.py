"""Service-level rules of pledged actions: validation, who may change what, progress updates,
publication and the progress-report clock."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.core.errors import NotAllowed
from portal.models import Action, ProgressUpdate, utcnow
from portal.pledges import service
from portal.pledges.service import ActionData, InvalidInput, PledgeError
from tests.factories import make_action, make_coordinator, make_member, make_update, make_user


def data(**overrides) -> ActionData:
    values = {
        "title": "Bollards around the Christmas market",
        "category": "security_by_design",
        "start_date": date(2025, 9, 1),
        "target_date": date(2025, 11, 30),
        "description": "Retractable bollards at the four entrances.",
        "space_kinds": ["squares_streets", "event_venues"],
        "budget_eur": Decimal("180000"),
        "funding_sources": ["isf_police", "municipal"],
        "partners": "Market operators' association",
    }
    values.update(overrides)
    return ActionData(**values)


@pytest.fixture
def rep():
    return make_user()


@pytest.fixture
def member(rep):
    return make_member(representatives=[rep])


def test_create_keeps_every_field(db, rep, member):
    action = service.create_action(rep, member, data())
    stored = db.session.get(Action, action.id)
    assert stored.title == "Bollards around the Christmas market"
    assert stored.category == "security_by_design"
    assert stored.space_kinds == ["event_venues", "squares_streets"]
    assert stored.funding_sources == ["isf_police", "municipal"]
    assert stored.budget_eur == Decimal("180000.00")
    assert stored.partners == "Market operators' association"
    assert (stored.status, stored.percent_complete) == ("planned", 0)
    assert stored.published is False and stored.published_at is None
    assert stored.last_progress_on is None
    assert stored.created_by_id == rep.id


def test_create_and_publish_at_once_starts_the_progress_clock(db, rep, member):
    action = service.create_action(rep, member, data(), publish=True)
    assert action.published and action.published_at is not None
    assert action.last_progress_on == action.published_at.date()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  x "}, "title", "Give a title of 3 to 200 characters."),
        ({"title": "t" * 201}, "title", "Give a title of 3 to 200 characters."),
        ({"description": "d" * 5001}, "description", "Use at most 5000 characters."),
        ({"partners": "p" * 1001}, "partners", "Use at most 1000 characters."),
        ({"category": "tanks"}, "category", "Choose a category from the list."),
        ({"space_kinds": []}, "spaces", "Choose at least one kind of public space."),
        ({"space_kinds": ["moon"]}, "spaces", "Choose kinds of public space from the list only."),
        ({"funding_sources": ["lottery"]}, "funding", "Choose funding sources from the list only."),
        ({"start_date": None}, "start_date", "Give a date."),
        ({"target_date": date(1999, 1, 1)}, "target_date", "Give a date between 2000 and 2100."),
        (
            {"target_date": date(2025, 8, 31)},
            "target_date",
            "The target date cannot be before the start date.",
        ),
        ({"budget_eur": Decimal("-0.01")}, "budget_eur", "The budget cannot be negative."),
        ({"budget_eur": Decimal("1e13")}, "budget_eur", "This budget is too large."),
    ],
)
def test_invalid_data_is_refused_with_a_message_per_field(
    db, rep, member, overrides, field, message
):
    with pytest.raises(InvalidInput) as caught:
        service.create_action(rep, member, data(**overrides))
    assert str(caught.value.errors[field]) == message
    db.session.rollback()
    assert db.session.scalars(select(Action)).all() == []


def test_same_start_and_target_date_and_zero_budget_are_fine(db, rep, member):
    action = service.create_action(
        rep, member, data(target_date=date(2025, 9, 1), budget_eur=Decimal(0), funding_sources=[])
    )
    assert action.budget_eur == Decimal("0.00") and action.funding_sources == []


def test_edit_replaces_lists_and_fields(db, rep, member):
    action = service.create_action(rep, member, data())
    service.update_action(
        rep,
        action,
        data(
            title="Bollards, phase 2",
            space_kinds=["parks"],
            funding_sources=["regional", "isf_police"],
            budget_eur=None,
        ),
    )
    db.session.expire_all()
    stored = db.session.get(Action, action.id)
    assert stored.title == "Bollards, phase 2"
    assert stored.space_kinds == ["parks"]
    assert stored.funding_sources == ["isf_police", "regional"]
    assert stored.budget_eur is None


def test_invalid_edit_changes_nothing(db, rep, member):
    action = service.create_action(rep, member, data())
    with pytest.raises(InvalidInput):
        service.update_action(rep, action, data(title="New title", start_date=date(2026, 1, 1)))
    db.session.rollback()
    assert db.session.get(Action, action.id).title == "Bollards around the Christmas market"


def test_only_the_members_representatives_manage_actions(db, rep, member):
    other_rep = make_user()
    make_member(representatives=[other_rep])
    coordinator = make_coordinator(member.country)
    action = make_action(member)
    for user in (other_rep, coordinator):
        with pytest.raises(NotAllowed):
            service.create_action(user, member, data())
        with pytest.raises(NotAllowed):
            service.update_action(user, action, data())
        with pytest.raises(NotAllowed):
            service.publish_action(user, action)
        with pytest.raises(NotAllowed):
            service.unpublish_action(user, action)
        with pytest.raises(NotAllowed):
            service.add_progress(user, action, today_utc(), "x", 10, "in_progress")
        with pytest.raises(NotAllowed):
            service.cancel_action(user, action, "no")


@pytest.mark.parametrize("status", ["suspended", "withdrawn", "submitted"])
def test_members_not_public_cannot_pledge(db, status):
    rep = make_user()
    member = make_member(status=status, representatives=[rep])
    with pytest.raises(NotAllowed):
        service.create_action(rep, member, data())


def test_a_member_on_hold_can_still_catch_up(db):
    rep = make_user()
    member = make_member(status="on_hold", representatives=[rep])
    assert service.create_action(rep, member, data(), publish=True).published


def test_publish_keeps_first_publication_date_and_clock(db, rep, member):
    action = make_action(member, published=False, last_progress_on=None)
    service.publish_action(rep, action)
    first = action.published_at
    assert action.last_progress_on == first.date()
    service.unpublish_action(rep, action)
    assert action.published is False and action.published_at == first
    service.publish_action(rep, action)
    assert action.published_at == first


def test_progress_update_moves_status_and_percentage_and_keeps_history(db, rep, member):
    action = make_action(member, created_at=utcnow() - timedelta(days=10))
    today = today_utc()
    service.add_progress(
        rep, action, today - timedelta(days=3), "Tender out", 10, "in_progress", today=today
    )
    service.add_progress(rep, action, today, "Works done", 100, "completed", today=today)
    db.session.expire_all()
    stored = db.session.get(Action, action.id)
    assert (stored.status, stored.percent_complete) == ("completed", 100)
    assert [(u.text, u.status) for u in stored.updates] == [
        ("Tender out", "in_progress"),
        ("Works done", "completed"),
    ]
    assert stored.last_progress_on == today
    assert stored.updates[0].author_id == rep.id


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"text": "  "}, "text", "Say what has happened."),
        ({"text": "x" * 2001}, "text", "Use at most 2000 characters."),
        ({"percent": 101}, "percent_complete", "Give a percentage from 0 to 100."),
        ({"percent": -1}, "percent_complete", "Give a percentage from 0 to 100."),
        ({"percent": None}, "percent_complete", "Give a percentage from 0 to 100."),
        (
            {"status": "completed", "percent": 90},
            "percent_complete",
            "A completed action must be marked as 100 percent complete.",
        ),
        ({"status": "cancelled"}, "status", "Choose a status from the list."),
        ({"status": "done"}, "status", "Choose a status from the list."),
        ({"reported_on": None}, "reported_on", "Give the date of this update."),
        ({"reported_on": date(2030, 1, 2)}, "reported_on", "The date cannot be in the future."),
    ],
)
def test_invalid_progress_update_is_refused(db, rep, member, kwargs, field, message):
    action = make_action(member)
    values = {
        "reported_on": date(2030, 1, 1),
        "text": "Progress",
        "percent": 50,
        "status": "in_progress",
    }
    values.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        service.add_progress(
            rep,
            action,
            values["reported_on"],
            values["text"],
            values["percent"],
            values["status"],
            today=date(2030, 1, 1),
        )
    assert str(caught.value.errors[field]) == message
    db.session.rollback()
    assert db.session.scalars(select(ProgressUpdate)).all() == []


def test_update_cannot_be_dated_before_the_latest_one(db, rep, member):
    action = make_action(member)
    make_update(action, reported_on=date(2030, 1, 10))
    with pytest.raises(InvalidInput) as caught:
        service.add_progress(
            rep, action, date(2030, 1, 9), "Late news", 60, "in_progress", today=date(2030, 2, 1)
        )
    assert "before the latest update" in str(caught.value.errors["reported_on"])
    same_day = service.add_progress(
        rep, action, date(2030, 1, 10), "Same day", 70, "in_progress", today=date(2030, 2, 1)
    )
    assert same_day.action.percent_complete == 70


def test_first_update_cannot_be_dated_before_the_action_was_entered(db, rep, member):
    action = make_action(member)
    entered = action.created_at.date()
    with pytest.raises(InvalidInput) as caught:
        service.add_progress(
            rep, action, entered - timedelta(days=1), "Old", 5, "planned", today=entered
        )
    assert "before the action was entered" in str(caught.value.errors["reported_on"])


def test_progress_clock_never_goes_back_before_first_publication(db, rep, member):
    action = make_action(member, published=False, last_progress_on=None)
    today = today_utc()
    service.add_progress(
        rep, action, today, "Prepared before publication", 5, "planned", today=today
    )
    assert action.last_progress_on is None  # unpublished actions owe no report
    service.publish_action(rep, action)
    assert action.last_progress_on == max(today, action.published_at.date())


def test_cancel_keeps_the_reason_in_history_and_stops_updates(db, rep, member):
    action = make_action(member)
    make_update(action, percent=40, reported_on=today_utc())
    with pytest.raises(InvalidInput):
        service.cancel_action(rep, action, "   ")
    service.cancel_action(rep, action, "The square is being rebuilt by the region.")
    assert action.status == "cancelled" and action.percent_complete == 40
    assert action.updates[-1].text == "The square is being rebuilt by the region."
    assert action.updates[-1].status == "cancelled"
    with pytest.raises(PledgeError, match="cancelled"):
        service.add_progress(rep, action, today_utc(), "More", 50, "in_progress")
    with pytest.raises(PledgeError, match="cancelled already"):
        service.cancel_action(rep, action, "Again")


def test_leaving_completed_clears_the_good_practice_mark(db, rep, member):
    coordinator = make_coordinator(member.country)
    action = make_action(member, status="completed", percent_complete=100)
    service.set_good_practice(coordinator, action, True)
    assert action.good_practice
    service.add_progress(rep, action, today_utc(), "Reopened for a second phase", 80, "in_progress")
    assert action.good_practice is False and action.good_practice_at is None


def test_coordinator_of_the_country_comments_and_representatives_hear_of_it(
    db, rep, member, mailbox
):
    coordinator = make_coordinator(member.country)
    action = make_action(member)
    comment = service.add_comment(coordinator, action, "  Please add the budget.  ")
    assert comment.body == "Please add the budget." and comment.author_id == coordinator.id
    from portal.models import OutboxMail

    (mail,) = db.session.scalars(select(OutboxMail)).all()
    assert mail.recipient == rep.email and "Please add the budget." in mail.body


def test_comment_rules(db, rep, member):
    action = make_action(member)
    coordinator = make_coordinator(member.country)
    with pytest.raises(InvalidInput):
        service.add_comment(coordinator, action, " ")
    with pytest.raises(InvalidInput):
        service.add_comment(coordinator, action, "c" * 2001)
    for user in (rep, make_coordinator("FR"), make_user(role="admin")):
        with pytest.raises(NotAllowed):
            service.add_comment(user, action, "Hello")


def test_public_actions_are_the_published_ones_of_a_public_member(db, rep, member):
    published = make_action(member)
    make_action(member, published=False)
    assert [a.id for a in service.public_action_records(member)] == [published.id]
    assert service.public_action(member.slug, published.id) == published
    hidden = make_member(status="suspended")
    make_action(hidden)
    assert service.public_action_records(hidden) == []


def test_public_action_needs_the_right_slug(db, rep, member):
    action = make_action(member)
    other = make_member()
    assert service.public_action(other.slug, action.id) is None
    assert service.all_actions(member) == [action]

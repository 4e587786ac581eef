"""Pledged actions through HTTP: the representatives' forms, who may see and change what, and
what the public sees."""

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import render_template_string
from sqlalchemy import select

from portal.core.clock import today_utc
from portal.extensions import db as _db
from portal.models import Action, ActionComment, utcnow
from tests.factories import (
    form_token,
    make_action,
    make_coordinator,
    make_member,
    make_update,
    make_user,
)


def form_data(**overrides):
    values = {
        "title": "Training for stewards of the summer festival",
        "description": "Two days of training with the police for 120 stewards.",
        "category": "awareness_training",
        "spaces": ["event_venues", "squares_streets"],
        "start_date": "2025-04-01",
        "target_date": "2025-06-30",
        "budget_eur": "12500.50",
        "funding": ["municipal", "private"],
        "partners": "Festival organiser; regional police",
        "form_token": form_token(),
    }
    values.update(overrides)
    return values


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown for {field}"
    text = match.group(1).replace('<span class="visually-hidden">Error:</span>', "")
    return " ".join(unescape(text).split())


@pytest.fixture
def rep():
    return make_user(name="Anna Officer")


@pytest.fixture
def member(rep):
    return make_member(name="Musterstadt", country="DE", representatives=[rep])


def test_representative_creates_an_action_through_the_form(client, login, rep, member):
    login(rep)
    page = client.get(f"/plans/{member.id}/actions/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vulnerability assessment of public spaces" in html  # categories from the catalog
    assert "EU Internal Security Fund – Police" in html
    response = client.post(f"/plans/{member.id}/actions/new", data=form_data(publish="y"))
    assert response.status_code == 302
    action = _db.session.scalar(select(Action))
    assert response.headers["Location"] == f"/actions/{action.id}"
    assert action.title == "Training for stewards of the summer festival"
    assert action.space_kinds == ["event_venues", "squares_streets"]
    assert action.funding_sources == ["municipal", "private"]
    assert str(action.budget_eur) == "12500.50"
    assert action.published is True
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Training for stewards" in page and "Festival organiser" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"target_date": "2025-03-31"},
            "target_date",
            "The target date cannot be before the start date.",
        ),
        ({"budget_eur": "-5"}, "budget_eur", "The budget cannot be negative."),
        ({"title": "ab"}, "title", "Field must be between 3 and 200 characters long."),
        ({"title": "x" * 201}, "title", "Field must be between 3 and 200 characters long."),
        ({"category": "weapons"}, "category", "Not a valid choice."),
        (
            {"spaces": ["squares_streets", "moon"]},
            "spaces",
            "'moon' is not a valid choice for this field.",
        ),
        ({"funding": ["lottery"]}, "funding", "'lottery' is not a valid choice for this field."),
        ({"spaces": []}, "spaces", "Choose at least one kind of public space."),
        ({"start_date": "next week"}, "start_date", "Not a valid date value."),
        (
            {"description": "d" * 5001},
            "description",
            "Field cannot be longer than 5000 characters.",
        ),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field(
    client, login, rep, member, overrides, field, message
):
    login(rep)
    response = client.post(f"/plans/{member.id}/actions/new", data=form_data(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert f'href="#{field}' in html  # the error summary links to the field
    assert _db.session.scalar(select(Action)) is None


def test_every_problem_shows_at_once(client, login, rep, member):
    login(rep)
    response = client.post(
        f"/plans/{member.id}/actions/new",
        data=form_data(category="", spaces=[], target_date="2025-03-01", budget_eur="-1"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This field is required." in field_error(html, "category")
    assert "Choose at least one kind of public space." in field_error(html, "spaces")
    assert "cannot be before the start date" in field_error(html, "target_date")
    assert "The budget cannot be negative." in field_error(html, "budget_eur")


def test_edit_through_the_form(client, login, rep, member):
    action = make_action(member, title="Old title")
    login(rep)
    page = client.get(f"/actions/{action.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in page
    response = client.post(f"/actions/{action.id}/edit", data=form_data(title="New title"))
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).title == "New title"
    bad = client.post(
        f"/actions/{action.id}/edit", data=form_data(title="Newer", target_date="2020-01-01")
    )
    assert bad.status_code == 422
    assert "cannot be before the start date" in field_error(
        bad.get_data(as_text=True), "target_date"
    )
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).title == "New title"


def test_publish_and_unpublish(client, login, rep, member):
    action = make_action(member, published=False, last_progress_on=None)
    login(rep)
    client.post(f"/actions/{action.id}/publish")
    assert client.get(f"/members/{member.slug}/actions/{action.id}").status_code == 200
    client.post(f"/actions/{action.id}/unpublish")
    assert client.get(f"/members/{member.slug}/actions/{action.id}").status_code == 404


def test_progress_form_and_history(client, login, rep, member):
    action = make_action(member, created_at=utcnow() - timedelta(days=30))
    login(rep)
    today = today_utc()
    client.post(
        f"/actions/{action.id}/progress",
        data={
            "form_token": form_token(),
            "reported_on": (today - timedelta(days=2)).isoformat(),
            "status": "in_progress",
            "percent_complete": "30",
            "text": "Stewards chosen",
        },
    )
    response = client.post(
        f"/actions/{action.id}/progress",
        data={
            "form_token": form_token(),
            "reported_on": today.isoformat(),
            "status": "in_progress",
            "percent_complete": "60",
            "text": "First training day held",
        },
    )
    assert response.status_code == 302
    _db.session.expire_all()
    action = _db.session.get(Action, action.id)
    assert (action.status, action.percent_complete) == ("in_progress", 60)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert page.index("First training day held") < page.index("Stewards chosen")  # newest first
    assert "Anna Officer" in page  # the author, on the private page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"percent_complete": "150"}, "percent_complete", "Give a percentage from 0 to 100."),
        (
            {"percent_complete": "90", "status": "completed"},
            "percent_complete",
            "A completed action must be marked as 100 percent complete.",
        ),
        ({"reported_on": "2999-01-01"}, "reported_on", "The date cannot be in the future."),
        ({"status": "cancelled"}, "status", "Not a valid choice."),
        ({"text": ""}, "text", "This field is required."),
    ],
)
def test_bad_progress_update_gets_a_message(client, login, rep, member, values, field, message):
    action = make_action(member)
    login(rep)
    data = {
        "reported_on": today_utc().isoformat(),
        "status": "in_progress",
        "percent_complete": "50",
        "text": "Progress",
    }
    data.update(values)
    response = client.post(
        f"/actions/{action.id}/progress", data={**data, "form_token": form_token()}
    )
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), field)
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).updates == []


def test_cancel_through_the_form(client, login, rep, member):
    action = make_action(member)
    login(rep)
    assert client.get(f"/actions/{action.id}/cancel").status_code == 200
    empty = client.post(f"/actions/{action.id}/cancel", data={"reason": ""})
    assert empty.status_code == 422
    client.post(f"/actions/{action.id}/cancel", data={"reason": "Funding withdrawn"})
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).status == "cancelled"
    page = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert "Funding withdrawn" in page and "Cancelled" in page


# ---- Who may see and change what -------------------------------------------------------------


def private_urls(member, action):
    return [
        f"/plans/{member.id}",
        f"/actions/{action.id}",
    ]


def change_requests(member, action):
    return [
        ("get", f"/plans/{member.id}/actions/new", None),
        ("post", f"/plans/{member.id}/actions/new", form_data()),
        ("get", f"/actions/{action.id}/edit", None),
        ("post", f"/actions/{action.id}/edit", form_data(title="Hijacked")),
        ("post", f"/actions/{action.id}/publish", {}),
        ("post", f"/actions/{action.id}/unpublish", {}),
        (
            "post",
            f"/actions/{action.id}/progress",
            {
                "reported_on": today_utc().isoformat(),
                "status": "completed",
                "percent_complete": "100",
                "text": "Hijacked",
            },
        ),
        ("get", f"/actions/{action.id}/cancel", None),
        ("post", f"/actions/{action.id}/cancel", {"reason": "Hijacked"}),
    ]


def assert_unchanged(action_id, title):
    _db.session.expire_all()
    action = _db.session.get(Action, action_id)
    assert action.title == title and action.status == "planned" and action.updates == []
    assert (
        _db.session.scalar(
            select(Action).where(Action.title == "Training for stewards of the summer festival")
        )
        is None
    )


def test_the_public_is_sent_to_sign_in(client, member):
    action = make_action(member, published=False)
    for url in private_urls(member, action):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    for method, url, data in change_requests(member, action):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.get(f"/members/{member.slug}/actions/{action.id}").status_code == 404


@pytest.mark.parametrize("who", ["other_representative", "other_coordinator", "admin"])
def test_outsiders_get_404_everywhere(client, login, member, who):
    action = make_action(member, published=False, title="Secret plan")
    outsider = {
        "other_representative": lambda: make_user(),
        "other_coordinator": lambda: make_coordinator("FR", "AT"),
        "admin": lambda: make_user(role="admin"),
    }[who]()
    if who == "other_representative":
        make_member(country="DE", representatives=[outsider])
    login(outsider)
    for url in private_urls(member, action):
        assert client.get(url).status_code == 404, url
    for method, url, data in change_requests(member, action):
        assert getattr(client, method)(url, data=data).status_code == 404, url
    assert (
        client.post(
            f"/actions/{action.id}/comments", data={"form_token": form_token(), "body": "x"}
        ).status_code
        == 404
    )
    assert client.post(f"/actions/{action.id}/good-practice", data={"good": "1"}).status_code == 404
    assert client.get(f"/members/{member.slug}/actions/{action.id}").status_code == 404
    assert_unchanged(action.id, "Secret plan")


def test_coordinator_of_the_country_reads_everything_but_changes_nothing(client, login, member):
    action = make_action(member, published=False, title="Draft plan")
    coordinator = make_coordinator("DE")
    login(coordinator)
    for url in private_urls(member, action):
        response = client.get(url)
        assert response.status_code == 200 and "Draft plan" in response.get_data(as_text=True)
    for method, url, data in change_requests(member, action):
        assert getattr(client, method)(url, data=data).status_code == 403, url
    assert_unchanged(action.id, "Draft plan")


def test_published_action_of_a_hidden_member_is_not_public(client, rep):
    member = make_member(status="suspended", representatives=[rep])
    action = make_action(member)
    assert client.get(f"/members/{member.slug}/actions/{action.id}").status_code == 404


def test_coordinator_comments_visible_to_representatives_not_public(
    client, login, rep, member, mailbox
):
    action = make_action(member)
    coordinator = make_coordinator("DE", name="Carla Coordinator")
    login(coordinator)
    empty = client.post(
        f"/actions/{action.id}/comments", data={"form_token": form_token(), "body": "  "}
    )
    assert empty.status_code == 422
    response = client.post(
        f"/actions/{action.id}/comments",
        data={"form_token": form_token(), "body": "Consider the EU vulnerability checklist."},
    )
    assert response.status_code == 302
    assert (
        _db.session.scalar(select(ActionComment)).body == "Consider the EU vulnerability checklist."
    )
    (mail,) = mailbox.to(rep.email)
    assert "Consider the EU vulnerability checklist." in mailbox.body(mail)
    client.post("/account/logout")
    assert "EU vulnerability checklist" not in client.get(
        f"/members/{member.slug}/actions/{action.id}"
    ).get_data(as_text=True)
    login(rep)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Consider the EU vulnerability checklist." in page and "Carla Coordinator" in page
    assert (
        client.post(
            f"/actions/{action.id}/comments",
            data={"form_token": form_token(), "body": "Self-praise"},
        ).status_code
        == 403
    )


def test_public_action_page_shows_no_personal_data(client, rep, member):
    action = make_action(
        member,
        title="Shelters at the station",
        budget_eur=250000,
        funding=["uia", "national"],
        spaces=["transport_hubs"],
    )
    make_update(action, text="Two shelters built", reported_on=today_utc())
    html = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert "Shelters at the station" in html and "Two shelters built" in html
    assert "Urban Innovative Actions" in html and "Transport hubs" in html
    assert "250,000.00" in html
    for private in (
        rep.name,
        rep.email,
        member.contact_name,
        member.contact_email,
        member.contact_phone,
        member.mayor_name,
    ):
        assert private not in html


def test_csrf_token_required_when_enabled(app, client, login, rep, member):
    action = make_action(member, published=False)
    login(rep)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/actions/{action.id}/publish").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).published is False


# ---- The partial on the public member page -------------------------------------------------


def render_partial(member) -> str:
    return render_template_string('{% include "pledges/_member_public.html" %}', member=member)


def test_member_page_partial_lists_published_actions_with_history(app, rep, member):
    shown = make_action(
        member,
        title="Planters on the main square",
        funding=["isf_police"],
        spaces=["squares_streets", "shopping_areas"],
        status="in_progress",
    )
    make_update(shown, text="Half of the planters placed", percent=50, reported_on=today_utc())
    make_action(member, published=False, title="Unpublished idea")
    with app.test_request_context("/"):
        html = render_partial(member)
    assert f'id="action-{shown.id}"' in html
    assert "Planters on the main square" in html and "Unpublished idea" not in html
    assert "Security by design and physical protection" in html
    assert "EU Internal Security Fund – Police" in html
    assert "Shopping areas and markets" in html
    assert "Half of the planters placed" in html and "In progress" in html
    assert rep.name not in html


def test_member_page_partial_says_on_track_or_late(app, rep):
    on_track = make_member(representatives=[rep], approved_at=utcnow() - timedelta(days=30))
    late = make_member(approved_at=utcnow() - timedelta(days=800))
    make_action(late, title="Lonely action")
    with app.test_request_context("/"):
        assert "On track with its commitments" in render_partial(on_track)
        html = render_partial(late)
    assert "Late with its commitments" in html
    assert "Action plan was due on" in html and "1 of 3 actions published" in html


def test_public_member_page_includes_the_actions(client, rep, member):
    shown = make_action(member, title="Shelters on the promenade")
    make_action(member, published=False, title="Secret draft")
    html = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert f'id="action-{shown.id}"' in html and "Shelters on the promenade" in html
    assert f'href="/members/{member.slug}/actions/{shown.id}"' in html
    assert "Secret draft" not in html
    assert "On track with its commitments" in html


def test_member_page_counts_orders_and_gives_the_plan_status_and_monitoring(client):
    from datetime import date

    member = make_member(approved_at=utcnow() - timedelta(days=30))
    for title, status in [("Zeta cancelled", "cancelled"), ("Done", "completed"),
                          ("Beta planned", "planned"), ("Alpha planned", "planned"),
                          ("Underway", "in_progress")]:  # fmt: skip
        action = make_action(member, title=title)
        action.status = status
    from portal.models import ProgressUpdate

    action.updates.append(
        ProgressUpdate(
            reported_on=date(2025, 2, 3), text="Begun.", percent_complete=20, status="in_progress"
        )
    )
    _db.session.commit()
    html = client.get(f"/members/{member.slug}").get_data(as_text=True)
    assert "5 published actions, 4 of which count for the action plan (1 cancelled)." in html
    titles = ["Underway", "Alpha planned", "Beta planned", "Done", "Zeta cancelled"]
    positions = [html.index(f">{t}</a>") for t in titles]
    assert positions == sorted(positions)
    assert "Plan published" in html
    # The monitoring timeline: an accessible chart and its table.
    assert 'role="img" aria-labelledby="monitoring-title monitoring-desc"' in html
    assert '<th scope="row">Q1 2025</th>' in html

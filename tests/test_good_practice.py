"""Good practice: coordinators of the country mark completed, published actions; the public
page lists them with filters by category and country, and pages."""

import re

import pytest
from sqlalchemy import select

from portal.core.errors import NotAllowed
from portal.extensions import db as _db
from portal.models import Action
from portal.pledges import service
from portal.pledges.service import GOOD_PRACTICES_PER_PAGE, PledgeError
from tests.factories import make_action, make_coordinator, make_member, make_user


def completed(member, **fields):
    return make_action(member, status="completed", percent_complete=100, **fields)


def test_coordinator_marks_and_unmarks_through_http(client, login):
    member = make_member(country="DE")
    action = completed(member, title="Stewards trained")
    coordinator = make_coordinator("DE")
    login(coordinator)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Mark as a good practice" in page
    client.post(f"/actions/{action.id}/good-practice", data={"good": "1"})
    _db.session.expire_all()
    stored = _db.session.get(Action, action.id)
    assert stored.good_practice and stored.good_practice_by_id == coordinator.id
    assert stored.good_practice_at is not None
    assert "Stewards trained" in client.get("/good-practice").get_data(as_text=True)
    client.post(f"/actions/{action.id}/good-practice", data={"good": "0"})
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).good_practice is False
    assert "Stewards trained" not in client.get("/good-practice").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "in_progress", "percent_complete": 80},
        {"status": "cancelled"},
        {"status": "completed", "percent_complete": 100, "published": False},
    ],
)
def test_only_completed_published_actions_can_be_marked(client, login, fields):
    member = make_member(country="DE")
    action = make_action(member, **fields)
    coordinator = make_coordinator("DE")
    with pytest.raises(PledgeError, match="completed, published"):
        service.set_good_practice(coordinator, action, True)
    _db.session.rollback()
    login(coordinator)
    response = client.post(
        f"/actions/{action.id}/good-practice", data={"good": "1"}, follow_redirects=True
    )
    assert "Only a completed, published action" in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).good_practice is False


def test_who_may_mark(client, login):
    rep = make_user()
    member = make_member(country="DE", representatives=[rep])
    action = completed(member)
    for user in (rep, make_coordinator("FR"), make_user(role="admin")):
        with pytest.raises(NotAllowed):
            service.set_good_practice(user, action, True)
    login(rep)
    assert client.post(f"/actions/{action.id}/good-practice", data={"good": "1"}).status_code == 403
    client.post("/account/logout")
    login(make_coordinator("FR"))
    assert client.post(f"/actions/{action.id}/good-practice", data={"good": "1"}).status_code == 404
    _db.session.expire_all()
    assert _db.session.get(Action, action.id).good_practice is False


def mark(action, coordinator=None):
    service.set_good_practice(coordinator or make_coordinator(action.member.country), action, True)
    return action


def test_public_page_lists_with_links_and_filters(client):
    de = make_member(name="Kassel", country="DE")
    fr = make_member(name="Lyon", country="FR")
    a = mark(completed(de, title="Planters at the market", category="security_by_design"))
    b = mark(completed(fr, title="Exercise at the stadium", category="awareness_training"))
    c = mark(completed(de, title="Peer visit to Nice", category="good_practice_exchange"))
    completed(de, title="Not marked")
    hidden = mark(completed(make_member(name="Geheim", country="DE"), title="Unlisted member"))
    hidden.member.status = "suspended"
    unpublished = mark(completed(de, title="Later unpublished"))
    unpublished.published = False
    _db.session.commit()

    html = client.get("/good-practice").get_data(as_text=True)
    assert "3 good practices" in html
    for action in (a, b, c):
        member = action.member
        assert action.title in html
        assert f'href="/members/{member.slug}/actions/{action.id}"' in html
        assert f'href="/members/{member.slug}#action-{action.id}"' in html
    for absent in ("Not marked", "Unlisted member", "Later unpublished"):
        assert absent not in html
    # The filter form works with a plain GET.
    assert '<form method="get" action="/good-practice"' in html
    assert '<label for="gp-category">' in html and '<label for="gp-country">' in html

    by_country = client.get("/good-practice?country=DE").get_data(as_text=True)
    assert "Planters at the market" in by_country and "Peer visit to Nice" in by_country
    assert "Exercise at the stadium" not in by_country
    assert '<option value="DE" selected>' in by_country

    both = client.get("/good-practice?country=DE&category=security_by_design").get_data(
        as_text=True
    )
    assert "Planters at the market" in both and "Peer visit to Nice" not in both

    nothing = client.get("/good-practice?country=FR&category=security_by_design")
    assert "No good practice matches these filters yet." in nothing.get_data(as_text=True)

    unknown = client.get("/good-practice?country=XX&category=nonsense").get_data(as_text=True)
    assert "3 good practices" in unknown  # unknown filters are ignored


def test_public_page_is_paginated(client):
    member = make_member(country="IT")
    coordinator = make_coordinator("IT")
    total = GOOD_PRACTICES_PER_PAGE + 3
    for n in range(total):
        mark(completed(member, title=f"Practice number {n:02d}"), coordinator)
    first = client.get("/good-practice?country=IT").get_data(as_text=True)
    second = client.get("/good-practice?country=IT&page=2").get_data(as_text=True)
    titles = re.compile(r"Practice number \d\d")
    assert len(set(titles.findall(first))) == GOOD_PRACTICES_PER_PAGE
    assert len(set(titles.findall(second))) == 3
    assert set(titles.findall(first)).isdisjoint(titles.findall(second))
    assert 'href="/good-practice?country=IT&amp;page=2"' in first
    assert 'aria-current="page">2<' in second
    assert client.get("/good-practice?page=99").status_code == 200


def test_public_action_page_of_a_good_practice(client):
    member = make_member(country="DE")
    action = mark(completed(member, title="Shelter design"))
    html = client.get(f"/members/{member.slug}/actions/{action.id}").get_data(as_text=True)
    assert "Shelter design" in html and "Good practice" in html


def test_the_nav_links_to_good_practice(client):
    assert 'href="/good-practice"' in client.get("/").get_data(as_text=True)


def test_good_practices_query_orders_newest_mark_first(db):
    member = make_member(country="DE")
    coordinator = make_coordinator("DE")
    older = mark(completed(member, title="Older"), coordinator)
    newer = mark(completed(member, title="Newer"), coordinator)
    page = service.good_practices(None, None, 1)
    assert [a.id for a in page.items] == [newer.id, older.id]
    assert _db.session.scalars(select(Action.good_practice)).all() == [True, True]

"""The public member page is rendered once per public data version: every change to what it shows
(the member's status and hold reason, its actions, their progress and good-practice mark) shows at
once, and nothing of the visitor is kept in the shared part."""

from datetime import timedelta

import pytest

from portal.core import clock
from portal.core.clock import today_utc
from portal.extensions import db
from portal.membership.transitions import transition
from portal.pledges import service as pledges
from tests.factories import make_action, make_coordinator, make_member, make_update, make_user


@pytest.fixture
def world(db):
    representative = make_user()
    coordinator = make_coordinator("DE")
    member = make_member(name="Görlitz", country="DE", representatives=[representative])
    action = make_action(member, title="Bollards on the Obermarkt", status="in_progress")
    make_update(action, percent=40, text="The first bollards stand.")
    return {"rep": representative, "coordinator": coordinator, "member": member, "action": action}


def page(client, member) -> str:
    response = client.get(f"/members/{member.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_content_is_rendered_once_per_data_version(app, client, world, monkeypatch):
    rendered = []
    original = pledges.public_action_records
    monkeypatch.setattr(
        pledges, "public_action_records", lambda m: rendered.append(m) or original(m)
    )
    first = page(client, world["member"])
    assert page(client, world["member"]) == first
    assert len(rendered) == 1
    make_update(world["action"], percent=60, text="Half of the bollards stand.")
    assert "Half of the bollards stand." in page(client, world["member"])
    assert len(rendered) == 2


def test_a_progress_update_shows_at_once(client, world):
    assert "The first bollards stand." in page(client, world["member"])
    pledges.add_progress(
        world["rep"], world["action"], today_utc(), "All bollards stand.", 100, "completed"
    )
    html = page(client, world["member"])
    assert "All bollards stand." in html
    assert "100%" in html


def test_a_good_practice_mark_shows_at_once(client, world):
    make_update(world["action"], percent=100, status="completed", text="Done.")
    assert "badge-good-practice" not in page(client, world["member"])
    pledges.set_good_practice(world["coordinator"], world["action"], True)
    assert "badge-good-practice" in page(client, world["member"])
    pledges.set_good_practice(world["coordinator"], world["action"], False)
    assert "badge-good-practice" not in page(client, world["member"])


def test_a_new_or_withdrawn_action_shows_at_once(client, world):
    assert "Lighting of the Neißebrücke" not in page(client, world["member"])
    added = make_action(world["member"], title="Lighting of the Neißebrücke")
    assert "Lighting of the Neißebrücke" in page(client, world["member"])
    added.published = False
    db.session.commit()
    assert "Lighting of the Neißebrücke" not in page(client, world["member"])


def test_a_hold_and_its_reason_show_at_once_and_a_suspension_hides_the_page(client, world):
    member = world["member"]
    assert "This member is on hold." not in page(client, member)
    transition(world["coordinator"], member, "on_hold", comment="The action plan is late.")
    db.session.commit()
    html = page(client, member)
    assert "This member is on hold." in html
    assert "The action plan is late." in html
    transition(world["coordinator"], member, "suspended", comment="Still late.")
    db.session.commit()
    assert client.get(f"/members/{member.slug}").status_code == 404


def test_an_unknown_member_is_not_found_until_it_exists(client, world):
    assert client.get("/members/nowhere-de").status_code == 404
    make_member(name="Nowhere", country="DE", slug="nowhere-de")
    assert client.get("/members/nowhere-de").status_code == 200


def test_each_language_and_day_has_its_own_content(client, world, monkeypatch):
    from portal.membership import views

    rendered = []
    original = pledges.public_action_records
    monkeypatch.setattr(
        pledges, "public_action_records", lambda m: rendered.append(m) or original(m)
    )
    english = page(client, world["member"])
    client.get("/language/de")
    german = page(client, world["member"])
    assert '<html lang="de">' in german
    assert "Alle Mitglieder" in german and "Alle Mitglieder" not in english
    assert len(rendered) == 2
    page(client, world["member"])
    assert len(rendered) == 2
    # Deadlines count in days: the next day the content is rendered again.
    tomorrow = today_utc() + timedelta(days=1)
    monkeypatch.setattr(views, "today_utc", lambda: tomorrow)
    monkeypatch.setattr(clock, "today_utc", lambda: tomorrow)
    page(client, world["member"])
    assert len(rendered) == 3


def test_the_visitor_s_navigation_is_not_shared(client, login, world):
    login(world["rep"])
    signed_in = page(client, world["member"])
    assert "Sign out" in signed_in
    client.post("/account/logout")
    anonymous = page(client, world["member"])
    assert "Sign out" not in anonymous
    assert "Bollards on the Obermarkt" in anonymous


def test_the_good_practice_page_and_home_figures_follow_a_change(app, client, world, frozen_clock):
    make_update(world["action"], percent=100, status="completed", text="Done.")
    assert "Bollards on the Obermarkt" not in client.get("/good-practice").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    pledges.set_good_practice(world["coordinator"], world["action"], True)
    assert "Bollards on the Obermarkt" in client.get("/good-practice").get_data(as_text=True)
    assert "<strong>1</strong> countries" in home
    make_member(name="Zittau", country="CZ")
    # The home page's figures are aggregates: within AGGREGATE_REFRESH_SECONDS.
    frozen_clock.advance(seconds=app.config["AGGREGATE_REFRESH_SECONDS"])
    assert "<strong>2</strong> countries" in client.get("/").get_data(as_text=True)


def test_the_page_reads_its_parts_in_four_queries_whatever_the_number_of_actions(
    app, client, db, world, monkeypatch
):
    """Member, actions with their spaces and funding, updates, requests for more time: four
    queries, none of them growing with the actions; and every part shows, in order."""
    from tests.test_public_data import counting_statements

    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)
    member = world["member"]
    slug = member.slug
    with counting_statements(db.engine) as one:
        client.get(f"/members/{slug}")
    second = make_action(
        member,
        title="Cameras at the station",
        status="in_progress",
        spaces=["transport_hubs", "event_venues", "squares_streets"],
        funding=["uia", "isf_police"],
    )
    make_update(
        second, percent=20, text="Tender published.", reported_on=today_utc() - timedelta(days=9)
    )
    make_update(second, percent=35, text="Cameras ordered.", reported_on=today_utc())
    make_action(member, title="Unpublished idea", published=False)
    slug = member.slug  # read before counting: the commits above expired the member
    with counting_statements(db.engine) as three:
        response = client.get(f"/members/{slug}")
    html = response.get_data(as_text=True)
    assert len(one) == len(three) <= 4, three
    assert not any(s.strip().upper().startswith(("BEGIN", "SAVEPOINT")) for s in three)
    card = html[html.index("Cameras at the station</a></h3>") :]
    card = card[: card.index("</section>")]  # the last card: "Bollards ..." sorts first
    assert "Event venues and stadiums, Squares and streets, Transport hubs" in card
    assert "EU Internal Security Fund – Police, Urban Innovative Actions" in card
    # Newest first in the history.
    assert card.index("Cameras ordered.") < card.index("Tender published.")
    assert "Unpublished idea" not in html
    assert "The first bollards stand." in html

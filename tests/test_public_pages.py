"""Whole public pages kept for anonymous visitors: served as kept, never stale, never personal."""

import pytest
from flask import template_rendered
from sqlalchemy import event

from tests.factories import make_action, make_member, make_user

CACHED = ["/", "/members", "/map", "/stats", "/good-practice"]


@pytest.fixture
def statements(db):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def renders(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


@pytest.mark.parametrize("path", CACHED + ["member page"])
def test_a_kept_page_is_served_as_it_was_rendered(client, statements, renders, path):
    member = make_member(name="Kraków", country="PL")
    make_action(member)
    url = f"/members/{member.slug}" if path == "member page" else path
    first = client.get(url)
    statements.clear()
    second = client.get(url)
    assert second.status_code == first.status_code == 200
    assert second.get_data() == first.get_data()
    renders.clear()
    statements.clear()
    third = client.get(url)
    assert third.get_data() == first.get_data()
    assert renders == []  # not even the layout is rendered again
    # The version tokens, nothing else; an aggregate page (a few seconds old at most): nothing.
    assert len(statements) == (0 if url in ("/", "/stats", "/map") else 1)
    assert "Set-Cookie" not in second.headers


def test_a_change_shows_at_once(client):
    make_member(name="Kraków", country="PL")
    assert "Gdańsk" not in client.get("/members").get_data(as_text=True)
    make_member(name="Gdańsk", country="PL")
    assert "Gdańsk" in client.get("/members").get_data(as_text=True)


def test_each_language_and_address_has_its_own_copy(client):
    make_member(name="Kraków", country="PL")
    english = client.get("/members").get_data(as_text=True)
    german = client.get("/members", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="de">' in german
    filtered = client.get("/members?country=FR").get_data(as_text=True)
    assert "Kraków" in english and "Kraków" not in filtered


def test_signed_in_users_get_their_own_page(client, login):
    make_member(name="Kraków", country="PL")
    anonymous = client.get("/members").get_data(as_text=True)
    user = login(make_user())
    own = client.get("/members").get_data(as_text=True)
    assert "Sign out" in own and "Sign out" not in anonymous
    client.post("/account/logout")
    assert "Sign out" not in client.get("/members").get_data(as_text=True)
    assert user.email not in client.get("/members").get_data(as_text=True)


def test_a_waiting_message_is_shown_once_and_never_kept_for_others(app, client, login):
    login(make_user())
    client.post("/account/logout")  # flashes "You are signed out."
    assert "You are signed out" in client.get("/").get_data(as_text=True)
    assert "You are signed out" not in client.get("/").get_data(as_text=True)
    assert "You are signed out" not in app.test_client().get("/").get_data(as_text=True)

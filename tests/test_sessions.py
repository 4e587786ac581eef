"""Sessions live on the server, can be listed and ended, and end by themselves within limits."""

import base64
import re

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from portal import create_app
from portal.auth.sessions import describe_user_agent
from portal.extensions import db as _db
from portal.models import ServerSession, SignIn, User
from tests import factories
from tests.conftest import sign_in

NEW_PASSWORD = "a brand new password"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def copy_of(app, client):
    """A second browser holding a copy of the first one's session cookie."""
    other = app.test_client()
    other.set_cookie("session", session_cookie(client))
    return other


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def stored_sessions(db) -> int:
    return db.session.scalar(select(func.count(ServerSession.id)))


def test_public_pages_give_anonymous_visitors_no_session_and_no_cookie(client, db):
    factories.make_member()
    for url in ("/", "/members", "/account/login", "/about"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
    assert stored_sessions(db) == 0


def test_the_cookie_holds_only_a_random_id_and_the_data_stays_on_the_server(client, login, db):
    user = login(factories.make_user())
    sid = session_cookie(client)
    # A bare random token: not Flask's signed "payload.time.signature" cookie, nothing to decode.
    assert sid and re.fullmatch(r"[A-Za-z0-9_-]{40,}", sid)
    decoded = base64.urlsafe_b64decode(sid + "=" * (-len(sid) % 4))
    assert b"_user_id" not in decoded and user.email.encode() not in decoded
    row = db.session.scalar(select(ServerSession))
    assert row.session_id == f"session:{sid}"
    assert b"_user_id" in row.data


def test_signing_in_starts_a_new_session_id(client, db):
    user = factories.make_user()
    client.get("/language/de?next=/")  # a visitor's session before signing in
    before = session_cookie(client)
    assert before
    sign_in(client, user)
    after = session_cookie(client)
    assert after and after != before
    assert (
        db.session.scalar(
            select(ServerSession.id).where(ServerSession.session_id == f"session:{before}")
        )
        is None
    )


def test_a_copied_cookie_is_worthless_after_signing_out(app, client, login):
    login(factories.make_user())
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/account/logout")
    assert not signed_in(client)
    assert not signed_in(thief)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, client, login, db):
    user = login(factories.make_user())
    laptop = app.test_client()
    sign_in(laptop, user)
    thief = copy_of(app, client)
    response = client.post(
        "/account/change-password",
        data={
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(laptop)
    # The copy is of this very session, which goes on; the laptop's does not.
    assert signed_in(thief)
    client.post("/account/logout")
    assert not signed_in(thief)


def test_resetting_the_password_by_mail_ends_every_session(app, client, login, mailbox):
    user = login(factories.make_user())
    other = app.test_client()
    other.post("/account/password", data={"email": user.email})
    link = mailbox.last_link(user.email, "/account/password/")
    other.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert not signed_in(client)


def test_deactivation_ends_sessions_for_good_even_after_reactivation(app, client, login):
    coordinator = factories.make_coordinator("DE")
    device = app.test_client()
    sign_in(device, coordinator)
    assert signed_in(device)
    login(factories.make_user(role="admin"))
    client.post(f"/admin/coordinators/{coordinator.id}/deactivate")
    client.post(f"/admin/coordinators/{coordinator.id}/reactivate")
    assert not signed_in(device)


def test_a_remember_me_cookie_of_flask_login_signs_nobody_in(app, client, db):
    user = factories.make_user()
    for user_id in (str(user.id), user.get_id()):
        visitor = app.test_client()
        with app.test_request_context():
            visitor.set_cookie("remember_token", encode_cookie(user_id))
        assert not signed_in(visitor), user_id


def test_the_account_page_lists_the_sessions_and_ends_one_or_all_others(app, client, db):
    user = factories.make_user()
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = SAFARI_IPHONE
    sign_in(phone, user)
    tablet = app.test_client()
    sign_in(tablet, user)
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX_LINUX
    sign_in(client, user)

    page = client.get("/account").get_data(as_text=True)
    assert "Where you are signed in" in page
    assert "Firefox · Linux" in page and "Safari · iOS" in page
    assert page.count("<strong>This session</strong>") == 1
    phone_record = db.session.scalar(select(SignIn).where(SignIn.system == "iOS"))

    response = client.post("/account/sessions/end", data={"sign_in": phone_record.id})
    assert response.status_code == 302
    assert not signed_in(phone) and signed_in(tablet) and signed_in(client)

    client.post("/account/sessions/end-others")
    assert not signed_in(tablet) and signed_in(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Safari · iOS" not in page


def test_nobody_ends_another_persons_session(app, client, login, db):
    victim = factories.make_user()
    device = app.test_client()
    sign_in(device, victim)
    record = db.session.scalar(select(SignIn).where(SignIn.user_id == victim.id))
    login(factories.make_user())
    client.post("/account/sessions/end", data={"sign_in": record.id})
    assert signed_in(device)


def test_an_administrator_signs_a_coordinator_out_everywhere(app, client, login, db):
    coordinator = factories.make_coordinator("DE", name="Dora")
    device = app.test_client()
    sign_in(device, coordinator)
    login(factories.make_user(role="admin"))
    page = client.get(f"/admin/coordinators/{coordinator.id}").get_data(as_text=True)
    assert "Open sessions" in page and "Sign out everywhere" in page
    response = client.post(f"/admin/coordinators/{coordinator.id}/sessions/end")
    assert response.status_code == 302
    assert not signed_in(device)
    assert signed_in(client)


def test_a_coordinator_cannot_end_someone_elses_sessions(app, client, login):
    other = factories.make_coordinator("DE")
    device = app.test_client()
    sign_in(device, other)
    login(factories.make_coordinator("AT"))
    assert client.post(f"/admin/coordinators/{other.id}/sessions/end").status_code == 403
    assert signed_in(device)


def test_idle_sessions_end_sooner_for_coordinators(app, client, frozen_clock):
    representative = app.test_client()
    sign_in(representative, factories.make_user())
    coordinator = app.test_client()
    sign_in(coordinator, factories.make_coordinator("DE"))
    frozen_clock.advance(minutes=16)
    assert signed_in(representative)
    assert not signed_in(coordinator)
    frozen_clock.advance(minutes=61)
    assert not signed_in(representative)


def test_an_idle_session_says_why_it_ended(client, login, frozen_clock):
    login(factories.make_user())
    frozen_clock.advance(minutes=61)
    response = client.get("/dashboard", follow_redirects=True)
    assert "You were signed out. Please sign in again." in response.get_data(as_text=True)


def test_a_busy_session_still_ends_at_its_absolute_lifetime(client, login, frozen_clock):
    login(factories.make_user())
    for _ in range(14):  # a request every 50 minutes for 11 hours 40 minutes
        frozen_clock.advance(minutes=50)
        assert signed_in(client)
    frozen_clock.advance(minutes=21)
    assert not signed_in(client)


def test_keep_me_signed_in_lasts_fourteen_days_without_idle_limit(app, client, frozen_clock):
    user = factories.make_user()
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": factories.PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    assert "Expires=" in response.headers["Set-Cookie"]
    assert "remember_token" not in str(response.headers)
    frozen_clock.advance(days=3)
    assert signed_in(client)
    frozen_clock.advance(days=11, minutes=1)
    assert not signed_in(client)


def test_without_keep_me_signed_in_the_cookie_ends_with_the_browser(client):
    user = factories.make_user()
    response = client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert "Expires=" not in response.headers["Set-Cookie"]


def test_last_seen_is_written_at_most_once_a_minute(client, login, db, frozen_clock):
    user = login(factories.make_user())
    record = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    first_seen = record.last_seen_at
    frozen_clock.advance(seconds=30)
    client.get("/account")
    db.session.refresh(record)
    assert record.last_seen_at == first_seen
    frozen_clock.advance(seconds=31)
    client.get("/account")
    db.session.refresh(record)
    assert record.last_seen_at > first_seen


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_LINUX, ("Firefox", "Linux")),
        (SAFARI_IPHONE, ("Safari", "iOS")),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            ("Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            ("Chrome", "Android"),
        ),
        ("curl/8.5.0", ("curl", "")),
        ("", ("", "")),
    ],
)
def test_browser_and_system_are_named_from_the_user_agent(user_agent, expected):
    assert describe_user_agent(user_agent) == expected


def test_with_redis_url_the_sessions_live_in_redis_and_end_there(app, db, redis_url):
    from redis import Redis

    redis_app = create_app({**app.config, "REDIS_URL": redis_url})
    try:
        user = factories.make_user()
        browser = redis_app.test_client()
        sign_in(browser, user)
        sid = session_cookie(browser)
        assert Redis.from_url(redis_url).exists(f"session:{sid}")
        assert stored_sessions(db) == 0
        thief = redis_app.test_client()
        thief.set_cookie("session", sid)
        assert thief.get("/account").status_code == 200
        browser.post("/account/logout")
        assert not Redis.from_url(redis_url).exists(f"session:{sid}")
        assert thief.get("/account").status_code == 302
    finally:
        with redis_app.app_context():
            _db.engine.dispose()


def test_users_have_a_session_version_that_rises_when_sessions_end(client, login, db):
    user = login(factories.make_user())
    version = user.session_version
    client.post("/account/sessions/end-others")
    assert db.session.get(User, user.id).session_version == version + 1
    assert signed_in(client)


def test_an_id_kept_from_before_the_sessions_ended_no_longer_loads_the_user(client, login, db):
    from portal.auth.service import load_user

    user = login(factories.make_user())
    kept = user.get_id()
    assert load_user(kept) == user
    client.post("/account/sessions/end-others")
    db.session.refresh(user)
    assert load_user(kept) is None
    assert load_user(user.get_id()) == user
    assert load_user(str(user.id)) is None  # the plain id of a Flask-Login remember cookie


def test_erasing_the_account_ends_its_sessions_and_removes_their_records(app, client, login, db):
    user = login(factories.make_user(second_factor=True))
    laptop = app.test_client()
    sign_in(laptop, user)
    thief = copy_of(app, client)
    page = client.get("/account/delete").get_data(as_text=True)
    assert page
    response = client.post(
        "/account/delete", data={"password": factories.PASSWORD, "understood": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert not signed_in(laptop) and not signed_in(thief)
    assert db.session.scalar(select(func.count(SignIn.id)).where(SignIn.user_id == user.id)) == 0
    assert db.session.get(User, user.id).totp_secret is None

"""Sensitive actions ask for the password (and code) again when the sign-in is not recent."""

from flask import Flask
from sqlalchemy import select

from portal.auth.passwords import verify_password
from portal.auth.reauth import auth_is_recent, require_recent_auth
from portal.models import User
from tests import factories

NEW_PASSWORD = "another good password"


def change(client, current=factories.PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/account/change-password",
        data={"current_password": current, "password": new, "password_again": again or new},
    )


def password_of(db, user) -> str:
    return db.session.scalar(select(User.password_hash).where(User.id == user.id))


def test_changing_the_password_asks_for_the_current_one(client, login, db):
    user = login(factories.make_user())
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/change-password"' in page
    before = password_of(db, user)
    page = change(client, current="not my password").get_data(as_text=True)
    assert 'id="current_password-error"' in page and "This is not your current password." in page
    assert password_of(db, user) == before
    assert change(client).status_code == 302
    assert verify_password(password_of(db, user), NEW_PASSWORD)


def test_a_sign_in_older_than_a_few_minutes_must_confirm_first_and_comes_back(
    client, login, db, frozen_clock
):
    user = login(factories.make_user())
    frozen_clock.advance(minutes=6)
    response = client.get("/account/change-password")
    assert response.headers["Location"] == (
        "/account/confirm-identity?next=/account/change-password"
    )
    before = password_of(db, user)
    response = change(client)
    assert response.headers["Location"].startswith("/account/confirm-identity?next=")
    assert password_of(db, user) == before

    page = client.get("/account/confirm-identity?next=/account/change-password").get_data(
        as_text=True
    )
    assert 'autocomplete="current-password"' in page and 'id="code"' not in page
    page = client.post(
        "/account/confirm-identity?next=/account/change-password", data={"password": "wrong"}
    ).get_data(as_text=True)
    assert 'id="password-error"' in page
    response = client.post(
        "/account/confirm-identity?next=/account/change-password",
        data={"password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/account/change-password"
    assert change(client).status_code == 302


def test_with_a_second_factor_the_confirmation_asks_for_a_code_too(client, login, frozen_clock):
    user = login(factories.make_coordinator("DE"))
    frozen_clock.advance(minutes=10)
    url = "/account/confirm-identity?next=/account/second-factor"
    page = client.get(url).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    page = client.post(url, data={"password": factories.PASSWORD}).get_data(as_text=True)
    assert 'id="code-error"' in page
    assert client.get("/account/second-factor").status_code == 302
    response = client.post(
        url, data={"password": factories.PASSWORD, "code": factories.totp_code(user)}
    )
    assert response.headers["Location"] == "/account/second-factor"
    assert client.get("/account/second-factor").status_code == 200


def test_an_administrators_changes_to_roles_ask_again_when_the_sign_in_is_old(
    client, login, db, frozen_clock
):
    coordinator = factories.make_coordinator("DE")
    login(factories.make_user(role="admin"))
    frozen_clock.advance(minutes=6)
    back = f"http://localhost/admin/coordinators/{coordinator.id}"
    for url in (
        f"/admin/coordinators/{coordinator.id}/deactivate",
        f"/admin/coordinators/{coordinator.id}/second-factor/reset",
        f"/admin/coordinators/{coordinator.id}/sessions/end",
    ):
        response = client.post(url, headers={"Referer": back})
        assert response.status_code == 302, url
        assert response.headers["Location"] == (
            f"/account/confirm-identity?next=/admin/coordinators/{coordinator.id}"
        )
    response = client.post(f"/admin/coordinators/{coordinator.id}", data={"countries": ["FR"]})
    assert response.headers["Location"].startswith("/account/confirm-identity")
    db.session.expire_all()
    coordinator = db.session.get(User, coordinator.id)
    assert coordinator.active and coordinator.has_second_factor
    assert coordinator.country_codes == {"DE"}


def test_the_confirmation_only_returns_to_local_pages(client, login):
    login(factories.make_user())
    response = client.post(
        "/account/confirm-identity?next=https://evil.example/",
        data={"password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/account"


def test_the_mechanism_guards_any_view():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", REAUTH_MINUTES=5)

    @app.route("/account/confirm-identity", endpoint="auth.reauthenticate")
    def confirm():
        return "confirm"

    @app.route("/export", methods=["GET", "POST"])
    @require_recent_auth
    def export():
        return "data"

    with app.test_request_context("/export"):
        assert not auth_is_recent()
    response = app.test_client().get("/export")
    assert response.headers["Location"] == "/account/confirm-identity?next=/export"


def test_downloading_or_erasing_ones_data_asks_again_when_the_sign_in_is_old(
    client, login, db, frozen_clock
):
    user = login(factories.make_user())
    frozen_clock.advance(minutes=6)
    for url in ("/account/data", "/account/delete"):
        response = client.get(url)
        assert response.headers["Location"] == f"/account/confirm-identity?next={url}", url
    response = client.post(
        "/account/delete", data={"password": factories.PASSWORD, "understood": "y"}
    )
    assert response.headers["Location"].startswith("/account/confirm-identity")
    assert db.session.get(User, user.id).erased_at is None


def test_the_new_password_follows_the_password_policy(client, login, db):
    user = login(factories.make_user())
    before = password_of(db, user)
    page = change(client, new="password1234").get_data(as_text=True)
    assert 'id="password-error"' in page
    assert password_of(db, user) == before

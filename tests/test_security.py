"""Protections the test configuration switches off: CSRF tokens and rate limits really work."""

import re

from sqlalchemy import func, select

from portal.extensions import limiter
from portal.models import User
from tests import factories


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_post_without_csrf_token_is_refused_and_changes_nothing(strict_app, db):
    client = strict_app(WTF_CSRF_ENABLED=True).test_client()
    form = {
        "name": "Mallory",
        "email": "mallory@city.example.eu",
        "password": factories.PASSWORD,
        "password_again": factories.PASSWORD,
    }
    response = client.post("/account/register", data=form)
    assert response.status_code == 400
    assert "The form had expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0

    # With the token of the form the same request goes through.
    token = csrf_token(client.get("/account/register").get_data(as_text=True))
    response = client.post("/account/register", data={**form, "csrf_token": token})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_sign_out_without_csrf_token_keeps_the_user_signed_in(strict_app):
    client = strict_app(WTF_CSRF_ENABLED=True).test_client()
    user = factories.make_user()
    token = csrf_token(client.get("/account/login").get_data(as_text=True))
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.post("/account/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_sign_in_attempts_are_rate_limited(strict_app):
    client = strict_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    limiter.reset()
    user = factories.make_user()
    wrong = {"email": user.email, "password": "wrong password"}
    statuses = [client.post("/account/login", data=wrong).status_code for _ in range(20)]
    assert statuses == [200] * 20
    response = client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    # Reading the page is not limited.
    assert client.get("/account/login").status_code == 200


def test_the_suite_itself_runs_without_rate_limits(client):
    user = factories.make_user()
    wrong = {"email": user.email, "password": "wrong password"}
    assert {client.post("/account/login", data=wrong).status_code for _ in range(25)} == {200}

"""The second factor: required of coordinators and administrators, optional for city officers."""

import pyotp
import pytest
from sqlalchemy import select

from portal.extensions import limiter
from portal.models import RecoveryCode, User
from tests import factories
from tests.conftest import complete_second_factor, set_up_second_factor, sign_in
from tests.test_security import csrf_token


def password_step(client, user, **extra):
    return client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD, **extra}
    )


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_a_new_coordinator_or_administrator_sets_it_up_before_any_page_opens(client, db, role):
    user = factories.make_user(
        role=role, countries=("DE",) if role == "coordinator" else (), second_factor=False
    )
    response = password_step(client, user)
    assert response.headers["Location"] == "/account/second-factor"
    for url in ("/dashboard", "/review", "/admin/coordinators", "/account", "/members"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/account/second-factor", url

    page = client.get("/account/second-factor").get_data(as_text=True)
    assert '<svg role="img"' in page and "<title>QR code" in page
    assert 'id="secret-key"' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">' in page

    codes = set_up_second_factor(client, user)
    assert len(set(codes)) == 10
    assert client.get("/dashboard").status_code == 200

    db.session.refresh(user)
    secret = factories.TOTP_SECRETS[user.email]
    assert user.totp_secret and secret not in user.totp_secret
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(
        code.replace("-", "") in h for code in codes for h in stored
    )
    # The key is never shown again.
    assert secret[:8] not in client.get("/account").get_data(as_text=True)


def test_a_wrong_code_at_set_up_is_said_next_to_the_field_and_sets_nothing_up(client, db):
    user = factories.make_coordinator("DE", second_factor=False)
    password_step(client, user)
    client.get("/account/second-factor")
    page = client.post("/account/second-factor", data={"code": "000000"}).get_data(as_text=True)
    assert 'id="code-error"' in page and "This code is not right" in page
    db.session.refresh(user)
    assert not user.has_second_factor


def test_signing_in_is_password_then_code_and_the_waiting_state_opens_nothing(client):
    coordinator = factories.make_coordinator("DE")
    response = password_step(client, coordinator)
    assert response.headers["Location"] == "/account/login/code"
    assert client.get("/review").status_code == 302
    assert not signed_in(client)

    page = client.get("/account/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    page = client.post("/account/login/code", data={"code": "123456"}).get_data(as_text=True)
    assert 'id="code-error"' in page and "This code is not right" in page
    assert not signed_in(client)

    complete_second_factor(client, coordinator)
    assert client.get("/review").status_code == 200


def test_the_code_page_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get("/account/login/code")
    assert response.headers["Location"] == "/account/login"


def test_the_waiting_state_expires(client, frozen_clock):
    coordinator = factories.make_coordinator("DE")
    password_step(client, coordinator)
    frozen_clock.advance(minutes=6)
    code = pyotp.TOTP(factories.TOTP_SECRETS[coordinator.email]).at(frozen_clock.now)
    response = client.post("/account/login/code", data={"code": code})
    assert response.headers["Location"] == "/account/login"
    assert not signed_in(client)


def test_a_code_works_once(app, client, frozen_clock):
    coordinator = factories.make_coordinator("DE")
    frozen_clock.advance(seconds=60)
    code = pyotp.TOTP(factories.TOTP_SECRETS[coordinator.email]).at(frozen_clock.now)
    password_step(client, coordinator)
    assert client.post("/account/login/code", data={"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, coordinator)
    page = other.post("/account/login/code", data={"code": code}).get_data(as_text=True)
    assert "used already" in page
    assert not signed_in(other)


def test_a_recovery_code_signs_in_once(app, client, db):
    user = factories.make_coordinator("DE")
    codes = factories.enrol_second_factor(user)
    password_step(client, user)
    response = client.post("/account/login/code", data={"recovery_code": codes[0].upper()})
    assert response.status_code == 302 and signed_in(client)
    other = app.test_client()
    password_step(other, user)
    page = other.post("/account/login/code", data={"recovery_code": codes[0]}).get_data(
        as_text=True
    )
    assert 'id="recovery_code-error"' in page and "used already" in page
    assert "9 recovery codes left" in client.get("/account").get_data(as_text=True)


def test_wrong_codes_in_a_row_close_code_entry_for_a_while(client, db, frozen_clock):
    user = factories.make_coordinator("DE")
    password_step(client, user)
    for _ in range(5):
        client.post("/account/login/code", data={"code": "000000"})
    page = client.post("/account/login/code", data={"code": factories.totp_code(user)}).get_data(
        as_text=True
    )
    assert "Too many wrong codes" in page
    assert not signed_in(client)
    frozen_clock.advance(minutes=4)  # the password step still counts for 5 minutes
    # Even a recovery code waits.
    assert client.post("/account/login/code", data={"recovery_code": "x"}).status_code == 200
    frozen_clock.advance(minutes=12)
    password_step(client, user)
    complete_second_factor(client, user)
    assert signed_in(client)


def test_code_attempts_are_rate_limited_by_address(strict_app):
    client = strict_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    limiter.reset()
    user = factories.make_coordinator("DE")
    client.post("/account/login", data={"email": user.email, "password": factories.PASSWORD})
    statuses = [
        client.post("/account/login/code", data={"code": "000000"}).status_code for _ in range(10)
    ]
    assert statuses == [200] * 10
    assert client.post("/account/login/code", data={"code": "000000"}).status_code == 429


def test_an_empty_code_is_asked_for_next_to_the_field(client):
    password_step(client, factories.make_coordinator("DE"))
    page = client.post("/account/login/code", data={"code": ""}).get_data(as_text=True)
    assert 'id="code-error"' in page and "Enter the code from your app" in page


def test_the_code_step_keeps_its_csrf_protection(strict_app):
    client = strict_app(WTF_CSRF_ENABLED=True).test_client()
    user = factories.make_coordinator("DE")
    token = csrf_token(client.get("/account/login").get_data(as_text=True))
    client.post(
        "/account/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    response = client.post("/account/login/code", data={"code": factories.totp_code(user)})
    assert response.status_code == 400


def test_an_administrator_resets_a_coordinators_second_factor(app, client, login, db):
    coordinator = factories.make_coordinator("DE", name="Dora")
    device = app.test_client()
    sign_in(device, coordinator)
    login(factories.make_user(role="admin"))
    page = client.get(f"/admin/coordinators/{coordinator.id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    response = client.post(f"/admin/coordinators/{coordinator.id}/second-factor/reset")
    assert response.status_code == 302
    db.session.refresh(coordinator)
    assert not coordinator.has_second_factor
    assert not db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == coordinator.id)
    ).all()
    assert not signed_in(device)
    # At the next sign-in they set it up again before anything opens.
    response = password_step(device, coordinator)
    assert device.get("/review").headers["Location"] == "/account/second-factor"


def test_only_administrators_reset_a_second_factor(client, login, db):
    coordinator = factories.make_coordinator("DE")
    login(factories.make_coordinator("AT"))
    response = client.post(f"/admin/coordinators/{coordinator.id}/second-factor/reset")
    assert response.status_code == 403
    assert db.session.get(User, coordinator.id).has_second_factor


def test_a_city_officer_may_set_it_up_and_turn_it_off(app, client, login, db):
    officer = login(factories.make_user())
    page = client.get("/account").get_data(as_text=True)
    assert "Set up a second factor" in page
    codes = set_up_second_factor(client, officer)
    assert len(codes) == 10
    client.post("/account/logout")
    assert password_step(client, officer).headers["Location"] == "/account/login/code"
    complete_second_factor(client, officer)
    assert "Turn off the second factor" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/second-factor/turn-off").status_code == 302
    db.session.refresh(officer)
    assert not officer.has_second_factor
    client.post("/account/logout")
    assert password_step(client, officer).headers["Location"] == "/dashboard"


def test_coordinators_cannot_turn_it_off(client, login, db):
    coordinator = login(factories.make_coordinator("DE"))
    assert "Turn off" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/second-factor/turn-off").status_code == 403
    assert db.session.get(User, coordinator.id).has_second_factor


def test_setting_it_up_again_ends_the_other_sessions(app, client, login):
    officer = login(factories.make_user(second_factor=True))
    laptop = app.test_client()
    sign_in(laptop, officer)
    set_up_second_factor(client, officer)
    assert signed_in(client)
    assert not signed_in(laptop)


def test_new_recovery_codes_replace_the_old_ones(app, client, login, db):
    officer = login(factories.make_user())
    old = set_up_second_factor(client, officer)
    page = client.post("/account/second-factor/recovery-codes").get_data(as_text=True)
    assert "Your earlier recovery codes no longer work." in page
    client.post("/account/logout")
    password_step(client, officer)
    page = client.post("/account/login/code", data={"recovery_code": old[0]}).get_data(as_text=True)
    assert "This recovery code is not right" in page

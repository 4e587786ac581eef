"""Accounts: register, confirm, sign in and out, resend, reset and set passwords, account page."""

import flask_babel
import pytest
from sqlalchemy import func, select

from portal.auth import service
from portal.models import OutboxMail, User
from tests import factories

NEW_PASSWORD = "a much longer new password"


def register(client, email="Officer@Musterstadt.example.de", **fields):
    data = {
        "name": "Olga Officer",
        "email": email,
        "password": factories.PASSWORD,
        "password_again": factories.PASSWORD,
    }
    data.update(fields)
    return client.post("/account/register", data=data)


def user_count(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_register_confirm_and_sign_in(client, db, mailbox):
    response = register(client)
    assert response.status_code == 200
    assert "We have sent a confirmation link" in response.get_data(as_text=True)
    user = service.find_user("officer@musterstadt.example.de")
    assert user is not None and user.role == "representative" and not user.is_confirmed
    assert user.email == "officer@musterstadt.example.de"  # stored lower-case

    link = mailbox.last_link(user.email, "/account/confirm/")
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    db.session.refresh(user)
    assert user.is_confirmed

    response = client.post(
        "/account/login", data={"email": "OFFICER@musterstadt.example.de", "password": "x" * 3}
    )
    assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)
    response = client.post(
        "/account/login",
        data={"email": "OFFICER@musterstadt.example.de", "password": factories.PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Signed in as officer@musterstadt.example.de" in page
    assert "Apply for a municipality" in page
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_register_with_an_existing_address_answers_as_for_a_new_one_and_tells_the_owner(
    client, db, mailbox
):
    owner = factories.make_user(email="taken@city.example.eu", name="Tara Taken")
    taken = register(client, email="Taken@City.example.eu")
    new = register(client, email="fresh@city.example.eu")
    assert taken.status_code == new.status_code == 200
    # The same page, but for the address it names.
    assert taken.get_data(as_text=True).replace("Taken@City.example.eu", "X") == new.get_data(
        as_text=True
    ).replace("fresh@city.example.eu", "X")
    assert user_count(db) == 2
    db.session.refresh(owner)
    assert owner.name == "Tara Taken" and service.authenticate(owner.email, factories.PASSWORD)

    (mail,) = mailbox.to(owner.email)
    body = mailbox.body(mail)
    assert "someone tried to create an account" in body
    assert "/account/login" in body and "/account/password" in body
    assert "/account/confirm/" not in body


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"email": "not-an-address"}, "email", "This is not an e-mail address."),
        (
            {"password": "short", "password_again": "short"},
            "password",
            "at least 12 and at most 256",
        ),
        ({"password_again": "something else entirely"}, "password_again", "passwords differ"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_register_bad_input_is_shown_next_to_the_field(client, db, fields, field_id, message):
    response = register(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field_id}-error"' in page
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_count(db) == 0
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


def test_confirmation_link_that_is_forged_or_expired_is_refused(client, app, db, mailbox):
    register(client)
    user = service.find_user("officer@musterstadt.example.de")
    link = mailbox.last_link(user.email, "/account/confirm/")

    response = client.get(link[:-3] + "xyz", follow_redirects=True)
    assert "This confirmation link is invalid or has expired" in response.get_data(as_text=True)

    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(link)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3 * 24 * 3600
    assert response.headers["Location"] == "/account/confirm"
    db.session.refresh(user)
    assert not user.is_confirmed


def test_resend_confirmation_mails_only_unconfirmed_accounts_and_says_the_same(client, mailbox):
    unconfirmed = factories.make_user(confirmed=False)
    confirmed = factories.make_user()
    for email in (unconfirmed.email, confirmed.email, "nobody@nowhere.example.eu"):
        response = client.post("/account/confirm", data={"email": email})
        assert response.status_code == 200
        assert f"We have sent a confirmation link to {email}" in response.get_data(as_text=True)
    assert [m["To"] for m in mailbox.messages] == [unconfirmed.email]
    client.get(mailbox.last_link(unconfirmed.email, "/account/confirm/"))
    assert service.find_user(unconfirmed.email).is_confirmed


def test_unconfirmed_user_may_sign_in_but_is_reminded_and_cannot_apply(client, db):
    user = factories.make_user(confirmed=False)
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": factories.PASSWORD},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Please confirm your e-mail address" in page
    assert "Apply for a municipality" not in page


def test_unknown_address_and_wrong_password_get_the_same_answer(client):
    user = factories.make_user()
    wrong_password = client.post(
        "/account/login", data={"email": user.email, "password": "not the password"}
    )
    unknown = client.post(
        "/account/login", data={"email": "ghost@city.example.eu", "password": "not the password"}
    )
    for response in (wrong_password, unknown):
        assert response.status_code == 200
        assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_empty_sign_in_form_shows_errors(client):
    page = client.post("/account/login", data={}).get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page


def test_deactivated_account_cannot_sign_in(client):
    user = factories.make_user(active=False)
    response = client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 403
    assert "This account is deactivated" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    # Without the right password nobody learns the account is deactivated.
    response = client.post("/account/login", data={"email": user.email, "password": "guessing!!"})
    assert "deactivated" not in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, db, login):
    user = login(factories.make_user())
    assert client.get("/dashboard").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_sign_out_needs_post(client, login):
    login(factories.make_user())
    assert client.get("/account/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200
    response = client.post("/account/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/dashboard").status_code == 302


def test_pages_for_signed_in_users_send_visitors_to_sign_in_and_back(client):
    user = factories.make_user()
    response = client.get("/account")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/account/login?next=")
    response = client.post(login_url, data={"email": user.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\r\nLocation: https://evil.example",
        "",
    ],
)
def test_sign_in_redirects_only_to_local_paths(client, target):
    user = factories.make_user()
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": user.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_sign_in_follows_a_local_next(client):
    user = factories.make_user()
    response = client.post(
        "/account/login?next=/members%3Fpage%3D2",
        data={"email": user.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/members?page=2"


def test_forgotten_password_reset_and_old_link_dies(client, db, mailbox):
    user = factories.make_user()
    response = client.post("/account/password", data={"email": user.email.upper()})
    assert "we have sent it a link to choose a new password" in response.get_data(as_text=True)
    link = mailbox.last_link(user.email, "/account/password/")

    page = client.get(link).get_data(as_text=True)
    assert f"For the account {user.email}." in page
    response = client.post(link, data={"password": "short", "password_again": "short"})
    assert 'id="password-error"' in response.get_data(as_text=True)

    response = client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"

    response = client.post(
        "/account/login", data={"email": user.email, "password": factories.PASSWORD}
    )
    assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)
    response = client.post("/account/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302

    # The link was used: it no longer works, neither to show the form nor to set a password.
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    client.post(link, data={"password": "third password!!", "password_again": "third password!!"})
    assert service.authenticate(user.email, NEW_PASSWORD) is not None


def test_forgotten_password_for_unknown_or_deactivated_account_sends_nothing(client, mailbox):
    deactivated = factories.make_user(active=False)
    for email in ("ghost@city.example.eu", deactivated.email):
        response = client.post("/account/password", data={"email": email})
        assert response.status_code == 200
        assert "If an account exists for" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_reset_link_expires_but_an_invitation_lives_longer(app, client, mailbox):
    user = factories.make_user()
    client.post("/account/password", data={"email": user.email})
    reset_link = mailbox.last_link(user.email, "/account/password/")
    invited = factories.make_user(role="coordinator", countries=("AT",), password=None)
    with app.test_request_context():
        setup_link = service.make_setup_link(invited)
    setup_path = "/" + setup_link.split("/", 3)[3]

    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert client.get(reset_link).status_code == 302
        assert client.get(setup_path).status_code == 200
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 2 * 3600


def test_reset_link_for_a_deactivated_account_no_longer_works(client, db, mailbox):
    user = factories.make_user()
    client.post("/account/password", data={"email": user.email})
    link = mailbox.last_link(user.email, "/account/password/")
    user.active = False
    db.session.commit()
    assert client.get(link).status_code == 302


def test_setting_a_password_confirms_the_address(client, db, mailbox):
    user = factories.make_user(confirmed=False)
    client.post("/account/password", data={"email": user.email})
    link = mailbox.last_link(user.email, "/account/password/")
    client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    db.session.refresh(user)
    assert user.is_confirmed


def test_account_page_changes_name_and_language(client, db, login):
    user = login(factories.make_user(name="Old Name"))
    page = client.get("/account").get_data(as_text=True)
    assert user.email in page and 'value="Old Name"' in page and "City representative" in page

    response = client.post("/account", data={"name": "  New Name ", "locale": "de"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("New Name", "de")
    # The suite's app context outlives requests, and Flask-Babel caches the locale in it.
    flask_babel.refresh()
    assert '<html lang="de">' in client.get("/account").get_data(as_text=True)


def test_account_page_refuses_bad_input(client, db, login):
    user = login(factories.make_user(name="Kept Name"))
    page = client.post("/account", data={"name": "", "locale": "xx"}).get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="locale-error"' in page
    db.session.refresh(user)
    assert user.name == "Kept Name" and user.locale is None


def test_coordinator_sees_their_countries_on_the_account_page(client, login):
    login(factories.make_coordinator("PL", "AT"))
    page = client.get("/account").get_data(as_text=True)
    assert "Austria, Poland" in page and "Coordinator" in page


def test_register_while_signed_in_goes_to_the_dashboard(client, login):
    login(factories.make_user())
    assert client.get("/account/register").headers["Location"] == "/dashboard"
    assert client.get("/account/login").headers["Location"] == "/dashboard"

"""Changing one's e-mail address: a link to the new address, the old one told, the change made
only when the link is opened by the person signed in; asked again when the sign-in is old."""

from sqlalchemy import select

from portal.extensions import db as _db
from portal.models import AuditEntry, SignIn, User
from tests import factories
from tests.conftest import sign_in

NEW = "anna.new@bonn.example.eu"


def ask(client, email=NEW):
    return client.post("/account/email", data={"email": email})


def user_row(user) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def test_the_change_happens_when_the_link_to_the_new_address_is_opened(client, login, mailbox):
    user = login(factories.make_user(name="Anna", email="anna@bonn.example.eu"))
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/email"' in page
    response = ask(client, email="  Anna.New@Bonn.example.EU ")
    assert response.status_code == 302
    assert user_row(user).email == "anna@bonn.example.eu"  # nothing changes yet
    told = mailbox.to("anna@bonn.example.eu")
    assert len(told) == 1 and NEW in mailbox.body(told[0])
    link = mailbox.last_link(NEW, "/account/email/")

    page = client.get(link)
    assert page.status_code == 200 and f"Use {NEW}" in page.get_data(as_text=True)
    assert user_row(user).email == "anna@bonn.example.eu"  # a GET changes nothing
    done = client.post(link, follow_redirects=True)
    assert f"Your e-mail address is now {NEW}." in done.get_data(as_text=True)
    assert user_row(user).email == NEW and user_row(user).email_confirmed_at is not None
    assert len(mailbox.to("anna@bonn.example.eu")) == 2  # and told it is done
    assert [e.action for e in _db.session.scalars(select(AuditEntry))][-2:] == [
        "auth.email_change_requested",
        "auth.email_changed",
    ]
    # The link works once: the account's address is no longer the one it was made for.
    assert client.get(link).status_code == 410
    client.post("/account/logout")
    assert sign_in(client, user_row(user)).status_code == 302  # with the new address


def test_another_accounts_address_is_never_revealed(client, login, mailbox):
    other = factories.make_user(email="taken@bonn.example.eu")
    login(factories.make_user(email="anna@bonn.example.eu"))
    free = ask(client, email="free@bonn.example.eu")
    taken = ask(client, email=other.email)
    assert taken.status_code == free.status_code == 302
    assert taken.headers["Location"] == free.headers["Location"]
    # The owner is told; no link goes to their address.
    body = mailbox.body(mailbox.to(other.email)[-1])
    assert "/account/email/" not in body and "nothing was changed" in body


def test_bad_addresses_get_a_message_next_to_the_field(client, login):
    user = login(factories.make_user(email="anna@bonn.example.eu"))
    for value, message in (
        ("not an address", "This is not an e-mail address."),
        ("anna@bonn.example.eu", "This is your address already."),
        ("anna\x00@bonn.example.eu", "control characters"),
    ):
        response = ask(client, email=value)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="email-error"' in html and message in html, value
    assert user_row(user).email == "anna@bonn.example.eu"


def test_a_link_is_for_its_own_account_only(client, login, mailbox):
    login(factories.make_user(email="anna@bonn.example.eu"))
    ask(client)
    link = mailbox.last_link(NEW, "/account/email/")
    client.post("/account/logout")
    intruder = login(factories.make_user(email="intruder@bonn.example.eu"))
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410
    assert user_row(intruder).email == "intruder@bonn.example.eu"
    assert _db.session.scalar(select(User).where(User.email == NEW)) is None


def test_signed_out_the_link_asks_to_sign_in_first(client, login, mailbox):
    login(factories.make_user(email="anna@bonn.example.eu"))
    ask(client)
    link = mailbox.last_link(NEW, "/account/email/")
    client.post("/account/logout")
    response = client.get(link)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_an_address_taken_in_the_meantime_is_refused(client, login, mailbox):
    user = login(factories.make_user(email="anna@bonn.example.eu"))
    ask(client)
    link = mailbox.last_link(NEW, "/account/email/")
    factories.make_user(email=NEW)
    response = client.post(link, follow_redirects=True)
    assert "belongs to another account" in response.get_data(as_text=True)
    assert user_row(user).email == "anna@bonn.example.eu"


def test_the_change_ends_the_other_sessions(app, client, login, mailbox):
    user = factories.make_user(email="anna@bonn.example.eu")
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    login(user)
    ask(client)
    client.post(mailbox.last_link(NEW, "/account/email/"))
    assert elsewhere.get("/account").status_code == 302  # signed out
    assert client.get("/account").status_code == 200  # this one stays
    _db.session.expire_all()
    open_sessions = _db.session.scalars(select(SignIn).where(SignIn.ended_at.is_(None))).all()
    assert len(open_sessions) == 1


def test_an_old_sign_in_confirms_the_password_first(client, login, frozen_clock):
    user = login(factories.make_user(email="anna@bonn.example.eu"))
    frozen_clock.advance(minutes=6)
    response = client.get("/account/email")
    assert response.headers["Location"] == "/account/confirm-identity?next=/account/email"
    assert ask(client).headers["Location"].startswith("/account/confirm-identity")
    assert user_row(user).email == "anna@bonn.example.eu"

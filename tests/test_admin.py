"""Administrators manage coordinators: list, invite, change countries, deactivate, reactivate."""

import re

import pytest
from flask import g, request_started
from sqlalchemy import func, select

from portal.admin import service
from portal.auth.service import find_user
from portal.models import OutboxMail, User
from tests import factories
from tests.conftest import set_up_second_factor, sign_in
from tests.factories import form_token

NEW_PASSWORD = "coordinator password 1"


@pytest.fixture
def admin(login):
    return login(factories.make_user(role="admin", name="Ada Admin"))


def invite(client, **fields):
    data = {
        "email": "Nadia@Interior.example.at",
        "name": "Nadia Novak",
        "countries": ["AT", "SI"],
        "form_token": form_token(),
    }
    data.update(fields)
    return client.post("/admin/coordinators/invite", data={**data, "form_token": form_token()})


def test_list_shows_coordinators_with_countries_status_and_last_sign_in(client, admin, db):
    active = factories.make_coordinator("DE", "AT", name="Dora Deutsch")
    factories.make_coordinator("PL", name="Piotr Polak", active=False)
    factories.make_user(role="coordinator", countries=("FR",), password=None, name="Fleur")
    client.post("/account/logout")
    sign_in(client, active)
    client.post("/account/logout")
    sign_in(client, admin)

    response = client.get("/admin/coordinators")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<caption id="coordinators-caption">3 coordinators</caption>' in page
    row = page[page.index(f'id="coordinator-{active.id}"') :].split("</tr>")[0]
    assert "Dora Deutsch" in row and active.email in row and "Austria, Germany" in row
    assert "Active" in row and "never" not in row
    assert "Deactivated" in page and "Invitation sent" in page and "never" in page
    # The representative is not a coordinator and is not listed.
    assert "Ada Admin" not in page.split("<table")[1]
    uncovered = page.split('class="uncovered-countries">')[1].split("</p>")[0]
    assert "Poland" in uncovered and "France" not in uncovered and "Germany" not in uncovered


@pytest.mark.parametrize("role", ["representative", "coordinator"])
def test_everyone_but_administrators_is_refused(client, login, role):
    login(factories.make_user(role=role, countries=("DE",) if role == "coordinator" else ()))
    coordinator = factories.make_coordinator("AT")
    for url in (
        "/admin/coordinators",
        "/admin/coordinators/invite",
        f"/admin/coordinators/{coordinator.id}",
    ):
        assert client.get(url).status_code == 403
    assert invite(client).status_code == 403
    assert client.post(f"/admin/coordinators/{coordinator.id}/deactivate").status_code == 403
    assert find_user("nadia@interior.example.at") is None
    assert find_user(coordinator.email).active


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/coordinators")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_invite_creates_a_coordinator_without_password_and_mails_a_set_up_link(
    client, admin, db, mailbox
):
    page = client.get("/admin/coordinators/invite").get_data(as_text=True)
    assert 'type="checkbox"' in page and "Slovenia" in page and "<legend>Countries" in page

    response = invite(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/coordinators"
    user = find_user("nadia@interior.example.at")
    assert user.role == "coordinator" and user.country_codes == {"AT", "SI"}
    assert user.password_hash is None and user.active and user.name == "Nadia Novak"

    [mail] = mailbox.to("nadia@interior.example.at")
    body = mailbox.body(mail)
    assert "Ada Admin has invited you" in body and "Austria, Slovenia" in body
    assert "within 14 days" in body

    # The invited coordinator cannot sign in before choosing a password.
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": ""})
    assert client.get("/dashboard").status_code == 302

    link = mailbox.last_link(user.email, "/account/password/")
    assert client.get(link).status_code == 200
    client.post(link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    response = client.post("/account/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    set_up_second_factor(client, user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You answer for: Austria, Slovenia." in page
    # The link is single-use.
    assert client.get(link).status_code == 302
    db.session.refresh(user)
    assert user.is_confirmed


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"email": "not an address"}, "email", "This is not an e-mail address."),
        ({"email": ""}, "email", "This field is required."),
        ({"countries": []}, "countries", "Choose at least one country."),
        ({"countries": ["AT", "CH"]}, "countries", "not a valid choice"),
    ],
)
def test_invite_bad_input_is_shown_next_to_the_field(client, admin, db, fields, field_id, message):
    response = invite(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field_id}-error"' in page and message in page
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "coordinator")) == 0
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


def test_invite_an_existing_account_is_refused(client, admin, db, mailbox):
    factories.make_user(email="nadia@interior.example.at")
    page = invite(client).get_data(as_text=True)
    assert 'id="email-error"' in page and "exists already" in page
    assert find_user("nadia@interior.example.at").role == "representative"
    assert mailbox.messages == []


def test_edit_countries(client, admin, db):
    coordinator = factories.make_coordinator("DE", "AT")
    page = client.get(f"/admin/coordinators/{coordinator.id}").get_data(as_text=True)
    checked = set(re.findall(r'<input checked [^>]*value="([A-Z]{2})"', page))
    assert checked == {"DE", "AT"}

    response = client.post(f"/admin/coordinators/{coordinator.id}", data={"countries": []})
    assert 'id="countries-error"' in response.get_data(as_text=True)
    db.session.refresh(coordinator)
    assert coordinator.country_codes == {"DE", "AT"}

    response = client.post(
        f"/admin/coordinators/{coordinator.id}", data={"countries": ["AT", "PL", "CZ"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert find_user(coordinator.email).country_codes == {"AT", "PL", "CZ"}


def test_only_coordinators_can_be_edited_here(client, admin):
    representative = factories.make_user()
    assert client.get(f"/admin/coordinators/{representative.id}").status_code == 404
    assert client.post(f"/admin/coordinators/{representative.id}/deactivate").status_code == 404
    assert client.post(f"/admin/coordinators/{admin.id}/deactivate").status_code == 404
    assert client.get("/admin/coordinators/999999").status_code == 404
    assert find_user(representative.email).active


@pytest.fixture
def own_request_state(app):
    """Each request forgets the signed-in user of the one before, as in a real server.

    The suite keeps one app context open for a whole test, and Flask-Login remembers the user
    in `g`, which lives in that context; with two clients, one would act as the other.
    """

    def forget(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@pytest.mark.usefixtures("own_request_state")
def test_deactivate_and_reactivate(app, client, admin, db):
    coordinator = factories.make_coordinator("DE")
    other = app.test_client()
    response = other.post(
        "/account/login", data={"email": coordinator.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302

    response = client.post(f"/admin/coordinators/{coordinator.id}/deactivate")
    assert response.status_code == 302
    db.session.expire_all()
    assert not find_user(coordinator.email).active
    page = client.get("/admin/coordinators").get_data(as_text=True)
    assert "is deactivated and can no longer sign in" in page
    assert f'/admin/coordinators/{coordinator.id}/reactivate"' in page
    assert "Germany" in page.split('class="uncovered-countries">')[1].split("</p>")[0]

    # Signed out at the next request, and refused at sign-in.
    assert other.get("/dashboard").status_code == 302
    response = other.post(
        "/account/login", data={"email": coordinator.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 403

    client.post(f"/admin/coordinators/{coordinator.id}/reactivate")
    db.session.expire_all()
    assert find_user(coordinator.email).active
    response = other.post(
        "/account/login", data={"email": coordinator.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def test_deactivate_needs_post(client, admin):
    coordinator = factories.make_coordinator("DE")
    assert client.get(f"/admin/coordinators/{coordinator.id}/deactivate").status_code == 405
    assert find_user(coordinator.email).active


def test_resend_invitation_only_while_no_password_is_chosen(client, admin, mailbox):
    invited = factories.make_user(role="coordinator", countries=("FR",), password=None)
    response = client.post(f"/admin/coordinators/{invited.id}/invitation", follow_redirects=True)
    assert "A new invitation is on its way" in response.get_data(as_text=True)
    assert len(mailbox.to(invited.email)) == 1

    settled = factories.make_coordinator("IT")
    response = client.post(f"/admin/coordinators/{settled.id}/invitation", follow_redirects=True)
    assert "already chosen a password" in response.get_data(as_text=True)
    assert mailbox.to(settled.email) == []


def test_services_check_the_permission_themselves(app, db):
    coordinator = factories.make_coordinator("DE")
    representative = factories.make_user()
    with app.test_request_context():
        for call in (
            lambda: service.list_coordinators(coordinator),
            lambda: service.invite_coordinator(representative, "x@y.example.eu", "", ["DE"]),
            lambda: service.set_coordinator_countries(coordinator, coordinator, ["FR"]),
            lambda: service.set_coordinator_active(coordinator, coordinator, False),
        ):
            with pytest.raises(Exception) as info:
                call()
            assert getattr(info.value, "code", None) == 403
    db.session.expire_all()
    assert find_user(coordinator.email).active
    assert find_user(coordinator.email).country_codes == {"DE"}
    assert find_user("x@y.example.eu") is None


def test_service_refuses_unknown_countries(app, db):
    admin_user = factories.make_user(role="admin")
    with app.test_request_context():
        with pytest.raises(service.AdminError, match="Choose countries from the list"):
            service.invite_coordinator(admin_user, "x@y.example.eu", "", ["XX"])
        with pytest.raises(service.AdminError, match="not an e-mail address"):
            service.invite_coordinator(admin_user, "x@", "", ["DE"])
    assert find_user("x@y.example.eu") is None

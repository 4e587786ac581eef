"""The help page, each country's helpdesk address set by its coordinators, and the way to the
helpdesk from every form."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, CountryHelpdesk
from tests.factories import make_coordinator, make_member, make_user


def _helpdesk(country, email, website=""):
    row = CountryHelpdesk(country=country, email=email, website=website)
    db.session.add(row)
    db.session.commit()
    return row


def _stored(country):
    db.session.expire_all()
    return db.session.get(CountryHelpdesk, country)


def _audit(action="helpdesk.updated"):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def _save(client, country, email, website="", prefix=None, **extra):
    prefix = prefix or country.lower()
    data = {f"{prefix}-email": email, f"{prefix}-website": website, **extra}
    return client.post(f"/review/helpdesk/{country}", data=data)


# --- the public page -----------------------------------------------------------------------------


def test_help_page_names_the_covenants_and_each_countrys_helpdesk(app, client):
    make_coordinator("DE", name="Clara Coordinator", email="clara.coordinator@land.example.eu")
    _helpdesk("DE", "helpdesk@covenant-de.example.eu", "https://covenant-de.example.eu/help")
    _helpdesk("FR", "contact@covenant-fr.example.eu")

    response = client.get("/help")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="mailto:{app.config["HELPDESK_EMAIL"]}"' in page
    assert 'href="mailto:helpdesk@covenant-de.example.eu"' in page
    assert 'href="https://covenant-de.example.eu/help"' in page
    assert 'href="mailto:contact@covenant-fr.example.eu"' in page
    rows = re.findall(r'<li id="country-(\w\w)">', page)
    assert rows == ["FR", "DE"]  # by name in English: France, Germany
    without = page[page.index('id="without-helpdesk"') :]
    assert "Austria" in without and "Sweden" in without and "Germany" not in without
    assert app.config["HELPDESK_EMAIL"] in without
    # What to ask whom.
    for topic in ("Joining the covenant", "Deadlines", "Extensions", "Your account", "Your data"):
        assert topic in page
    # No person: neither the coordinator's name nor their address.
    assert "Clara" not in page and "clara.coordinator" not in page


def test_help_page_without_any_country_address_sends_everyone_to_the_covenant(client):
    page = client.get("/help").get_data(as_text=True)
    assert 'id="country-' not in page
    assert "Countries without a helpdesk yet" in page and "Luxembourg" in page


def test_every_page_links_to_help_in_its_footer(client):
    for url in ("/", "/about", "/account/login"):
        footer = client.get(url).get_data(as_text=True).split('class="site-footer"')[1]
        assert 'href="/help"' in footer, url


# --- the way to the helpdesk from the forms ------------------------------------------------------


HELP_LINK = 'href="/help" target="_blank"'


def test_forms_that_change_something_link_to_the_helpdesk(client, login):
    for url in ("/account/login", "/account/register", "/account/password"):
        assert HELP_LINK in client.get(url).get_data(as_text=True), url
    login(make_user())
    for url in ("/apply", "/account", "/account/change-password"):
        assert HELP_LINK in client.get(url).get_data(as_text=True), url


def test_the_review_panels_link_to_the_helpdesk_beside_their_button(client, login):
    login(make_coordinator("DE"))
    member = make_member(status="submitted")
    page = client.get(f"/review/{member.id}/decide").get_data(as_text=True)
    panel = page[page.index('id="decision-panel-title"') :]
    assert panel.index("Send the decision") < panel.index(HELP_LINK)


def test_a_get_filter_has_no_help_link(client, login):
    login(make_coordinator("DE"))
    assert HELP_LINK not in client.get("/review/members").get_data(as_text=True)
    assert HELP_LINK not in client.get("/members").get_data(as_text=True)


# --- the coordinators' form ----------------------------------------------------------------------


def test_coordinator_sees_a_form_for_each_of_their_countries(client, login):
    login(make_coordinator("DE", "AT"))
    _helpdesk("AT", "hilfe@covenant-at.example.eu")

    response = client.get("/review/helpdesk")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'<section class="review-panel" id="helpdesk-(\w\w)"', page) == ["AT", "DE"]
    assert 'value="hilfe@covenant-at.example.eu"' in page
    assert 'id="de-email"' in page and 'id="at-website"' in page
    assert 'aria-current="page">Help address' in page


def test_coordinator_saves_the_address_and_it_is_audited(client, login):
    coordinator = login(make_coordinator("DE"))

    response = _save(client, "DE", "helpdesk@covenant-de.example.eu", "https://de.example.eu")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/helpdesk#helpdesk-DE")
    row = _stored("DE")
    assert (row.email, row.website) == ("helpdesk@covenant-de.example.eu", "https://de.example.eu")
    assert row.updated_by_id == coordinator.id
    [entry] = _audit()
    assert entry.actor_id == coordinator.id and entry.country == "DE"
    assert entry.details == {"changed": ["email", "website"]}
    assert "covenant-de" not in str(entry.details) and not entry.target_label
    assert "helpdesk@covenant-de.example.eu" in client.get("/help").get_data(as_text=True)

    # Saved again unchanged: nothing to audit; the website alone changed: that alone.
    assert _save(client, "DE", "helpdesk@covenant-de.example.eu", "https://de.example.eu")
    assert len(_audit()) == 1
    _save(client, "DE", "helpdesk@covenant-de.example.eu")
    assert _stored("DE").website == ""
    assert _audit()[-1].details == {"changed": ["website"]}


@pytest.mark.parametrize(
    "email, website, field, message",
    [
        ("not an address", "", "de-email", "This is not an e-mail address."),
        ("", "", "de-email", "Enter the helpdesk"),
        ("helpdesk@covenant-de.example.eu", "http://de.example.eu", "de-website", "https://"),
        ("helpdesk@covenant-de.example.eu", "https://user@de.example.eu", "de-website", "https://"),
    ],
)
def test_a_bad_address_is_said_next_to_its_field_and_changes_nothing(
    client, login, email, website, field, message
):
    login(make_coordinator("DE"))
    _helpdesk("DE", "old@covenant-de.example.eu")

    response = _save(client, "DE", email, website)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in page
    assert _stored("DE").email == "old@covenant-de.example.eu"
    assert _audit() == []


def test_another_countrys_coordinator_cannot_set_it(client, login):
    login(make_coordinator("FR"))
    assert _save(client, "DE", "helpdesk@covenant-de.example.eu").status_code == 404
    assert _save(client, "XX", "helpdesk@x.example.eu").status_code == 404
    assert _stored("DE") is None and _audit() == []
    page = client.get("/review/helpdesk").get_data(as_text=True)
    assert 'id="helpdesk-FR"' in page and 'id="helpdesk-DE"' not in page


def test_representatives_and_visitors_have_no_helpdesk_form(client, login):
    assert client.get("/review/helpdesk").status_code == 302  # sign in first
    assert _save(client, "DE", "helpdesk@covenant-de.example.eu").status_code == 302
    login(make_user())
    assert client.get("/review/helpdesk").status_code == 403
    assert _save(client, "DE", "helpdesk@covenant-de.example.eu").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CountryHelpdesk)) == 0


def test_an_administrator_sets_any_country(client, login):
    login(make_user(role="admin"))
    page = client.get("/review/helpdesk").get_data(as_text=True)
    assert len(re.findall(r'id="helpdesk-\w\w"', page)) == 27
    assert _save(client, "MT", "helpdesk@covenant-mt.example.eu").status_code == 302
    assert _stored("MT").email == "helpdesk@covenant-mt.example.eu"


def test_the_helpdesk_form_needs_its_csrf_token(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login(make_coordinator("DE"))

    assert _save(client, "DE", "helpdesk@covenant-de.example.eu").status_code == 400
    assert _stored("DE") is None

    page = client.get("/review/helpdesk").get_data(as_text=True)
    token = re.search(r'name="de-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = _save(client, "DE", "helpdesk@covenant-de.example.eu", **{"de-csrf_token": token})
    assert response.status_code == 302
    assert _stored("DE").email == "helpdesk@covenant-de.example.eu"

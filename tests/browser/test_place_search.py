"""The place chooser of the application form, by keyboard, as only a browser shows it."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member
from portal.models.members import SUBMITTED
from tests import factories

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def test_choose_a_place_by_keyboard_then_submit(page):
    user = factories.make_user()
    sign_in(page, user)
    page.goto("/apply")
    name = page.get_by_role("combobox", name="Official name of the municipality")
    assert name.get_attribute("aria-expanded") == "false"
    name.focus()
    page.keyboard.type("lodz")
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    status = page.locator("#name-places-status")
    assert status.get_attribute("aria-live") == "polite"
    page.wait_for_function("() => document.getElementById('name-places-status').textContent !== ''")
    assert "places found" in status.inner_text()
    assert name.get_attribute("aria-expanded") == "true"

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = listbox.get_by_role("option").first
    assert name.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses; does not send the form

    assert page.url.endswith("/apply")
    assert name.get_attribute("aria-expanded") == "false"
    assert name.input_value() == "Łódź"
    assert page.locator("#country").input_value() == "PL"
    assert page.locator("#region").input_value() == "Łódzkie"
    assert int(page.locator("#population").input_value()) > 500_000
    assert page.locator("#latitude").input_value().startswith("51.7")
    assert page.locator("#geonames_id").input_value() == "3093133"
    assert "Filled in: Łódź" in status.inner_text()

    # Escape closes a list without choosing.
    name.fill("")
    page.keyboard.type("Pozna")
    listbox.wait_for()
    page.keyboard.press("Escape")
    assert listbox.is_hidden() and name.get_attribute("aria-expanded") == "false"
    assert page.locator("#geonames_id").input_value() == ""  # typed over: no longer chosen
    name.fill("")
    page.keyboard.type("lodz")
    listbox.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    page.get_by_label("Website").fill("https://uml.lodz.example.eu")
    page.get_by_label("Name of the mayor").fill("Hanna Zdanowska")
    page.get_by_label("Date of the council decision").fill("2025-03-08")
    page.get_by_label("Signed council decision (PDF)").set_input_files(
        {"name": "uchwala.pdf", "mimeType": "application/pdf", "buffer": factories.pdf_bytes()}
    )
    page.locator("#contact_name").fill("Piotr Nowak")
    page.locator("#contact_email").fill("piotr.nowak@uml.lodz.example.eu")
    page.locator("#contact_phone").fill("+48 42 638 40 00")
    page.get_by_label("On behalf of the municipality", exact=False).check()
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("is submitted for review").wait_for()

    db.session.expire_all()
    member = db.session.scalars(select(Member)).one()
    assert (member.name, member.country, member.status) == ("Łódź", "PL", SUBMITTED)
    assert member.geonames_id == 3093133 and member.region == "Łódzkie"

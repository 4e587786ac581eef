"""Journeys only a browser shows: a city officer joins by keyboard and by mailed link."""

import pytest

from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "a browser-typed password"

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName, id: el.id, text: el.textContent.trim(),
        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
        onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
            && box.right <= innerWidth && box.bottom <= innerHeight,
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def test_skip_link_comes_first_is_visible_and_moves_focus_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert (skip["tag"], skip["text"]) == ("A", "Skip to content")
    assert skip["onScreen"], "the skip link must be shown when it has focus"
    assert skip["outline"] == "solid" and skip["outlineWidth"] >= 2
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "content"
    # The next Tab continues inside the page's content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_officer_registers_confirms_by_mail_and_signs_in_by_keyboard(page, live_server, mailbox):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Join as a city").click()
    page.get_by_label("Your name").fill("Olga Officer")
    page.get_by_label("Work e-mail address").fill("olga.officer@musterstadt.example.de")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    link = mailbox.last_link("olga.officer@musterstadt.example.de", "/account/confirm/")
    page.goto(link)
    assert "/account/login" in page.url
    assert "your e-mail address is confirmed" in page.locator(".flash").inner_text()

    # Sign in with the keyboard only: every field reached by Tab shows where the focus is.
    email = page.get_by_label("E-mail address")
    email.focus()
    page.keyboard.type("olga.officer@musterstadt.example.de")
    page.keyboard.press("Tab")
    field = focused(page)
    assert field["id"] == "password"
    assert field["outline"] == "solid" and field["outlineWidth"] >= 2
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.url == f"{live_server.url}/dashboard"
    assert "Signed in as olga.officer@musterstadt.example.de" in page.content()
    assert page.get_by_role("link", name="Apply for a municipality").is_visible()


def test_wrong_password_error_is_announced_and_tied_to_the_field(page):
    user = factories.make_user()
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert "The e-mail address or the password is wrong." in summary.inner_text()
    password = page.get_by_label("Password")
    assert password.get_attribute("aria-invalid") == "true"
    described = password.get_attribute("aria-describedby")
    assert "wrong" in page.locator(f"#{described}").inner_text()

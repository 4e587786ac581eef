"""A new coordinator, invited by mail, sets up the second factor and approves an application.

CSRF protection is on, as in production. The authenticator app is played by pyotp, reading
the key the set-up page shows as text (the same key the QR code carries).
"""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from portal.core import clock
from portal.models.members import SUBMITTED
from tests import factories
from tests.browser.conftest import sign_in_with_code

pytestmark = pytest.mark.browser

PASSWORD = "a coordinator's long password"


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def app_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock.now_utc())


def test_a_new_coordinator_sets_up_the_second_factor_and_approves(page, mailbox, tmp_path):
    admin = factories.make_user(role="admin", name="Ada Admin")
    member = factories.make_member(name="Linz", country="AT", status=SUBMITTED)
    factories.make_council_decision(member)

    # The administrator invites the coordinator (signing in with password and code).
    sign_in_with_code(page, admin)
    page.goto("/admin/coordinators/invite")
    page.get_by_label("E-mail address").fill("clara@interior.example.at")
    page.get_by_label("Name").fill("Clara Coordinator")
    page.get_by_label("Austria").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".flash")).to_contain_text("is invited")
    page.get_by_role("button", name="Sign out").click()

    # The coordinator chooses a password from the mailed link and signs in.
    page.goto(mailbox.last_link("clara@interior.example.at", "/account/password/"))
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.locator("main").get_by_role("button").click()
    page.wait_for_url("**/account/login")
    page.fill("#email", "clara@interior.example.at")
    page.fill("#password", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()

    # Before any page of the role opens: the second factor's set-up.
    page.wait_for_url("**/account/second-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up the second factor")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.goto("/review")
    page.wait_for_url("**/account/second-factor")
    page.screenshot(path=str(tmp_path / "setup-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "setup-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    code = page.get_by_label("Code from your authenticator app")
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("inputmode") == "numeric"
    code.fill("000000")
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.locator("#code-error")).to_contain_text("This code is not right")
    expect(code).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Code from your authenticator app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on the second factor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.screenshot(path=str(tmp_path / "codes-1280.png"), full_page=True)
    page.get_by_role("link", name="I have kept my codes, continue").click()

    # The review queue opens now; the coordinator approves the application.
    page.goto("/review")
    page.get_by_role("link", name="Linz").click()
    page.get_by_label(re.compile("^Approve")).check()
    page.get_by_role("button", name="Send the decision").click()
    expect(page.locator("main")).to_contain_text("Active member")

    # The account page lists this session.
    page.goto("/account")
    expect(page.locator("#sessions")).to_be_visible()
    expect(page.locator("table.sessions")).to_contain_text("This session")
    expect(page.locator("table.sessions")).to_contain_text("Chrom")
    page.screenshot(path=str(tmp_path / "account-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "account-390.png"), full_page=True)

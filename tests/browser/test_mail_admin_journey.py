"""An administrator finds a mail the portal gave up on, sends it again from the Mail page with
the keyboard, and the mail goes out. At 320 pixels the page needs no sideways scrolling.

CSRF protection is on, as in production. SCREENSHOTS=folder keeps pictures of the page.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import JobRun, OutboxMail
from tests import factories
from tests.browser.conftest import sign_in_with_code

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_administrator_sends_a_given_up_mail_again(page, mailbox):
    admin = factories.make_user(role="admin", name="Ada Admin")
    now = datetime.now(UTC)
    db.session.add_all(
        [
            OutboxMail(
                recipient="mayor@gemeinde-hallstatt.example.at",
                subject="Your application to the covenant was approved",
                body="Hello",
                attempts=10,
                failed_at=now,
                last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
            ),
            JobRun(
                job="reminders",
                day=now.date(),
                worker="app-1:4242",
                started_at=now,
                finished_at=now,
                outcome="12 reminder(s) for 9 member(s)",
            ),
        ]
    )
    db.session.commit()

    sign_in_with_code(page, admin)

    page.get_by_role("navigation").get_by_role("link", name="Mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail and daily jobs")
    row = page.get_by_role("row").filter(has_text="mayor@gemeinde-hallstatt.example.at")
    expect(row).to_contain_text("550 5.1.1 mailbox unavailable")
    expect(page.get_by_role("table", name="Latest runs")).to_contain_text("12 reminder(s)")
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "admin-mail-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    _shot(page, "admin-mail-phone")

    # With the keyboard: the row's button has a name that says which mail it sends.
    button = row.get_by_role("button", name="Send again")
    expect(button).to_have_accessible_name(
        "Send again (mayor@gemeinde-hallstatt.example.at, "
        "Your application to the covenant was approved)"
    )
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("1 mail is back in the outbox")
    expect(page.get_by_text("No mail has been given up.")).to_be_visible()
    _shot(page, "admin-mail-sent-again")
    (message,) = mailbox.to("mayor@gemeinde-hallstatt.example.at")
    assert message["Subject"] == "Your application to the covenant was approved"

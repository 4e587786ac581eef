"""A member misses a deadline, asks for more time and reports, seen from both sides, in a real
browser with CSRF protection on: the officer follows the dashboard's links, the coordinator
grants the request from the review area, and the officer then reports progress from the late
action's own page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.core.clock import today_utc
from portal.models import utcnow
from tests import factories
from tests.browser.test_covenant_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_late_member_asks_for_more_time_gets_it_and_reports(browser, live_server, mailbox):
    coordinator = factories.make_coordinator("DE")
    officer = factories.make_user(name="Olga Officer")
    member = factories.make_member(
        "Spätheim", representatives=[officer], approved_at=utcnow() - timedelta(days=900)
    )
    stale = today_utc() - timedelta(days=400)
    late_action = factories.make_action(
        member, title="Lighting the market square", last_progress_on=stale
    )
    for n in range(2):
        factories.make_action(member, title=f"Bollards {n}", last_progress_on=today_utc())

    officer_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    coordinator_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = officer_context.new_page()
        sign_in(page, officer)
        card = page.locator("li.obligation-late").filter(has_text="Lighting the market square")
        expect(card.locator(".badge-late")).to_be_visible()
        # The late item is a way to where one acts: ask for more time.
        card.get_by_role("link", name="Ask for more time").click()
        expect(page.get_by_role("heading", name="Ask for more time", level=1)).to_be_visible()
        until = today_utc() + timedelta(days=45)
        page.get_by_label("New date asked for").fill(until.isoformat())
        page.get_by_label("Why you need more time").fill("The supplier went bankrupt.")
        page.get_by_role("button", name="Send the request").click()
        expect(page.locator(".flash, [role=status], .messages").first).to_contain_text(
            "sent to your coordinator"
        )
        expect(page.locator("#extensions")).to_be_visible()

        review = coordinator_context.new_page()
        sign_in(review, coordinator)
        review.goto("/review")
        review.get_by_role("navigation", name="Review area").get_by_role(
            "link", name=re.compile("Requests for more time")
        ).click()
        request = review.locator("li.card").filter(has_text="Spätheim")
        expect(request).to_contain_text("The supplier went bankrupt.")
        request.get_by_label("Comment to the member").fill("Granted, report by then.")
        request.get_by_role("button", name=re.compile("Send the answer")).click()
        expect(review.get_by_text("More time is granted to Spätheim.")).to_be_visible()
        expect(review.locator("table")).to_contain_text("Granted")

        # The officer's deadline moved; reporting is one link away.
        page.goto("/dashboard")
        item = page.locator("li.obligation").filter(has_text="Lighting the market square")
        expect(item).to_contain_text("extended from")
        expect(item.locator(".badge-late")).to_have_count(0)
        item.get_by_role("link", name="Report progress now").click()
        expect(page).to_have_url(re.compile(rf"/actions/{late_action.id}#progress-heading$"))
        page.get_by_label("What has happened").fill("Lights ordered from a new supplier.")
        page.get_by_role("button", name="Save the update").click()
        expect(page.get_by_text("The progress update is saved.")).to_be_visible()
        # Reported: the next update is due in a year, a new deadline of its own.
        page.goto("/dashboard")
        item = page.locator("li.obligation").filter(has_text="Lighting the market square")
        expect(item).to_contain_text("due by")
        expect(item).not_to_contain_text("extended from")
        expect(item.locator(".badge-late")).to_have_count(0)
    finally:
        officer_context.close()
        coordinator_context.close()
    subjects = [m["Subject"] for m in mailbox.to(officer.email)]
    assert any("granted" in s for s in subjects)

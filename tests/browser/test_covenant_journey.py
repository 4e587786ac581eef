"""The covenant's main journey in a real browser, with CSRF protection on as in production.

An officer applies for a municipality with its signed council decision, the coordinator of that
country approves it, the public finds the member; then the officer pledges an action and the
public sees it on the member's page. Nobody's personal data shows publicly.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Member
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def _new_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def sign_in(page, user) -> None:
    page.goto("/account/login")
    page.fill("#email", user.email)
    page.fill("#password", factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    if user.has_second_factor:
        page.wait_for_url("**/account/login/code")
        page.get_by_label("Code from your authenticator app").fill(factories.totp_code(user))
        page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def apply_for_graz(page, pdf_path) -> None:
    page.goto("/apply")
    page.fill("#name", "Graz")
    page.keyboard.press("Escape")  # close the place suggestions; everything is typed by hand
    page.select_option("#country", "AT")
    page.fill("#region", "Styria")
    page.fill("#population", "291072")
    page.fill("#latitude", "47.06667")
    page.fill("#longitude", "15.45")
    page.fill("#website", "https://www.graz.example.at")
    page.fill("#mayor_name", "Elke Mayor")
    page.fill("#council_decision_date", "2025-03-08")
    page.set_input_files("#council_decision", str(pdf_path))
    page.fill("#contact_name", "Konrad Contact")
    page.fill("#contact_email", "konrad.contact@graz.example.at")
    page.fill("#contact_phone", "+43 316 8720")
    page.check("#accept_commitments")
    page.get_by_role("button", name="Submit application").click()


def test_a_city_joins_pledges_and_the_public_sees_it(new_page, tmp_path):
    officer = factories.make_user(name="Olga Officer")
    coordinator = factories.make_coordinator("AT", name="Clara Coordinator")
    pdf = tmp_path / "council-decision.pdf"
    pdf.write_bytes(factories.pdf_bytes())

    officer_page = new_page()
    sign_in(officer_page, officer)
    apply_for_graz(officer_page, pdf)
    expect(officer_page.get_by_role("heading", level=1)).to_have_text("Application of Graz")
    expect(officer_page.locator("main")).to_contain_text("Submitted")

    coordinator_page = new_page()
    sign_in(coordinator_page, coordinator)
    coordinator_page.goto("/review")
    coordinator_page.get_by_role("link", name="Graz").click()
    download_link = coordinator_page.get_by_role("link", name=re.compile("Download the council"))
    with coordinator_page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    coordinator_page.get_by_label(re.compile("^Approve")).check()
    coordinator_page.get_by_role("button", name="Send the decision").click()
    expect(coordinator_page.locator("main")).to_contain_text("Active member")

    public = new_page()
    public.goto("/members?q=graz")
    public.get_by_role("link", name="Graz").first.click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Graz")
    main_text = public.locator("main").inner_text()
    assert "Austria" in main_text and "Styria" in main_text
    for private in ("Konrad", "konrad.contact", "+43 316", "Elke Mayor", "Olga", "Clara"):
        assert private not in public.content()

    member_id = db.session.scalar(select(Member.id).where(Member.name == "Graz"))
    officer_page.goto(f"/plans/{member_id}/actions/new")
    officer_page.fill("#title", "Bollards around the Hauptplatz market")
    officer_page.fill("#description", "Retractable bollards at the four entrances of the square.")
    officer_page.select_option("#category", "security_by_design")
    officer_page.check("input[name=spaces][value=squares_streets]")
    officer_page.fill("#start_date", "2025-06-01")
    officer_page.fill("#target_date", "2026-09-30")
    officer_page.check("input[name=funding][value=isf_police]")
    officer_page.check("#publish")
    officer_page.locator("main form").get_by_role("button", name="Save").click()
    expect(officer_page.locator("main")).to_contain_text("Bollards around the Hauptplatz market")

    public.reload()
    expect(public.locator("main")).to_contain_text("Bollards around the Hauptplatz market")
    expect(public.locator("main")).to_contain_text("EU Internal Security Fund – Police")


def test_a_form_sent_without_its_csrf_token_is_refused(new_page):
    officer = factories.make_user()
    page = new_page()
    sign_in(page, officer)
    page.goto("/apply")
    page.evaluate("document.querySelector('main form input[name=csrf_token]').value = 'forged'")
    page.fill("#name", "Linz")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("expired or was sent from elsewhere")
    assert db.session.scalar(select(Member.id)) is None

"""Keyboard only, and what a phone or a reader's own text settings do to the pages.

- A member's officer reports progress on a late action with the keyboard alone, from the
  dashboard's "Report progress now": every control reached shows its focus.
- A form sent back with errors puts the focus on its error summary.
- The directory's filters fold away on a phone, saying how many are chosen.
- WCAG 1.4.12 text spacing (line height 1.5, paragraph spacing 2, letter 0.12, word 0.16
  times the font size) leaves the public pages without sideways scrolling at 320 px.
"""

from datetime import timedelta

import pytest

from portal.core.clock import today_utc
from portal.models import utcnow
from tests import factories
from tests.browser.test_journeys import focused

pytestmark = pytest.mark.browser

TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def sign_in_by_keyboard(page, user) -> None:
    """Type the address, Tab, the password, Enter; a coordinator then types the code."""
    page.goto("/account/login")
    page.get_by_label("E-mail address").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    if user.is_privileged:
        page.wait_for_url("**/account/login/code")
        page.keyboard.type(factories.totp_code(user))  # the code field has the focus
        page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")


def tab_to(page, text: str, limit: int = 120) -> dict:
    """Press Tab until the focus is on the control whose text starts with `text`; each stop
    on the way must show a visible focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" and now["outlineWidth"] >= 2, now
        if now["text"].startswith(text):
            return now
    raise AssertionError(f"{text!r} not reached by Tab")


def test_an_officer_reports_a_late_action_by_keyboard_only(page, mailbox):
    officer = factories.make_user()
    member = factories.make_member(
        representatives=[officer], approved_at=utcnow() - timedelta(days=900)
    )
    stale = today_utc() - timedelta(days=400)
    late = factories.make_action(member, title="Lighting the market square", last_progress_on=stale)
    for n in range(3):
        factories.make_action(member, title=f"Bollards {n}", last_progress_on=today_utc())

    sign_in_by_keyboard(page, officer)
    tab_to(page, "Report progress now")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/actions/{late.id}#progress-heading")
    # The date is today's already: from the status on, the percentage, the text, the button.
    page.get_by_label("Status").focus()
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "percent_complete"
    page.keyboard.press("Control+a")
    page.keyboard.type("70")
    page.keyboard.press("Tab")
    page.keyboard.type("The lights are ordered.")
    button = tab_to(page, "Save the update")
    assert button["tag"] == "BUTTON" and button["onScreen"]
    page.keyboard.press("Enter")
    page.get_by_text("The progress update is saved.").wait_for()
    assert "Lights ordered" not in page.content()
    assert "The lights are ordered." in page.content()


def test_a_form_sent_back_with_errors_puts_the_focus_on_its_summary(page):
    officer = factories.make_user()
    member = factories.make_member(representatives=[officer])
    action = factories.make_action(member)
    sign_in_by_keyboard(page, officer)
    page.goto(f"/actions/{action.id}")
    page.get_by_role("button", name="Save the update").click()  # nothing said: an error
    page.locator("#error-summary").wait_for()
    # forms.js (deferred: it runs once the page is parsed) moves the focus there.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'error-summary'"
    )
    assert focused(page)["id"] == "error-summary"
    # Its links lead to the fields.
    page.keyboard.press("Tab")
    link = focused(page)
    assert link["tag"] == "A" and "What has happened" in link["text"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "text"


@pytest.mark.parametrize("width, opened", [(320, False), (1280, True)])
def test_the_directorys_filters_fold_on_a_phone(browser, live_server, width, opened):
    factories.make_member("Gent", country="BE")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.goto("/members")
    fold = page.locator("details.filters-fold")
    assert fold.evaluate("el => el.open") is opened
    assert page.get_by_label("Name or region").is_visible()
    page.goto("/members?category=security_by_design&population=under-5000&status=all")
    assert page.locator("details.filters-fold > summary").inner_text() == "Filters (3)"
    assert page.locator("details.filters-fold").evaluate("el => el.open")
    context.close()


@pytest.mark.parametrize("path", ["/", "/members", "/map", "/stats", "/good-practice", "/help"])
def test_text_spacing_leaves_the_pages_without_sideways_scrolling(browser, live_server, path):
    member = factories.make_member("Sankt Valentin am Haidersteig", country="AT")
    factories.make_action(member, title="A very long title of a public-space action")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 320, "height": 800}
    )
    page = context.new_page()
    page.goto(path)
    page.add_style_tag(content=TEXT_SPACING)
    page.wait_for_timeout(100)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{path} is {width} px wide with the text spacing of WCAG 1.4.12"
    context.close()


def test_a_coordinator_approves_an_application_by_keyboard_only(page, mailbox):
    coordinator = factories.make_coordinator("DE")
    applicant = factories.make_user()
    member = factories.make_member("Musterstadt", status="submitted", representatives=[applicant])
    factories.make_council_decision(member)

    sign_in_by_keyboard(page, coordinator)
    page.goto("/review")
    tab_to(page, "Musterstadt")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/applications/{member.id}")
    page.wait_for_load_state()
    # The application is read first; the decision comes after it: Tab through to it.
    for _ in range(200):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" and now["outlineWidth"] >= 2, now
        if now["id"] == "decision-choice-0":
            break
    else:
        raise AssertionError("the decision is not reached by Tab")
    page.keyboard.press("Space")  # approve
    page.keyboard.press("Tab")  # past the radio group, to the comment
    page.keyboard.type("Welcome to the covenant.")
    tab_to(page, "Send the decision")
    page.keyboard.press("Enter")
    page.get_by_text("Musterstadt").first.wait_for()
    from portal.extensions import db
    from portal.models import Member

    db.session.expire_all()
    assert db.session.get(Member, member.id).status == "approved"
    assert mailbox.to(applicant.email)


def tab_until(page, field_id: str, limit: int = 60) -> None:
    """Press Tab until the field `field_id` has the focus; each stop shows a visible focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] != "none" and now["outlineWidth"] >= 2, (field_id, now)
        if now["id"] == field_id:
            return
    raise AssertionError(f"#{field_id} not reached by Tab")


def test_an_officer_applies_for_a_municipality_by_keyboard_only(page, tmp_path):
    officer = factories.make_user()
    pdf = tmp_path / "council-decision.pdf"
    pdf.write_bytes(factories.pdf_bytes())
    sign_in_by_keyboard(page, officer)
    page.goto("/apply")
    # The country first (the place search looks in it), then the name.
    page.locator("#country").focus()
    page.keyboard.type("Austria")
    tab_until(page, "name")
    page.keyboard.type("Graz")
    page.keyboard.press("Escape")  # the place suggestions close; the name is typed by hand
    typed = {
        "region": "Styria",
        "population": "291072",
        "latitude": "47.06667",
        "longitude": "15.45",
        "website": "https://www.graz.example.at",
        "mayor_name": "Elke Mayor",
    }
    for field_id, text in typed.items():
        tab_until(page, field_id)
        page.keyboard.type(text)
    # The date's parts come in the order of the browser's own language: day or month first.
    tab_until(page, "council_decision_date")
    page.keyboard.type("03082025")
    if page.input_value("#council_decision_date") != "2025-03-08":
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type("08032025")
    assert page.input_value("#council_decision_date") == "2025-03-08"
    tab_until(page, "council_decision")
    page.locator("#council_decision").set_input_files(str(pdf))  # the browser's own chooser
    page.locator("#council_decision").focus()  # where the chooser gives the focus back
    for field_id, text in {
        "contact_name": "Konrad Contact",
        "contact_email": "konrad.contact@graz.example.at",
        "contact_phone": "+43 316 8720",
    }.items():
        tab_until(page, field_id)
        page.keyboard.type(text)
    tab_until(page, "accept_commitments")
    page.keyboard.press("Space")
    tab_to(page, "Submit application")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Application of Graz").wait_for()
    assert "Submitted" in page.locator("main").inner_text()

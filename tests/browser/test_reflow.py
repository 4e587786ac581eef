"""Reflow (WCAG 1.4.10): at 320 CSS pixels the public pages need no sideways scrolling; wide
tables scroll inside their own box."""

import pytest

from tests import factories

pytestmark = pytest.mark.browser

PAGES = ["/", "/members", "/members?q=musterstadt", "/map", "/stats", "/good-practice", "/about"]


def test_public_pages_reflow_at_320_pixels(page, live_server):
    member = factories.make_member("Musterstadt an der Langen Brücke", country="DE")
    factories.make_action(member)
    for n in range(12):
        factories.make_member(f"Beispielgemeinde Nummer {n}", country="AT")
    page.set_viewport_size({"width": 320, "height": 800})
    for path in [*PAGES, f"/members/{member.slug}"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at 320"


# Languages with the longest words and labels of the 24.
LONG_WORDED = ["de", "fi", "el"]


@pytest.mark.parametrize("language", LONG_WORDED)
def test_public_pages_reflow_at_320_pixels_in_long_worded_languages(browser, live_server, language):
    member = factories.make_member("Musterstadt an der Langen Brücke", country="DE")
    factories.make_action(member)
    context = browser.new_context(base_url=live_server.url, locale=language)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 320, "height": 800})
        for path in [*PAGES, f"/members/{member.slug}", "/account/register", "/account/login"]:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{language} {path} is {width} px wide at 320"
        page.set_viewport_size({"width": 1280, "height": 900})
        for path in ["/members", "/stats"]:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, f"{language} {path} is {width} px wide at 1280"
    finally:
        context.close()


def test_public_pages_at_200_percent_zoom(page, live_server):
    """A 1280 x 800 screen zoomed to 200 % is a 640 x 400 CSS viewport (WCAG 1.4.4): the
    pages fit its width and show their main heading."""
    member = factories.make_member("Musterstadt an der Langen Brücke", country="DE")
    factories.make_action(member)
    page.set_viewport_size({"width": 640, "height": 400})
    for path in [*PAGES, f"/members/{member.slug}", "/help", "/account/login"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 640, f"{path} is {width} px wide at 200 %"
        assert page.locator("main h1").first.is_visible(), path


WIDEST = """() => [...document.querySelectorAll("main *")]
  .filter(e => e.getBoundingClientRect().right > 321)
  .slice(-3).map(e => e.tagName + "." + e.className + " "
    + Math.round(e.getBoundingClientRect().right) + " "
    + (e.textContent || "").trim().slice(0, 40))"""


def _width_at_320(page, path: str) -> int | str:
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    return f"{width} {page.evaluate(WIDEST)}" if width > 320 else width


def test_the_pages_of_each_role_reflow_at_320_pixels_in_german(browser, live_server):
    """Every page a representative, a coordinator and an administrator meets, in German (long
    words), with tables of content in them: no sideways scrolling at 320 px."""
    from datetime import timedelta
    from urllib.parse import quote

    from portal.core.clock import today_utc
    from portal.models import utcnow
    from portal.pledges import extensions, followup
    from portal.pledges.deadlines import add_months
    from tests.browser.conftest import sign_in_with_code

    rep = factories.make_user(name="Rita Representative")
    approved = add_months(today_utc() - timedelta(days=5), -12)  # the plan 5 days late
    own = factories.make_member(
        "Musterstadt an der Langen Brücke",
        country="DE",
        representatives=[rep],
        approved_at=utcnow().replace(year=approved.year, month=approved.month, day=approved.day),
    )
    own_action = factories.make_action(own, title="Verkehrsberuhigungsmaßnahmenkonzept")
    late_since = own.approved_at
    factories.make_update(own_action, text="Ausschreibungsunterlagen veröffentlicht.")
    other = factories.make_member(
        "Zweitstadt", country="DE", representatives=[rep], approved_at=late_since
    )
    plan_key = followup.commitments_for(other).plan.deadline_key(other.id)
    extensions.request_extension(
        rep, other, plan_key, today_utc() + timedelta(days=40), "Kommunalwahlen im Frühjahr."
    )
    submitted = factories.make_member("Antragsdorf", country="DE", status="submitted")
    factories.make_council_decision(submitted)
    own_key = followup.commitments_for(own).plan.deadline_key(own.id)
    wide = []

    context = browser.new_context(
        base_url=live_server.url, locale="de", viewport={"width": 320, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto("/account/login")
        page.fill("#email", rep.email)
        page.fill("#password", factories.PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/dashboard")
        for path in ["/dashboard", "/account", f"/plans/{own.id}",
                     f"/plans/{own.id}/actions/new", f"/actions/{own_action.id}",
                     f"/actions/{own_action.id}/edit", f"/actions/{own_action.id}/cancel",
                     f"/plans/{own.id}/extensions/new?deadline={quote(own_key)}",
                     f"/team/{own.id}", "/apply", "/account/data",
                     "/account/delete"]:  # fmt: skip
            if (width := _width_at_320(page, path)) != 320:
                wide.append(f"representative {path}: {width}")
        context.clear_cookies()

        coordinator = factories.make_coordinator("DE")
        sign_in_with_code(page, coordinator)
        page.wait_for_url("**/dashboard")
        for path in ["/review", "/review/members", f"/review/{submitted.id}/decide",
                     f"/applications/{submitted.id}", f"/review/{own.id}/status",
                     "/coordination/late", "/coordination/extensions", "/review/helpdesk",
                     "/admin/audit"]:  # fmt: skip
            if (width := _width_at_320(page, path)) != 320:
                wide.append(f"coordinator {path}: {width}")
        context.clear_cookies()

        admin = factories.make_user(role="admin")
        sign_in_with_code(page, admin)
        page.wait_for_url("**/dashboard")
        for path in ["/admin/coordinators", "/admin/coordinators/invite",
                     f"/admin/coordinators/{coordinator.id}", "/admin/mail",
                     "/admin/audit"]:  # fmt: skip
            if (width := _width_at_320(page, path)) != 320:
                wide.append(f"administrator {path}: {width}")
    finally:
        context.close()
    assert wide == [], "\n".join(wide)

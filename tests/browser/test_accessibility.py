"""axe-core (static/vendor/axe-core-*) on the pages people meet, with the WCAG 2.0, 2.1 and 2.2
A and AA rules: the public pages in every language the portal offers, every form empty and after
a failed submit, the pages of each role, the map with a popup open. Zero violations.

The checker is put into the page by the test (the context bypasses the portal's Content
Security Policy for that alone); no page of the portal loads it.
"""

from pathlib import Path

import pytest

from config import Config
from tests import factories
from tests.browser.conftest import sign_in_with_code

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = next((ROOT / "static" / "vendor").glob("axe-core-*/axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


@pytest.fixture
def checker(browser, live_server):
    """check(path, language) -> the violations axe finds on that page in that language."""
    contexts = []

    def open_page(language: str = "en"):
        context = browser.new_context(
            base_url=live_server.url,
            locale=language,
            bypass_csp=True,
            extra_http_headers={"Accept-Language": language},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    def check(page, label: str) -> list[str]:
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(RUN, TAGS)
        return [f"{label}: {v['id']} ({v['impact']}) {v['help']} -> {v['nodes']}" for v in found]

    yield open_page, check
    for context in contexts:
        context.close()


def _public_world():
    member = factories.make_member("Musterstadt an der Langen Brücke", country="DE")
    action = factories.make_action(member, good_practice=True)
    factories.make_update(action)
    for n in range(3):
        factories.make_member(f"Beispielgemeinde {n}", country="AT")
    return member, action


PUBLIC = ["/", "/members", "/members?q=muster", "/members?country=DE&sort=population", "/map",
          "/stats", "/good-practice", "/about", "/help", "/privacy", "/accessibility",
          "/account/login", "/account/register", "/account/password",
          "/account/confirm"]  # fmt: skip
# Every public page in these three; in each of the other languages the directory and a member
# page, each with other words and lengths (a run of axe costs most of a second).
EVERY_PAGE_IN = ("en", "de", "pl")
MOST_VISITED = ["/members"]


@pytest.mark.parametrize("language", Config.LANGUAGES)
def test_the_public_pages_have_no_violations_in_every_language(checker, language):
    open_page, check = checker
    member, action = _public_world()
    page = open_page(language)
    problems = []
    pages = [*PUBLIC, f"/members/{member.slug}/actions/{action.id}"]
    if language not in EVERY_PAGE_IN:
        pages = MOST_VISITED
    for path in [*pages, f"/members/{member.slug}"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        problems += check(page, f"{language} {path}")
    assert problems == []


def test_forms_after_a_failed_submit_have_no_violations(checker):
    open_page, check = checker
    page = open_page("en")
    problems = []
    page.goto("/account/login")
    page.locator("main").get_by_role("button", name="Sign in").click()
    problems += check(page, "sign-in with errors")
    page.goto("/account/register")
    page.fill("#email", "not an address")
    page.locator("main form button[type=submit]").click()
    problems += check(page, "registration with errors")
    page.goto("/members?population_min=abc")
    problems += check(page, "directory filters with errors")
    assert problems == []


def test_the_map_with_a_popup_open_has_no_violations(checker):
    open_page, check = checker
    _public_world()  # its members are drawn as one group
    factories.make_member("Valletta", country="MT", latitude=35.8989, longitude=14.5146)
    page = open_page("en")
    page.goto("/map")
    point = page.locator("img.leaflet-marker-icon")  # Valletta, a point of its own
    point.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup a").first.wait_for()
    assert check(page, "map with popup") == []


def test_the_pages_of_each_role_have_no_violations(checker):
    open_page, check = checker
    member, action = _public_world()
    rep = factories.make_user(name="Rita Representative")
    own = factories.make_member("Eigenstadt", country="DE", representatives=[rep])
    own_action = factories.make_action(own)
    problems = []

    page = open_page("en")
    page.goto("/account/login")
    page.fill("#email", rep.email)
    page.fill("#password", factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    for path in ["/dashboard", "/account", f"/plans/{own.id}", f"/plans/{own.id}/actions/new",
                 f"/actions/{own_action.id}", f"/actions/{own_action.id}/edit",
                 f"/team/{own.id}", "/apply", "/account/data", "/account/delete"]:  # fmt: skip
        page.goto(path)
        problems += check(page, f"representative {path}")

    coordinator = factories.make_coordinator("DE")
    page = open_page("de")
    sign_in_with_code(page, coordinator)
    submitted = factories.make_member("Antragsdorf", country="DE", status="submitted")
    factories.make_council_decision(submitted)
    for path in ["/review", "/review/members", f"/review/{submitted.id}/decide",
                 f"/review/{member.id}/status", "/coordination/late", "/review/helpdesk",
                 f"/applications/{submitted.id}", "/admin/audit"]:  # fmt: skip
        page.goto(path)
        problems += check(page, f"coordinator {path}")

    admin = factories.make_user(role="admin")
    page = open_page("fr")
    sign_in_with_code(page, admin)
    admin_pages = ["/admin/coordinators", "/admin/coordinators/invite", "/admin/mail"]
    for path in [*admin_pages, f"/admin/coordinators/{coordinator.id}", "/admin/audit"]:
        page.goto(path)
        problems += check(page, f"administrator {path}")
    assert problems == []

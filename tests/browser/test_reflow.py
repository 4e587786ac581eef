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

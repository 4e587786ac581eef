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

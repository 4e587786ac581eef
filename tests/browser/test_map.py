"""The member map in a browser: it draws clusters and points from the shipped outlines with no
internet at all, opens a member's popup by keyboard, and filters by reloading /map."""

import pytest

from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def offline(page, live_server):
    """Block every request that does not go to the live server; list those attempted."""
    attempted: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    return attempted


@pytest.fixture
def members():
    """40 members around Frankfurt (a cluster at the EU view) and one alone in Malta."""
    around = [
        factories.make_member(
            f"Mainort {n}", country="DE", latitude=50.0 + n * 0.01, longitude=8.6 + n * 0.01
        )
        for n in range(40)
    ]
    valletta = factories.make_member(
        "Valletta", country="MT", region="Malta", latitude=35.8989, longitude=14.5146
    )
    factories.make_member("Hiddenburg", status="submitted", latitude=40.0, longitude=-3.7)
    return {"around": around, "valletta": valletta}


def wait_drawn(page) -> int:
    page.wait_for_selector("#member-map[data-drawn-ms]", state="attached")
    return int(page.get_attribute("#member-map", "data-points"))


def test_map_draws_clusters_and_points_offline(page, offline, members):
    page.goto("/map")
    assert wait_drawn(page) == 41
    # The map itself is focusable (arrow keys pan it, + and - zoom) and labelled.
    area = page.get_by_role("region", name="Map of the members")
    assert area.get_attribute("tabindex") == "0"
    assert page.locator("#map-status").inner_text() == "41 members drawn on the map."
    # The 40 neighbours form one group; Valletta is a point of its own.
    cluster = page.locator(".marker-cluster")
    assert cluster.count() == 1
    assert cluster.inner_text().strip().startswith("40")
    assert page.locator("img.leaflet-marker-icon").count() == 1
    # The shipped outlines are drawn (on a canvas in their own pane).
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(r => r.name.endsWith('/map/outlines.geojson'))"
    )
    assert page.locator(".leaflet-outlines-pane canvas").count() == 1
    assert offline == []


def test_point_opens_its_popup_by_keyboard(page, offline, members):
    valletta = members["valletta"]
    page.goto("/map")
    wait_drawn(page)
    point = page.locator("img.leaflet-marker-icon")
    assert point.get_attribute("tabindex") == "0"
    assert point.get_attribute("role") == "button"
    point.focus()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup a", has_text="Valletta")
    link.wait_for()
    assert link.get_attribute("href") == f"/members/{valletta.slug}"
    assert "Malta" in page.locator(".leaflet-popup").inner_text()
    # The focus moves into the popup, so the link is the next thing a keyboard reaches.
    assert page.evaluate("document.activeElement.textContent") == "Valletta"
    # Escape closes it and gives the focus back to the point.
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-marker-icon')")
    assert offline == []


def test_cluster_zooms_in_by_keyboard(page, offline, members):
    page.goto("/map")
    wait_drawn(page)
    cluster = page.locator(".marker-cluster")
    assert "40 members: select to zoom in" in cluster.inner_text()
    cluster.focus()
    page.keyboard.press("Enter")
    # Zoomed in: the single group of 40 splits up.
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('.marker-cluster'))"
        ".some(c => c.textContent.trim().startsWith('40'))"
    )
    assert offline == []


def test_filter_form_reloads_the_map(page, offline, members):
    page.goto("/map")
    wait_drawn(page)
    page.get_by_label("Name or region").fill("valletta")
    page.get_by_role("button", name="Show on the map").click()
    page.wait_for_url("**/map?q=valletta*")
    assert wait_drawn(page) == 1
    assert page.get_by_role("heading", name="1 member matches").is_visible()
    directory = page.get_by_role("link", name="The same members as a list in the directory")
    assert directory.get_attribute("href") == "/members?q=valletta"
    assert offline == []


def test_without_javascript_the_directory_is_offered(browser, live_server, members):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/map")
    # (Playwright's text search skips <noscript>, so the paragraph is found by its class.)
    notice = page.locator("p.map-noscript")
    assert notice.is_visible()
    assert "The map needs JavaScript." in notice.inner_text()
    # No empty map box: the map takes room only when its script runs.
    assert page.locator("#member-map").bounding_box()["height"] < 150
    assert page.get_by_role("link", name="see them in the directory").get_attribute("href") == (
        "/members"
    )
    context.close()

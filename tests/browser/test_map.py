"""The member map in a browser: it draws clusters and points from the shipped outlines with no
internet at all, fits every member in its first view, opens a member's card by keyboard, labels
the points with names when zoomed in, and filters by reloading /map."""

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
    # The map lists active members and those on hold: so does the directory it links to.
    assert directory.get_attribute("href") == "/members?q=valletta&status=all"
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


@pytest.fixture
def far_members():
    """Members at the edges of the EU: Nicosia, Valletta, Lisbon, Las Palmas, Helsinki."""
    places = {
        "Nicosia": ("CY", 35.1856, 33.3823),
        "Valletta": ("MT", 35.8989, 14.5146),
        "Lisbon": ("PT", 38.7223, -9.1393),
        "Las Palmas": ("ES", 28.1235, -15.4363),
        "Helsinki": ("FI", 60.1699, 24.9384),
    }
    return {
        name: factories.make_member(name, country=c, latitude=lat, longitude=lon)
        for name, (c, lat, lon) in places.items()
    }


@pytest.mark.parametrize("width", [1280, 320])
def test_first_view_fits_every_member_cyprus_included(browser, live_server, far_members, width):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.goto("/map")
    assert wait_drawn(page) == 5
    page.wait_for_timeout(300)  # the fitting has no animation, the drawing one frame
    # Every point (or the group holding it) is inside the map's box: none is cut off.
    drawn = page.evaluate(
        """() => {
            const map = document.querySelector('#member-map').getBoundingClientRect();
            const icons = document.querySelectorAll('#member-map .leaflet-marker-icon');
            return Array.from(icons).map((el) => {
                const r = el.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                return x >= map.left && x <= map.right && y >= map.top && y <= map.bottom;
            });
        }"""
    )
    assert drawn and all(drawn)
    counted = page.evaluate(
        """() => Array.from(document.querySelectorAll('#member-map .leaflet-marker-icon'))
            .reduce((n, el) => n + (el.classList.contains('marker-cluster')
                ? parseInt(el.textContent, 10) : 1), 0)"""
    )
    assert counted == 5
    context.close()


def test_a_single_members_popup_is_its_card(page, offline, far_members):
    nicosia = far_members["Nicosia"]
    factories.make_action(nicosia, category="eu_funding")
    page.goto("/map?country=CY")
    assert wait_drawn(page) == 1
    page.locator("img.leaflet-marker-icon").click()
    card = page.locator(".leaflet-popup .map-card")
    card.wait_for()
    link = card.get_by_role("link", name="Nicosia")
    assert link.get_attribute("href") == f"/members/{nicosia.slug}"
    text = card.inner_text()
    assert "Cyprus" in text and "1 published action" in text and "Member since" in text
    assert page.locator(".leaflet-popup li").count() == 0  # a card, not a list
    assert offline == []


def test_points_are_labelled_with_names_when_zoomed_in(page, offline, members):
    page.goto("/map")
    wait_drawn(page)
    # At the EU view 41 points: a group and a lone point, no labels.
    page.wait_for_timeout(400)
    assert page.locator(".member-label").count() == 0
    # Zoomed in on the group, its points are drawn one by one with their names.
    cluster = page.locator(".marker-cluster")
    for _ in range(3):
        if not cluster.count():
            break
        cluster.first.click()
        page.wait_for_timeout(600)
    page.locator(".member-label", has_text="Mainort").first.wait_for()
    assert page.locator(".member-label", has_text="Mainort").count() >= 2
    assert offline == []


def test_a_lone_point_in_view_is_labelled(page, offline, members):
    page.goto("/map?q=valletta")
    assert wait_drawn(page) == 1
    label = page.locator(".member-label")
    label.first.wait_for()
    page.wait_for_timeout(400)  # the view's second look at the names (moved there) is done
    assert label.all_inner_texts() == ["Valletta"]  # one label, not put up twice
    assert offline == []

"""The statistics page in a browser: every chart is drawn from its table, with no internet."""

from datetime import date

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def test_each_chart_is_drawn_from_its_table(page, live_server):
    attempted: list[str] = []

    def route(route):
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    for n, (country, year) in enumerate([("DE", 2019), ("DE", 2021), ("FR", 2021), ("MT", 2024)]):
        member = factories.make_member(f"Town {n}", country=country, joined_on=date(year, 5, 1))
        factories.make_action(member, category="crisis_management", funding=["uia"])

    page.goto("/stats")
    figures = page.locator("figure.stats-figure")
    assert figures.count() == 6
    for index in range(figures.count()):
        figure = figures.nth(index)
        figure_id = figure.get_attribute("id")
        source = figure.get_attribute("data-from") or figure_id
        rows = page.locator(f"#{source} tbody tr").count()
        assert figure.get_attribute("data-drawn") == str(rows), figure_id
        canvas = figure.locator("canvas")
        assert canvas.get_attribute("role") == "img"
        assert canvas.get_attribute("aria-label")
        assert canvas.bounding_box()["height"] > 100, figure_id
    # The joins chart has one bar per year from the first to the last.
    assert page.locator("#chart-joins").get_attribute("data-drawn") == "6"
    assert attempted == []

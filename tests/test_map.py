"""The member map: its page (filters, the directory as the alternative), its compact point data
(public members only, the directory's filters, gzip, ETag) and who is at a point."""

import gzip
import json

import pytest

from portal.directory.map_data import SCALE
from tests import factories

# What a member's card on the map holds: public fields only.
CARD_FIELDS = {
    "slug", "name", "country", "country_name", "region", "status", "status_label", "population",
    "population_text", "joined_on", "joined_text", "actions", "actions_text", "url",
}  # fmt: skip


def decode(body: bytes) -> list[tuple[float, float]]:
    data = json.loads(body)
    lat = lon = 0
    points = []
    for d_lat, d_lon in zip(data["lat"], data["lon"], strict=True):
        lat += d_lat
        lon += d_lon
        points.append((lat / data["scale"], lon / data["scale"]))
    assert data["count"] == len(points)
    return points


def rounded(member) -> tuple[float, float]:
    return (round(member.latitude * SCALE) / SCALE, round(member.longitude * SCALE) / SCALE)


@pytest.fixture
def members():
    koln = factories.make_member(
        "Köln", country="DE", region="North Rhine-Westphalia", population=1_024_621,
        latitude=50.93333, longitude=6.95,
    )  # fmt: skip
    lodz = factories.make_member(
        "Łódź", country="PL", region="Łódź Voivodeship", population=679_941,
        latitude=51.75, longitude=19.46667, status="on_hold",
    )  # fmt: skip
    gozo = factories.make_member(
        "Victoria", country="MT", region="Gozo", population=6_901, latitude=36.04444,
        longitude=14.23972,
    )  # fmt: skip
    hidden = [
        factories.make_member("Draftburg", status="draft", latitude=48.1, longitude=11.5),
        factories.make_member("Pendingen", status="submitted", latitude=48.2, longitude=11.6),
        factories.make_member("Suspendorf", status="suspended", latitude=48.3, longitude=11.7),
        factories.make_member("Leftstadt", status="withdrawn", latitude=48.4, longitude=11.8),
        factories.make_member("Rejectow", status="rejected", latitude=48.5, longitude=11.9),
    ]
    factories.make_action(koln, category="security_by_design")
    factories.make_action(gozo, category="places_of_worship", published=False)
    return {"koln": koln, "lodz": lodz, "gozo": gozo, "hidden": hidden}


def test_map_page_without_javascript_has_form_count_and_directory_link(client, members):
    response = client.get("/map?country=DE&country=PL&q=lodz")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 member matches" in html
    # The directory, with the same filters, is the accessible alternative.
    assert 'href="/members?country=DE&amp;country=PL&amp;q=lodz"' in html
    assert "<noscript>" in html and "see them in the directory" in html
    # The filter form reloads /map with GET and shows the values back.
    assert '<form method="get" action="/map"' in html
    assert 'value="lodz"' in html
    assert 'data-points-url="/map/points.json?country=DE&amp;country=PL&amp;q=lodz"' in html
    assert 'data-at-url="/map/at.json?country=DE&amp;country=PL&amp;q=lodz"' in html
    # The map region is labelled and described for keyboard users.
    assert 'id="member-map"' in html and 'aria-label="Map of the members"' in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html
    assert "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in html


def test_map_page_sorting_and_paging_do_not_reach_the_data_url(client, members):
    html = client.get("/map?sort=-population&page=3&country=DE").get_data(as_text=True)
    assert 'data-points-url="/map/points.json?country=DE"' in html


def test_map_page_with_a_bad_filter_says_so(client, members):
    response = client.get("/map?country=XX&population=lots")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Unknown country code “XX”." in html
    assert "Unknown population “lots”." in html
    assert "data-points-url" not in html


def test_map_page_without_members(client):
    response = client.get("/map")
    assert response.status_code == 200
    assert "0 members" in response.get_data(as_text=True)


def test_nav_links_to_map_and_statistics(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/map"' in html and 'href="/stats"' in html


def test_points_are_the_public_members_only(client, members):
    response = client.get("/map/points.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    points = decode(response.data)
    expected = {rounded(members[k]) for k in ("koln", "lodz", "gozo")}
    assert sorted(points) == sorted(expected)


def test_points_carry_no_names_ids_or_personal_data(client, members):
    body = client.get("/map/points.json").get_data(as_text=True)
    assert set(json.loads(body)) == {"format", "scale", "count", "lat", "lon"}
    for member in [members["koln"], *members["hidden"]]:
        for value in (member.name, member.slug, member.contact_email, member.mayor_name):
            assert value not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=DE", {"koln"}),
        ("country=DE&country=MT", {"koln", "gozo"}),
        ("q=lodz", {"lodz"}),
        ("q=GOZO", {"gozo"}),  # the region matches too
        ("region=gozo", {"gozo"}),
        ("status=on_hold", {"lodz"}),
        ("status=active", {"koln", "gozo"}),
        ("population=under-5000", set()),
        ("population=500000-plus", {"koln", "lodz"}),
        ("population_min=7000&population_max=700000", {"lodz"}),
        ("category=security_by_design", {"koln"}),
        ("category=places_of_worship", set()),  # its only action is not published
        ("year=2024", {"koln", "lodz", "gozo"}),
        ("year=2019", set()),
        ("sort=-name&page=2", {"koln", "lodz", "gozo"}),  # the map has no order nor pages
    ],
)
def test_points_honour_the_directory_filters(client, members, query, expected):
    response = client.get(f"/map/points.json?{query}")
    assert response.status_code == 200, response.get_json()
    assert sorted(decode(response.data)) == sorted(rounded(members[k]) for k in expected)


def test_points_count_equals_the_directory_total(client, members):
    for query in ("", "country=PL", "q=koln", "category=security_by_design"):
        points = json.loads(client.get(f"/map/points.json?{query}").data)
        page = client.get(f"/api/v1/members?{query}").get_json()
        assert points["count"] == page["total"], query


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("country=XX", "country"), ("status=draft", "status"), ("colour=red", "colour")],
)
def test_points_refuse_bad_parameters_with_json(client, members, query, parameter):
    response = client.get(f"/map/points.json?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["parameter"] == parameter
    assert body["allowed"]


def test_points_are_gzipped_compact_and_conditional(client, members):
    plain = client.get("/map/points.json")
    packed = client.get("/map/points.json", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    # A few bytes per point: no field names, no padding.
    assert len(plain.data) < 120

    again = client.get(
        "/map/points.json",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304 and not again.data


def test_points_catch_up_with_a_change_within_the_bound(app, client, members, frozen_clock):
    bound = app.config["AGGREGATE_REFRESH_SECONDS"]
    first = client.get("/map/points.json")
    assert json.loads(first.data)["count"] == 3
    newcomer = factories.make_member("Newtown", country="FR", latitude=45.0, longitude=5.0)
    # An aggregate: the same answer for a moment (half the bound) ...
    frozen_clock.advance(seconds=bound / 2 - 0.1)
    same = client.get("/map/points.json", headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304
    # ... renewed before the bound.
    frozen_clock.advance(seconds=0.2)
    second = client.get("/map/points.json", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert rounded(newcomer) in decode(second.data)
    members["lodz"].status = "suspended"
    from portal.extensions import db

    db.session.commit()
    frozen_clock.advance(seconds=bound)
    assert rounded(members["lodz"]) not in decode(client.get("/map/points.json").data)


def test_members_at_a_point(client, members):
    koln = members["koln"]
    lat, lon = rounded(koln)
    response = client.get(f"/map/at.json?lat={lat:.3f}&lon={lon:.3f}")
    assert response.status_code == 200
    assert response.get_json() == {
        "total": 1,
        "items": [
            {
                "slug": koln.slug,
                "name": "Köln",
                "country": "DE",
                "country_name": "Germany",
                "region": "North Rhine-Westphalia",
                "status": "approved",
                "status_label": "Active member",
                "population": 1_024_621,
                "population_text": "Population: 1,024,621",
                "joined_on": koln.joined_on.isoformat(),
                "joined_text": f"Member since {koln.joined_on.day} {koln.joined_on:%b} "
                f"{koln.joined_on.year}",
                "actions": 1,
                "actions_text": "1 published action",
                "url": f"/members/{koln.slug}",
            }
        ],
    }


def test_members_at_a_point_share_it_and_follow_the_filters(client):
    a = factories.make_member("Alpha", country="DE", latitude=50.00001, longitude=8.00002)
    b = factories.make_member("Beta", country="AT", latitude=49.99998, longitude=7.99996)
    factories.make_member("Gamma", country="DE", latitude=50.0008, longitude=8.0)  # next point
    factories.make_member("Delta", status="submitted", latitude=50.0, longitude=8.0)
    body = client.get("/map/at.json?lat=50.000&lon=8.000").get_json()
    assert body["total"] == 2
    assert [item["name"] for item in body["items"]] == [a.name, b.name]
    body = client.get("/map/at.json?lat=50&lon=8&country=AT").get_json()
    assert [item["name"] for item in body["items"]] == [b.name]
    # Public fields only.
    assert set(body["items"][0]) == CARD_FIELDS


@pytest.mark.parametrize(
    "query", ["lat=50", "lat=abc&lon=8", "lat=91&lon=8", "lat=50&lon=nan", "lat=50&lon=181"]
)
def test_members_at_refuses_bad_coordinates(client, query):
    response = client.get(f"/map/at.json?{query}")
    assert response.status_code == 400
    assert response.get_json()["parameter"] in ("lat", "lon")


def test_outlines_are_shipped_and_gzipped(client):
    response = client.get("/map/outlines.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    outlines = json.loads(gzip.decompress(response.data))
    eu = {f["properties"]["name"] for f in outlines["features"] if f["properties"]["eu"]}
    assert len(eu) == 27 and {"Germany", "Malta", "Cyprus", "Luxembourg"} <= eu
    assert "max-age" in response.headers["Cache-Control"]


def test_tile_layer_when_configured(app, client, members, monkeypatch):
    assert 'data-tile-url=""' in client.get("/map").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://tile.example.org/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "MAP_TILE_ATTRIBUTION", "© Example contributors")
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)
    html = client.get("/map").get_data(as_text=True)
    assert 'data-tile-url="https://tile.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Example contributors"' in html


def test_queries_do_not_grow_with_the_number_of_members(app, client, db, monkeypatch):
    from tests.test_public_data import counting_statements

    monkeypatch.setitem(app.config, "PUBLIC_CACHE_ENTRIES", 0)  # count the real work
    paths = ["/map", "/map?country=DE", "/map/points.json", "/map/points.json?q=stadt",
             "/map/at.json?lat=50&lon=8",
             "/map/names.json?south=49&west=7&north=51&east=9"]  # fmt: skip
    counts = []
    for total in (3, 30):
        while (n := db.session.query(factories.Member).count()) < total:
            factories.make_member(f"Stadt {n}", country="DE", latitude=50.0, longitude=8.0)
        with counting_statements(db.engine) as statements:
            for path in paths:
                assert client.get(path).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 2 * len(paths)


def test_a_members_card_holds_public_fields_and_counts_published_actions(client, members):
    gozo = members["gozo"]
    factories.make_action(gozo, category="eu_funding")
    lat, lon = rounded(gozo)
    response = client.get(f"/map/at.json?lat={lat:.3f}&lon={lon:.3f}")
    card = response.get_json()["items"][0]
    assert set(card) == CARD_FIELDS
    assert card["name"] == "Victoria" and card["url"] == f"/members/{gozo.slug}"
    assert card["region"] == "Gozo" and card["population"] == 6_901
    # Its unpublished action is not counted.
    assert card["actions"] == 1 and card["actions_text"] == "1 published action"
    body = response.get_data(as_text=True)
    for value in (gozo.contact_email, gozo.mayor_name):
        assert value not in body


def test_an_on_hold_members_card_says_so(client, members):
    lat, lon = rounded(members["lodz"])
    card = client.get(f"/map/at.json?lat={lat:.3f}&lon={lon:.3f}").get_json()["items"][0]
    assert card["status"] == "on_hold" and card["status_label"] == "On hold"
    assert card["actions_text"] == "0 published actions"


def test_names_in_a_view_label_its_points(client, members):
    koln = members["koln"]
    body = client.get("/map/names.json?south=50&west=6&north=52&east=20").get_json()
    # Köln and Łódź are in the box; the hidden members near Munich would not be anyway.
    assert body == {
        "total": 2,
        "items": [
            {"name": "Köln", "lat": rounded(koln)[0], "lon": rounded(koln)[1]},
            {"name": "Łódź", "lat": 51.75, "lon": 19.467},
        ],
    }
    assert client.get("/map/names.json?south=47&west=11&north=49&east=12").get_json() == {
        "total": 0,
        "items": [],
    }
    # The directory's filters apply.
    body = client.get("/map/names.json?south=50&west=6&north=52&east=20&country=PL").get_json()
    assert [item["name"] for item in body["items"]] == ["Łódź"]


def test_names_are_left_out_of_a_crowded_view(client, monkeypatch):
    from portal.directory import map_data

    monkeypatch.setattr(map_data, "MAX_NAMES", 2)
    for n in range(3):
        factories.make_member(f"Stadt {n}", country="DE", latitude=50.0 + n / 10, longitude=8.0)
    body = client.get("/map/names.json?south=49&west=7&north=51&east=9").get_json()
    assert body == {"total": 3, "items": []}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("south=49&west=7&north=51", "east"), ("south=x&west=7&north=51&east=9", "south"),
     ("south=49&west=7&north=51&east=9&colour=red", "colour")],
)  # fmt: skip
def test_names_refuse_a_bad_view(client, query, parameter):
    response = client.get(f"/map/names.json?{query}")
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter

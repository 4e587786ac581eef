"""The open data API: members (JSON, GeoJSON, CSV), one member, actions; errors, ETags, CORS."""

import csv
import io
import json
from datetime import date

import pytest

from portal.directory.public import MEMBER_FIELDS
from tests import factories


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["items"]]


def test_members_answer_has_exactly_the_public_fields(client):
    member = factories.make_member(
        "Kraków",
        country="PL",
        region="Małopolskie",
        population=800000,
        latitude=50.06,
        longitude=19.94,
        joined_on=date(2023, 4, 1),
        website="https://www.krakow.pl",
    )
    factories.make_action(member)
    factories.make_action(member)
    factories.make_action(member, published=False)

    response = client.get("/api/v1/members")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == {
        "items": [
            {
                "slug": member.slug,
                "name": "Kraków",
                "country": "PL",
                "region": "Małopolskie",
                "population": 800000,
                "latitude": 50.06,
                "longitude": 19.94,
                "joined_on": "2023-04-01",
                "status": "active",
                "website": "https://www.krakow.pl",
                "actions": 2,
                "url": f"http://localhost/members/{member.slug}",
            }
        ],
        "total": 1,
        "page": 1,
        "per_page": 50,
    }


def test_members_filters_sorting_and_paging(client):
    a = factories.make_member(
        "Aachen",
        country="DE",
        region="Nordrhein-Westfalen",
        population=250000,
        joined_on=date(2019, 3, 1),
    )
    b = factories.make_member(
        "Bordeaux",
        country="FR",
        region="Nouvelle-Aquitaine",
        population=260000,
        joined_on=date(2021, 6, 1),
        status="on_hold",
    )
    c = factories.make_member(
        "Cádiz", country="ES", region="Andalucía", population=110000, joined_on=date(2022, 9, 1)
    )
    factories.make_action(c, category="crisis_management")
    factories.make_member("Draft town", status="draft")

    def get(**query):
        response = client.get("/api/v1/members", query_string=query)
        assert response.status_code == 200, response.get_json()
        return slugs(response)

    assert get() == [a.slug, b.slug, c.slug]
    assert get(q="cadiz") == [c.slug]
    assert get(q="andalucia") == [c.slug]
    assert get(country=["DE", "ES"]) == [a.slug, c.slug]
    assert get(region="nouvelle-aquitaine") == [b.slug]
    assert get(category="crisis_management") == [c.slug]
    assert get(status="on_hold") == [b.slug]
    assert get(status="active") == [a.slug, c.slug]
    assert get(population_min=200000) == [a.slug, b.slug]
    assert get(population_max=250000) == [a.slug, c.slug]
    assert get(population_min=200000, population_max=255000) == [a.slug]
    assert get(joined_from="2021-06-01") == [b.slug, c.slug]
    assert get(joined_to="2021-06-01") == [a.slug, b.slug]
    assert get(year=2022) == [c.slug]
    assert get(sort="-name") == [c.slug, b.slug, a.slug]
    assert get(sort="population") == [c.slug, a.slug, b.slug]
    assert get(sort="-population") == [b.slug, a.slug, c.slug]
    assert get(sort="joined_on") == [a.slug, b.slug, c.slug]
    assert get(sort="-joined_on") == [c.slug, b.slug, a.slug]
    # a search sorts its matches by the same orders
    assert get(q="a") == [a.slug, b.slug, c.slug]
    assert get(q="a", sort="-name") == [c.slug, b.slug, a.slug]
    assert get(q="a", sort="-joined_on") == [c.slug, b.slug, a.slug]
    assert get(q="a", sort="population") == [c.slug, a.slug, b.slug]
    assert get(q="a", sort="-population") == [b.slug, a.slug, c.slug]

    page = client.get("/api/v1/members?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [i["slug"] for i in page["items"]] == [c.slug]
    beyond = client.get("/api/v1/members?per_page=2&page=5").get_json()
    assert beyond["items"] == [] and beyond["total"] == 3


@pytest.mark.parametrize(
    ("query", "parameter", "allowed"),
    [
        ("country=XX", "country", "AT"),
        ("status=approved", "status", "active"),
        ("sort=size", "sort", "-population"),
        ("category=bogus", "category", "security_by_design"),
        ("population=huge", "population", "under-5000"),
        ("nonsense=1", "nonsense", "q"),
    ],
)
def test_a_value_not_allowed_gets_400_with_what_is_allowed(client, query, parameter, allowed):
    response = client.get(f"/api/v1/members?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert body["parameter"] == parameter
    assert allowed in body["allowed"]
    assert body["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=500", "per_page must be a whole number from 1 to 200."),
        ("page=0", "page must be a whole number from 1 to 1000000."),
        ("population_min=-5", "population_min must be a whole number from 0 to 1000000000."),
        ("population_min=9&population_max=3", "population_max must not be below population_min."),
        ("joined_from=2024-13-01", "joined_from must be a date as YYYY-MM-DD."),
    ],
)
def test_malformed_numbers_and_dates_get_400(client, query, message):
    response = client.get(f"/api/v1/members?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] == message


def test_the_same_errors_for_the_exports(client):
    for path in ("/api/v1/members.csv", "/api/v1/members.geojson"):
        response = client.get(f"{path}?country=XX")
        assert response.status_code == 400
        assert response.get_json()["parameter"] == "country"


def test_geojson_is_a_feature_collection_of_points_with_public_properties(client):
    located = factories.make_member("Porto", country="PT", latitude=41.15, longitude=-8.61)
    unlocated = factories.make_member("Nowhere", country="PT", latitude=None, longitude=None)
    factories.make_member("Hidden", country="PT", status="submitted")

    response = client.get("/api/v1/members.geojson?country=PT")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.is_streamed
    collection = json.loads(response.get_data(as_text=True))
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["slug"]: f for f in collection["features"]}
    assert set(features) == {located.slug, unlocated.slug}
    assert features[located.slug]["geometry"] == {"type": "Point", "coordinates": [-8.61, 41.15]}
    assert features[unlocated.slug]["geometry"] is None
    assert set(features[located.slug]["properties"]) == set(MEMBER_FIELDS) - {
        "latitude",
        "longitude",
    }
    assert features[located.slug]["properties"]["url"] == f"http://localhost/members/{located.slug}"


def test_geojson_of_many_members_is_valid_across_chunks(client, app):
    from portal.api import exports

    for n in range(7):
        factories.make_member(f"Chunk {n}", country="LU")
    original = exports.ROWS_PER_CHUNK
    exports.ROWS_PER_CHUNK = 3
    try:
        text = client.get("/api/v1/members.geojson").get_data(as_text=True)
        lines = client.get("/api/v1/members.csv").get_data(as_text=True).splitlines()
    finally:
        exports.ROWS_PER_CHUNK = original
    assert len(json.loads(text)["features"]) == 7
    assert len(lines) == 8


def test_csv_has_the_public_columns_and_a_bom(client):
    member = factories.make_member(
        "Évry-Courcouronnes",
        country="FR",
        region="Île-de-France",
        population=67000,
        joined_on=date(2024, 2, 2),
    )
    response = client.get("/api/v1/members.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "members.csv" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(MEMBER_FIELDS)
    assert rows[0]["name"] == "Évry-Courcouronnes"
    assert rows[0]["region"] == "Île-de-France"
    assert rows[0]["population"] == "67000"
    assert rows[0]["joined_on"] == "2024-02-02"
    assert rows[0]["url"] == f"http://localhost/members/{member.slug}"


def test_csv_cells_cannot_run_as_formulas(client):
    factories.make_member(
        '=HYPERLINK("http://evil.example","x")',
        region="+cmd|' /C calc'!A0",
        website="@SUM(1+1)",
        country="IE",
        latitude=53.3,
        longitude=-6.26,
    )
    factories.make_member("-2+3", region="\tTabbed", country="IE", slug="minus-town")
    factories.make_member("\rReturn", region="Plain", country="IE", slug="cr-town")
    text = client.get("/api/v1/members.csv?sort=name").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    cells = [
        value
        for row in rows
        for name, value in row.items()
        if name not in ("latitude", "longitude", "population", "actions")
    ]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["minus-town"]["name"] == "'-2+3"
    assert by_slug["minus-town"]["region"] == "'\tTabbed"
    assert by_slug["cr-town"]["name"] == "'\rReturn"
    formula = next(r for r in rows if r["slug"] not in ("minus-town", "cr-town"))
    assert formula["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert formula["region"] == "'+cmd|' /C calc'!A0"
    assert formula["website"] == "'@SUM(1+1)"
    assert formula["longitude"] == "-6.26"  # a number we wrote stays a number


def test_one_member_with_published_actions_and_progress(client):
    author = factories.make_user(name="Reporter Person")
    member = factories.make_member("Lyon", country="FR")
    action = factories.make_action(
        member,
        title="Bollards at Place Bellecour",
        category="security_by_design",
        budget_eur=120000,
        language="fr",
    )
    factories.make_update(
        action,
        percent=20,
        text="Tender published.",
        reported_on=date(2025, 2, 1),
        author_id=author.id,
    )
    factories.make_update(
        action,
        percent=60,
        text="Half installed.",
        reported_on=date(2025, 6, 1),
        author_id=author.id,
        language="",  # written before the portal asked
    )
    factories.make_action(member, title="Secret draft", published=False)

    response = client.get(f"/api/v1/members/{member.slug}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Lyon" and body["actions"] == 1
    assert [a["title"] for a in body["published_actions"]] == ["Bollards at Place Bellecour"]
    published = body["published_actions"][0]
    assert published["budget_eur"] == 120000
    assert published["percent_complete"] == 60
    assert published["language"] == "fr"
    assert published["updates"] == [
        {
            "reported_on": "2025-02-01",
            "text": "Tender published.",
            "percent_complete": 20,
            "status": "in_progress",
            "language": "en",
        },
        {
            "reported_on": "2025-06-01",
            "text": "Half installed.",
            "percent_complete": 60,
            "status": "in_progress",
            "language": None,
        },
    ]
    assert "Reporter Person" not in response.get_data(as_text=True)


def test_unknown_or_not_public_member_is_a_404_json(client):
    draft = factories.make_member("Drafty", status="draft")
    for slug in ("no-such-town", draft.slug):
        response = client.get(f"/api/v1/members/{slug}")
        assert response.status_code == 404
        assert response.get_json() == {"status": 404, "error": "No public member has this slug."}
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404


def test_actions_are_published_ones_of_public_members_filtered(client):
    gent = factories.make_member("Gent", country="BE")
    graz = factories.make_member("Graz", country="AT")
    hidden = factories.make_member("Hidden", country="AT", status="suspended")
    a1 = factories.make_action(gent, category="crisis_management", status="planned")
    a2 = factories.make_action(graz, category="security_by_design", status="completed")
    a3 = factories.make_action(graz, category="crisis_management", status="in_progress")
    factories.make_action(graz, published=False)
    factories.make_action(hidden)

    def ids(**query):
        response = client.get("/api/v1/actions", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids() == [a3.id, a2.id, a1.id]
    assert ids(category="crisis_management") == [a3.id, a1.id]
    assert ids(category=["crisis_management", "security_by_design"]) == [a3.id, a2.id, a1.id]
    assert ids(status="completed") == [a2.id]
    assert ids(country="be") == [a1.id]
    assert ids(member=graz.slug) == [a3.id, a2.id]
    assert ids(member=graz.slug, per_page=1, page=2) == [a2.id]
    first = client.get("/api/v1/actions").get_json()["items"][0]
    assert first["member"] == {
        "slug": graz.slug,
        "name": "Graz",
        "country": "AT",
        "url": f"http://localhost/members/{graz.slug}",
    }

    assert client.get("/api/v1/actions?member=nobody").status_code == 404
    assert client.get(f"/api/v1/actions?member={hidden.slug}").status_code == 404
    bad = client.get("/api/v1/actions?status=done")
    assert bad.status_code == 400 and "completed" in bad.get_json()["allowed"]
    assert client.get("/api/v1/actions?q=x").get_json()["parameter"] == "q"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members",
        "/api/v1/members.csv",
        "/api/v1/members.geojson",
        "/api/v1/actions",
        "/api/v1/openapi.json",
        "MEMBER",
    ],
)
def test_conditional_get_with_etag(client, path):
    member = factories.make_member("Etagville")
    factories.make_action(member)
    path = f"/api/v1/members/{member.slug}" if path == "MEMBER" else path
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/members",
        "/api/v1/members.csv",
        "/api/v1/members.geojson",
        "/api/v1/stats",
        "MEMBER",
    ],
)
def test_a_change_shows_at_once_with_a_new_etag(app, client, db, path, frozen_clock):
    member = factories.make_member("Oldname", population=1234)
    path = f"/api/v1/members/{member.slug}" if path == "MEMBER" else path
    first = client.get(path)
    assert "1234" in first.get_data(as_text=True)
    member.population = 5678
    db.session.commit()
    if path.endswith("stats"):  # an aggregate: within the bound
        frozen_clock.advance(seconds=app.config["AGGREGATE_REFRESH_SECONDS"])
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert "5678" in second.get_data(as_text=True)
    assert second.headers["ETag"] != first.headers["ETag"]


def test_cors_on_answers_and_preflight(client):
    response = client.get("/api/v1/members", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/members",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in client.get("/members").headers


def test_the_api_refuses_writes(client):
    assert client.post("/api/v1/members").status_code == 405
    assert client.delete("/api/v1/members").get_json()["status"] == 405


def test_stats_count_public_members_and_published_actions_only(client):
    wien = factories.make_member(
        "Wien", country="AT", population=1900000, joined_on=date(2019, 1, 1)
    )
    factories.make_member(
        "Linz", country="AT", population=200000, joined_on=date(2021, 1, 1), status="on_hold"
    )
    factories.make_member("Graz", country="AT", population=290000, status="submitted")
    factories.make_action(wien, category="eu_funding", status="completed", funding=["isf_police"])
    factories.make_action(wien, category="eu_funding", published=False, funding=["uia"])

    response = client.get("/api/v1/stats")
    assert response.status_code == 200
    stats = response.get_json()
    assert stats["members"] == {"total": 2, "population": 2100000}
    austria = next(c for c in stats["countries"] if c["country"] == "AT")
    assert (austria["members"], austria["population_covered"]) == (2, 2100000)
    assert [j for j in stats["joins"] if j["members"]] == [
        {"year": 2019, "members": 1, "cumulative": 1},
        {"year": 2021, "members": 1, "cumulative": 2},
    ]
    assert stats["actions"]["total"] == 1
    assert {"category": "eu_funding", "actions": 1} in stats["actions"]["by_category"]
    assert {"source": "isf_police", "actions": 1} in stats["funding"]
    assert {"source": "uia", "actions": 0} in stats["funding"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"

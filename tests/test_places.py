"""The gazetteer of EU places and its JSON search, used by the application form."""

import pytest

from portal.core.countries import COUNTRY_CODES
from portal.places import service

PUBLIC_KEYS = {
    "geonames_id",
    "name",
    "geonames_name",
    "country",
    "country_name",
    "region",
    "population",
    "latitude",
    "longitude",
}


def names(matches) -> list[tuple[str, str]]:
    return [(m.name, m.place.country) for m in matches]


def test_loaded_once_per_process_with_eu_places_only():
    first = service.gazetteer()
    assert service.gazetteer() is first
    places = service.eu_places()
    assert len(places) > 70_000
    assert {p.country for p in places} == set(COUNTRY_CODES)
    assert all(p.population is None or p.population > 0 for p in places)  # unknown is None
    populations = [p.population for p in places[:1000]]
    assert populations == sorted(populations, reverse=True)


def test_folded_search_finds_lodz_with_its_region_and_location():
    lodz = service.search("lodz")[0]
    assert (lodz.name, lodz.place.country, lodz.place.region) == ("Łódź", "PL", "Lodz Voivodeship")
    assert lodz.place.population > 500_000
    assert 51 < lodz.place.latitude < 52 and 19 < lodz.place.longitude < 20
    assert service.find_place(lodz.place.geonames_id) == lodz.place
    # A place whose own name contains the query is shown by that name, not by a foreign one.
    assert ("Aleksandrów Łódzki", "PL") in names(service.search("lodz"))


@pytest.mark.parametrize("query", ["koln", " KOLN ", "Köln", "köln"])
def test_case_accents_and_spacing_do_not_matter(query):
    assert names(service.search(query, "DE"))[0] == ("Köln", "DE")


def test_official_names_that_geonames_keeps_as_alternates():
    assert names(service.search("kobenhavn"))[0] == ("København", "DK")
    warsaw = service.search("Warszawa")[0]
    assert (warsaw.name, warsaw.place.name) == ("Warszawa", "Warsaw")
    assert warsaw.public()["geonames_name"] == "Warsaw"


def test_exact_name_first_then_prefix_then_contains_each_by_population():
    found = service.search("ans")
    assert [m.name for m in found[:2]] == ["Ans", "Ans"]  # Belgium and Denmark, exact
    assert found[0].place.population > found[1].place.population
    prefix = [m for m in found[2:] if m.name == m.place.name and m.name.startswith("Ans")]
    assert prefix and [m.place.population for m in prefix] == sorted(
        (m.place.population for m in prefix), reverse=True
    )
    wroclaw = names(service.search("wroclaw"))
    assert wroclaw[0] == ("Wrocław", "PL")
    assert ("Kąty Wrocławskie", "PL") in wroclaw  # contains, after the prefix matches


def test_country_filter_and_limit():
    assert {m.place.country for m in service.search("st", "AT")} == {"AT"}
    assert len(service.search("st")) == service.MAX_RESULTS
    assert len(service.search("st", limit=5)) == 5
    assert service.search("koln", "PT") == []


def test_find_place_checks_the_country():
    cologne = service.search("koln", "DE")[0].place
    assert service.find_place(cologne.geonames_id, "DE") == cologne
    assert service.find_place(cologne.geonames_id, "AT") is None
    assert service.find_place(1) is None and service.find_place(None) is None


def test_too_short_query_is_an_error():
    with pytest.raises(service.QueryTooShort):
        service.search(" ł ")


# --- the JSON endpoint -----------------------------------------------------------------------


def test_search_endpoint_returns_public_place_data(client):
    response = client.get("/places/search?q=lodz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == len(body["results"]) > 0
    first = body["results"][0]
    assert set(first) == PUBLIC_KEYS
    assert (first["name"], first["country"], first["country_name"]) == ("Łódź", "PL", "Poland")
    assert isinstance(first["geonames_id"], int) and isinstance(first["latitude"], float)


def test_search_endpoint_filters_by_country_and_caps_results(client):
    body = client.get("/places/search?q=st&country=at").get_json()
    assert body["country"] == "AT" and {r["country"] for r in body["results"]} == {"AT"}
    assert len(client.get("/places/search?q=st").get_json()["results"]) <= 20


@pytest.mark.parametrize(
    ("query", "message"),
    [("q=l", "at least 2 letters"), ("", "at least 2 letters"), ("q=lodz&country=XX", "country")],
)
def test_search_endpoint_errors_are_json(client, query, message):
    response = client.get(f"/places/search?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and message in body["error"]


def test_search_is_public_and_changes_nothing(client):
    assert client.get("/places/search?q=bonn").status_code == 200
    assert client.post("/places/search?q=bonn").status_code == 405

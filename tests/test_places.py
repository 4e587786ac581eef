"""The gazetteer of EU places and its JSON search, used by the application form."""

import threading

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
    "region_label",
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
    assert (lodz.name, lodz.place.country, lodz.place.region) == ("Łódź", "PL", "Łódzkie")
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


def only(name: str, country: str) -> list[service.Place]:
    return [p for p in service.eu_places() if p.name == name and p.country == country]


def test_districts_of_larger_municipalities_are_left_out_the_cities_kept():
    for district, country in [
        ("Adlershof", "DE"),
        ("Kreuzberg", "DE"),
        ("Carabanchel", "ES"),
        ("Favoriten", "AT"),
        ("Sector 1", "RO"),
        # No PPLX, but in the municipality of a larger capital or region seat:
        ("Mokotów", "PL"),
        ("Ciudad Lineal", "ES"),
        ("Lido di Ostia", "IT"),
        ("Marseille 13", "FR"),
    ]:
        assert only(district, country) == [], district
        assert all(m.place.name != district for m in service.search(district, country))
    for city, country in [
        ("Berlin", "DE"),
        ("Madrid", "ES"),
        ("Rome", "IT"),
        ("Vienna", "AT"),
        ("Warsaw", "PL"),
    ]:
        assert len(only(city, country)) == 1 and only(city, country)[0].population > 1_000_000
    assert len(only("Tassin-la-Demi-Lune", "FR")) == 1  # a commune, though GeoNames says Lyon
    berlin = only("Berlin", "DE")[0]
    in_berlin = [p for p in service.eu_places() if p.region_code == berlin.region_code]
    assert len(in_berlin) < 10  # was more than a hundred districts
    assert service.gazetteer().sources["left_out"].startswith("feature code PPLX")


@pytest.mark.parametrize(
    ("city", "country", "region", "english", "french"),
    [
        ("Stuttgart", "DE", "Baden-Württemberg", "Baden-Württemberg", "Bade-Wurtemberg"),
        ("Hannover", "DE", "Niedersachsen", "Lower Saxony", "Basse-Saxe"),
        ("Marseille", "FR", "Provence-Alpes-Côte-d’Azur", None, None),
        ("Bordeaux", "FR", "Nouvelle-Aquitaine", "New Aquitania", None),  # not "Aquitaine"
        ("Sevilla", "ES", "Andalucía", None, "Andalousie"),
        ("Brno", "CZ", "Jihomoravský kraj", "South Moravian", "Moravie du Sud"),
        ("Gothenburg", "SE", "Västra Götalands län", None, None),
    ],
)
def test_regions_are_named_in_their_own_language_translated_where_a_name_exists(
    city, country, region, english, french
):
    place = max(only(city, country), key=lambda p: p.population or 0)
    assert place.region == region
    assert service.region_name(place) == region
    assert service.region_name(place, "en") == (english or region)
    assert service.region_name(place, "fr") == (french or service.region_name(place, "fr"))
    assert service.region_name(place, "xx") == region


def test_names_for_gives_every_name_in_every_script():
    athens = only("Athens", "GR")[0]
    names = service.names_for(athens.geonames_id)
    assert names[0] == "Athens"
    assert {"Αθήνα", "Athína", "Афины", "雅典"} <= set(names)
    assert len(names) == len(set(names)) and all(name.strip() == name != "" for name in names)
    assert service.names_for(only("Fuencarral", "ES")[0].geonames_id) == ("Fuencarral",)
    assert service.names_for(1) == ()


@pytest.mark.parametrize(
    ("query", "country", "expected"),
    [
        ("Αθήνα", "GR", "Athens"),
        ("София", "BG", "Sofia"),
        ("Kopenhagen", None, "Copenhagen"),
        ("København", None, "Copenhagen"),
        ("Copenhagen", None, "Copenhagen"),
    ],
)
def test_found_by_an_alternate_name_in_any_script(query, country, expected):
    found = service.search(query, country)
    assert found and found[0].place.name == expected
    assert found[0].place.geonames_id in {
        p.geonames_id for p in only(expected, found[0].place.country)
    }


def test_the_index_folds_as_the_search_does():
    """The folded names in the index are those portal.places.folding gives now (else rebuild
    it with scripts/build_gazetteer.py)."""
    from portal.places.folding import fold_any

    for entry in service.gazetteer().entries[:2000]:
        assert entry.key == fold_any(entry.place.name)
        assert all(folded == fold_any(written) for folded, written in entry.alternates)


def test_create_app_loads_the_gazetteer_so_the_first_search_does_not(monkeypatch):
    from portal import create_app

    loaded = service.gazetteer()
    loads = []

    def counted_load():
        loads.append(1)
        return loaded

    monkeypatch.setattr(service, "_load", counted_load)
    monkeypatch.setattr(service, "_gazetteer", None)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PRELOAD_GAZETTEER": True}
    )
    for thread in threading.enumerate():
        if thread.name == "gazetteer-load":
            thread.join(5)
    assert loads == [1] and service.is_loaded()
    response = app.test_client().get("/places/search?q=berlin")
    assert response.status_code == 200 and response.get_json()["count"] > 0
    assert loads == [1]  # the search found it loaded


def test_a_process_forked_while_loading_does_not_wait_for_a_lost_thread(monkeypatch):
    loaded = service.gazetteer()
    monkeypatch.setattr(service, "_gazetteer", None)
    monkeypatch.setattr(service, "_load", lambda: loaded)
    held = service._lock
    with held:  # as the loading thread holds it when the process forks
        service._after_fork_in_child()
        assert service._lock is not held and not service._lock.locked()
        assert service.gazetteer() is loaded
    monkeypatch.setattr(service, "_lock", held)


def test_the_suite_does_not_preload(app, monkeypatch):
    monkeypatch.setattr(service, "_gazetteer", None)
    monkeypatch.setattr(service, "warm_up", lambda: pytest.fail("loaded at start-up"))
    assert app.config["PRELOAD_GAZETTEER"] is False
    from portal import create_app

    create_app({**app.config})


def test_a_second_warm_up_loads_nothing():
    service.gazetteer()
    assert service.warm_up() is None


# --- the JSON endpoint -----------------------------------------------------------------------


def test_search_endpoint_returns_public_place_data(client):
    response = client.get("/places/search?q=lodz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == len(body["results"]) > 0
    first = body["results"][0]
    assert set(first) == PUBLIC_KEYS
    assert (first["name"], first["country"], first["country_name"]) == ("Łódź", "PL", "Poland")
    assert (first["region"], first["region_label"]) == ("Łódzkie", "Łódź Voivodeship")  # en
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


def test_search_endpoint_names_the_region_in_the_page_language(client):
    body = client.get("/places/search?q=hannover&country=DE", headers={"Accept-Language": "en"})
    first = body.get_json()["results"][0]
    assert (first["region"], first["region_label"]) == ("Niedersachsen", "Lower Saxony")


def test_search_endpoint_finds_a_place_by_a_name_in_another_script(client):
    body = client.get("/places/search", query_string={"q": "Αθήνα"}).get_json()
    assert body["results"][0]["geonames_name"] == "Athens"
    assert body["results"][0]["country"] == "GR"

"""The public directory at /members: search ignoring case and accents, filters, sorting, paging,
shareable GET addresses and clear messages for values that are not allowed."""

import re
from dataclasses import replace
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from portal.directory.query import parse_filters
from tests import factories


def names_on(response) -> list[str]:
    """The member names of the results table, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'<th scope="row"><a href="/members/[^"]+">([^<]+)</a></th>', html)


@pytest.fixture
def cities():
    return {
        "lodz": factories.make_member("Łódź", country="PL", region="Łódzkie"),
        "koln": factories.make_member("Köln", country="DE", region="Nordrhein-Westfalen"),
        "wroclaw": factories.make_member("Wrocław", country="PL", region="Dolnośląskie"),
        "kobenhavn": factories.make_member("København", country="DK", region="Hovedstaden"),
        "frankfurt": factories.make_member("Frankfurt am Main", country="DE", region="Hessen"),
        "warszawa": factories.make_member("Warszawa", country="PL", region="Mazowieckie"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lodz", ["Łódź"]),
        ("LODZ", ["Łódź"]),
        ("Łódź", ["Łódź"]),
        ("koln", ["Köln"]),
        ("KÖLN", ["Köln"]),
        ("wroclaw", ["Wrocław"]),
        ("Wroc", ["Wrocław"]),
        ("kobenhavn", ["København"]),
        ("København", ["København"]),
        ("main", ["Frankfurt am Main"]),
        ("frankfurt main", ["Frankfurt am Main"]),
        ("mazowieckie", ["Warszawa"]),  # the region
        ("dolnoslaskie", ["Wrocław"]),
        ("ankfurt", []),  # inside a word: not a word start
        ("lodz koln", []),  # every word must match
    ],
)
def test_search_ignores_case_and_accents_and_matches_word_starts(client, cities, query, expected):
    response = client.get("/members", query_string={"q": query})
    assert response.status_code == 200
    assert names_on(response) == expected


def test_the_page_lists_public_members_only_with_links_to_their_pages(client):
    shown = factories.make_member("Gent", country="BE")
    held = factories.make_member("Brugge", country="BE", status="on_hold")
    for status in ("draft", "submitted", "changes_requested", "rejected", "suspended", "withdrawn"):
        factories.make_member(f"Hidden {status}", country="BE", status=status)

    # A member on hold leaves the default listing; "Active and on hold" shows it again.
    response = client.get("/members")
    html = response.get_data(as_text=True)
    assert names_on(response) == ["Gent"]
    assert f'href="/members/{held.slug}"' not in html
    assert re.search(r'<option selected value="active">|<option value="active" selected', html)

    response = client.get("/members?status=all")
    html = response.get_data(as_text=True)
    assert names_on(response) == ["Brugge", "Gent"]
    assert f'href="/members/{shown.slug}"' in html
    assert f'href="/members/{held.slug}"' in html
    assert "Hidden" not in html
    assert "2 members" in html
    assert names_on(client.get("/members?status=on_hold")) == ["Brugge"]
    # The open data keeps every public member unless asked.
    api = client.get("/api/v1/members").get_json()
    assert {m["name"] for m in api["items"]} == {"Brugge", "Gent"}


def test_the_form_is_a_get_form_with_labels_and_the_count_is_announced(client, cities):
    html = client.get("/members?q=lodz").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/members"[^>]*role="search"', html)
    for name in ("q", "region", "population", "category", "status", "year", "sort"):
        assert re.search(rf'<label for="{name}">', html), name
    assert "<legend>Country</legend>" in html
    assert re.search(r'<h2 id="results-heading" role="status">\s*1 member matches', html)
    assert "<title>Members (1 found)" in html
    assert 'value="lodz"' in html  # the search is shown back
    # A search is ordered by best match: no column is the sort, and the select says so.
    assert "aria-sort" not in html
    assert '<option selected value="relevance">Best match</option>' in html
    html = client.get("/members?q=lodz&sort=name").get_data(as_text=True)
    assert '<th scope="col" aria-sort="ascending">' in html


def test_filters_by_country_several_region_status_population_and_year(client):
    factories.make_member(
        "Alpha", country="DE", region="Bayern", population=3000, joined_on=date(2019, 5, 1)
    )
    factories.make_member(
        "Bravo",
        country="FR",
        region="Bretagne",
        population=12000,
        joined_on=date(2021, 1, 1),
        status="on_hold",
    )
    factories.make_member(
        "Charlie", country="IT", region="Lazio", population=600000, joined_on=date(2021, 12, 31)
    )

    def names(**query):
        return names_on(client.get("/members", query_string={"status": "all", **query}))

    assert names(country=["DE", "FR"]) == ["Alpha", "Bravo"]
    assert names(country="it") == ["Charlie"]
    assert names(region="bayern") == ["Alpha"]
    assert names(region="BRETAGNE") == ["Bravo"]
    assert names(status="on_hold") == ["Bravo"]
    assert names(status="active") == ["Alpha", "Charlie"]
    assert names(population="under-5000") == ["Alpha"]
    assert names(population="5000-20000") == ["Bravo"]
    assert names(population="500000-plus") == ["Charlie"]
    assert names(year="2021") == ["Bravo", "Charlie"]
    assert names(year="2019", country="DE") == ["Alpha"]
    assert names(year="2020") == []


def test_category_filter_counts_published_actions_only(client):
    planters = factories.make_member("Planterville")
    draft_only = factories.make_member("Draftville")
    factories.make_action(planters, category="security_by_design")
    factories.make_action(planters, category="security_by_design", published=False)
    factories.make_action(draft_only, category="security_by_design", published=False)
    factories.make_action(draft_only, category="crisis_management")

    response = client.get("/members?category=security_by_design")
    assert names_on(response) == ["Planterville"]
    html = client.get("/members").get_data(as_text=True)
    # published actions per member: Draftville 1, Planterville 1
    assert re.findall(r'<td class="num">(\d+)</td>\s*</tr>', html) == ["1", "1"]


def test_category_filter_with_a_search_and_a_country(client):
    """The category is checked per candidate member (EXISTS), with the search's and the
    country's own conditions: each narrows the others."""
    hit = factories.make_member("Neustadt an der Weinstraße", country="DE")
    wrong_country = factories.make_member("Neustadt bei Wien", country="AT")
    unpublished = factories.make_member("Neustadt in Holstein", country="DE")
    other_category = factories.make_member("Neustadt am Rübenberge", country="DE")
    factories.make_member("Bonn", country="DE")
    for member in (hit, wrong_country):
        factories.make_action(member, category="security_by_design")
    factories.make_action(unpublished, category="security_by_design", published=False)
    factories.make_action(other_category, category="crisis_management")

    response = client.get("/members?q=neu&country=DE&category=security_by_design")
    assert names_on(response) == ["Neustadt an der Weinstraße"]
    assert "1 member matches" in response.get_data(as_text=True)
    both = client.get("/members?q=neu&category=security_by_design&sort=name")
    assert names_on(both) == ["Neustadt an der Weinstraße", "Neustadt bei Wien"]


def test_sorting_and_the_sort_links(client):
    factories.make_member("Bravo", population=2000, joined_on=date(2020, 1, 1))
    factories.make_member("Alpha", population=3000, joined_on=date(2022, 1, 1))
    factories.make_member("Charlie", population=1000, joined_on=date(2018, 6, 1))

    def names(sort):
        return names_on(client.get("/members", query_string={"sort": sort}))

    assert names("name") == ["Alpha", "Bravo", "Charlie"]
    assert names("-name") == ["Charlie", "Bravo", "Alpha"]
    assert names("population") == ["Charlie", "Bravo", "Alpha"]
    assert names("-population") == ["Alpha", "Bravo", "Charlie"]
    assert names("joined_on") == ["Charlie", "Bravo", "Alpha"]
    assert names("-joined_on") == ["Alpha", "Bravo", "Charlie"]
    html = client.get("/members?sort=population&country=DE").get_data(as_text=True)
    assert '<th scope="col" class="num" aria-sort="ascending">' in html
    assert 'href="/members?country=DE&amp;sort=-population"' in html


def test_paging_keeps_the_filters_and_marks_the_current_page(client):
    for n in range(7):
        factories.make_member(f"Town {n}", country="AT")
    factories.make_member("Elsewhere", country="SE")

    response = client.get("/members?country=AT&per_page=3&page=2")
    html = response.get_data(as_text=True)
    assert names_on(response) == ["Town 3", "Town 4", "Town 5"]
    assert "7 members match" in html
    assert "Showing 4 to 6 of 7." in html
    assert re.search(r'<nav aria-label="Pages of members">', html)
    assert re.search(
        r'href="/members\?country=AT&amp;per_page=3&amp;page=2" aria-current="page"', html
    )
    assert 'href="/members?country=AT&amp;per_page=3&amp;page=3" rel="next"' in html
    assert names_on(client.get("/members?country=AT&per_page=3&page=3")) == ["Town 6"]
    beyond = client.get("/members?country=AT&per_page=3&page=9").get_data(as_text=True)
    assert "There are no members on this page." in beyond


def test_values_not_allowed_give_a_clear_message_next_to_the_field(client, cities):
    response = client.get(
        "/members?country=XX&sort=size&population_min=many&year=20x1&category=bogus"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert "Unknown country code “XX”." in html
    assert "Unknown sort “size”." in html
    assert "population_min must be a whole number from 0 to 1000000000." in html
    assert "year must be a whole number from 1900 to 2100." in html
    assert "Unknown category “bogus”." in html
    assert 'id="sort-error"' in html and 'aria-describedby="sort-error"' in html
    assert names_on(response) == []


def test_conflicting_population_band_and_bounds_are_refused(client):
    response = client.get("/members?population=under-5000&population_min=10")
    assert response.status_code == 400
    assert "Give either a population band or population_min/population_max." in (
        response.get_data(as_text=True)
    )


def test_links_to_open_data_downloads_carry_the_filters(client, cities):
    html = client.get("/members?q=lodz&country=PL&page=1").get_data(as_text=True)
    assert 'href="/api/v1/members.csv?q=lodz&amp;country=PL"' in html
    assert 'href="/api/v1/members.geojson?q=lodz&amp;country=PL"' in html
    assert 'href="/api/v1/openapi.json"' in html


def test_parse_filters_folds_the_search_and_normalises_countries():
    filters = parse_filters(
        MultiDict([("q", "  Łódź  KÖLN "), ("country", "pl,de"), ("country", "PL")])
    )
    assert filters.words == ("lodz", "koln")
    assert filters.countries == ("DE", "PL")
    assert filters.errors == ()
    band = parse_filters(MultiDict({"population": "5000-20000", "year": "2020"}))
    assert (band.population_min, band.population_max) == (5000, 19999)
    assert (band.joined_from, band.joined_to) == (date(2020, 1, 1), date(2020, 12, 31))
    wrong = parse_filters(MultiDict({"joined_from": "2024-05-01", "joined_to": "2024-01-01"}))
    assert [e.parameter for e in wrong.errors] == ["joined_to"]


@pytest.mark.parametrize("slug", ["%00", "koln%00-de", "K%C3%B6ln-de", "x" * 141])
def test_an_address_that_cannot_be_a_slug_is_no_member_page(client, slug):
    """Not looked up at all: PostgreSQL refuses NUL even in a query (a server error before)."""
    factories.make_member("Köln", slug="koln-de")
    assert client.get("/members/koln-de").status_code == 200
    assert client.get(f"/members/{slug}").status_code == 404
    assert client.get(f"/api/v1/members/{slug}").status_code == 404
    assert client.get(f"/api/v1/actions?member={slug}").status_code == 404


def test_a_search_past_its_last_page_still_counts_its_matches(client, cities):
    """A search reads its page and its number of matches in one query; past the last page
    there is no row to carry the number, and it is counted apart."""
    html = client.get("/members?q=wroclaw&page=5").get_data(as_text=True)
    assert "1 member matches" in html
    assert "There are no members on this page." in html
    first = client.get("/members?q=wroclaw").get_data(as_text=True)
    assert "1 member matches" in first
    assert names_on(client.get("/members?q=wroclaw")) == ["Wrocław"]


@pytest.mark.parametrize("late_rows", [False, True])
def test_a_deep_page_is_the_same_read_either_way(app, late_rows, monkeypatch):
    """Deep pages on PostgreSQL read the ids first, then the rows: the same members, in the
    same order, as the plain OFFSET (checked on either database)."""
    from portal.directory import query
    from portal.extensions import db

    for n in range(30):
        factories.make_member(f"Town {n:02d}", country="FR", population=1000 + (n * 7919) % 97)
    monkeypatch.setattr(query, "LATE_ROWS_FROM", 5)
    for sort in ("name", "-population", "joined_on"):
        filters = query.parse_filters(MultiDict({"country": "FR", "sort": sort, "per_page": "4"}))
        for page in (1, 2, 3, 8):
            paged = replace(filters, page=page)
            plain = db.session.execute(query.members_page(paged)).all()
            either = db.session.execute(query.members_page(paged, late_rows)).all()
            assert [r.slug for r in either] == [r.slug for r in plain]
            assert len(plain) == (4 if page < 8 else 2)


def test_a_search_without_result_offers_ways_on_and_no_downloads(client):
    factories.make_member("Köln", country="DE")
    html = client.get("/members?q=zzxqy&country=DE").get_data(as_text=True)
    assert "No member matches these filters." in html
    # No downloads of an empty list.
    assert "Download this list" not in html
    assert "/api/v1/members.csv" not in html and "/api/v1/members.geojson" not in html
    # The ways on: spelling, the same words without the filters, everything cleared, countries,
    # applying and help.
    assert "check the spelling of “zzxqy”" in html
    assert 'href="/members?q=zzxqy"' in html
    assert 'href="/members">clear the search and all filters' in html
    assert 'href="/members#country-0">browse the members by country' in html
    assert 'href="/apply">Apply to join the covenant' in html
    assert 'href="/help">Help and contact' in html


def test_a_search_with_results_still_offers_its_downloads(client):
    factories.make_member("Köln", country="DE")
    html = client.get("/members?q=koln").get_data(as_text=True)
    assert "Download this list" in html and "/api/v1/members.csv?q=koln" in html
    assert "check the spelling" not in html


def test_the_default_listing_counts_active_members_from_the_kept_counts(client):
    from werkzeug.datastructures import MultiDict

    from portal.directory.query import count_members, parse_filters
    from portal.extensions import db as _db
    from portal.membership.transitions import transition
    from portal.models.members import APPROVED

    gent = factories.make_member("Gent", country="BE")
    factories.make_member("Brugge", country="BE", status="on_hold")
    factories.make_member("Köln", country="DE")
    default = parse_filters(MultiDict(), default_status=APPROVED)
    assert not default.is_filtered  # the page's default is no filter the visitor chose
    query = count_members(default)
    assert "public_counts" in str(query) and "members.status" not in str(query)
    assert _db.session.scalar(query) == 2
    assert "2 members" in client.get("/members").get_data(as_text=True)
    # A hold moves a member out of the count at once, through the counts kept at commit.
    transition(None, gent, "on_hold", "Late.")
    _db.session.commit()
    assert _db.session.scalar(count_members(default)) == 1
    assert _db.session.scalar(count_members(parse_filters(MultiDict({"status": "on_hold"})))) == 2
    assert names_on(client.get("/members?country=BE")) == []
    assert names_on(client.get("/members?country=BE&status=all")) == ["Brugge", "Gent"]

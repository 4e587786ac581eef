"""The directory keeps one statement per shape of filters (which filters are set, the order,
the status) and runs it with each request's values as parameters. A kept statement must
answer exactly what a statement built for the request itself answers."""

from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.directory import service
from portal.directory.query import SORTS, parameters, parse_filters
from portal.models import Member
from portal.models.members import ON_HOLD
from tests import factories

# Names that rank apart for one search: "Berg" itself, "Bergheim" starting with it, "Am Berg"
# with it at a word's start, then the members of "Bergisches Land", found by their region.
NAMES = [
    "Neustadt",
    "Bad Neustadt",
    "Neudorf",
    "Altdorf",
    "Bergheim",
    "Berg",
    "Am Berg",
    "Neuberg",
    "Altenberg",
    "Dorfen",
]
COUNTRIES = ["AT", "DE", "FR"]
REGIONS = ["Tirol", "Bayern", "Bergisches Land"]
CATEGORIES = ["security_by_design", "crisis_management"]


@pytest.fixture
def members(db):
    for n in range(30):
        member = factories.make_member(
            f"{NAMES[n % len(NAMES)]} {n // len(NAMES) or ''}".strip(),
            country=COUNTRIES[n % 3],
            region=REGIONS[(n // 3) % 3],
            population=[800, 4000, 12000, 45000, 230000][n % 5] + n,
            joined_on=date(2022 + n % 4, 1 + n % 12, 1 + n % 28),
            status=ON_HOLD if n % 7 == 0 else "approved",
        )
        for k in range(n % 4):
            factories.make_action(member, category=CATEGORIES[(n + k) % 2])
    db.session.commit()


# Each filter: how it is set from a value drawn for it.
VALUES = {
    "q": st.sampled_from(["neu", "berg", "dorf", "alt", "neu berg", "tirol", "neudorf", "zzz"]),
    "country": st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True).map(
        ",".join
    ),
    "region": st.sampled_from([*REGIONS, "Nowhere"]),
    "category": st.sampled_from(CATEGORIES),
    "population_min": st.sampled_from(["0", "1000", "5000", "20000"]),
    "population_max": st.sampled_from(["30000", "100000", "300000"]),
    "joined_from": st.dates(date(2021, 1, 1), date(2024, 6, 1)).map(date.isoformat),
    "joined_to": st.dates(date(2024, 6, 2), date(2026, 1, 1)).map(date.isoformat),
}


@st.composite
def two_requests(draw):
    """Two query strings with the same filters set, the same order and the same status, and
    (mostly) other values."""
    names = draw(st.sets(st.sampled_from(sorted(VALUES))))
    common = {
        "sort": draw(st.sampled_from(["", *SORTS])),  # none: by relevance when searching
        "status": draw(st.sampled_from(["active", "on_hold", "all", ""])),
        "per_page": str(draw(st.integers(1, 6))),
    }
    common = {name: value for name, value in common.items() if value}

    def one():
        args = {name: draw(VALUES[name]) for name in names}
        return MultiDict({**common, **args, "page": str(draw(st.integers(1, 4)))})

    return one(), one()


def page_of(filters):
    page = service._find_members(filters)
    return page.total, [(item["slug"], item["actions"]) for item in page.items]


def reused_and_fresh(first, second):
    """The page of `second` from the statement kept for `first`, and from its own."""
    key = service._page_statement_key
    assert key(first) == key(second)
    service._PAGE_STATEMENTS.clear()
    page_of(first)  # builds and keeps the statement of this shape
    kept = service._PAGE_STATEMENTS[key(first)]
    reused = page_of(second)
    assert service._PAGE_STATEMENTS[key(second)] is kept
    service._PAGE_STATEMENTS.clear()
    fresh = page_of(second)
    assert service._PAGE_STATEMENTS[key(second)] is not kept
    return reused, fresh


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Best match first: "Berg", then "Bergheim", then "Am Berg" (ranked by the second's words).
        ("q=neu&per_page=15", "q=berg&per_page=15"),
        ("q=berg&country=AT,FR&per_page=3&page=2", "q=neu&country=DE&per_page=3&page=1"),
        (
            "country=AT&sort=-population&per_page=3&page=2",
            "country=DE,FR&sort=-population&per_page=3&page=3",
        ),
        ("population_min=5000&year=2023&status=all", "population_min=1000&year=2024&status=all"),
        ("region=Tirol&category=crisis_management", "region=Bayern&category=security_by_design"),
    ],
)
def test_a_kept_statement_ranks_filters_and_pages_by_the_request_values(
    app, members, first, second
):
    first_filters, second_filters = (
        parse_filters(
            MultiDict(dict(part.split("=") for part in query.split("&"))), default_status="approved"
        )
        for query in (first, second)
    )
    reused, fresh = reused_and_fresh(first_filters, second_filters)
    assert reused == fresh
    assert fresh[1], "the second request finds members"


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests=two_requests())
def test_a_kept_statement_answers_what_a_new_one_answers(app, members, monkeypatch, requests):
    monkeypatch.setattr(service, "INLINE_COUNTS_UP_TO", 3)  # both ways of counting actions
    first, second = (parse_filters(args, default_status="approved") for args in requests)
    assert not first.errors and not second.errors
    key = service._page_statement_key
    assume(key(first) == key(second))  # else the pages differ in kind (counted apart or not)
    assert parameters(first).keys() == parameters(second).keys()
    reused, fresh = reused_and_fresh(first, second)
    assert reused == fresh


def test_filters_of_one_shape_share_a_statement_and_other_shapes_do_not(app, members):
    def key(query: str):
        return service._page_statement_key(
            parse_filters(MultiDict(dict(p.split("=") for p in query.split("&"))))
        )

    assert key("country=AT&page=1") == key("country=DE,FR&page=2")
    assert key("q=neu&sort=name") == key("q=berg&sort=name")
    assert key("q=neu") != key("q=neu&sort=name")  # ranked, or in name order
    assert key("country=AT") != key("country=AT&region=Tirol")
    assert key("status=active") != key("status=on_hold")  # the kept counts read differ
    assert key("per_page=5&page=1") != key("per_page=5&page=200")  # rows skipped apart


def test_the_statements_kept_are_bounded_and_the_oldest_shape_makes_room(app, members, monkeypatch):
    monkeypatch.setattr(service, "PAGE_STATEMENTS_KEPT", 2)
    service._PAGE_STATEMENTS.clear()
    shapes = ["country=AT", "q=berg", "region=Tirol"]
    for query in shapes:
        name, value = query.split("=")
        assert page_of(parse_filters(MultiDict({name: value}), default_status="approved"))[1]
    kept = list(service._PAGE_STATEMENTS)
    assert len(kept) == 2
    assert kept == [
        service._page_statement_key(
            parse_filters(MultiDict([query.split("=")]), default_status="approved")
        )
        for query in shapes[1:]
    ]


@pytest.mark.parametrize("query", ["q=berg", "q=neu&country=AT,DE", "q=dorf&country=FR"])
def test_a_search_with_a_category_finds_exactly_the_members_with_such_a_published_action(
    app, members, db, query
):
    """The category is part of the search's own term then (on PostgreSQL inside the lookup of
    the matches): the members found are those matching without it that have a published
    action of the category."""
    from portal.models import Action

    args = dict(part.split("=") for part in query.split("&"))
    category = "crisis_management"
    factories.make_action(
        db.session.scalars(select(Member).where(Member.name == "Berg")).one(),
        category=category,
        published=False,  # an unpublished action does not count
    )
    db.session.commit()
    everyone = parse_filters(MultiDict({**args, "per_page": "200"}), default_status="approved")
    with_category = parse_filters(
        MultiDict({**args, "category": category, "per_page": "200"}), default_status="approved"
    )
    having = set(
        db.session.scalars(
            select(Member.slug)
            .join(Action, Action.member_id == Member.id)
            .where(Action.published.is_(True), Action.category == category)
        )
    )
    found = [slug for slug, _ in page_of(with_category)[1]]
    expected = [slug for slug, _ in page_of(everyone)[1] if slug in having]
    assert found == expected and found

"""The directory's filters: the one place that reads them from a query string, checks them and
turns them into SQL over the public members.

The HTML directory, the open data API (JSON, GeoJSON, CSV) and the member map all call
parse_filters() and filtered_members(), so a filter means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator
from werkzeug.datastructures import MultiDict

from portal.core.countries import COUNTRY_CODES
from portal.core.folding import fold
from portal.core.inputs import MAX_COUNT, MAX_PAGE, whole_number
from portal.models import Action, Member, MemberSearch
from portal.models.members import APPROVED, ON_HOLD
from portal.models.publicdata import MEMBERS_COUNT, ON_HOLD_COUNT, PublicCount
from portal.models.search import FTS_TABLE, PG_DOCUMENT

# Public statuses as the public names them, and back.
STATUS_NAMES = {APPROVED: "active", ON_HOLD: "on_hold"}
STATUS_VALUES = {name: status for status, name in STATUS_NAMES.items()}
# "all": active and on hold. The directory's pages list active members unless asked
# (parse_filters' default_status); the API's default is every public member.
ALL_STATUSES = "all"
STATUS_CHOICES = (*STATUS_VALUES, ALL_STATUSES)

# "relevance": best match first (see _relevance); the default when there is a search, else
# the same as "name".
RELEVANCE = "relevance"
SORTS = (RELEVANCE, "name", "-name", "joined_on", "-joined_on", "population", "-population")
DEFAULT_SORT = "name"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 6
MIN_YEAR, MAX_YEAR = 1900, 2100

# Population bands offered on the HTML page: key -> (label, minimum, maximum), inclusive.
POPULATION_BANDS: dict[str, tuple[object, int | None, int | None]] = {
    "under-5000": (_l("Under 5,000"), None, 4999),
    "5000-20000": (_l("5,000 to 19,999"), 5000, 19999),
    "20000-50000": (_l("20,000 to 49,999"), 20000, 49999),
    "50000-100000": (_l("50,000 to 99,999"), 50000, 99999),
    "100000-500000": (_l("100,000 to 499,999"), 100000, 499999),
    "500000-plus": (_l("500,000 and more"), 500000, None),
}

# Every parameter the filters read (page and per_page included).
PARAMETERS = (
    "q",
    "country",
    "region",
    "category",
    "status",
    "population",
    "population_min",
    "population_max",
    "year",
    "joined_from",
    "joined_to",
    "sort",
    "page",
    "per_page",
)


def category_keys() -> tuple[str, ...]:
    from portal.pledges.catalog import CATEGORIES

    return tuple(CATEGORIES)


class FilterError(ValueError):
    """One parameter with a value that is not allowed; `allowed` names what is."""

    def __init__(self, parameter: str, message: str, allowed: list | None = None):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.allowed = allowed

    def as_json(self) -> dict:
        body: dict = {"parameter": self.parameter}
        if self.allowed is not None:
            body["allowed"] = self.allowed
        return body


@dataclass(frozen=True)
class DirectoryFilters:
    """Checked filters: search words are folded, countries upper-case, dates real dates."""

    words: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    region_key: str = ""
    category: str = ""
    status: str = ""  # a Member status (approved, on_hold) or "" for both
    # The address names no status: the page's default (the directory lists active members
    # unless asked, the map and the API every public member), not a filter the visitor chose.
    status_by_default: bool = field(default=False, compare=False)
    population_min: int | None = None
    population_max: int | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # As typed, to show them back in the form and in links.
    query_text: str = ""
    region_text: str = ""
    band: str = ""
    year: int | None = None
    errors: tuple[FilterError, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple:
        """What the answer depends on (for caches and ETags): the checked values only."""
        return (
            self.words,
            self.countries,
            self.region_key,
            self.category,
            self.status,
            self.population_min,
            self.population_max,
            self.joined_from,
            self.joined_to,
            self.sort,
            self.page,
            self.per_page,
        )

    @property
    def offset(self) -> int:
        """The rows skipped before this page."""
        return (self.page - 1) * self.per_page

    def without_paging(self) -> DirectoryFilters:
        return replace(self, page=1, per_page=DEFAULT_PER_PAGE)

    @property
    def is_filtered(self) -> bool:
        return any(
            (
                self.words,
                self.countries,
                self.region_key,
                self.category,
                self.status and not self.status_by_default,
                self.population_min is not None,
                self.population_max is not None,
                self.joined_from,
                self.joined_to,
            )
        )


def _one(args: MultiDict, name: str) -> str:
    return (args.get(name) or "").strip()


def _int(
    args: MultiDict, name: str, errors: list, minimum: int = 0, maximum: int = MAX_COUNT
) -> int | None:
    raw = _one(args, name)
    if not raw:
        return None
    value = whole_number(raw, minimum, maximum)
    if value is None:
        errors.append(
            FilterError(
                name,
                _(
                    "%(name)s must be a whole number from %(minimum)d to %(maximum)d.",
                    name=name,
                    minimum=minimum,
                    maximum=maximum,
                ),
            )
        )
    return value


def _date(args: MultiDict, name: str, errors: list) -> date | None:
    raw = _one(args, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FilterError(name, _("%(name)s must be a date as YYYY-MM-DD.", name=name)))
        return None


def _choice(args: MultiDict, name: str, allowed: tuple[str, ...], errors: list) -> str:
    raw = _one(args, name)
    if raw and raw not in allowed:
        errors.append(
            FilterError(
                name,
                _("Unknown %(name)s “%(value)s”.", name=name, value=raw[:40]),
                list(allowed),
            )
        )
        return ""
    return raw


def parse_filters(
    args: MultiDict, default_per_page: int = DEFAULT_PER_PAGE, default_status: str = ""
) -> DirectoryFilters:
    """Read and check the filters; values that are not allowed are left out and listed in
    `errors` (the caller decides whether to answer 400 or show them next to the fields).
    `default_status` is the member status listed when the address names none ("" for all)."""
    errors: list[FilterError] = []

    query_text = _one(args, "q")[:MAX_QUERY_LENGTH]
    words = tuple(dict.fromkeys(fold(query_text).split()))[:MAX_QUERY_WORDS]
    if query_text and not words:
        # Nothing to search for: matching nothing is the honest answer, and it is an error.
        errors.append(
            FilterError(
                "q",
                _(
                    "“%(value)s” has no letter or digit to search for.",
                    value=query_text[:40],
                ),
            )
        )

    countries: list[str] = []
    for raw in args.getlist("country"):
        for code in raw.replace(",", " ").split():
            code = code.upper()
            if code not in COUNTRY_CODES:
                errors.append(
                    FilterError(
                        "country",
                        _("Unknown country code “%(value)s”.", value=code[:10]),
                        sorted(COUNTRY_CODES),
                    )
                )
            elif code not in countries:
                countries.append(code)

    region_text = _one(args, "region")[:MAX_QUERY_LENGTH]
    category = _choice(args, "category", category_keys(), errors)
    status_name = _choice(args, "status", STATUS_CHOICES, errors)
    sort = _choice(args, "sort", SORTS, errors) or (RELEVANCE if words else DEFAULT_SORT)

    band = _choice(args, "population", tuple(POPULATION_BANDS), errors)
    population_min = _int(args, "population_min", errors)
    population_max = _int(args, "population_max", errors)
    if band:
        if population_min is not None or population_max is not None:
            errors.append(
                FilterError(
                    "population",
                    _("Give either a population band or population_min/population_max."),
                )
            )
        else:
            _label, population_min, population_max = POPULATION_BANDS[band]
    if (
        population_min is not None
        and population_max is not None
        and population_min > population_max
    ):
        errors.append(
            FilterError("population_max", _("population_max must not be below population_min."))
        )

    year = _int(args, "year", errors, MIN_YEAR, MAX_YEAR)
    joined_from = _date(args, "joined_from", errors)
    joined_to = _date(args, "joined_to", errors)
    if year is not None:
        if joined_from or joined_to:
            errors.append(
                FilterError("year", _("Give either a joining year or joined_from/joined_to."))
            )
        else:
            joined_from, joined_to = date(year, 1, 1), date(year, 12, 31)
    if joined_from and joined_to and joined_from > joined_to:
        errors.append(FilterError("joined_to", _("joined_to must not be before joined_from.")))

    page = _int(args, "page", errors, 1, MAX_PAGE) or 1
    per_page = _int(args, "per_page", errors, 1, MAX_PER_PAGE) or default_per_page

    return DirectoryFilters(
        words=words,
        countries=tuple(sorted(countries)),
        region_key=fold(region_text),
        category=category,
        status=(
            STATUS_VALUES.get(status_name, "")
            if status_name
            else ("" if "status" in args else default_status)
        ),
        status_by_default="status" not in args,
        population_min=population_min,
        population_max=population_max,
        joined_from=joined_from,
        joined_to=joined_to,
        sort=sort,
        page=page,
        per_page=per_page,
        query_text=query_text,
        region_text=region_text,
        band=band,
        year=year,
        errors=tuple(errors),
    )


def unknown_parameters(args: MultiDict, allowed: tuple[str, ...] = PARAMETERS) -> list[str]:
    return sorted(name for name in args if name not in allowed)


class _SearchWords(TypeDecorator):
    """The search words, written as each database's query: `"lod"* AND "x"*` for FTS5, `lod:*
    & x:*` for to_tsquery. A type, so the statement around them is compiled once and cached
    like any other; only the value changes."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return " & ".join(f"{word}:*" for word in value)
        return " AND ".join(f'"{word}"*' for word in value)


class SearchMatch(ColumnElement[bool]):
    """members.id IN (the members whose names or region have a word starting with each of
    these words), found through the search index (portal.models.search): FTS5 on SQLite, the
    GIN index over a tsvector on PostgreSQL. Words are fold()ed: [0-9a-z] only.

    Given the countries searched in and a category (parameters, as in conditions()),
    PostgreSQL keeps only the matches in those countries with a published action of that
    category before it looks the members up ("neu" in Germany with a category: 75 members
    looked up, not 499; 3 to 5 ms a query instead of 7 to 8). The category is then this
    term's alone (conditions() adds no other); the caller filters the members by country
    anyway."""

    # No Boolean type: SQLite (no native booleans) would be given "... IN (...) = 1", which
    # its planner does not read as a search of the index.
    inherit_cache = True
    _traverse_internals = [
        ("words", InternalTraversal.dp_clauseelement),
        ("countries", InternalTraversal.dp_clauseelement),
        ("category", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self,
        words: tuple[str, ...],
        countries: BindParameter | None = None,
        category: BindParameter | None = None,
    ):
        self.words = bindparam("search_words", tuple(words), type_=_SearchWords())
        self.countries = countries
        self.category = category


# A published action of the category, of the member whose id is given (our names only).
_HAS_CATEGORY = (
    "EXISTS (SELECT 1 FROM actions WHERE actions.member_id = {member_id} "
    "AND actions.published = {true} AND actions.category = {category})"
)


# The words go in as a bound parameter; the SQL around them is ours (table and index names).
@compiles(SearchMatch, "sqlite")
def _search_match_sqlite(element: SearchMatch, compiler, **kw) -> str:
    member_id = compiler.process(Member.id, **kw)
    words = compiler.process(element.words, **kw)
    match = f"{member_id} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {words})"  # noqa: S608
    if element.category is None:
        return match
    category = compiler.process(element.category, **kw)
    return f"({match} AND {_HAS_CATEGORY.format(member_id=member_id, true=1, category=category)})"


@compiles(SearchMatch, "postgresql")
def _search_match_postgresql(element: SearchMatch, compiler, **kw) -> str:
    member_id = compiler.process(Member.id, **kw)
    words = compiler.process(element.words, **kw)
    within = ""
    if element.countries is not None:
        within = f" AND country IN {compiler.process(element.countries, **kw)}"
    if element.category is not None:
        category = compiler.process(element.category, **kw)
        has = _HAS_CATEGORY.format(
            member_id="member_search.member_id", true="true", category=category
        )
        within += f" AND {has}"
    # = ANY(ARRAY(...)): the matches are read once (an InitPlan) and looked up by id. With IN
    # the planner may hash-join them against every member instead (25 ms, not 2, at 79,000).
    return (
        f"{member_id} = ANY(ARRAY(SELECT member_id FROM member_search "  # noqa: S608
        f"WHERE {PG_DOCUMENT} @@ to_tsquery('simple', {words}){within}))"
    )


class PublicWhenSearching(ColumnElement[bool]):
    """Member.is_public, in a search. On SQLite written `+members.status IN (...)`: the unary
    plus keeps the planner from walking an index over the status (every public member) and
    testing each row against the few the search index found; it looks those up by id."""

    inherit_cache = True
    _traverse_internals = []  # nothing varies: cached as it is


@compiles(PublicWhenSearching)
def _public_when_searching(element: PublicWhenSearching, compiler, **kw) -> str:
    return compiler.process(Member.is_public, **kw)


@compiles(PublicWhenSearching, "sqlite")
def _public_when_searching_sqlite(element: PublicWhenSearching, compiler, **kw) -> str:
    return "+" + compiler.process(Member.is_public, **kw)


def parameters(filters: DirectoryFilters) -> dict[str, object]:
    """The values the filters put in their statements, by the names of their bound parameters:
    a filter that is not set has none. Executed with these, a statement built for other
    filters of the same statement_shape() gives the answer for these (the directory keeps its
    statements per shape: building one costs more than the query)."""
    values: dict[str, object] = {}
    if filters.words:
        values["search_words"] = filters.words
        if _ranked(filters):
            phrase = " ".join(filters.words)
            values |= {
                "name_exact": f"%|{phrase}|%",
                "name_start": f"%|{phrase}%",
                "word_start": f"% {phrase}%",
            }
    if filters.countries:
        values["countries"] = list(filters.countries)
    for name in ("region_key", "category", "status"):
        if getattr(filters, name):
            values[name] = getattr(filters, name)
    for name in ("population_min", "population_max", "joined_from", "joined_to"):
        if getattr(filters, name) is not None:
            values[name] = getattr(filters, name)
    return values


def statement_shape(filters: DirectoryFilters) -> tuple:
    """What the SQL of the filters' statements depends on besides parameters(): which filters
    are set, the order, and the status (the kept counts read for the total depend on it)."""
    return (tuple(parameters(filters)), filters.sort, filters.status)


def conditions(filters: DirectoryFilters) -> list[ColumnElement[bool]]:
    """The WHERE terms for these filters, over public members only, each value a parameter
    named as in parameters()."""
    values = parameters(filters)

    def value(name: str, expanding: bool = False):
        return bindparam(name, values[name], expanding=expanding)

    terms: list[ColumnElement[bool]] = []
    if filters.words:
        countries = value("countries", expanding=True) if filters.countries else None
        category = value("category") if filters.category else None
        terms += [PublicWhenSearching(), SearchMatch(filters.words, countries, category)]
    else:
        terms.append(Member.is_public)
    if filters.countries:
        terms.append(Member.country.in_(value("countries", expanding=True)))
    if filters.region_key:
        terms.append(Member.region_key == value("region_key"))
    if filters.status:
        terms.append(Member.status == value("status"))
    if filters.population_min is not None:
        terms.append(Member.population >= value("population_min"))
    if filters.population_max is not None:
        terms.append(Member.population <= value("population_max"))
    if filters.joined_from:
        terms.append(Member.joined_on >= value("joined_from"))
    if filters.joined_to:
        terms.append(Member.joined_on <= value("joined_to"))
    if filters.category and not filters.words:  # a search's SearchMatch has it
        # EXISTS, looked up per candidate member through the index over (member_id,
        # published): an IN list would first gather every member with such an action (a
        # sixth of all actions, 60 ms at 77,000 members) before a search's few matches.
        terms.append(
            select(Action.id)
            .where(
                Action.member_id == Member.id,
                Action.published.is_(True),
                Action.category == value("category"),
            )
            .exists()
        )
    return terms


SORT_COLUMNS = {
    "name": Member.name_key,
    "joined_on": Member.joined_on,
    "population": Member.population,
}


def _relevance(filters: DirectoryFilters) -> ColumnElement[int]:
    """0 when one of the member's names is the search, 1 when one starts with it, 2 when one
    has it at the start of a word; 3 else (the words are found apart, or in the region)."""
    values = parameters(filters)
    return case(
        *(
            (MemberSearch.names.like(bindparam(name, values[name])), rank)
            for rank, name in enumerate(("name_exact", "name_start", "word_start"))
        ),
        else_=3,
    )


def _ranked(filters: DirectoryFilters) -> bool:
    return filters.sort == RELEVANCE and bool(filters.words)


def _order(filters: DirectoryFilters) -> tuple:
    if _ranked(filters):
        # Best match, then the biggest place: "wien" gives Vienna before Wiener Neustadt.
        return (
            _relevance(filters),
            Member.population.desc().nulls_last(),
            Member.name_key,
            Member.id,
        )
    name = "name" if filters.sort == RELEVANCE else filters.sort.removeprefix("-")
    column = SORT_COLUMNS[name]
    if filters.words:
        # A search matches few members, spread all over the sort order: reading the table once
        # and sorting the matches beats walking the sort index and fetching every row it names
        # (about 6 times faster at 80,000 members on SQLite). An expression has no index, so the
        # planner reads and sorts; it keeps the order (text and ISO dates as text).
        column = column + 0 if name == "population" else column.op("||")(literal_column("''"))
    if filters.sort.startswith("-"):
        return column.desc(), Member.id.desc()
    return column.asc(), Member.id.asc()


# The columns any public output may show. Never select the Member entity for public output:
# a column added to the model later cannot leak through these queries.
PUBLIC_COLUMNS = (
    Member.id,
    Member.slug,
    Member.name,
    Member.country,
    Member.region,
    Member.population,
    Member.latitude,
    Member.longitude,
    Member.joined_on,
    Member.status,
    Member.website,
)


def filtered_members(filters: DirectoryFilters, *columns) -> Select:
    """SELECT the given columns (PUBLIC_COLUMNS by default) of the matching public members,
    in the chosen order, without paging."""
    statement = select(*(columns or PUBLIC_COLUMNS))
    if _ranked(filters):
        statement = statement.join_from(Member, MemberSearch, MemberSearch.member_id == Member.id)
    return statement.where(and_(*conditions(filters))).order_by(*_order(filters))


# From this many rows skipped on, a page reads the ids first and the rows after.
LATE_ROWS_FROM = 500


def members_page(filters: DirectoryFilters, late_rows: bool = False, *extra) -> Select:
    """One page of filtered_members (PUBLIC_COLUMNS), for lists without a search (a search
    reads its page with its count, portal.directory.service). With `late_rows` (the service asks
    for it from LATE_ROWS_FROM rows skipped on), deep in a list the rows skipped are walked in
    an index alone and only the page's own rows are read from the table: PostgreSQL would
    otherwise fetch every skipped row (page 40 of France: 2,000 fetches, 1.5 ms), and so does
    SQLite when the state asked for is not in the index it picks (the directory's default,
    active members: 6 ms, 1.4 ms in the index)."""
    if not late_rows:
        return paged(filtered_members(filters, *PUBLIC_COLUMNS, *extra), filters)
    ids = paged(filtered_members(filters, Member.id), filters)
    return (
        select(*PUBLIC_COLUMNS, *extra)
        .where(Member.id.in_(ids.scalar_subquery()))
        .order_by(*_order(filters))
    )


def paged(statement: Select, filters: DirectoryFilters) -> Select:
    """The statement limited to the filters' page, its size and offset parameters as named in
    page_parameters()."""
    values = page_parameters(filters)
    return statement.limit(bindparam("page_limit", values["page_limit"])).offset(
        bindparam("page_offset", values["page_offset"])
    )


def page_parameters(filters: DirectoryFilters) -> dict[str, int]:
    return {"page_limit": filters.per_page, "page_offset": filters.offset}


def count_members(filters: DirectoryFilters) -> Select:
    """How many public members match. With no filter but countries, the number comes from
    the counts kept per country at every write (public_counts), not from counting the rows:
    an exact count of 77,000 rows takes 30 to 200 ms on PostgreSQL."""
    if not replace(filters, countries=(), status="").is_filtered:
        # Public members, those on hold, or the active ones: all of them less those on hold.
        kinds = {"": (MEMBERS_COUNT,), ON_HOLD: (ON_HOLD_COUNT,)}.get(
            filters.status, (MEMBERS_COUNT, ON_HOLD_COUNT)
        )
        value = (
            PublicCount.value
            if len(kinds) == 1
            else case(
                (PublicCount.kind == ON_HOLD_COUNT, -PublicCount.value), else_=PublicCount.value
            )
        )
        total = cast(func.coalesce(func.sum(value), 0), BigInteger)  # PG: numeric
        kept = select(total).where(PublicCount.kind.in_(kinds), PublicCount.key == "")
        if filters.countries:
            countries = bindparam("countries", list(filters.countries), expanding=True)
            kept = kept.where(PublicCount.country.in_(countries))
        return kept
    return select(func.count()).select_from(Member).where(and_(*conditions(filters)))


def published_action_counts(member_ids: list[int] | BindParameter) -> Select:
    """(member_id, number of published actions) for these members, in one grouped query."""
    return (
        select(Action.member_id, func.count())
        .where(Action.member_id.in_(member_ids), Action.published.is_(True))
        .group_by(Action.member_id)
    )


def published_actions_count_column():
    """A correlated count of a member's published actions, for streamed exports."""
    return (
        select(func.count())
        .where(Action.member_id == Member.id, Action.published.is_(True))
        .correlate(Member)
        .scalar_subquery()
        .label("actions")
    )

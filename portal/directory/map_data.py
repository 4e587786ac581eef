"""The member map's data: compact points for every public member, and who is at a point.

The whole EU is about 80,000 members, so the points travel in a compact form (about 190 KB
gzipped for all of them):

    {"format": 1, "scale": 1000, "count": N, "lat": [...], "lon": [...]}

Coordinates are rounded to 3 decimals (about 110 m; a municipality is larger than that, and the
exact figures are on the member's page and in the API) and sent as integers (degrees x scale).
The points are ordered along rows of 0.1 degree of latitude, alternately west to east and east
to west, and each list holds the difference to the previous point: neighbouring places give small
numbers, which gzip packs well. A client reads them as

    lat = lon = 0; for i: lat += lat[i]; lon += lon[i]; point(lat / scale, lon / scale)

No names or ids are sent: a click on a point asks members_at() for the members at it (with the
same filters), so the map's first answer stays small whatever the number of members. Zoomed in,
the map asks names_in() for the names in view, at most MAX_NAMES of them, to label its points.

Both answers are built from the public columns only. The points and their count are aggregates
(kept, as gzip bytes too, for AGGREGATE_REFRESH_SECONDS at most: portal.core.cache); who is at a
point is a list, kept until a member of the filtered countries changes.
"""

import gzip
import json
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, select

from portal.core.cache import Aged, public_cache
from portal.directory.query import DEFAULT_SORT, DirectoryFilters, conditions
from portal.extensions import db
from portal.models import Action, Member
from portal.models.publicdata import MEMBERS, list_scopes

FORMAT = 1
SCALE = 1000  # 3 decimals
ROW = 100  # rows of 0.1 degree of latitude, in SCALE units
MAX_AT = 50  # members listed in one popup at most
MAX_NAMES = 300  # labels drawn in one view at most; a view with more is too crowded to label
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Encoded:
    """A JSON body and its gzip form, ready to send."""

    body: bytes
    gzipped: bytes
    count: int


def map_points(filters: DirectoryFilters) -> Aged[Encoded]:
    """The public members matching the filters, as compact points (see the module docstring),
    a few seconds old at most."""
    key = ("map-points", FORMAT, filter_key(filters))
    return public_cache().aggregate(key, lambda: _map_points(filters))


def count_points(filters: DirectoryFilters) -> int:
    """How many points map_points() gives for these filters, from one count query."""
    key = ("map-count", FORMAT, filter_key(filters))
    return public_cache().aggregate(key, lambda: db.session.scalar(_count(filters)) or 0).value


def _count(filters: DirectoryFilters):
    return select(func.count()).select_from(Member).where(*_where(filters))


def _where(filters: DirectoryFilters) -> list:
    return [
        and_(*conditions(filters)),
        Member.latitude.is_not(None),
        Member.longitude.is_not(None),
    ]


def filter_key(filters: DirectoryFilters) -> tuple:
    # Sorting and paging do not change the map.
    return replace(filters.without_paging(), sort=DEFAULT_SORT).key


def _map_points(filters: DirectoryFilters) -> Encoded:
    rows = db.session.execute(select(Member.latitude, Member.longitude).where(*_where(filters)))
    points = [(round(lat * SCALE), round(lon * SCALE)) for lat, lon in rows]
    points.sort(key=_row_order)
    lats, lons = _deltas(p[0] for p in points), _deltas(p[1] for p in points)
    body = json.dumps(
        {"format": FORMAT, "scale": SCALE, "count": len(points), "lat": lats, "lon": lons},
        separators=(",", ":"),
    ).encode("ascii")
    return Encoded(body, gzip.compress(body, GZIP_LEVEL, mtime=0), len(points))


def _row_order(point: tuple[int, int]) -> tuple[int, int]:
    row = point[0] // ROW
    return (row, point[1] if row % 2 == 0 else -point[1])


def _deltas(values) -> list[int]:
    out, previous = [], 0
    for value in values:
        out.append(value - previous)
        previous = value
    return out


def members_at(filters: DirectoryFilters, lat: float, lon: float) -> dict:
    """{"total": N, "items": [...]}: the public members matching the filters whose rounded
    point is (lat, lon), by name, the first MAX_AT of them: what a popup shows. Items hold
    public fields only: slug, name, country, region, status, population, joined_on (ISO date or
    None) and actions (the number of published actions)."""
    key = ("map-at", FORMAT, filter_key(filters), round(lat * SCALE), round(lon * SCALE))
    scopes = list_scopes(MEMBERS, filters.countries)
    return public_cache().get(key, lambda: _members_at(filters, lat, lon), scopes)


def _published_actions():
    """The number of published actions of the member of the row, as a correlated subquery."""
    return (
        select(func.count(Action.id))
        .where(Action.member_id == Member.id, Action.published.is_(True))
        .correlate(Member)
        .scalar_subquery()
    )


def _members_at(filters: DirectoryFilters, lat: float, lon: float) -> dict:
    target = (round(lat * SCALE), round(lon * SCALE))
    margin = 1 / SCALE
    rows = db.session.execute(
        select(
            Member.slug,
            Member.name,
            Member.country,
            Member.region,
            Member.status,
            Member.population,
            Member.joined_on,
            _published_actions().label("actions"),
            Member.latitude,
            Member.longitude,
        )  # fmt: skip
        .where(
            and_(*conditions(filters)),
            Member.latitude.between(lat - margin, lat + margin),
            Member.longitude.between(lon - margin, lon + margin),
        )
        .order_by(Member.name_key, Member.id)
    )
    found = [
        {
            "slug": row.slug,
            "name": row.name,
            "country": row.country,
            "region": row.region,
            "status": str(row.status),
            "population": row.population,
            "joined_on": row.joined_on.isoformat() if row.joined_on else None,
            "actions": row.actions or 0,
        }
        for row in rows
        # The same rounding as the points, so a click finds exactly the members drawn there.
        if (round(row.latitude * SCALE), round(row.longitude * SCALE)) == target
    ]
    return {"total": len(found), "items": found[:MAX_AT]}


def names_in(filters: DirectoryFilters, south: float, west: float, north: float, east: float):
    """{"total": N, "items": [{"name", "lat", "lon"}, ...]}: the names of the public members
    matching the filters inside the box, at their rounded points, to label the map's points; no
    items when there are more than MAX_NAMES (the map does not label a crowded view). The box
    is widened to whole tenths of a degree, so that nearby views share one answer."""
    box = (
        _tenth_down(south), _tenth_down(west), _tenth_up(north), _tenth_up(east)
    )  # fmt: skip
    key = ("map-names", FORMAT, filter_key(filters), box)
    scopes = list_scopes(MEMBERS, filters.countries)
    return public_cache().get(key, lambda: _names_in(filters, *(b / 10 for b in box)), scopes)


def _tenth_down(value: float) -> int:
    return int(value * 10 // 1)


def _tenth_up(value: float) -> int:
    return -int(-value * 10 // 1)


def _names_in(filters: DirectoryFilters, south: float, west: float, north: float, east: float):
    rows = db.session.execute(
        select(Member.name, Member.latitude, Member.longitude)
        .where(
            *_where(filters),
            Member.latitude.between(south, north),
            Member.longitude.between(west, east),
        )
        .order_by(Member.name_key, Member.id)
        .limit(MAX_NAMES + 1)
    ).all()
    if len(rows) > MAX_NAMES:
        return {"total": len(rows), "items": []}
    items = [
        {"name": name, "lat": round(lat * SCALE) / SCALE, "lon": round(lon * SCALE) / SCALE}
        for name, lat, lon in rows
    ]
    return {"total": len(items), "items": items}

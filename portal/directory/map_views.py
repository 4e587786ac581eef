"""The member map page, its data and the shipped country outlines.

/map takes the directory's query-string filters; its filter form reloads /map with them (it works
without JavaScript), and the data addresses the page hands to static/js/map.js carry the same
filters. The data answers are sent gzipped when the client accepts it, with an ETag. The points
and counts are aggregates, a few seconds old at most (AGGREGATE_REFRESH_SECONDS).
"""

import gzip
import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from portal.core.cache import public_cache
from portal.core.countries import country_name
from portal.core.errors import json_error
from portal.core.http import filter_error, key_etag, unknown_parameter
from portal.core.inputs import decimal_number
from portal.core.pages import AGGREGATE, cached_for_visitors
from portal.core.templating import nice_date, number_text
from portal.directory import map_data
from portal.directory.forms import DirectoryForm, filter_form_html
from portal.directory.query import ALL_STATUSES, PARAMETERS, parse_filters, unknown_parameters
from portal.models.members import MemberStatus
from portal.pledges.catalog import CATEGORIES

bp = Blueprint("map", __name__)

OUTLINES = Path("vendor/world-atlas-2.0.2/europe-50m.geojson")  # under the static folder
# The map ignores sorting and paging; the rest of the directory's parameters filter it.
MAP_PARAMETERS = tuple(p for p in PARAMETERS if p not in ("sort", "page", "per_page"))
BOX = ("south", "west", "north", "east")  # the view whose points /map/names.json labels
CACHE_CONTROL = "public, no-cache"  # stored, but revalidated by ETag, so a change shows at once


def _filter_args() -> dict[str, list[str]]:
    """The map's filter parameters of this request (known names, non-empty values only)."""
    return {
        name: [v for v in values if v.strip()]
        for name, values in request.args.lists()
        if name in MAP_PARAMETERS and any(v.strip() for v in values)
    }


@bp.route("/map")
@cached_for_visitors(AGGREGATE)
def member_map():
    filters = parse_filters(request.args)
    count = None if filters.errors else map_data.count_points(filters)
    args = _filter_args()
    points_url = url_for("map.points", **args)
    outlines_url = url_for("map.outlines")

    def render_content() -> str:
        filter_form = filter_form_html(
            request.args,
            filters,
            lambda: DirectoryForm(request.args, CATEGORIES, default_status=ALL_STATUSES),
            endpoint="map.member_map",
            class_="map-filters",
            label=_("Filter the members on the map"),
            button=_("Show on the map"),
            with_sort=False,
        )
        return render_template(
            "map/_content.html",
            filter_form=filter_form,
            filters=filters,
            count=count,
            points_url=points_url,
            at_url=url_for("map.at", **args),
            names_url=url_for("map.names", **args),
            outlines_url=outlines_url,
            directory_url=url_for("directory.members", **args),
            tile_url=current_app.config.get("MAP_TILE_URL", ""),
            tile_attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
        )

    # The content (form, count, map settings) is the same for everyone asking the same thing in
    # the same language: an aggregate, like the count; the layout around it per request.
    asked = tuple(sorted((name, tuple(values)) for name, values in request.args.lists()))
    content = public_cache().aggregate(("map-html", asked, str(get_locale())), render_content)
    content = content.value
    body = render_template(
        "map/map.html",
        count=count,
        points_url=points_url,
        outlines_url=outlines_url,
        content_html=Markup(content),  # noqa: S704 (our own autoescaped template output)
    )
    return body, 400 if filters.errors else 200


def _checked_filters():
    """The filters of a data request, or the JSON error answer for a bad parameter."""
    # The directory's parameters are all understood; sorting and paging change nothing here.
    allowed = {
        "map.at": (*PARAMETERS, "lat", "lon"),
        "map.names": (*PARAMETERS, *BOX),
    }.get(request.endpoint, PARAMETERS)
    unknown = unknown_parameters(request.args, allowed)
    if unknown:
        return None, unknown_parameter(unknown[0], allowed)
    filters = parse_filters(request.args)
    if filters.errors:
        return None, filter_error(filters.errors[0])
    return filters, None


@bp.route("/map/points.json")
def points():
    filters, error = _checked_filters()
    if error is not None:
        return error
    points = map_data.map_points(filters)
    key = (map_data.FORMAT, points.as_of.isoformat(), map_data.filter_key(filters))
    etag = key_etag("map-points", *key)
    return _send(points.value.body, points.value.gzipped, "application/json", etag)


@bp.route("/map/at.json")
def at():
    filters, error = _checked_filters()
    if error is not None:
        return error
    lat = _coordinate("lat", 90)
    lon = _coordinate("lon", 180)
    if lat is None or lon is None:
        return json_error(
            400,
            _("lat and lon must be decimal degrees (lat from -90 to 90, lon from -180 to 180)."),
            parameter="lat" if lat is None else "lon",
        )
    found = map_data.members_at(filters, lat, lon)
    items = [_card(item) for item in found["items"]]
    response = current_app.json.response({"total": found["total"], "items": items})
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _card(item: dict) -> dict:
    """A member at a point, with what its card on the map shows in the visitor's language."""
    joined = item["joined_on"]
    return dict(
        item,
        country_name=country_name(item["country"]),
        status_label=str(MemberStatus(item["status"]).label),
        population_text=(
            _("Population: %(num)s", num=number_text(item["population"]))
            if item["population"] is not None
            else ""
        ),
        joined_text=(
            _("Member since %(date)s", date=nice_date(date.fromisoformat(joined))) if joined else ""
        ),
        actions_text=ngettext(
            "%(num)s published action", "%(num)s published actions", item["actions"]
        ),
        url=url_for("membership.member_page", slug=item["slug"]),
    )


@bp.route("/map/names.json")
def names():
    """The names of the members in a view (south, west, north, east), to label its points."""
    filters, error = _checked_filters()
    if error is not None:
        return error
    box = [_coordinate(name, 90 if name in ("south", "north") else 180) for name in BOX]
    if any(value is None for value in box):
        missing = BOX[[value is None for value in box].index(True)]
        return json_error(
            400,
            _("south, west, north and east must be decimal degrees of the view."),
            parameter=missing,
        )
    response = current_app.json.response(map_data.names_in(filters, *box))
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _coordinate(name: str, limit: int) -> float | None:
    return decimal_number(request.args.get(name, ""), -limit, limit)


@bp.route("/map/outlines.geojson")
def outlines():
    """The country outlines shipped with the portal (Natural Earth), gzipped once per process."""
    body, gzipped, etag = _outlines(current_app.static_folder)
    response = _send(body, gzipped, "application/geo+json", etag)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@lru_cache(maxsize=2)
def _outlines(static_folder: str) -> tuple[bytes, bytes, str]:
    body = (Path(static_folder) / OUTLINES).read_bytes()
    return body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:32]


def _encoded_etag(etag: str) -> str:
    # Each encoding has its own ETag, so a cache never mixes them up.
    return f"{etag}-gz" if "gzip" in request.accept_encodings else etag


def _not_modified(etag: str) -> Response | None:
    """A 304 answer if the client already holds this version, else None."""
    etag = _encoded_etag(etag)
    if not request.if_none_match.contains(etag):
        return None
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _send(body: bytes, gzipped: bytes, mimetype: str, etag: str) -> Response:
    """The body (gzipped if the client takes it), with a conditional GET on the ETag."""
    cached = _not_modified(etag)
    if cached is not None:
        return cached
    use_gzip = "gzip" in request.accept_encodings
    response = Response(gzipped if use_gzip else body, mimetype=mimetype)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(_encoded_etag(etag))
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response

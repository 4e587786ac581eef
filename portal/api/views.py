"""The open data API, read-only, under /api/v1. Each view checks the parameters with the
directory's own parsers, asks the directory service, and answers JSON (or CSV, GeoJSON, and the
DCAT-AP catalogue of it all in Turtle and JSON-LD) with an ETag; answers are cached until what
they show changes (the statistics: a few seconds at most). The whole-EU exports are streamed,
gzipped on the way when the client accepts it."""

from flask import Blueprint, Response, request, stream_with_context

from portal.api import catalog, exports
from portal.api.openapi import openapi_body
from portal.core import http
from portal.core.cache import current_tokens, public_cache
from portal.core.errors import json_error
from portal.directory.action_query import ACTION_PARAMETERS, parse_action_filters
from portal.directory.public import member_output, member_url_builder
from portal.directory.query import PARAMETERS, parse_filters, unknown_parameters
from portal.directory.service import (
    action_list_scopes,
    find_actions,
    find_members,
    iter_members,
    member_exists,
    member_list_scopes,
    public_member,
)
from portal.models.publicdata import member_scope
from portal.stats.service import overview

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_app_request
def cors(response: Response) -> Response:
    # After the app's request, so that errors outside any view (unknown paths) get it too.
    if request.path.startswith(bp.url_prefix + "/"):
        http.add_cors(response)
    return response


def _checked_filters():
    """(filters, None) or (None, a 400 answer naming the parameter and what it allows)."""
    unknown = unknown_parameters(request.args, PARAMETERS)
    if unknown:
        return None, http.unknown_parameter(unknown[0], PARAMETERS)
    filters = parse_filters(request.args)
    if filters.errors:
        return None, http.filter_error(filters.errors[0])
    return filters, None


def _encoded(build):
    def compute():
        value = build()
        if value is None:
            return None
        body = http.dumps(value)
        return body, http.body_etag(body)

    return compute


def _cached_json(key: tuple, build, scopes):
    """(body, etag) of a JSON answer, built once per site address until the parts of the
    public data it shows (`scopes`) change."""
    return public_cache().get((*key, request.url_root), _encoded(build), scopes)


@bp.get("/members")
def members():
    filters, error = _checked_filters()
    if error:
        return error

    def build():
        page = find_members(filters)
        url = member_url_builder()
        return {
            "items": [member_output(item, url) for item in page.items],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
        }

    body, etag = _cached_json(("members", filters.key), build, member_list_scopes(filters))
    return http.json_answer(body, etag)


def _stream(kind: str, mimetype: str, writer, filename: str):
    filters, error = _checked_filters()
    if error:
        return error
    tokens = current_tokens(member_list_scopes(filters))
    gzipped = "gzip" in request.accept_encodings
    # Each encoding has its own ETag, so a cache never hands one to a client of the other.
    etag = http.key_etag(kind, tokens, filters.without_paging().key, request.url_root, gzipped)
    unchanged = http.not_modified(etag)
    if unchanged is not None:
        unchanged.headers["Vary"] = "Accept-Encoding"
        return unchanged
    chunks = writer(iter_members(filters), member_url_builder())
    if gzipped:
        chunks = exports.gzipped(chunks)
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(etag)
    response.headers["Cache-Control"] = http.CACHE_CONTROL
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/members.geojson")
def members_geojson():
    return _stream("geojson", "application/geo+json", exports.members_geojson, "members.geojson")


@bp.get("/members.csv")
def members_csv():
    return _stream("csv", "text/csv", exports.members_csv, "members.csv")


@bp.get("/members/<slug:slug>")
def member(slug: str):
    unknown = unknown_parameters(request.args, ())
    if unknown:
        return http.unknown_parameter(unknown[0], ())

    def build():
        record = public_member(slug)
        if record is None:
            return None
        url = member_url_builder()
        answer = member_output(record, url)
        answer["published_actions"] = record["action_list"]
        return answer

    cached = _cached_json(("member", slug), build, [member_scope(slug)])
    if cached is None:
        return json_error(404, "No public member has this slug.")
    return http.json_answer(*cached)


@bp.get("/actions")
def actions():
    unknown = unknown_parameters(request.args, ACTION_PARAMETERS)
    if unknown:
        return http.unknown_parameter(unknown[0], ACTION_PARAMETERS)
    filters = parse_action_filters(request.args)
    if filters.errors:
        return http.filter_error(filters.errors[0])

    def build():
        page = find_actions(filters)
        if filters.member and page.total == 0 and not member_exists(filters.member):
            return None
        url = member_url_builder()
        items = []
        for item in page.items:
            item = dict(item)
            item["member"] = {**item["member"], "url": url(item["member"]["slug"])}
            items.append(item)
        return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}

    key = ("actions", filters.key, filters.page, filters.per_page)
    cached = _cached_json(key, build, action_list_scopes(filters))
    if cached is None:
        return json_error(404, "No public member has this slug.", parameter="member")
    return http.json_answer(*cached)


@bp.get("/stats")
def stats():
    unknown = unknown_parameters(request.args, ())
    if unknown:
        return http.unknown_parameter(unknown[0], ())

    def build():
        stats = overview()
        return {**stats.value, "as_of": stats.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")}

    # An aggregate like the figures themselves: a few seconds old at most.
    key = ("stats", request.url_root)
    return http.json_answer(*public_cache().aggregate(key, _encoded(build)).value)


def _catalog(fmt: str):
    unknown = unknown_parameters(request.args, ())
    if unknown:
        return http.unknown_parameter(unknown[0], ())

    def build():
        body = catalog.serialized(catalog.catalog_graph(), fmt)
        return body, http.body_etag(body)

    key = ("catalog", fmt, request.url_root)
    body, etag = public_cache().get(key, build, catalog.CATALOG_SCOPES)
    return http.json_answer(body, etag, catalog.MEDIA_TYPES[fmt])


@bp.get("/catalog.ttl")
def catalog_turtle():
    return _catalog("turtle")


@bp.get("/catalog.jsonld")
def catalog_jsonld():
    return _catalog("json-ld")


@bp.get("/openapi.json")
def openapi():
    unknown = unknown_parameters(request.args, ())
    if unknown:
        return http.unknown_parameter(unknown[0], ())
    return http.json_answer(*openapi_body())

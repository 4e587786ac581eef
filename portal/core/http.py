"""What every JSON answer shares (the API's and the map's): bodies with an ETag and conditional
GET, CORS for GET, and JSON errors naming what is allowed."""

import hashlib
import json
from typing import Protocol

from flask import Response, request

from portal.core.errors import json_error

# Part of every ETag of a streamed answer: change it when the output format changes.
API_REVISION = "1"
CACHE_CONTROL = "public, no-cache"  # may be stored, but revalidated (cheaply, by ETag) each time


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def body_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def key_etag(*parts) -> str:
    """An ETag from what a streamed answer depends on (data version, query), not its body."""
    return hashlib.sha256(repr((API_REVISION, *parts)).encode("utf-8")).hexdigest()[:32]


def not_modified(etag: str) -> Response | None:
    """A 304 answer if the client already has this version, else None."""
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response
    return None


def json_answer(body: bytes, etag: str, mimetype: str = "application/json") -> Response:
    response = not_modified(etag)
    if response is not None:
        return response
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


class ParameterError(Protocol):
    """A query parameter with a value that is not allowed (the directory's FilterError)."""

    message: str

    def as_json(self) -> dict: ...


def filter_error(error: ParameterError):
    return json_error(400, error.message, **error.as_json())


def unknown_parameter(name: str, allowed: tuple[str, ...]):
    return json_error(
        400, f"Unknown parameter “{name[:40]}”.", parameter=name[:40], allowed=list(allowed)
    )


def add_cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response

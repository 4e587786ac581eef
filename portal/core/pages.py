"""Whole public pages kept for anonymous visitors until what they show changes.

A visitor who is not signed in and has no message waiting sees exactly what every such visitor
sees for the same address, language and day: the page is rendered once and then served as it
is. Each page says what it shows: `scopes`, a function of the view's arguments giving the
parts of the public data it shows (portal.models.publicdata; a change to one of them shows at
once), or AGGREGATE for a page of aggregates (statistics, the map), kept for
AGGREGATE_REFRESH_SECONDS at most (portal.core.cache). Signed-in users, pending flash messages,
and any rendering that touches the session (a form token, say) always get a page of their own.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.core import clock
from portal.core.cache import public_cache

# Headers that belong to one response, never to a copy served to someone else.
_PRIVATE_HEADERS = {"set-cookie", "content-length"}
AGGREGATE = "aggregate"


class _Personal(Exception):
    """The page turned out to depend on this visitor; it is served but not kept."""

    def __init__(self, response: Response):
        self.response = response


def cached_for_visitors(scopes: Callable[..., Iterable[str]] | str):
    """Serve anonymous visitors a kept copy of the page (see the module docstring)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.is_authenticated or "_flashes" in session:
                return view(*args, **kwargs)

            def render():
                response = make_response(view(*args, **kwargs))
                if session.modified or response.direct_passthrough:
                    raise _Personal(response)
                headers = [(k, v) for k, v in response.headers if k.lower() not in _PRIVATE_HEADERS]
                return response.status_code, response.get_data(), headers

            today = clock.today_utc().isoformat()  # deadlines shown count in days
            key = ("page", request.endpoint, request.full_path, str(get_locale()), today)
            try:
                if scopes == AGGREGATE:
                    status, body, headers = public_cache().aggregate(key, render).value
                else:
                    status, body, headers = public_cache().get(key, render, scopes(**kwargs))
            except _Personal as personal:
                return personal.response
            return Response(body, status=status, headers=headers)

        return wrapper

    return decorate

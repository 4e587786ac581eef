"""Feeds and badges for other websites: /feeds/members.atom, /feeds/good-practice.atom (each
with ?country=XX), /members/<slug>/badge.svg and /badge.svg (each with ?lang=xx; a language
the portal does not speak gives the default language)."""

from flask import Blueprint, Response, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.http import not_modified
from portal.syndication import service

bp = Blueprint("syndication", __name__)

FEED_MIMETYPE = "application/atom+xml; charset=utf-8"
FEED_CACHE = "public, max-age=300"
BADGE_CACHE = "public, max-age=3600"
# An image has nothing to run or load, and is embedded with <img>, never framed.
BADGE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _answer(answer: service.Answer, content_type: str, cache_control: str) -> Response:
    response = not_modified(answer.etag)
    if response is None:
        response = Response(answer.body, content_type=content_type)
        response.set_etag(answer.etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _country() -> str:
    try:
        return service.checked_country(request.args.get("country"))
    except service.UnknownCountry:
        message = _("Unknown country: use the two-letter code of an EU member state, such as DE.")
        abort(Response(message + "\n", status=400, content_type="text/plain; charset=utf-8"))


@bp.get("/feeds/members.atom")
def members_feed():
    return _answer(service.members_feed(_country()), FEED_MIMETYPE, FEED_CACHE)


@bp.get("/feeds/good-practice.atom")
def good_practice_feed():
    return _answer(service.good_practice_feed(_country()), FEED_MIMETYPE, FEED_CACHE)


def _badge(answer: service.Answer) -> Response:
    response = _answer(answer, "image/svg+xml", BADGE_CACHE)
    response.headers["Content-Security-Policy"] = BADGE_POLICY
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # shown on other sites
    return response


@bp.get("/members/<slug:slug>/badge.svg")
def member_badge(slug: str):
    answer = service.member_badge(slug, service.language_or_default(request.args.get("lang")))
    if answer is None:
        abort(404)
    return _badge(answer)


@bp.get("/badge.svg")
def counter_badge():
    return _badge(service.counter_badge(service.language_or_default(request.args.get("lang"))))


@bp.app_template_global()
def feed_links(kind: str, country: str = "") -> dict:
    """The title and address of a feed, for the pages that announce it (kind: "members" or
    "good-practice"; an unknown country gives the feed of all countries)."""
    try:
        country = service.checked_country(country)
    except service.UnknownCountry:
        country = ""
    return service.feed_link(kind, country)


@bp.app_template_global()
def badge_snippet(profile: dict) -> dict:
    """The badge a member's page offers to copy, in the page's language."""
    return service.badge_snippet(profile, str(get_locale()))

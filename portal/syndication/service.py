"""Feeds and badges for other websites: Atom feeds of the newest members and good practices, and
SVG badges a member (or anyone) puts on its own site.

Everything here is public data read through the services that own it: the members through the
directory's query (the same list as /members?sort=-joined_on), the good practices through
pledges.service.good_practices (the rule of which actions count lives there), a member's facts
through directory.service.public_member, the covenant's count through the statistics. Each feed
entry and badge is built from an explicit list of public fields (never contact data). Answers
are kept in the public cache until what they show changes (the feeds, the member badges) or for
a few seconds (the counter badge, an aggregate like the statistics).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app, url_for
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.cache import public_cache
from portal.core.clock import now_utc
from portal.core.countries import COUNTRY_CODES, country_name
from portal.core.http import body_etag
from portal.core.links import external_url
from portal.core.templating import nice_date, number_text
from portal.directory.query import DirectoryFilters
from portal.directory.service import find_members, member_list_scopes, public_member
from portal.models.publicdata import ACTIONS, list_scopes, member_scope
from portal.pledges.service import good_practices
from portal.stats.service import overview

FEED_ENTRIES = 50  # the newest members a feed lists
SUMMARY_LENGTH = 400  # characters of an action's description in its entry's summary
TAG_DATE = "2024"  # the date part of the feeds' tag: ids (RFC 4151); never change it
# The covenant's short name on the badges; PORTAL_SHORT_NAME in the config overrides it.
SHORT_NAME = _l("Safer Public Spaces")
FEED_TYPE = "application/atom+xml"
# Characters XML 1.0 cannot hold (stored text is checked on input; older data is not trusted).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class UnknownCountry(ValueError):
    """A ?country= that is not the code of an EU member state."""


@dataclass(frozen=True)
class Answer:
    """A built answer: its bytes and their ETag."""

    body: bytes
    etag: str


def checked_country(raw: str | None) -> str:
    """The country code asked for, upper-case, or "" for all; UnknownCountry if not an EU one."""
    code = (raw or "").strip().upper()
    if code and code not in COUNTRY_CODES:
        raise UnknownCountry(code)
    return code


def clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _tag(*parts: str) -> str:
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:" + "/".join(parts)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _feed(feed_id: str, title: str, self_url: str, html_url: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author({"name": current_app.config["PORTAL_NAME"], "uri": external_url("pages.home")})
    feed.link(href=self_url, rel="self", type=FEED_TYPE)
    feed.link(href=html_url, rel="alternate", type="text/html")
    feed.language(str(get_locale()))
    feed.generator(current_app.config["PORTAL_NAME"])
    return feed


def _answer(feed: FeedGenerator, newest: list[datetime]) -> Answer:
    # With no entry the feed changed when it was built (kept until its data changes).
    feed.updated(max(newest) if newest else now_utc())
    body = feed.atom_str(pretty=True)
    return Answer(body, body_etag(body))


# ---- feeds --------------------------------------------------------------------------------


def feed_title(kind: str, country: str) -> str:
    """A feed's title in the current language (kind: "members" or "good-practice")."""
    if kind == "members":
        if country:
            return _("New members of the covenant in %(country)s", country=country_name(country))
        return _("New members of the covenant")
    if country:
        return _("Good practice in %(country)s", country=country_name(country))
    return _("Good practice")


def feed_link(kind: str, country: str) -> dict:
    """A feed's title and address, for the pages that announce it."""
    endpoint = "syndication.members_feed" if kind == "members" else "syndication.good_practice_feed"
    args = {"country": country} if country else {}
    return {"title": feed_title(kind, country), "href": url_for(endpoint, **args)}


def members_feed(country: str) -> Answer:
    """The newest public members (of one country, or of all), newest first."""
    filters = DirectoryFilters(
        countries=(country,) if country else (), sort="-joined_on", per_page=FEED_ENTRIES
    )
    key = ("feed-members", country, str(get_locale()), external_url("pages.home"))
    return public_cache().get(
        key, lambda: _members_feed(country, filters), member_list_scopes(filters)
    )


def _members_feed(country: str, filters: DirectoryFilters) -> Answer:
    title = feed_title("members", country)
    args = {"country": country} if country else {}
    feed = _feed(
        _tag("feeds", "members", *([country] if country else [])),
        title,
        external_url("syndication.members_feed", **args),
        external_url("directory.members", sort="-joined_on", **args),
    )
    feed.subtitle(_("The cities and municipalities that joined the covenant most recently."))
    newest = []
    for member in find_members(filters).items:
        if member["joined_on"] is None:
            continue  # a public member has its date; without one it has no place in "newest"
        joined = _midnight(member["joined_on"])
        newest.append(joined)
        entry = feed.add_entry(order="append")
        entry.id(_tag("members", member["slug"]))
        entry.title(clean(member["name"]))
        entry.link(href=external_url("membership.member_page", slug=member["slug"]))
        entry.published(joined)
        entry.updated(joined)
        place = country_name(member["country"])
        if member["region"]:
            place = f"{place} · {clean(member['region'])}"
        entry.summary(f"{place}. {_('Member since')} {nice_date(member['joined_on'])}")
        entry.category(term=member["country"], label=country_name(member["country"]))
    return _answer(feed, newest)


def good_practice_feed(country: str) -> Answer:
    """The actions most recently marked as good practice (of one country, or of all)."""
    key = ("feed-good-practice", country, str(get_locale()), external_url("pages.home"))
    scopes = list_scopes(ACTIONS, [country] if country else [])
    return public_cache().get(key, lambda: _good_practice_feed(country), scopes)


def _good_practice_feed(country: str) -> Answer:
    title = feed_title("good-practice", country)
    args = {"country": country} if country else {}
    feed = _feed(
        _tag("feeds", "good-practice", *([country] if country else [])),
        title,
        external_url("syndication.good_practice_feed", **args),
        external_url("pledges.good_practice", **args),
    )
    feed.subtitle(
        _("Completed actions of member cities that their coordinators recommend to other cities.")
    )
    newest = []
    for action in good_practices(None, country or None, 1).items:
        # Public fields only: the action's and its member's, never who marked or wrote it.
        member = action.member
        marked = _aware(action.good_practice_at or action.published_at or action.updated_at)
        newest.append(marked)
        entry = feed.add_entry(order="append")
        entry.id(_tag("good-practice", str(action.id)))
        entry.title(f"{clean(action.title)} ({clean(member.name)})")
        entry.link(
            href=external_url("pledges.public_action", slug=member.slug, action_id=action.id)
        )
        entry.author(
            {
                "name": clean(member.name),
                "uri": external_url("membership.member_page", slug=member.slug),
            }
        )
        entry.published(marked)
        entry.updated(marked)
        entry.summary(_summary(action.description) or clean(action.title))
        entry.category(term=member.country, label=country_name(member.country))
    return _answer(feed, newest)


def _summary(text: str | None) -> str:
    text = " ".join(clean(text).split())
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " …"


# ---- badges -------------------------------------------------------------------------------

# Approximate advance widths of Verdana at 1 px (the badges' first font), by kind of character:
# enough to size a badge to its text without measuring it.
_NARROW = frozenset("fijlrtI.,:;!|'()[]{} ")
_WIDE = frozenset("mwMW@%")
NAME_SIZE = 12
LINE_SIZE = 10
PADDING = 8
HEIGHT = 36
COUNTER_HEIGHT = 20


def text_width(text: str, size: float, bold: bool = False) -> int:
    width = 0.0
    for character in text:
        if character in _NARROW:
            width += 0.36
        elif character in _WIDE:
            width += 0.95
        elif character.isupper() or character.isdigit():
            width += 0.70
        else:
            width += 0.62
    return round(width * size * (1.08 if bold else 1.0)) + 1


@dataclass(frozen=True)
class Badge:
    """What a badge shows and its size, in one language."""

    short_name: str
    name: str
    line: str
    left: int  # width of the covenant's part
    width: int
    height: int
    title: str


def short_name() -> str:
    return current_app.config.get("PORTAL_SHORT_NAME") or str(SHORT_NAME)


def language_or_default(raw: str | None) -> str:
    """The ?lang= asked for if the portal speaks it, else the portal's default language."""
    return raw if raw in current_app.config["LANGUAGES"] else default_language()


def default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def member_badge_facts(member: dict, language: str) -> Badge:
    """The badge of a member's public record (name, joined_on) in `language`."""
    with force_locale(language):
        label = short_name()
        name = clean(member["name"])
        joined = member.get("joined_on")
        line = f"{_('Member since')} {joined.year}" if joined else _("Member of the covenant")
        title = _("%(name)s, member of %(covenant)s", name=name, covenant=label)
    left = text_width(label, LINE_SIZE, bold=True) + 2 * PADDING
    right = max(text_width(name, NAME_SIZE, bold=True), text_width(line, LINE_SIZE))
    return Badge(label, name, line, left, left + right + 2 * PADDING, HEIGHT, title)


def member_badge(slug: str, language: str) -> Answer | None:
    """The SVG badge of a public member, or None if no public member has this slug."""
    key = ("badge-member", slug, language)
    return public_cache().get(key, lambda: _member_badge(slug, language), [member_scope(slug)])


def _member_badge(slug: str, language: str) -> Answer | None:
    member = public_member(slug)
    if member is None:
        return None
    badge = member_badge_facts(member, language)
    return _svg("syndication/member_badge.svg", badge, language)


def counter_badge(language: str) -> Answer:
    """The covenant's badge with its number of public members (a few seconds old at most)."""
    total = overview().value["members"]["total"]
    with force_locale(language):
        label = short_name()
        # The plural form chosen by the number, the number written as the language groups it.
        plural = get_translations().ngettext("%(num)s member", "%(num)s members", total)
        line = plural % {"num": number_text(total, language)}
        title = f"{label}: {line}"
    left = text_width(label, 11, bold=True) + 2 * PADDING
    width = left + text_width(line, 11) + 2 * PADDING
    badge = Badge(label, "", line, left, width, COUNTER_HEIGHT, title)
    return _svg("syndication/counter_badge.svg", badge, language)


def _svg(template: str, badge: Badge, language: str) -> Answer:
    # Autoescaped (Flask escapes .svg templates): a name with <, & or " stays text. Without
    # the pages' context processors, which read the session: an image is the same for all.
    page = current_app.jinja_env.get_template(template)
    body = page.render(badge=badge, language=language).encode("utf-8")
    return Answer(body, body_etag(body))


def badge_snippet(profile: dict, language: str) -> dict:
    """What a member's page offers to copy: its badge's address, size and alternative text,
    and the member page's address (depends on the member and the language only)."""
    badge = member_badge_facts(profile, language)
    return {
        "src": external_url("syndication.member_badge", slug=profile["slug"], lang=language),
        "href": external_url("membership.member_page", slug=profile["slug"]),
        "alt": badge.title,
        "width": badge.width,
        "height": badge.height,
        "preview": url_for("syndication.member_badge", slug=profile["slug"], lang=language),
    }

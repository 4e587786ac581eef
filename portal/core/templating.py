"""What every template can use: country names, the states and roles with their labels, dates."""

from datetime import UTC, date, datetime
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app
from flask_babel import format_number, get_locale, get_timezone
from jinja2 import pass_context
from markupsafe import Markup, escape

from portal.core.countries import country_choices, country_name
from portal.core.i18n import is_language
from portal.models.members import MemberStatus
from portal.models.pledges import ActionStatus
from portal.models.users import Role


def language_name(code: str) -> str:
    """A language named in itself, as CLDR (through Babel) writes it: "Deutsch", "français",
    "Gaeilge", "ελληνικά"; the language list of every page shows these."""
    return Locale.parse(code).get_display_name(code) or code


def language_choices(codes) -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in codes]


def language_options(codes) -> list[tuple[str, str, dict]]:
    """A select's choices of languages, each named in itself and marked as that language (a
    screen reader says "polski" as Polish). The names do not depend on the page's language:
    worked out once (CLDR's names take a millisecond for the 24)."""
    return list(_language_options(tuple(codes)))


@lru_cache(maxsize=8)
def _language_options(codes: tuple[str, ...]) -> tuple[tuple[str, str, dict], ...]:
    return tuple((code, name, {"lang": code}) for code, name in language_choices(codes))


# The English of the EU institutions is British: dates as "1 Dec 2026", times on the 24-hour
# clock (CLDR's plain "en" is American: "Dec 1, 2026", "11:51 PM").
_FORMAT_LOCALES = {"en": "en_GB"}


def formatting_locale(language: str) -> str:
    """The CLDR locale whose dates and times a language's pages use."""
    return _FORMAT_LOCALES.get(language, language)


@lru_cache(maxsize=16_384)
def _date_text(value: date, fmt: str, language: str) -> str:
    # A list of 50 members shows 50 dates, most of them repeated from page to page: Babel's
    # formatting (about 30 µs each) is done once per date and language.
    return babel_dates.format_date(value, fmt, locale=formatting_locale(language))


def nice_date(
    value: date | datetime | None, fmt: str = "medium", language: str | None = None
) -> str:
    if value is None:
        return ""
    language = language or str(get_locale())
    if isinstance(value, datetime):  # in the user's time zone, as Flask-Babel's would be
        return babel_dates.format_datetime(
            value, fmt, tzinfo=get_timezone(), locale=formatting_locale(language)
        )
    return _date_text(value, fmt, language)


@lru_cache(maxsize=64)
def _group_symbol(language: str) -> str | None:
    """The thousands separator, when Babel groups whole numbers of this language in threes
    (every EU language does); None to leave the language to Babel."""
    if Locale.parse(language).decimal_formats[None].grouping != (3, 3):
        return None
    symbol = babel_numbers.get_group_symbol(language)
    samples = (0, 7, 999, 1_000, 12_345, 1_234_567_890)
    if any(
        f"{n:,}".replace(",", symbol) != babel_numbers.format_decimal(n, locale=language)
        for n in samples
    ):
        return None
    return symbol


def number_text(value, language: str | None = None) -> str:
    """A number in the current language (or the one named), as Flask-Babel's format_number
    writes it; whole numbers from 0 up are grouped directly (a page of members shows a
    population per row)."""
    if type(value) is int and value >= 0:
        symbol = _group_symbol(language or str(get_locale()))
        if symbol is not None:
            return f"{value:,}".replace(",", symbol)
    return format_number(value)


def page_window(here: int, last: int, radius: int = 2) -> list[int]:
    """The page numbers a pager shows: the first, the last, and those within `radius` of the
    current one, in order (a list of 1,500 pages is not walked to find them)."""
    near = range(max(1, here - radius), min(last, here + radius) + 1)
    return sorted({1, last, *near}) if last >= 1 else []


def _language(context) -> str:
    # The layout's context has the language already as text (layout_context, below); outside
    # a page (a mail rendered elsewhere) it is asked for.
    language = context.get("current_locale")
    return language if isinstance(language, str) else str(get_locale())


@pass_context
def _country_filter(context, code: str) -> str:
    return country_name(code, _language(context))


@pass_context
def _date_filter(context, value, fmt: str = "medium") -> str:
    return nice_date(value, fmt, _language(context))


@pass_context
def _time_filter(context, value: datetime | None) -> str:
    """A moment as its date and time of day in UTC (the operators' clock), in the page's
    language: 1 Dec 2026, 20:31 UTC."""
    if value is None:
        return ""
    moment = value.astimezone(UTC) if value.tzinfo else value
    language = _language(context)
    clock = babel_dates.format_time(moment, "short", locale=formatting_locale(language))
    return f"{nice_date(moment.date(), 'medium', language)}, {clock} UTC"


@pass_context
def _number_filter(context, value) -> str:
    return number_text(value, _language(context))


def lang_attribute(code: str | None) -> Markup:
    """` lang="de"` for text that people wrote in a language the portal knows, so that a
    reader's screen reader and the browser's hyphenation treat it as that language; nothing
    where it is not known (the text then takes the page's language)."""
    if is_language(code):
        return Markup(' lang="%s"') % code
    return Markup("")


def written_in(text: str, code: str | None) -> Markup:
    """Text that people wrote, inside a sentence of the page's: a span with its language."""
    attribute = lang_attribute(code)
    if not attribute:
        return escape(text)
    return Markup("<span%s>%s</span>") % (attribute, text)


def register(app: Flask) -> None:
    app.jinja_env.filters["country"] = _country_filter
    app.jinja_env.filters["date"] = _date_filter
    app.jinja_env.filters["moment"] = _time_filter
    app.jinja_env.filters["number"] = _number_filter
    app.jinja_env.filters["numberformat"] = _number_filter  # Flask-Babel's name for it
    app.jinja_env.filters["lang_attr"] = lang_attribute
    app.jinja_env.filters["written_in"] = written_in
    app.jinja_env.globals["page_window"] = page_window
    app.jinja_env.globals["country_choices"] = country_choices
    # The states and roles, so templates compare with them and show their labels.
    for enum in (MemberStatus, ActionStatus, Role):
        app.jinja_env.globals[enum.__name__] = enum
    app.jinja_env.add_extension("jinja2.ext.do")

    languages = language_choices(app.config["LANGUAGES"])

    @app.context_processor
    def layout_context():
        return {
            "portal_name": current_app.config["PORTAL_NAME"],
            "current_locale": str(get_locale()),
            "languages": languages,
        }

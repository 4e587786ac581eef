"""What every template can use: country names, status labels, dates, the signed-in role."""

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_number, get_locale
from flask_babel import lazy_gettext as _l

from portal.core.countries import country_choices, country_name

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "changes_requested": _l("Changes requested"),
    "rejected": _l("Rejected"),
    "approved": _l("Active member"),
    "on_hold": _l("On hold"),
    "suspended": _l("Suspended"),
    "withdrawn": _l("Withdrawn"),
}

LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "pl": "Polski",
    "it": "Italiano",
    "es": "Español",
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def nice_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def register(app: Flask) -> None:
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["date"] = nice_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals["country_choices"] = country_choices
    app.jinja_env.add_extension("jinja2.ext.do")

    languages = [(code, LANGUAGE_NAMES.get(code, code)) for code in app.config["LANGUAGES"]]

    @app.context_processor
    def layout_context():
        return {
            "portal_name": current_app.config["PORTAL_NAME"],
            "current_locale": str(get_locale()),
            "languages": languages,
        }

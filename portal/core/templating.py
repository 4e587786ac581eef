"""What every template can use: country names, the states and roles with their labels, dates."""

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_number, get_locale

from portal.core.countries import country_choices, country_name
from portal.models.members import MemberStatus
from portal.models.pledges import ActionStatus
from portal.models.users import Role

LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "pl": "Polski",
    "it": "Italiano",
    "es": "Español",
}


def nice_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)


def register(app: Flask) -> None:
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["date"] = nice_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals["country_choices"] = country_choices
    # The states and roles, so templates compare with them and show their labels.
    for enum in (MemberStatus, ActionStatus, Role):
        app.jinja_env.globals[enum.__name__] = enum
    app.jinja_env.add_extension("jinja2.ext.do")

    languages = [(code, LANGUAGE_NAMES.get(code, code)) for code in app.config["LANGUAGES"]]

    @app.context_processor
    def layout_context():
        return {
            "portal_name": current_app.config["PORTAL_NAME"],
            "current_locale": str(get_locale()),
            "languages": languages,
        }

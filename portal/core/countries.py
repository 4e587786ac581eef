"""The countries whose municipalities may join: the EU member states.

This is the one list; forms, filters, the API and the coordinator assignments read it. To admit a
country, add it here.
"""

from flask_babel import lazy_gettext as _l

from portal.core.i18n import per_language

COUNTRIES: dict[str, object] = {
    "AT": _l("Austria"),
    "BE": _l("Belgium"),
    "BG": _l("Bulgaria"),
    "HR": _l("Croatia"),
    "CY": _l("Cyprus"),
    "CZ": _l("Czechia"),
    "DK": _l("Denmark"),
    "EE": _l("Estonia"),
    "FI": _l("Finland"),
    "FR": _l("France"),
    "DE": _l("Germany"),
    "GR": _l("Greece"),
    "HU": _l("Hungary"),
    "IE": _l("Ireland"),
    "IT": _l("Italy"),
    "LV": _l("Latvia"),
    "LT": _l("Lithuania"),
    "LU": _l("Luxembourg"),
    "MT": _l("Malta"),
    "NL": _l("Netherlands"),
    "PL": _l("Poland"),
    "PT": _l("Portugal"),
    "RO": _l("Romania"),
    "SK": _l("Slovakia"),
    "SI": _l("Slovenia"),
    "ES": _l("Spain"),
    "SE": _l("Sweden"),
}

COUNTRY_CODES = frozenset(COUNTRIES)


def _names(language: str | None = None) -> dict[str, str]:
    # Worked out once per language: a page of 50 members asks for a name per row.
    return per_language(
        "country-names", lambda: {code: str(name) for code, name in COUNTRIES.items()}, language
    )


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in the current language (or the one named), or the code itself if
    unknown."""
    return _names(language).get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the current language, for forms and filters."""
    choices = per_language("country-choices", lambda: sorted(_names().items(), key=lambda c: c[1]))
    return list(choices)

"""Which language a page is shown in: an explicit choice, else the browser's preference."""

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

T = TypeVar("T")
_TABLES: dict[tuple[str, str], object] = {}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def is_language(code: str | None) -> bool:
    """Whether `code` is one of the languages the portal offers (LANGUAGES)."""
    return bool(code) and code in current_app.config["LANGUAGES"]


def per_language(name: str, build: Callable[[], T], language: str | None = None) -> T:
    """What `build()` makes of translated strings (a table of names, a list of choices), made
    once per language. With `language`, its table if made already; a table is only ever built
    in the current language, the one the strings are being translated into."""
    if language is not None:
        table = _TABLES.get((name, language))
        if table is not None:
            return table  # type: ignore[return-value]
    key = (name, str(get_locale()))
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = build()
    return table  # type: ignore[return-value]

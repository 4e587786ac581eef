"""Which language a page is shown in: an explicit choice, else the browser's preference."""

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

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


def install_template_gettext(app: Flask) -> None:
    """Templates' _() and ngettext() with the catalogue of the current language looked up in a
    few steps. Flask-Babel's own find its state, its domain and the locale through several
    context lookups at every call (12 microseconds; a member page calls them 90 times). These
    read the locale Flask-Babel has settled on in this context (force_locale included, as for a
    mail written in its recipient's language), and keep the catalogue Flask-Babel
    gave it for that locale; before the locale is known, or outside an app context, they are
    Flask-Babel's own."""

    def translations():
        # Flask-Babel keeps its state in the app context's g (g._flask_babel); the catalogue
        # found for its locale is kept beside it, for as long as that locale is the one.
        context = _cv_app.get(None)
        state = getattr(context.g, "_flask_babel", None) if context is not None else None
        locale = getattr(state, "babel_locale", None)
        if locale is None:
            return get_translations()
        kept = getattr(state, "portal_catalogue", None)
        if kept is None or kept[0] is not locale:
            kept = state.portal_catalogue = (locale, get_translations())
        return kept[1]

    # Jinja's own newstyle wrappers, without their two indirect calls a string: the same
    # result (a translation is a format string, its %% kept as Jinja keeps it; Markup with
    # the variables escaped when autoescaping), for a third of the work.
    @pass_context
    def gettext(context, string, /, **variables):
        text = translations().ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 (our own catalogue, as Jinja does)
        return text % variables if variables or "%" in text else text

    @pass_context
    def ngettext(context, singular, plural, count, /, **variables):
        variables.setdefault("num", count)
        text = translations().ungettext(singular, plural, count)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 (our own catalogue, as Jinja does)
        return text % variables

    # Jinja's installation still gives pgettext, npgettext and the newstyle flag the i18n
    # extension compiles {% trans %} with; _, gettext and ngettext are then replaced.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)

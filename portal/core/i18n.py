"""Which language a page is shown in: an explicit choice, else the browser's preference."""

from functools import cached_property

from flask import current_app, has_request_context, request, session
from flask_babel import (
    Babel,
    Domain,
    _get_current_context,  # noqa: PLC2701 (the context Flask-Babel keeps its state in)
)
from flask_login import current_user


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


class RequestCachedDomain(Domain):
    """Flask-Babel's message domain, keeping the request's translations once found.

    Flask-Babel 4 looks the catalogue up again for every string: the locale from the request
    context, its name as text, then a dictionary of loaded catalogues (about 40 strings a page).
    This keeps the object found in the request's Babel context, under the attribute that
    Flask-Babel's own refresh() deletes and force_locale() resets and restores, so a change of
    language within a request is still followed.
    """

    def get_translations(self):
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        cached = getattr(ctx, "babel_translations", None)
        if cached is not None and cached[0] is self:
            return cached[1]
        translations = super().get_translations()
        ctx.babel_translations = (self, translations)
        return translations


class RequestCachedBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return RequestCachedDomain(domain=self.domain)

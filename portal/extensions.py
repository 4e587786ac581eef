"""The extension objects, created unbound and bound to the app in the factory.

Below everything but the models: it imports only the models' declarative base.
"""

from functools import cached_property

from flask_babel import (
    Babel,
    Domain,
    _get_current_context,  # noqa: PLC2701 (the context Flask-Babel keeps its state in)
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.models.base import Base


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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = RequestCachedBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

"""One-time form tokens: a form that creates something does it once.

Each such form carries a hidden `form_token`, made when the page is drawn: a random nonce
signed with the app's key (a made-up token is refused). The service that creates the thing
claims the token inside its own transaction, by inserting its nonce into `used_form_tokens`.
The primary key makes the claim single: of two posts of the same form, a double click or a
replay, one commits and the other finds the nonce taken (on PostgreSQL the second insert waits
for the first transaction and then fails), so it creates nothing and says so.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField
from wtforms.validators import StopValidation

from portal.core.errors import UserFacingError
from portal.extensions import db
from portal.models import UsedFormToken

FIELD = "form_token"
_SALT = "portal.form-token"
EXPIRED = _l("This form is out of date. Check what it holds and send it again.")


class AlreadySent(UserFacingError):
    """The form was sent before with this token: what it creates exists already."""

    def __init__(self):
        super().__init__(_l("This form had already been sent, so it was saved only once."), FIELD)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue() -> str:
    """A new token for a form about to be drawn."""
    return _serializer().dumps(secrets.token_urlsafe(18))


def nonce_of(token: str | None) -> str | None:
    """The nonce a token of ours carries, or None for anything else or a token too old."""
    if not token or len(token) > 200:
        return None
    try:
        nonce = _serializer().loads(token, max_age=current_app.config["FORM_TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    return nonce if isinstance(nonce, str) and len(nonce) <= 64 else None


def claim(token: str | None, purpose: str) -> None:
    """Use the token up, in the caller's transaction; call it before anything else is added.

    Raises AlreadySent when it was used before (the caller's transaction then rolls back), and
    the out-of-date error when it is not one of ours. A service called without a token (by a
    command, or another service) skips the check: only the forms carry one.
    """
    if token is None:
        return
    nonce = nonce_of(token)
    if nonce is None:
        raise UserFacingError(EXPIRED, FIELD)
    if db.session.get(UsedFormToken, nonce) is not None:
        raise AlreadySent()
    db.session.add(UsedFormToken(nonce=nonce, purpose=purpose[:40]))
    try:
        db.session.flush()
    except IntegrityError:  # the same token, claimed at the same moment by another request
        raise AlreadySent() from None


def _check(form, field) -> None:
    if nonce_of(field.data) is None:
        field.data = issue()  # the form is drawn again with a token that works
        raise StopValidation(EXPIRED)


class FormTokenField(HiddenField):
    """The hidden one-time token of a form that creates something."""

    def __init__(self, **kwargs):
        super().__init__(validators=[_check], default=issue, **kwargs)

    def process_formdata(self, valuelist) -> None:
        # A post without the token has none (WTForms would keep the fresh default).
        self.data = valuelist[0] if valuelist else None

    def _value(self) -> str:
        # A new token after a sent form is drawn again empty (formdata=None), else the one sent.
        return self.data or issue()

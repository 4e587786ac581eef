"""The forms' common ground: the base class every form of the portal derives from, and
showing a service's error on the form that asked for the change.

`PortalForm` (a Flask-WTF form) and `CheckedInput` (the Meta for plain WTForms forms, such
as the directory's GET filters) check every field they bind, whatever the form declares:

- numbers (IntegerField, DecimalField, FloatField) take ASCII digits only, with a point for
  decimals: no NaN, no infinities, no `1_000`, no Arabic-Indic digits;
- text (every StringField but passwords) is put in NFC and refused, next to the field, when it
  holds NUL or other control characters (line breaks and tabs only in a TextAreaField) or
  bidirectional overrides; single-line text loses its outer spaces and runs of inner ones.
"""

import re
import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, FloatField, IntegerField, PasswordField, StringField
from wtforms.fields import TextAreaField
from wtforms.validators import NumberRange, StopValidation, ValidationError

from portal.core.errors import UserFacingError
from portal.core.inputs import is_decimal_number, marked, text_problem, whole_number

_SPACES = re.compile(r" {2,}")
# Beyond a 64-bit integer no column holds it, and NumberRange, comparing it as a float, fails.
_MAX_WHOLE = 2**63 - 1


def _raw_text(field) -> str:
    return (field.raw_data[0] if field.raw_data else "") or ""


def _check_number(form, field) -> None:
    raw = _raw_text(field).strip()
    if not raw:
        return  # InputRequired or Optional, further on, says what an empty field means
    whole = isinstance(field, IntegerField)
    if whole:
        valid = whole_number(raw, -_MAX_WHOLE, _MAX_WHOLE) is not None
    else:
        valid = is_decimal_number(raw)
    if not valid:
        field.errors.clear()  # one message, not WTForms' own as well
        # A field's own message for a range says best what it wants ("a latitude between").
        for validator in field.validators:
            if (
                isinstance(validator, NumberRange)
                and validator.min is not None
                and validator.max is not None
                and validator.message
            ):
                raise StopValidation(validator.message)
        raise StopValidation(
            _l("Write a whole number with the digits 0 to 9.")
            if whole
            else _l("Write a number with the digits 0 to 9 and a point for decimals.")
        )


def _text_checker(multiline: bool):
    def check(form, field) -> None:
        if isinstance(field.data, str):
            # The text as sent too: trimming the outer spaces also drops the control
            # characters Python counts as spaces (\x1c to \x1f, \x85, line separators).
            sent = _raw_text(field)
            sent = sent if isinstance(sent, str) else ""
            problem = text_problem(field.data, multiline) or text_problem(sent, multiline)
            if problem is not None:
                # Drawn again with a visible mark where each refused character was.
                field.data = marked(field.data, multiline=multiline)
                raise StopValidation(problem)

    return check


def _echo_marked(form, field) -> None:
    """What a field other than text draws back, a date or number as typed or a choice named in
    WTForms' own message, shows each refused character as U+FFFD: no page echoes a raw NUL."""
    if field.raw_data:
        field.raw_data = [marked(v) if isinstance(v, str) else v for v in field.raw_data]
    field.errors[:] = [marked(str(e)) if text_problem(str(e)) else e for e in field.errors]


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _one_line(value):
    return _SPACES.sub(" ", value.strip()) if isinstance(value, str) else value


class CheckedInput:
    """A form Meta: binds every field with the portal's checks in front of its own."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, (IntegerField, DecimalField, FloatField)):
            field.validators = [_echo_marked, _check_number, *field.validators]
        elif isinstance(field, StringField) and not isinstance(field, PasswordField):
            multiline = isinstance(field, TextAreaField)
            filters = [_nfc] if multiline else [_nfc, _one_line]
            field.filters = (*filters, *field.filters)
            field.validators = [_text_checker(multiline), *field.validators]
        elif not isinstance(field, PasswordField):
            field.validators = [_echo_marked, *field.validators]
        return field


class PortalForm(FlaskForm):
    """The base of every form that changes something (CSRF from Flask-WTF)."""

    class Meta(CheckedInput):
        pass


def show_error(form, error: UserFacingError) -> None:
    """Put the error's message next to the field it names, or at the top of the form when it
    names none (or one this form does not have). An error carrying `errors` (a message per
    field, as InvalidInput and ApplicationIncomplete do) shows each of them."""
    messages = getattr(error, "errors", None) or {error.field: error.message}
    for name, message in messages.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)


class WebAddress:
    """A web site's address on a public host name (or nothing): https only, or http too.

    The value is kept without the spaces around it."""

    def __init__(self, https_only: bool = False):
        self.schemes = ("https",) if https_only else ("http", "https")
        self.message = (
            _l("Enter the full address of the website, starting with https://.")
            if https_only
            else _l("Enter the full address of the website, starting with https:// or http://.")
        )

    def __call__(self, form, field) -> None:
        value = (field.data or "").strip()
        field.data = value
        if not value:
            return
        if any(ch.isspace() for ch in value):
            raise ValidationError(self.message)
        try:
            parts = urlsplit(value)
            port_ok = parts.port is None or parts.port > 0
            host = (parts.hostname or "").encode("idna").decode("ascii")
        except (ValueError, UnicodeError) as exc:
            raise ValidationError(self.message) from exc
        if parts.scheme not in self.schemes or "@" in parts.netloc or not port_ok:
            raise ValidationError(self.message)
        if not _HOST.match(host):
            raise ValidationError(self.message)

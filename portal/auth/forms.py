"""Forms for accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from portal.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, normalise_password
from portal.core.fields import SelectField
from portal.core.forms import PortalForm

_EMAIL = Email(check_deliverability=False, message=_l("This is not an e-mail address."))


def _password_length(form, field) -> None:
    """The policy's length, counted in characters after NFC normalisation."""
    if not MIN_PASSWORD_LENGTH <= len(normalise_password(field.data or "")) <= MAX_PASSWORD_LENGTH:
        raise ValidationError(
            _l(
                "Use at least %(min)d and at most %(max)d characters.",
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
            )
        )


_NEW_PASSWORD_HINT = _l(
    "At least %(n)d characters, any you like: a few unrelated words make a good password.",
    n=MIN_PASSWORD_LENGTH,
)


class RegisterForm(PortalForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=120)])
    email = EmailField(
        _l("Work e-mail address"),
        validators=[InputRequired(), _EMAIL, Length(max=254)],
        description=_l("Use your address at the municipality; we send a confirmation link."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), _password_length],
        description=_NEW_PASSWORD_HINT,
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(max=4 * MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(PortalForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(), _EMAIL, Length(max=254)],
    )


class ChangeEmailForm(PortalForm):
    email = EmailField(
        _l("New e-mail address"),
        validators=[InputRequired(), _EMAIL, Length(max=254)],
        description=_l("We send a link to it; your address changes when you open the link."),
    )


class SetPasswordForm(PortalForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), _password_length],
        description=_NEW_PASSWORD_HINT,
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AccountForm(PortalForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=120)])
    locale = SelectField(
        _l("Preferred language"),
        validators=[InputRequired()],
        description=_l("The portal's pages and the e-mails we send you use this language."),
    )

    def __init__(self, *args, languages: list[tuple[str, str, dict]], **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = languages


def _code_field() -> StringField:
    return StringField(
        _l("Code from your authenticator app"),
        validators=[Optional(), Length(max=12)],
        description=_l("The 6-digit code your app shows for this portal now."),
    )


def _recovery_code_field() -> StringField:
    return StringField(
        _l("Recovery code"),
        validators=[Optional(), Length(max=20)],
        description=_l("One of the ten codes you saved when you set up the second factor."),
    )


class CodeForm(PortalForm):
    """A code from the authenticator app, or else one of the recovery codes."""

    code = _code_field()
    recovery_code = _recovery_code_field()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.code.data or "").strip() and not (self.recovery_code.data or "").strip():
            self.code.errors.append(_l("Enter the code from your app, or a recovery code."))
            return False
        return True


class SetupSecondFactorForm(PortalForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[InputRequired(message=_l("Enter the code your app shows.")), Length(max=12)],
        description=_l("After adding the portal to your app, enter the 6-digit code it shows."),
    )


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=4 * MAX_PASSWORD_LENGTH)]
    )
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), _password_length],
        description=_NEW_PASSWORD_HINT,
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ConfirmIdentityForm(CodeForm):
    """The password again, and for those who have one, a code of the second factor."""

    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(max=4 * MAX_PASSWORD_LENGTH)]
    )
    code = _code_field()
    recovery_code = _recovery_code_field()

    def __init__(self, *args, needs_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code

    def validate(self, extra_validators=None) -> bool:
        if not self.needs_code:
            return PortalForm.validate(self, extra_validators)
        return super().validate(extra_validators)


class ConfirmForm(PortalForm):
    """A button that confirms what the page says (its CSRF token is the whole form)."""

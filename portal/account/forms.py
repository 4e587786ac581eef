"""Forms for a person's own data: the password confirmations before the download and erasure."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm


class ConfirmPasswordForm(PortalForm):
    password = PasswordField(
        _l("Your current password"),
        validators=[InputRequired(message=_l("Enter your current password.")), Length(max=200)],
        description=_l("We ask for it again so that nobody else can do this at your computer."),
    )


class DeleteAccountForm(ConfirmPasswordForm):
    understood = BooleanField(
        _l("I understand that my account is deleted for good and cannot be restored"),
        validators=[InputRequired(message=_l("Tick this box to confirm."))],
    )

"""Forms for managing coordinators."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.core.countries import country_choices
from portal.core.fields import MultiCheckboxField
from portal.core.forms import PortalForm
from portal.core.once import FormTokenField


def _countries_field() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("Countries"),
        validators=[DataRequired(message=_l("Choose at least one country."))],
        description=_l("The coordinator sees and decides the applications of these countries."),
    )


class InviteCoordinatorForm(PortalForm):
    form_token = FormTokenField()
    email = EmailField(
        _l("E-mail address"),
        validators=[
            InputRequired(),
            Email(check_deliverability=False, message=_l("This is not an e-mail address.")),
            Length(max=254),
        ],
        description=_l("We send a link to this address to choose a password."),
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    countries = _countries_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so the names follow the visitor's language.
        self.countries.choices = country_choices()


class CountriesForm(PortalForm):
    countries = _countries_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.countries.choices = country_choices()

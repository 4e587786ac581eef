"""Forms of the team page."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from portal.core.forms import PortalForm
from portal.core.once import FormTokenField


class InviteForm(PortalForm):
    form_token = FormTokenField()
    email = EmailField(
        _l("Colleague's work e-mail address"),
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("We send them a link; it works once, for two weeks."),
    )


class ButtonForm(PortalForm):
    """A button that changes state: accept, revoke, leave."""

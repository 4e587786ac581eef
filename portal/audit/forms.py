"""The audit page's filters: a GET form, each bad value refused next to its field."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from portal.audit.service import TARGET_TYPES, AuditFilter, find_actor
from portal.core.audit import ACTIONS
from portal.core.countries import COUNTRY_CODES, country_name
from portal.core.forms import PortalForm

NOT_A_DATE = _l("Give a date as YYYY-MM-DD.")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if (text or "").strip() else None
    except ValueError:
        return None


def _one_of(field) -> None:
    # Our own message, not WTForms' "Not a valid choice" (a filter link may be out of date).
    if field.data and field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(_l("Choose one from the list."))


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(
        _l("Done by"),
        validators=[Optional(), Length(max=254)],
        description=_l("An e-mail address or an account number, such as 41."),
    )
    action = SelectField(_l("Event"), validators=[Optional()], validate_choice=False)
    target_type = SelectField(_l("Done to"), validators=[Optional()], validate_choice=False)
    target_id = StringField(
        _l("Its number"),
        validators=[Optional(), Length(max=12)],
        description=_l("The number of the member, action or account."),
    )
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    since = StringField(
        _l("From"),
        validators=[Optional()],
        description=_l("A day, as YYYY-MM-DD (UTC)."),
        render_kw={"type": "date"},
    )
    until = StringField(
        _l("To"),
        validators=[Optional()],
        description=_l("A day, as YYYY-MM-DD (UTC), included."),
        render_kw={"type": "date"},
    )

    def __init__(self, countries: set[str] | None, *args, **kwargs):
        """`countries`: those the reader may choose from; None for every country."""
        super().__init__(*args, **kwargs)
        codes = COUNTRY_CODES if countries is None else countries
        self.action.choices = [SelectChoice("", _l("Any event"))] + [
            SelectChoice(name, str(label)) for name, label in ACTIONS.items()
        ]
        self.target_type.choices = [SelectChoice("", _l("Anything"))] + [
            SelectChoice(name, str(label)) for name, label in TARGET_TYPES.items()
        ]
        all_label = _l("All countries") if countries is None else _l("All my countries")
        self.country.choices = [SelectChoice("", all_label)] + [
            SelectChoice(code, name)
            for name, code in sorted((country_name(code), code) for code in codes)
        ]
        self.actor_id: int | None = None

    def validate_action(self, field):
        _one_of(self.action)

    def validate_target_type(self, field):
        _one_of(self.target_type)

    def validate_country(self, field):
        _one_of(self.country)

    def validate_actor(self, field):
        text = (field.data or "").strip()
        if not text:
            return
        self.actor_id = find_actor(text)
        if self.actor_id is None:
            raise ValidationError(_l("No account has this e-mail address or number."))

    def validate_target_id(self, field):
        text = (field.data or "").strip().removeprefix("#")
        if not text:
            return
        if not text.isdigit():
            raise ValidationError(_l("Give a number, such as 41."))
        if not self.target_type.data:
            raise ValidationError(_l("Choose above what the number is of."))

    def validate_since(self, field):
        if (field.data or "").strip() and _date(field.data) is None:
            raise ValidationError(NOT_A_DATE)

    def validate_until(self, field):
        if (field.data or "").strip() and _date(field.data) is None:
            raise ValidationError(NOT_A_DATE)
        since, until = _date(self.since.data), _date(field.data)
        if since and until and until < since:
            raise ValidationError(_l("The last day cannot be before the first."))

    def filters(self) -> AuditFilter:
        """The filters asked for (call after a successful validate)."""
        target = (self.target_id.data or "").strip().removeprefix("#")
        return AuditFilter(
            actor_id=self.actor_id,
            action=self.action.data or None,
            target_type=self.target_type.data or None,
            target_id=int(target) if target else None,
            country=self.country.data or None,
            since=_date(self.since.data),
            until=_date(self.until.data),
        )

"""The application form: a draft needs only the name and the country, a submission everything."""

import re
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
    URLField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
    ValidationError,
)

from portal.core.countries import country_choices
from portal.core.folding import fold
from portal.core.forms import PortalForm, WebAddress
from portal.core.inputs import MAX_ID, whole_number
from portal.membership import documents
from portal.membership.documents import NO_DOCUMENT

# The covenant was proposed on 8 March 2018; no council can have decided to join before.
EARLIEST_DECISION = date(2018, 3, 8)
MAX_POPULATION = 20_000_000


class RequiredToSubmit:
    """Required when the application is submitted; in a draft an empty field is fine.

    The form's `final` attribute says which it is. Like Optional, an empty field in a draft stops
    the chain. Processing errors ("Not a valid integer value.") are dropped: the validators
    after this one say what is expected instead.
    """

    field_flags = {"required": True}

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.type == "BooleanField":
            empty = not field.data
        else:
            raw = field.raw_data[0] if field.raw_data else ""
            empty = not (raw.strip() if isinstance(raw, str) else raw)
        field.errors[:] = []  # ours say more than "Not a valid float value."
        if not empty:
            return
        if getattr(form, "final", True):
            raise StopValidation(self.message or _l("This is needed to submit the application."))
        raise StopValidation()


def eu_today() -> date:
    """Today's date where it is latest in the EU (UTC+3 in summer), so no one's today is
    refused as the future."""
    return (datetime.now(UTC) + timedelta(hours=3)).date()


def decision_date_in_range(form, field):
    if field.data is None:
        if field.raw_data and field.raw_data[0].strip():
            raise ValidationError(_l("Enter a real date, for example 2024-03-08."))
        return
    if field.data > eu_today():
        raise ValidationError(_l("The date of the council decision cannot be in the future."))
    if field.data < EARLIEST_DECISION:
        raise ValidationError(
            _l("The covenant exists since 8 March 2018; check the year of the decision.")
        )


def has_letters(form, field):
    if field.data and not fold(field.data):
        raise ValidationError(_l("Enter the municipality's name in letters."))


def pdf_document(form, field):
    """Say at once, with the other errors, if the chosen file is not an acceptable PDF (the
    service checks it again when it stores it)."""
    upload = field.data
    if not upload:
        return
    try:
        documents.read_pdf(upload.stream)
    except documents.DocumentError as exc:
        raise ValidationError(str(exc.message)) from exc
    finally:
        upload.stream.seek(0)


_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")


def phone_number(form, field):
    value = " ".join((field.data or "").split())
    if not value:
        return
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.match(value) or not 6 <= digits <= 15:
        raise ValidationError(
            _l("Enter a phone number with digits only, for example +49 221 2210.")
        )
    field.data = value


class ApplicationForm(PortalForm):
    # Set before validation: True for "Submit application", False for "Save draft".
    final = True

    name = StringField(
        _l("Official name of the municipality"),
        validators=[InputRequired(), Length(max=120), has_letters],
        description=_l(
            "The name your council uses, for example Köln or Saint-Étienne; then fill in the "
            "region, population and location below."
        ),
    )
    geonames_id = HiddenField()
    country = SelectField(_l("Country"), validators=[InputRequired()], choices=[])
    region = StringField(
        _l("Region"),
        validators=[RequiredToSubmit(), Length(max=120)],
        description=_l("The region, province or state the municipality belongs to."),
    )
    population = IntegerField(
        _l("Population"),
        validators=[
            RequiredToSubmit(),
            NumberRange(
                min=1,
                max=MAX_POPULATION,
                message=_l("Enter the number of inhabitants, a whole number above zero."),
            ),
        ],
    )
    latitude = FloatField(
        _l("Latitude"),
        validators=[
            RequiredToSubmit(),
            NumberRange(
                min=-90, max=90, message=_l("Enter a latitude between -90 and 90 degrees.")
            ),
        ],
        description=_l("Decimal degrees, for example 50.9375."),
    )
    longitude = FloatField(
        _l("Longitude"),
        validators=[
            RequiredToSubmit(),
            NumberRange(
                min=-180, max=180, message=_l("Enter a longitude between -180 and 180 degrees.")
            ),
        ],
        description=_l("Decimal degrees, for example 6.9603 (negative west of Greenwich)."),
    )
    website = URLField(
        _l("Website"),
        validators=[RequiredToSubmit(), Length(max=300), WebAddress()],
        description=_l("The municipality's own website, for example https://www.stadt-koeln.de"),
    )
    mayor_name = StringField(
        _l("Name of the mayor"), validators=[RequiredToSubmit(), Length(max=120)]
    )
    council_decision_date = DateField(
        _l("Date of the council decision"),
        validators=[RequiredToSubmit(), decision_date_in_range],
        description=_l("The day the council decided to join; it becomes your joining date."),
    )
    council_decision = FileField(
        _l("Signed council decision (PDF)"),
        validators=[pdf_document],
        description=_l("A PDF file of at most 10 MB."),
    )
    contact_name = StringField(
        _l("Contact person"), validators=[RequiredToSubmit(), Length(max=120)]
    )
    contact_email = EmailField(
        _l("Contact person's work e-mail address"),
        validators=[
            RequiredToSubmit(),
            Email(check_deliverability=False, message=_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    contact_phone = TelField(
        _l("Contact person's phone number"),
        validators=[RequiredToSubmit(), Length(max=40), phone_number],
        description=_l("With the country code, for example +49 221 2210."),
    )
    accept_commitments = BooleanField(
        _l("On behalf of the municipality, I accept the commitments of the covenant above."),
        validators=[
            RequiredToSubmit(_l("Accept the commitments to submit the application.")),
        ],
    )
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("Choose a country"))] + country_choices()

    def validate_for(self, final: bool, has_document: bool = False) -> bool:
        """Validate as a draft or, if final, as a submission (which needs a council decision:
        one uploaded now, or earlier if has_document)."""
        self.final = final
        valid = self.validate()
        if final and not has_document and not self.council_decision.data:
            self.council_decision.errors = [*self.council_decision.errors, NO_DOCUMENT]
            valid = False
        return valid

    def geonames_id_value(self) -> int | None:
        raw = (self.geonames_id.data or "").strip()
        return whole_number(raw, 0, MAX_ID)

    def version_value(self) -> int | None:
        raw = (self.version.data or "").strip()
        return whole_number(raw, 0, MAX_ID)


class SubmitForm(PortalForm):
    """The button that submits a saved application as it stands."""

    version = HiddenField()

    def version_value(self) -> int | None:
        raw = (self.version.data or "").strip()
        return whole_number(raw, 0, MAX_ID)

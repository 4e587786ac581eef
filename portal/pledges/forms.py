"""Forms for actions, progress updates, comments, good practice and holds.

The forms parse and bound the input; the domain rules (date order, budget, lists) are checked by
portal.pledges.service, whose messages the views put next to the fields.
"""

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.core.fields import MultiCheckboxField, SelectField
from portal.core.forms import PortalForm
from portal.core.inputs import MAX_ID, whole_number
from portal.core.once import FormTokenField
from portal.core.templating import language_options
from portal.pledges import catalog
from portal.pledges.service import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    PARTNERS_MAX,
    TITLE_MAX,
    TITLE_MIN,
    UPDATE_TEXT_MAX,
    ActionData,
)

NOT_A_DATE = _l("Give a date as YYYY-MM-DD.")


def _written_in(description) -> SelectField:
    # Not sent (a form from before the portal asked): the page's language, as on a new form.
    return SelectField(_l("Written in"), description=description)


def _offer_languages(field: SelectField, default: str | None) -> None:
    """The portal's languages, each named in itself; before a submit, `default` (else the
    language of the page) is the one chosen."""
    field.choices = language_options(current_app.config["LANGUAGES"])
    if not field.raw_data:
        field.data = default or str(get_locale())


class ActionForm(PortalForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(), Length(min=TITLE_MIN, max=TITLE_MAX)]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("What will be done, where, and what it should change."),
    )
    category = SelectField(_l("Category"), validators=[InputRequired()])
    spaces = MultiCheckboxField(
        _l("Kinds of public space"),
        validators=[InputRequired(message=_l("Choose at least one kind of public space."))],
    )
    start_date = DateField(_l("Start date"), validators=[InputRequired(message=NOT_A_DATE)])
    target_date = DateField(
        _l("Target date"),
        validators=[InputRequired(message=NOT_A_DATE)],
        description=_l("When the action should be complete."),
    )
    budget_eur = DecimalField(
        _l("Estimated budget in euro"),
        places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("The budget cannot be negative."))],
        description=_l("Optional. Leave empty if not known."),
    )
    funding = MultiCheckboxField(_l("Funding sources"), validators=[Optional()])
    partners = TextAreaField(
        _l("Partners"),
        validators=[Optional(), Length(max=PARTNERS_MAX)],
        description=_l("For example the private operators, services or associations involved."),
    )
    language = _written_in(
        _l(
            "The language of the title, description and partners, so that readers and their "
            "screen readers know it."
        )
    )
    publish = BooleanField(_l("Publish it now on the member's public page"))
    form_token = FormTokenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Choose a category"))] + catalog.category_choices()
        self.spaces.choices = catalog.space_choices()
        self.funding.choices = catalog.funding_choices()
        _offer_languages(self.language, None)

    def to_data(self) -> ActionData:
        return ActionData(
            title=self.title.data or "",
            description=self.description.data or "",
            category=self.category.data or "",
            space_kinds=list(self.spaces.data or []),
            start_date=self.start_date.data,
            target_date=self.target_date.data,
            budget_eur=self.budget_eur.data,
            funding_sources=list(self.funding.data or []),
            partners=self.partners.data or "",
            language=self.language.data or "",
        )

    def fill_from(self, action) -> None:
        self.title.data = action.title
        self.description.data = action.description
        self.category.data = action.category
        self.spaces.data = action.space_kinds
        self.start_date.data = action.start_date
        self.target_date.data = action.target_date
        self.budget_eur.data = action.budget_eur
        self.funding.data = action.funding_sources
        self.partners.data = action.partners
        self.language.data = action.language or str(get_locale())


class ProgressForm(PortalForm):
    reported_on = DateField(_l("Date"), validators=[InputRequired(message=NOT_A_DATE)])
    status = SelectField(_l("Status"), validators=[InputRequired()])
    percent_complete = IntegerField(
        _l("Percentage complete"),
        validators=[
            InputRequired(message=_l("Give a percentage from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("Give a percentage from 0 to 100.")),
        ],
    )
    form_token = FormTokenField()
    text = TextAreaField(
        _l("What has happened"),
        validators=[InputRequired(), Length(max=UPDATE_TEXT_MAX)],
        description=_l("Shown on the member's public page if the action is published."),
    )
    language = _written_in(_l("The language the update is written in."))

    def __init__(self, *args, written_in: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = catalog.progress_status_choices()
        _offer_languages(self.language, written_in)


class CancelForm(PortalForm):
    reason = TextAreaField(
        _l("Why is the action cancelled?"),
        validators=[InputRequired(), Length(max=UPDATE_TEXT_MAX)],
        description=_l("Kept in the action's progress history."),
    )


class CommentForm(PortalForm):
    form_token = FormTokenField()
    body = TextAreaField(
        _l("Comment"),
        validators=[InputRequired(), Length(max=COMMENT_MAX)],
        description=_l("Visible to the member's representatives and coordinators, never public."),
    )


class ConfirmForm(PortalForm):
    """A button that changes state: publish, unpublish, good practice on or off."""


class HoldForm(PortalForm):
    version = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(), Length(max=2000)],
        description=_l("Shown on the member's public page while it is on hold."),
    )


class LiftHoldForm(PortalForm):
    version = HiddenField()
    reason = StringField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])


def parse_version(value: str | None) -> int | None:
    return whole_number(value or "", 0, MAX_ID)


class ExtensionRequestForm(PortalForm):
    """A member's one request for more time on one deadline."""

    deadline = HiddenField()
    until = DateField(
        _l("New date asked for"),
        validators=[InputRequired(message=NOT_A_DATE)],
        description=_l("The date by which you can meet this deadline."),
    )
    reason = TextAreaField(
        _l("Why you need more time"),
        validators=[
            InputRequired(message=_l("Please say why you need more time.")),
            Length(max=2000),
        ],
        description=_l("Your coordinator reads it; it is not shown publicly."),
    )


class ExtensionDecisionForm(PortalForm):
    """A coordinator's answer to a request for more time."""

    decision = SelectField(
        _l("Decision"),
        choices=[("grant", _l("Grant more time")), ("refuse", _l("Refuse"))],
        validators=[InputRequired()],
    )
    new_due_on = DateField(
        _l("New date"),
        validators=[Optional()],
        description=_l("Only when granting: the deadline moves to this date."),
    )
    comment = TextAreaField(
        _l("Comment to the member"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when refusing. It is mailed to the member's representatives."),
    )

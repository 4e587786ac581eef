"""Forms of the review pages: the decision on an application, a member's status, list filters,
and a country's helpdesk address."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from portal.core.countries import country_name
from portal.core.folding import fold
from portal.core.forms import PortalForm, WebAddress
from portal.core.inputs import MAX_ID, whole_number
from portal.membership.transitions import COMMENT_REQUIRED
from portal.models.members import MEMBER_STATUSES, Decision, MemberAction, MemberStatus

COMMENT_MAX = 5000
NAME_SEARCH_MAX = 100  # as the directory's search


def _check_version(form, field):
    """The member's version when the page was shown (a decision on an older one is refused)."""
    if whole_number(str(field.data or ""), 0, MAX_ID) is None:
        raise ValidationError(_l("The form is incomplete. Please reload the page."))


class _VersionedForm(PortalForm):
    @property
    def seen_version(self) -> int | None:
        data = str(self.version.data or "")
        return int(data) if data.isdigit() else None


class DecisionForm(_VersionedForm):
    decision = RadioField(
        _l("Your decision"),
        choices=[SelectChoice(value, label) for value, label in Decision.choices()],
        validators=[InputRequired(message=_l("Choose a decision."))],
        id="decision-choice",
    )
    comment = TextAreaField(
        _l("Comment to the applicant"),
        description=_l(
            "Required when you reject or ask for changes. The representatives receive it by "
            "e-mail and it stays in the application's history."
        ),
        validators=[Length(max=COMMENT_MAX)],
        id="decision-comment",
    )
    version = HiddenField(validators=[_check_version], id="decision-version")

    def validate_comment(self, field):
        decision = Decision.get(self.decision.data)
        if decision and decision.status in COMMENT_REQUIRED and not (field.data or "").strip():
            if decision is Decision.REJECT:
                raise ValidationError(_l("Give the reason for the rejection."))
            raise ValidationError(_l("Say what should change."))


class MemberStatusForm(_VersionedForm):
    action = RadioField(
        _l("Change the member's status"),
        validators=[InputRequired(message=_l("Choose what to do."))],
        id="status-action",
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l(
            "Required, except to reinstate. The representatives receive it by e-mail and it "
            "stays in the member's history. The reason for a hold is also shown on the public "
            "member page: write nothing personal."
        ),
        validators=[Length(max=COMMENT_MAX)],
        id="status-reason",
    )
    version = HiddenField(validators=[_check_version], id="status-version")

    def __init__(self, actions: list[MemberAction], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [
            SelectChoice(value, label) for value, label in MemberAction.choices(actions)
        ]

    def validate_reason(self, field):
        action = MemberAction.get(self.action.data)
        if action and action.status in COMMENT_REQUIRED and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason."))


class QueueFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    country = SelectField(_l("Country"), validators=[Optional()])

    def __init__(self, countries: set[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("All my countries"))] + [
            SelectChoice(code, name)
            for name, code in sorted((country_name(code), code) for code in countries)
        ]


class MembersFilterForm(QueueFilterForm):
    q = SearchField(
        _l("Name"),
        validators=[Length(max=NAME_SEARCH_MAX, message=_l("Write at most %(max)d characters."))],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(value, label) for value, label in MemberStatus.choices(MEMBER_STATUSES)],
        validators=[Optional()],
    )

    def validate_q(self, field):
        if (field.data or "").strip() and not fold(field.data):
            raise ValidationError(_l("Write a part of the name with a letter or a digit."))


class HelpdeskForm(PortalForm):
    """A country's helpdesk address, shown on the public help page: an office, never a person.

    Made with the country's code as prefix, so each country's form on the page has its own ids.
    """

    email = EmailField(
        _l("Helpdesk e-mail address"),
        description=_l(
            "The office address of the national coordination, such as helpdesk@…; never a "
            "person's own address. It is shown publicly on the help page."
        ),
        validators=[
            InputRequired(message=_l("Enter the helpdesk's e-mail address.")),
            Length(max=254),
            Email(check_deliverability=False, message=_l("This is not an e-mail address.")),
        ],
    )
    website = URLField(
        _l("Website (optional)"),
        description=_l("A page of the national coordination, starting with https://."),
        validators=[Length(max=300), WebAddress(https_only=True)],
    )

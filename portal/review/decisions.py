"""What a coordinator may decide: on a submitted application, and on a member's status.

Each decision is named in the forms by its value, carries the label the form shows, and leads to
one member status (`.status`).
"""

from flask_babel import lazy_gettext as _l

from portal.models.enums import LabelledEnum
from portal.models.members import MemberStatus


class Decision(LabelledEnum):
    """A coordinator's decision on a submitted application."""

    APPROVE = "approve", _l("Approve: the municipality becomes a member and is listed publicly")
    REQUEST_CHANGES = (
        "request_changes",
        _l("Ask for changes: the applicant edits the application and resubmits it"),
    )
    REJECT = "reject", _l("Reject: the application is closed")

    @property
    def status(self) -> MemberStatus:
        return _DECISION_STATUS[self]


class MemberAction(LabelledEnum):
    """What a coordinator may do to a member, in the order the form offers it."""

    HOLD = "hold", _l("Put on hold: the member stays listed, marked as on hold, with the reason")
    SUSPEND = "suspend", _l("Suspend: the member is no longer listed publicly")
    WITHDRAW = "withdraw", _l("Withdraw: the membership ends")
    REINSTATE = "reinstate", _l("Reinstate: the member is active again")

    @property
    def status(self) -> MemberStatus:
        return _ACTION_STATUS[self]


_DECISION_STATUS = {
    Decision.APPROVE: MemberStatus.APPROVED,
    Decision.REJECT: MemberStatus.REJECTED,
    Decision.REQUEST_CHANGES: MemberStatus.CHANGES_REQUESTED,
}
_ACTION_STATUS = {
    MemberAction.HOLD: MemberStatus.ON_HOLD,
    MemberAction.SUSPEND: MemberStatus.SUSPENDED,
    MemberAction.WITHDRAW: MemberStatus.WITHDRAWN,
    MemberAction.REINSTATE: MemberStatus.APPROVED,
}

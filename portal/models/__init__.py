"""The typed models, one module per aggregate; importing this package registers them all."""

from portal.models.audit import AuditEntry
from portal.models.base import AppendOnlyError, Base, UTCDateTime, utcnow
from portal.models.mail import JobRun, OutboxMail
from portal.models.members import (
    CouncilDecision,
    CountryHelpdesk,
    Member,
    Representation,
    StatusChange,
)
from portal.models.pledges import (
    Action,
    ActionComment,
    ActionFunding,
    ActionSpace,
    DeadlineExtension,
    Invitation,
    ProgressUpdate,
    ReminderSent,
)
from portal.models.publicdata import DataVersion
from portal.models.search import MemberSearch
from portal.models.sessions import RecoveryCode, ServerSession, SignIn, UsedFormToken
from portal.models.users import CoordinatorCountry, User

__all__ = [
    "Action",
    "ActionComment",
    "AppendOnlyError",
    "AuditEntry",
    "ActionFunding",
    "ActionSpace",
    "Base",
    "CoordinatorCountry",
    "CountryHelpdesk",
    "CouncilDecision",
    "DataVersion",
    "DeadlineExtension",
    "Invitation",
    "JobRun",
    "Member",
    "MemberSearch",
    "OutboxMail",
    "ProgressUpdate",
    "RecoveryCode",
    "ReminderSent",
    "Representation",
    "ServerSession",
    "SignIn",
    "StatusChange",
    "UsedFormToken",
    "User",
    "UTCDateTime",
    "utcnow",
]

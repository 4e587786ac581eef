"""Writing the audit trail: `record` adds one entry to the current transaction.

Every privileged action calls it inside its service, next to the change it describes, so the
entry commits with the change or not at all; it never commits itself. The action names and their
labels are the one list below; details are a few plain values and never a secret.
"""

import re

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import Action, AuditEntry, Member, User

ACTIONS = {
    "auth.signed_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.code_refused": _l("Second-factor code refused"),
    "auth.password_changed": _l("Password changed"),
    "auth.email_change_requested": _l("Change of e-mail address asked for"),
    "auth.email_changed": _l("E-mail address changed"),
    "auth.password_set": _l("Password set from a mailed link"),
    "auth.second_factor_enrolled": _l("Second factor set up"),
    "auth.second_factor_turned_off": _l("Second factor turned off"),
    "auth.second_factor_reset": _l("Second factor reset"),
    "auth.recovery_codes_renewed": _l("Recovery codes renewed"),
    "auth.signed_out_elsewhere": _l("Other sessions ended"),
    "auth.signed_out_everywhere": _l("Signed out everywhere"),
    "coordinator.invited": _l("Coordinator invited"),
    "coordinator.invitation_resent": _l("Coordinator's invitation sent again"),
    "coordinator.countries_changed": _l("Coordinator's countries changed"),
    "coordinator.deactivated": _l("Coordinator deactivated"),
    "coordinator.reactivated": _l("Coordinator reactivated"),
    "application.submitted": _l("Application submitted"),
    "application.approved": _l("Application approved"),
    "application.rejected": _l("Application rejected"),
    "application.changes_requested": _l("Changes asked for"),
    "member.put_on_hold": _l("Member put on hold"),
    "member.hold_lifted": _l("Hold lifted"),
    "member.suspended": _l("Member suspended"),
    "member.withdrawn": _l("Membership withdrawn"),
    "member.reinstated": _l("Member reinstated"),
    "member.held_automatically": _l("Member put on hold automatically (late)"),
    "member.reinstated_automatically": _l("Member reinstated automatically (caught up)"),
    "extension.requested": _l("More time asked for"),
    "extension.granted": _l("More time granted"),
    "extension.refused": _l("More time refused"),
    "action.marked_good_practice": _l("Marked as good practice"),
    "action.unmarked_good_practice": _l("Good-practice mark taken away"),
    "action.commented": _l("Action commented on"),
    "team.invited": _l("Colleague invited"),
    "team.invitation_revoked": _l("Colleague's invitation withdrawn"),
    "team.joined": _l("Colleague joined"),
    "team.left": _l("Representative left"),
    "account.erased": _l("Account deleted by its owner"),
    "mail.sent_again": _l("Given-up mail sent again"),
    "helpdesk.updated": _l("Country's helpdesk address changed"),
}

# Keys that could carry a secret (a password, a token, a confirmation or sign-in code, a hash).
SECRET_KEY = re.compile(r"pass|secret|token|code|hash|key|otp|cookie|session|csrf|credential", re.I)
TEXT_MAX = 200
DETAILS_MAX = 20
_PLAIN = (str, int, float, bool, type(None))


class AuditDetailError(ValueError):
    """Details an audit entry must not hold: a secret-looking key or a value that is not plain."""


def record(
    actor: User | None,
    action: str,
    target: Member | Action | User | None = None,
    *,
    country: str | None = None,
    **details,
) -> AuditEntry:
    """Add an audit entry to the current session; it commits with the caller's change.

    `actor` is the signed-in user (None for nobody signed in); `target` what the action was
    on. `country` defaults to the target's (a member's, an action's member's).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    target_type, target_id, target_label, target_country = _describe(target)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=user_label(actor) if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        country=country or target_country,
        details=_clean(details),
    )
    db.session.add(entry)
    return entry


def user_label(user: User) -> str:
    """A user without personal data: the role and the account number."""
    return f"{user.role} #{user.id}"


def _describe(target) -> tuple[str | None, int | None, str, str | None]:
    if target is None:
        return None, None, "", None
    if isinstance(target, Member):
        return "member", target.id, target.name[:120], target.country
    if isinstance(target, Action):
        return "action", target.id, target.title[:120], target.member.country
    if isinstance(target, User):
        return "user", target.id, user_label(target), None
    raise TypeError(f"no audit target type for {type(target).__name__}")


def _clean(details: dict) -> dict:
    if len(details) > DETAILS_MAX:
        raise AuditDetailError("too many audit details")
    clean = {}
    for key, value in details.items():
        if SECRET_KEY.search(key):
            raise AuditDetailError(f"audit details never hold secrets: {key!r}")
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value) if isinstance(value, set | frozenset) else list(value)
            if not all(isinstance(v, _PLAIN) for v in items):
                raise AuditDetailError(f"audit detail {key!r} is not a list of plain values")
            clean[key] = [v[:TEXT_MAX] if isinstance(v, str) else v for v in items]
        elif isinstance(value, _PLAIN):
            clean[key] = value[:TEXT_MAX] if isinstance(value, str) else value
        else:
            raise AuditDetailError(f"audit detail {key!r} is not a plain value")
    return clean

"""Who may do what. Every service and view asks here; no rule about roles lives elsewhere.

Rules read the user and the object; they never look at the request.
"""

from sqlalchemy import select

from portal.core.errors import NotAllowed
from portal.extensions import db
from portal.models import Action, Member, Representation, User
from portal.models.members import CHANGES_REQUESTED, DRAFT, MEMBER_STATUSES, PUBLIC_STATUSES
from portal.models.users import Role


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_admin(user) -> bool:
    return _signed_in(user) and user.is_admin


def coordinates(user, country: str) -> bool:
    """The user is an active coordinator for this country."""
    return _signed_in(user) and user.is_coordinator and country in user.country_codes


def represents(user, member: Member) -> bool:
    """The user is one of the member's representatives."""
    if not _signed_in(user) or member.id is None:
        return False
    return (
        db.session.scalar(
            select(Representation.user_id).where(
                Representation.member_id == member.id, Representation.user_id == user.id
            )
        )
        is not None
    )


def can_apply(user) -> bool:
    return _signed_in(user) and user.is_confirmed and user.role == Role.REPRESENTATIVE


def can_view_application(user, member: Member) -> bool:
    """The whole application, its history and contact data: its representatives and the
    coordinators of its country."""
    return represents(user, member) or coordinates(user, member.country)


def can_edit_application(user, member: Member) -> bool:
    return member.status in (DRAFT, CHANGES_REQUESTED) and represents(user, member)


def can_decide(user, member: Member) -> bool:
    return coordinates(user, member.country)


def can_review(user) -> bool:
    """The review queue and members pages: coordinators, each seeing their own countries only."""
    return _signed_in(user) and user.is_coordinator


def can_change_member_status(user, member: Member) -> bool:
    """Put a member on hold, suspend, withdraw or reinstate it: its country's coordinators."""
    return coordinates(user, member.country)


def can_read_council_decision(user, member: Member) -> bool:
    return can_view_application(user, member)


def can_manage_representatives(user, member: Member) -> bool:
    return member.status in MEMBER_STATUSES and represents(user, member)


def can_manage_actions(user, member: Member) -> bool:
    """Create, edit, publish, update and cancel the member's actions."""
    return member.status in PUBLIC_STATUSES and represents(user, member)


def can_see_all_actions(user, member: Member) -> bool:
    """Unpublished actions included: the member's representatives and its coordinators."""
    return represents(user, member) or coordinates(user, member.country)


def can_view_action(user, action: Action) -> bool:
    if action.published and action.member.status in PUBLIC_STATUSES:
        return True
    return can_see_all_actions(user, action.member)


def can_comment_action(user, action: Action) -> bool:
    return coordinates(user, action.member.country)


def can_mark_good_practice(user, action: Action) -> bool:
    return coordinates(user, action.member.country)


def can_follow_up(user) -> bool:
    """The overview of late members: coordinators, each seeing their own countries only."""
    return _signed_in(user) and user.is_coordinator


def can_set_helpdesk(user, country: str) -> bool:
    """Set a country's helpdesk address on the help page: its coordinators and administrators."""
    return is_admin(user) or coordinates(user, country)


def can_hold_for_lateness(user, member: Member) -> bool:
    """Put a late member on hold, or lift the hold, from the late-members overview."""
    return member.status in PUBLIC_STATUSES and coordinates(user, member.country)


def can_request_extension(user, member: Member) -> bool:
    """Ask for more time on one of the member's deadlines: its representatives."""
    return member.status in PUBLIC_STATUSES and represents(user, member)


def can_decide_extension(user, member: Member) -> bool:
    """Grant or refuse a request for more time: the coordinators of the member's country."""
    return coordinates(user, member.country)


def can_leave(user, member: Member) -> bool:
    """Stop representing a member (the service refuses it to the last representative)."""
    return represents(user, member)


def can_join_member(user) -> bool:
    """Accept an invitation to represent a member: a confirmed representative account."""
    return _signed_in(user) and user.is_confirmed and user.role == Role.REPRESENTATIVE


def can_manage_coordinators(user) -> bool:
    return is_admin(user)


def can_manage_mail(user) -> bool:
    """See the outbox and the daily jobs, and send a given-up mail again: administrators."""
    return is_admin(user)


def can_export_personal_data(user, person: User) -> bool:
    """Download everything the portal holds about a person: that person only."""
    return _signed_in(user) and not user.is_erased and user.id == person.id


def can_erase_account(user, person: User) -> bool:
    """Erase an account: its owner only (the service refuses the last administrator)."""
    return _signed_in(user) and not user.is_erased and user.id == person.id


def can_read_audit(user) -> bool:
    """The audit trail: administrators all of it, coordinators their countries' entries."""
    return is_admin(user) or (_signed_in(user) and user.is_coordinator)


def audit_countries(user) -> set[str] | None:
    """The countries whose audit entries the user reads; None: every entry, with or without a
    country (administrators)."""
    if is_admin(user):
        return None
    return set(user.country_codes) if can_read_audit(user) else set()


def require(allowed: bool, hide: bool = False) -> None:
    """Raise NotAllowed unless allowed (`hide`: answered 404, even the thing's existence is
    private). Views and services alike call it."""
    if not allowed:
        raise NotAllowed(hide=hide)


def user_or_none(user) -> User | None:
    return user if _signed_in(user) else None


def can_end_sessions_of(actor, user: User) -> bool:
    """List and end a user's sessions: the user themselves, or an administrator."""
    return _signed_in(actor) and (actor.id == user.id or actor.is_admin)


def can_reset_second_factor(actor, user: User) -> bool:
    """Clear a coordinator's second factor (they set it up again at their next sign-in)."""
    return is_admin(actor) and user.is_coordinator


def can_turn_off_second_factor(user) -> bool:
    """Only those for whom it is optional: coordinators and administrators must keep one."""
    return _signed_in(user) and not user.is_privileged

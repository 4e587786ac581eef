"""Erasing an account (GDPR Art. 17): what the portal holds about the person goes, and what the
covenant's record still needs is kept under a pseudonym.

What happens to each kind of data, in one transaction:

- The user row stays, stripped: its address becomes a unique placeholder that is no address
  (``erased-<id>@erased.invalid``), the name, language and sign-in times are removed, the
  password becomes unusable and the account inactive, so every open session and remember-me
  cookie stops working at its next request. Its id and role stay, so that the history entries,
  comments, progress updates and decisions they wrote now read "former representative #41"
  (or "former coordinator #7").
- Their representations and coordinator countries are removed.
- Applications they made keep their municipality's record, but the contact data (name, e-mail,
  phone) is removed from those they created and from any whose contact address was theirs. A
  draft that only they represented is deleted with its council decision files: nobody else could
  continue it.
- Every session ends and its record goes; the second factor (key and recovery codes) goes.
- Invitations addressed to them and every mail to their address (queued or sent) are deleted;
  links mailed to them stop working, as the account they were for is gone.
- If they were the last representative of a member, that member's coordinators are told by mail.
- A coordinator whose countries are then left without an active coordinator: the administrators
  are told by mail which countries.
- An administrator cannot erase their account while they are the only active administrator.

The erasure is recorded without personal data: the erased_at time on the stripped row, and an
audit entry ("account.erased") naming the account only by its role and number, with the members
it left without a representative and how many drafts went.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from portal import permissions
from portal.auth.sessions import end_all_sessions
from portal.core import audit, clock, transaction
from portal.core.errors import UserFacingError
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.membership import documents
from portal.models import (
    CoordinatorCountry,
    CouncilDecision,
    CountryHelpdesk,
    Invitation,
    Member,
    OutboxMail,
    RecoveryCode,
    Representation,
    SignIn,
    User,
)
from portal.models.members import DRAFT
from portal.models.users import ROLE_ADMIN, ROLE_COORDINATOR

# What erasure does with each column that refers to a user (tests check every such column is
# listed): "deleted" rows go, "kept" rows stay and point at the stripped, pseudonymous row.
HANDLED_COLUMNS = {
    ("representations", "user_id"): "deleted",
    ("coordinator_countries", "user_id"): "deleted",
    ("members", "created_by_id"): "kept, contact data removed",
    ("council_decisions", "uploaded_by_id"): "kept",
    ("status_changes", "actor_id"): "kept",
    ("audit_entries", "actor_id"): "kept",
    ("actions", "created_by_id"): "kept",
    ("actions", "good_practice_by_id"): "kept",
    ("progress_updates", "author_id"): "kept",
    ("action_comments", "author_id"): "kept",
    ("invitations", "invited_by_id"): "kept",
    ("invitations", "accepted_by_id"): "deleted",
    ("invitations", "email"): "deleted",
    ("outbox_mails", "recipient"): "deleted",
    ("sign_ins", "user_id"): "deleted (every session ended first)",
    ("recovery_codes", "user_id"): "deleted",
    ("deadline_extensions", "requested_by_id"): "kept",
    ("deadline_extensions", "decided_by_id"): "kept",
    ("country_helpdesks", "updated_by_id"): "kept",
    # An office's address; if it was the person's own, the country's entry goes.
    ("country_helpdesks", "email"): "deleted",
}


class ErasureError(UserFacingError):
    """An erasure that cannot be carried out; `message` is fit to show the person."""


@dataclass
class Erasure:
    """What an erasure did, for the caller to report; holds no personal data."""

    user_id: int
    members_left_without_representative: list[int] = field(default_factory=list)
    drafts_deleted: int = 0
    countries_uncovered: list[str] = field(default_factory=list)


def placeholder_email(user_id: int) -> str:
    # .invalid is reserved (RFC 2606): it can never be a real address, nor be registered here.
    return f"erased-{user_id}@erased.invalid"


def _other_active_admins(user: User) -> int:
    ids = db.session.scalars(
        select(User.id)
        .where(User.role == ROLE_ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    return len(ids)


@atomic
def erase_account(actor: User, user: User) -> Erasure:
    """Erase `user`'s account as described above; `actor` is the person themselves."""
    permissions.require(permissions.can_erase_account(actor, user))
    if user.role == ROLE_ADMIN and _other_active_admins(user) == 0:
        raise ErasureError(
            _l(
                "You are the only administrator, so your account cannot be deleted yet. Make "
                "another person an administrator first (flask users create ... --role admin)."
            )
        )
    result = Erasure(user_id=user.id)
    email = user.email
    files = _leave_members(user, result)
    _remove_contact_data(user, email)
    _leave_countries(user, result)
    db.session.execute(
        delete(Invitation).where(
            or_(Invitation.email == email, Invitation.accepted_by_id == user.id)
        )
    )
    db.session.execute(delete(OutboxMail).where(OutboxMail.recipient == email))
    db.session.execute(delete(CountryHelpdesk).where(CountryHelpdesk.email == email))
    end_all_sessions(user)
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(  # before the stripping, while the account still counts as signed in
        actor,
        "account.erased",
        user,
        members_left_without_representative=result.members_left_without_representative,
        drafts_deleted=result.drafts_deleted,
        countries_left_without_coordinator=result.countries_uncovered,
    )
    _strip(user)
    for identifier in files:
        # The files go only once the rows pointing to them are gone for good.
        transaction.on_commit(lambda identifier=identifier: documents.delete(identifier))
    return result


def _leave_members(user: User, result: Erasure) -> list[str]:
    """Remove the user's representations; returns the files of drafts deleted with them."""
    member_ids = list(
        db.session.scalars(
            select(Representation.member_id).where(Representation.user_id == user.id)
        )
    )
    # Lock the members (PostgreSQL; SQLite serialises writers) so that two colleagues erasing
    # their accounts at once both see whether they are the last.
    members = db.session.scalars(
        select(Member).where(Member.id.in_(member_ids)).order_by(Member.id).with_for_update()
    ).all()
    db.session.execute(delete(Representation).where(Representation.user_id == user.id))
    files: list[str] = []
    orphan_drafts: list[int] = []
    for member in members:
        if _count_representatives(member.id):
            continue
        if member.status == DRAFT:
            orphan_drafts.append(member.id)
            continue
        result.members_left_without_representative.append(member.id)
        _tell_coordinators(member)
    if orphan_drafts:
        files = list(
            db.session.scalars(
                select(CouncilDecision.id).where(CouncilDecision.member_id.in_(orphan_drafts))
            )
        )
        db.session.execute(
            delete(Member)
            .where(Member.id.in_(orphan_drafts))
            .execution_options(synchronize_session=False)
        )
        result.drafts_deleted = len(orphan_drafts)
    return files


def _count_representatives(member_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Representation)
        .where(Representation.member_id == member_id)
    )


def _tell_coordinators(member: Member) -> None:
    from portal.membership.service import coordinators_of

    link = external_url("membership.application", member_id=member.id)
    for coordinator in coordinators_of(member.country):
        queue_mail(
            coordinator.email,
            _l("%(member)s has no representative on the portal any more", member=member.name),
            "last_representative_erased.txt",
            locale=coordinator.locale,
            coordinator=coordinator,
            member=member,
            link=link,
        )


def _remove_contact_data(user: User, email: str) -> None:
    db.session.execute(
        update(Member)
        .where(or_(Member.created_by_id == user.id, Member.contact_email == email))
        .values(contact_name="", contact_email="", contact_phone="")
        .execution_options(synchronize_session="fetch")
    )


def _leave_countries(user: User, result: Erasure) -> None:
    codes = sorted(user.country_codes)
    user.countries = []
    db.session.flush()
    if user.role != ROLE_COORDINATOR or not codes:
        return
    still_covered = set(
        db.session.scalars(
            select(CoordinatorCountry.country)
            .join(User, User.id == CoordinatorCountry.user_id)
            .where(
                CoordinatorCountry.country.in_(codes),
                User.active.is_(True),
                User.role == ROLE_COORDINATOR,
            )
        )
    )
    result.countries_uncovered = [code for code in codes if code not in still_covered]
    if not result.countries_uncovered:
        return
    admins = db.session.scalars(
        select(User).where(User.role == ROLE_ADMIN, User.active.is_(True)).order_by(User.id)
    )
    link = external_url("admin.coordinators")
    for admin in admins:
        queue_mail(
            admin.email,
            _l("Countries without a coordinator on the covenant portal"),
            "countries_uncovered.txt",
            locale=admin.locale,
            admin=admin,
            countries=result.countries_uncovered,
            link=link,
        )


def _strip(user: User) -> None:
    user.email = placeholder_email(user.id)
    user.name = ""
    user.password_hash = None
    user.active = False
    user.locale = None
    user.email_confirmed_at = None
    user.last_login_at = None
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.second_factor_locked_until = None
    user.erased_at = clock.now_utc()

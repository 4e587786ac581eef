"""A member's representatives: invite a colleague by e-mail, accept, revoke, leave.

An invitation carries a random token that is mailed to the colleague and stored only as its
SHA-256 hash. It works once, until it expires (INVITATION_MAX_AGE) or is revoked, and only for a
signed-in, confirmed representative account whose e-mail address is the invited one: following
the mailed link proves the address as a confirmation link does. A new invitation to the same
address replaces the pending one. The last representative of a member cannot leave.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import permissions
from portal.auth.service import normalise_email
from portal.core import audit, once
from portal.core.errors import UserFacingError
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import Invitation, Member, Representation, User, utcnow
from portal.models.members import MEMBER_STATUSES


class TeamError(UserFacingError):
    """A team change that cannot happen; `message` is fit to show the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def representatives(member: Member) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Representation, Representation.user_id == User.id)
            .where(Representation.member_id == member.id)
            .order_by(Representation.created_at, User.id)
        )
    )


def _pending(query, now: datetime):
    return query.where(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


def pending_invitations(member: Member) -> list[Invitation]:
    return list(
        db.session.scalars(
            _pending(select(Invitation), utcnow())
            .where(Invitation.member_id == member.id)
            .order_by(Invitation.created_at)
        )
    )


def invitations_for(user: User) -> list[Invitation]:
    """Pending invitations addressed to the user's e-mail address."""
    if not permissions.can_join_member(user):
        return []
    return list(
        db.session.scalars(
            _pending(select(Invitation), utcnow())
            .join(Member, Member.id == Invitation.member_id)
            .where(Invitation.email == user.email, Member.status.in_(MEMBER_STATUSES))
            .order_by(Invitation.created_at)
        )
    )


@atomic
def invite(actor: User, member: Member, email: str, form_token: str | None = None) -> Invitation:
    """Invite a colleague; the mail with the link goes out with the commit."""
    permissions.require(permissions.can_manage_representatives(actor, member))
    once.claim(form_token, "team-invitation")
    email = normalise_email(email or "")
    if not email or "@" not in email or len(email) > 254:
        raise TeamError(_l("Give a valid e-mail address."), field="email")
    if any(rep.email == email for rep in representatives(member)):
        raise TeamError(_l("This person represents the member already."), field="email")
    now = utcnow()
    db.session.execute(
        _pending(update(Invitation), now)
        .where(Invitation.member_id == member.id, Invitation.email == email)
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        member_id=member.id,
        email=email,
        token_hash=hash_token(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "team.invited", member, invitation_id=invitation.id)
    queue_mail(
        email,
        _l("Join %(member)s on the covenant portal", member=member.name),
        "team_invitation.txt",
        locale=actor.locale,
        inviter=actor,
        member=member,
        invitation=invitation,
        link=external_url("team.join", token=token),
    )
    return invitation


@atomic
def revoke(actor: User, invitation: Invitation) -> None:
    permissions.require(permissions.can_manage_representatives(actor, invitation.member))
    if invitation.accepted_at is not None:
        raise TeamError(_l("This invitation has been accepted already."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(
            actor, "team.invitation_revoked", invitation.member, invitation_id=invitation.id
        )


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def invitation_problem(invitation: Invitation | None) -> object | None:
    """Why this invitation cannot be accepted by anyone, or None."""
    if invitation is None:
        return _l("This invitation link is not valid. Check that you copied all of it.")
    if invitation.accepted_at is not None:
        return _l("This invitation has been used already.")
    if invitation.revoked_at is not None:
        return _l("This invitation was withdrawn. Ask your colleague for a new one.")
    if invitation.expires_at <= utcnow():
        return _l("This invitation has expired. Ask your colleague for a new one.")
    if invitation.member.status not in MEMBER_STATUSES:
        return _l("This member cannot take new representatives.")
    return None


def account_problem(user: User, invitation: Invitation) -> object | None:
    """Why this signed-in account cannot accept this (valid) invitation, or None."""
    if not user.is_confirmed:
        return _l(
            "Confirm your e-mail address with the link we sent you, then open the invitation again."
        )
    if not permissions.can_join_member(user):
        return _l(
            "You are signed in with a coordinator or administrator account. Invitations are "
            "for representatives' accounts: sign out, then sign in or create an account with "
            "%(email)s.",
            email=invitation.email,
        )
    if user.email != invitation.email:
        return _l(
            "This invitation was sent to %(invited)s, but you are signed in as %(you)s. Sign "
            "out, then sign in or create an account with %(invited)s.",
            invited=invitation.email,
            you=user.email,
        )
    if permissions.represents(user, invitation.member):
        return _l("You represent this member already.")
    return None


@atomic
def accept(actor: User, invitation: Invitation | None) -> Member:
    """Join the member's team; the invitation is used up in the same transaction."""
    problem = invitation_problem(invitation)
    if problem is None:
        problem = account_problem(actor, invitation)
    if problem is not None:
        raise TeamError(problem)
    now = utcnow()
    claimed = db.session.execute(
        _pending(update(Invitation), now)
        .where(Invitation.id == invitation.id)
        .values(accepted_at=now, accepted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise TeamError(_l("This invitation has been used already."))
    member = invitation.member
    colleagues = representatives(member)
    db.session.add(Representation(member_id=member.id, user_id=actor.id))
    audit.record(actor, "team.joined", member, invitation_id=invitation.id)
    link = external_url("team.team", member_id=member.id)
    for colleague in colleagues:
        if colleague.active:
            queue_mail(
                colleague.email,
                _l(
                    "%(name)s joined %(member)s",
                    name=actor.name or actor.email,
                    member=member.name,
                ),
                "team_joined.txt",
                locale=colleague.locale,
                user=colleague,
                colleague=actor,
                member=member,
                link=link,
            )
    # The claim went past the ORM: the invitation is read again after the commit.
    db.session.expire(invitation)
    return member


def _count_representatives(member_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Representation)
        .where(Representation.member_id == member_id)
    )


@atomic
def leave(actor: User, member: Member) -> None:
    """Stop representing the member, unless the actor is its last representative."""
    permissions.require(permissions.can_leave(actor, member))
    # Lock the member (PostgreSQL; SQLite serialises writers) so two colleagues leaving at
    # once cannot both pass the count.
    db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    if _count_representatives(member.id) <= 1:
        raise TeamError(
            _l(
                "You are the last representative of %(member)s, so you cannot leave. Invite a "
                "colleague first.",
                member=member.name,
            )
        )
    representation = db.session.get(Representation, (member.id, actor.id))
    db.session.delete(representation)
    audit.record(actor, "team.left", member)

"""The one way a membership changes state.

`transition` checks that the move is allowed from the state the member is in *in the database*
(not merely in memory), bumps the version, and appends the history entry and the audit entry,
all inside the caller's transaction. A decision taken on a state that has changed meanwhile
(another coordinator decided first, the applicant edited the application) is refused with
StaleDecision: exactly one counts.

Who may ask for a move is decided in portal.permissions, by the service calling this.
"""

from contextlib import nullcontext

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.errors import UserFacingError
from portal.extensions import db
from portal.models import Member, StatusChange, User, utcnow
from portal.models.members import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    ON_HOLD,
    REJECTED,
    SUBMITTED,
    SUSPENDED,
    WITHDRAWN,
    MemberStatus,
)

# Allowed moves: from -> the states it may go to.
ALLOWED: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED}),
    CHANGES_REQUESTED: frozenset({SUBMITTED}),
    SUBMITTED: frozenset({APPROVED, REJECTED, CHANGES_REQUESTED}),
    APPROVED: frozenset({ON_HOLD, SUSPENDED, WITHDRAWN}),
    ON_HOLD: frozenset({APPROVED, SUSPENDED, WITHDRAWN}),
    SUSPENDED: frozenset({APPROVED, WITHDRAWN}),
    WITHDRAWN: frozenset({APPROVED}),
    REJECTED: frozenset(),
}
# Moves that must say why.
COMMENT_REQUIRED = frozenset({REJECTED, CHANGES_REQUESTED, ON_HOLD, SUSPENDED, WITHDRAWN})


class TransitionError(UserFacingError):
    """A state change that cannot happen; `message` is fit to show the user."""


class TransitionNotAllowed(TransitionError):
    """The move is not possible from the member's state (who asks is another matter: a refusal
    of the person is portal.core.errors.NotAllowed)."""


class CommentRequired(TransitionError):
    pass


class StaleDecision(TransitionError):
    pass


class DuplicateMunicipality(TransitionError):
    pass


DUPLICATE_MESSAGE = _l(
    "This municipality is already a member of the covenant or has an open application. "
    "If you represent it, ask the coordinator of your country to add you to it."
)


def transition(
    actor: User | None,
    member: Member,
    to_status: str,
    comment: str = "",
    expected_version: int | None = None,
    audit_as: str | None = None,
) -> StatusChange:
    """Move `member` to `to_status` in the current transaction; the caller commits.

    `expected_version` is the version the actor saw when deciding; if the member has changed
    since, the decision is refused. `audit_as` names the audit entry when it is not the usual
    one for the move (the daily job's automatic hold and reinstatement).
    """
    from_status = member.status
    comment = (comment or "").strip()
    if expected_version is not None and expected_version != member.version:
        raise _stale(member)
    if to_status not in ALLOWED.get(from_status, ()):
        raise TransitionNotAllowed(
            _l(
                "This is no longer possible: the application is now “%(status)s”.",
                status=_status_text(from_status),
            )
        )
    if to_status in COMMENT_REQUIRED and not comment:
        raise CommentRequired(_l("Please give a reason or comment."))
    seen_version = member.version if expected_version is None else expected_version
    now = utcnow()
    values = {
        "status": to_status,
        "version": Member.version + 1,
        "status_changed_at": now,
        "status_comment": comment,
    }
    if to_status == SUBMITTED:
        values["submitted_at"] = now
    if to_status == APPROVED and member.approved_at is None:
        values["approved_at"] = now
    try:
        with _statement_guard():
            result = db.session.execute(
                update(Member)
                .where(
                    Member.id == member.id,
                    Member.status == from_status,
                    Member.version == seen_version,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as exc:
        raise DuplicateMunicipality(DUPLICATE_MESSAGE) from exc
    if result.rowcount != 1:
        db.session.refresh(member)
        raise _stale(member)
    db.session.refresh(member)
    change = StatusChange(
        member_id=member.id,
        actor_id=actor.id if actor is not None else None,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        created_at=now,
    )
    db.session.add(change)
    audit.record(
        actor,
        audit_as or audit_action(from_status, to_status),
        member,
        from_status=from_status,
        to_status=to_status,
    )
    db.session.flush()
    return change


def audit_action(from_status: str, to_status: str) -> str:
    """The audit trail's name for a move: a decision on an application or a member's change."""
    if to_status == SUBMITTED:
        return "application.submitted"
    if from_status == SUBMITTED:
        return f"application.{to_status}"
    if to_status == APPROVED:
        return "member.hold_lifted" if from_status == ON_HOLD else "member.reinstated"
    return "member.put_on_hold" if to_status == ON_HOLD else f"member.{to_status}"


def _statement_guard():
    """A savepoint, so a duplicate's IntegrityError leaves the caller's transaction usable.

    Not on SQLite: its driver opens a transaction only at the first write, so a SAVEPOINT issued
    before it starts a transaction of its own, and releasing the savepoint COMMITS the move at once,
    before its history and mails (a later rollback would then leave the move without them).
    SQLite undoes only the failing statement anyway, so it needs no savepoint.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return nullcontext()
    return db.session.begin_nested()


def _stale(member: Member) -> StaleDecision:
    return StaleDecision(
        _l(
            "The application changed while you were looking at it (it is now “%(status)s”). "
            "Nothing was done; please review it again.",
            status=_status_text(member.status),
        )
    )


def _status_text(status: str) -> str:
    return str(MemberStatus(status).label)

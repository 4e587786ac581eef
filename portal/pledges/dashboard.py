"""The signed-in dashboard's section on actions and deadlines: for a representative, what each
of their members owes, when, and what is late, and the invitations waiting for them; for a
coordinator, how many members of their countries are late."""

from sqlalchemy import func, select

from portal import permissions
from portal.extensions import db
from portal.models import Action, Member, Representation, User
from portal.models.members import MEMBER_STATUSES, PUBLIC_STATUSES
from portal.pledges.followup import commitments_of_members, late_count, rules
from portal.team.service import invitations_for


def dashboard_for(user: User) -> dict:
    members = list(
        db.session.scalars(
            select(Member)
            .join(Representation, Representation.member_id == Member.id)
            .where(Representation.user_id == user.id, Member.status.in_(MEMBER_STATUSES))
            .order_by(Member.name_key)
        )
    )
    public = [m for m in members if m.status in PUBLIC_STATUSES]
    states = commitments_of_members(public)
    counts = dict(
        db.session.execute(
            select(Action.member_id, func.count(Action.id))
            .where(Action.member_id.in_([m.id for m in members]))
            .group_by(Action.member_id)
        ).all()
    )
    return {
        "members": [
            {"member": m, "commitments": states.get(m.id), "actions": counts.get(m.id, 0)}
            for m in members
        ],
        "invitations": invitations_for(user),
        "late_count": late_count(user) if permissions.can_follow_up(user) else None,
        "rules": rules(),
    }

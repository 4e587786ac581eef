"""Figures for the home page and what a signed-in user's dashboard lists."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Member, Representation, User
from portal.models.members import SUBMITTED


def headline_figures() -> dict:
    members, countries, population = db.session.execute(
        select(
            func.count(Member.id),
            func.count(func.distinct(Member.country)),
            func.coalesce(func.sum(Member.population), 0),
        ).where(Member.is_public)
    ).one()
    return {"members": members, "countries": countries, "population": population}


def dashboard_for(user: User) -> dict:
    """What the dashboard shows: the user's own memberships, and a coordinator's queue size."""
    memberships = db.session.scalars(
        select(Member)
        .join(Representation, Representation.member_id == Member.id)
        .where(Representation.user_id == user.id)
        .order_by(Member.created_at.desc())
    ).all()
    queue_size = 0
    if user.is_coordinator:
        queue_size = db.session.scalar(
            select(func.count(Member.id)).where(
                Member.status == SUBMITTED, Member.country.in_(user.country_codes)
            )
        )
    return {"memberships": memberships, "queue_size": queue_size}

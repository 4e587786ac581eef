"""Figures for the home page, the addresses the help page names, the facts the privacy notice
states, and what a signed-in user's dashboard lists."""

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from portal.account.purge import RetentionPeriods
from portal.core.countries import country_choices
from portal.extensions import db
from portal.models import CountryHelpdesk, Member, Representation, User
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


# When the statement's assessment was last made: the date of the release that ran it.
ACCESSIBILITY_ASSESSED_ON = date(2026, 12, 1)


def accessibility_facts() -> dict:
    """What the accessibility statement names: who runs the portal, where feedback goes, the
    enforcement body, and when the portal was assessed."""
    config = current_app.config
    return {
        "operator": config["PRIVACY_CONTROLLER_NAME"],
        "contact_email": config["ACCESSIBILITY_CONTACT_EMAIL"] or config["PRIVACY_CONTACT_EMAIL"],
        "enforcement_name": config["ACCESSIBILITY_ENFORCEMENT_NAME"],
        "enforcement_url": config["ACCESSIBILITY_ENFORCEMENT_URL"],
        "assessed_on": ACCESSIBILITY_ASSESSED_ON,
        "language_count": len(config["LANGUAGES"]),
    }


def privacy_facts() -> dict:
    """The settings the privacy notice states: who answers for the data and how long it is kept."""
    config = current_app.config
    return {
        "controller_name": config["PRIVACY_CONTROLLER_NAME"],
        "controller_address": config["PRIVACY_CONTROLLER_ADDRESS"],
        "contact_email": config["PRIVACY_CONTACT_EMAIL"],
        "authority_name": config["PRIVACY_AUTHORITY_NAME"],
        "authority_url": config["PRIVACY_AUTHORITY_URL"],
        "retention": RetentionPeriods.from_config(config),
        "confirm_days": config["CONFIRM_TOKEN_MAX_AGE"] // (24 * 3600),
        "reset_hours": config["PASSWORD_RESET_MAX_AGE"] // 3600,
        "invitation_days": config["INVITATION_MAX_AGE"] // (24 * 3600),
    }


def help_facts() -> dict:
    """The covenant's helpdesk and each EU country's national helpdesk (an office's address and
    web page, never a person's), by country name; the countries without one, apart."""
    stored = {
        row.country: row
        for row in db.session.scalars(select(CountryHelpdesk).where(CountryHelpdesk.email != ""))
    }
    with_address, without = [], []
    for code, name in country_choices():
        row = stored.get(code)
        if row is None:
            without.append((code, name))
        else:
            with_address.append((code, name, row.email, row.website))
    return {
        "helpdesk_email": current_app.config["HELPDESK_EMAIL"],
        "countries": with_address,
        "without": without,
    }

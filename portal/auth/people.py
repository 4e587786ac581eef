"""How people are named on the pages beside what they did."""

from flask_babel import gettext

from portal.models.users import ROLE_ADMIN, ROLE_COORDINATOR


def person_label(user) -> str:
    """Their name (or address), or once their account is erased a pseudonym by role and number."""
    if user is None:
        return ""
    if user.is_erased:
        if user.role == ROLE_COORDINATOR:
            return gettext("former coordinator #%(id)d", id=user.id)
        if user.role == ROLE_ADMIN:
            return gettext("former administrator #%(id)d", id=user.id)
        return gettext("former representative #%(id)d", id=user.id)
    return user.name or user.email

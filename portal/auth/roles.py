"""What each role is called on the pages: the one list of role names users see."""

from flask_babel import lazy_gettext as _l

from portal.models.users import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_REPRESENTATIVE

ROLE_LABELS = {
    ROLE_REPRESENTATIVE: _l("City representative"),
    ROLE_COORDINATOR: _l("Coordinator"),
    ROLE_ADMIN: _l("Administrator"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))

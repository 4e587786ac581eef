"""Administrators manage coordinators: invite them, assign their countries, deactivate them.

Every function checks permissions.can_manage_coordinators for the acting user; each change is
one transaction (portal.core.transaction) with its invitation mail, if any, and its audit entry.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import permissions
from portal.auth.service import find_user, is_valid_email, make_setup_link, normalise_email
from portal.auth.sessions import end_all_sessions
from portal.core import audit, once
from portal.core.countries import COUNTRY_CODES, country_choices
from portal.core.errors import UserFacingError
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import CoordinatorCountry, User
from portal.models.users import ROLE_COORDINATOR


class AdminError(UserFacingError, ValueError):
    """A request that cannot be carried out; `field` names the form field it concerns."""


def _require_admin(actor: User) -> None:
    permissions.require(permissions.can_manage_coordinators(actor))


def list_coordinators(actor: User) -> list[User]:
    _require_admin(actor)
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == ROLE_COORDINATOR, User.erased_at.is_(None))
            .options(selectinload(User.countries))
            .order_by(User.active.desc(), User.name, User.email)
        )
    )


def uncovered_countries(actor: User) -> list[tuple[str, str]]:
    """(code, name) of the countries no coordinator answers for (invited ones count; deactivated
    ones do not)."""
    _require_admin(actor)
    covered = set(
        db.session.scalars(
            select(CoordinatorCountry.country)
            .join(User, User.id == CoordinatorCountry.user_id)
            .where(User.active.is_(True), User.role == ROLE_COORDINATOR)
        )
    )
    return [(code, name) for code, name in country_choices() if code not in covered]


def get_coordinator(actor: User, user_id: int) -> User | None:
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or user.role != ROLE_COORDINATOR or user.is_erased:
        return None
    return user


def _country_codes(countries) -> list[str]:
    codes = sorted({c.upper() for c in countries})
    if not codes:
        raise AdminError(_l("Choose at least one country."), field="countries")
    if any(code not in COUNTRY_CODES for code in codes):
        raise AdminError(_l("Choose countries from the list."), field="countries")
    return codes


@atomic
def invite_coordinator(
    actor: User, email: str, name: str, countries, form_token: str | None = None
) -> User:
    """Create a coordinator without a password and mail them a link to choose one."""
    _require_admin(actor)
    once.claim(form_token, "coordinator-invitation")
    if not is_valid_email(email):
        raise AdminError(_l("This is not an e-mail address."), field="email")
    codes = _country_codes(countries)
    if find_user(email) is not None:
        raise AdminError(_l("An account with this e-mail address exists already."), field="email")
    address = normalise_email(email)
    user = User(
        email=address,
        name=name.strip() or address.split("@")[0],
        password_hash=None,
        role=ROLE_COORDINATOR,
        countries=[CoordinatorCountry(country=c) for c in codes],
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same address invited twice at the same moment
        raise AdminError(
            _l("An account with this e-mail address exists already."), field="email"
        ) from exc
    _queue_invitation(user, actor)
    audit.record(actor, "coordinator.invited", user, countries=codes)
    return user


def _queue_invitation(user: User, actor: User) -> None:
    queue_mail(
        user.email,
        _l("You are invited as a coordinator of the covenant portal"),
        "coordinator_invitation.txt",
        locale=user.locale,
        user=user,
        inviter=actor,
        countries=sorted(user.country_codes),
        link=make_setup_link(user),
        days=current_app.config["INVITATION_MAX_AGE"] // (24 * 3600),
    )


@atomic
def resend_invitation(actor: User, user: User) -> None:
    """Mail a fresh set-password link to an invited coordinator who has not chosen a password."""
    _require_admin(actor)
    if user.password_hash is not None:
        raise AdminError(_l("This coordinator has already chosen a password."))
    if not user.active:
        raise AdminError(_l("Reactivate this coordinator first."))
    _queue_invitation(user, actor)
    audit.record(actor, "coordinator.invitation_resent", user)


@atomic
def set_coordinator_countries(actor: User, user: User, countries) -> None:
    _require_admin(actor)
    codes = _country_codes(countries)
    before = sorted(user.country_codes)
    keep = [c for c in user.countries if c.country in codes]
    added = [CoordinatorCountry(country=c) for c in codes if c not in user.country_codes]
    user.countries = keep + added
    if before != codes:
        audit.record(actor, "coordinator.countries_changed", user, before=before, after=codes)


@atomic
def set_coordinator_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (or reactivate) a coordinator: a deactivated one cannot sign in, is signed out,
    and is no longer asked to decide nor mailed about new applications."""
    _require_admin(actor)
    if user.active != active:
        audit.record(actor, f"coordinator.{'reactivated' if active else 'deactivated'}", user)
    user.active = active
    if not active:
        end_all_sessions(user)

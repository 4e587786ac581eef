"""Account actions: register, confirm, authenticate, reset and set passwords, create users."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from portal.auth.tokens import fingerprint, make_token, read_token
from portal.countries import COUNTRY_CODES
from portal.extensions import db
from portal.links import external_url
from portal.mail.outbox import queue_mail
from portal.models import CoordinatorCountry, User, utcnow
from portal.models.users import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_REPRESENTATIVE, ROLES


class AccountError(ValueError):
    """A request about an account that cannot be carried out; `field` names the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )


def register_representative(email: str, name: str, password: str, locale: str | None) -> User:
    """Create an unconfirmed account and mail the confirmation link (one transaction)."""
    if find_user(email) is not None:
        raise AccountError(
            _l("An account with this e-mail address exists already. Sign in or reset your "
               "password."),
            field="email",
        )
    check_password_strength(password)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        role=ROLE_REPRESENTATIVE,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    queue_confirmation(user)
    db.session.commit()
    return user


def queue_confirmation(user: User) -> None:
    token = make_token("confirm", {"uid": user.id, "email": user.email})
    queue_mail(
        user.email,
        _l("Confirm your e-mail address"),
        "confirm_email.txt",
        locale=user.locale,
        user=user,
        link=external_url("auth.confirm", token=token),
    )


def resend_confirmation(email: str) -> None:
    """Queue a new link if such an unconfirmed account exists; say nothing either way."""
    user = find_user(email)
    if user is not None and not user.is_confirmed and user.active:
        queue_confirmation(user)
        db.session.commit()


def confirm_email(token: str) -> User | None:
    payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if not payload:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, if they are right and the account is active."""
    user = find_user(email)
    if user is None:
        verify_password(hash_password("timing-equaliser"), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; the answer to the visitor is the same."""
    user = find_user(email)
    if user is None or not user.active:
        return
    token = make_token("password", {"uid": user.id, "fp": fingerprint(user.password_hash)})
    queue_mail(
        user.email,
        _l("Reset your password"),
        "reset_password.txt",
        locale=user.locale,
        user=user,
        link=external_url("auth.set_password", token=token),
    )
    db.session.commit()


def password_token_user(token: str, max_age: int | None = None) -> User | None:
    """The user a set-password link is for, if the link is genuine, fresh and unused."""
    age = max_age or max(
        current_app.config["PASSWORD_RESET_MAX_AGE"], current_app.config["INVITATION_MAX_AGE"]
    )
    payload = read_token("password", token, age)
    if not payload:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or payload.get("fp") != fingerprint(user.password_hash):
        return None
    if payload.get("invite") is None and user.password_hash is not None:
        # An ordinary reset link has the shorter lifetime.
        if read_token("password", token, current_app.config["PASSWORD_RESET_MAX_AGE"]) is None:
            return None
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password; following the mailed link also proves the address."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()


def make_setup_link(user: User) -> str:
    token = make_token(
        "password", {"uid": user.id, "fp": fingerprint(user.password_hash), "invite": 1}
    )
    return external_url("auth.set_password", token=token)


def create_user(
    email: str,
    password: str,
    role: str,
    countries: list[str] | tuple[str, ...] = (),
    name: str = "",
) -> User:
    """Create a confirmed account from the command line (administrators, coordinators)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", field="role")
    codes = sorted({c.upper() for c in countries})
    unknown = [c for c in codes if c not in COUNTRY_CODES]
    if unknown:
        raise AccountError(f"unknown country code(s): {', '.join(unknown)}", field="country")
    if role == ROLE_COORDINATOR and not codes:
        raise AccountError("a coordinator needs at least one --country", field="country")
    if role != ROLE_COORDINATOR and codes:
        raise AccountError("only coordinators answer for countries", field="country")
    if find_user(email) is not None:
        raise AccountError(f"an account for {normalise_email(email)} exists already", "email")
    check_password_strength(password)
    user = User(
        email=normalise_email(email),
        name=name or normalise_email(email).split("@")[0],
        password_hash=hash_password(password),
        role=role,
        email_confirmed_at=utcnow(),
        countries=[CoordinatorCountry(country=c) for c in codes],
    )
    db.session.add(user)
    db.session.commit()
    return user


def has_admin() -> bool:
    return db.session.scalar(select(func.count()).where(User.role == ROLE_ADMIN)) > 0

"""Account actions: register, confirm, authenticate, reset and set passwords, create users."""

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth import second_factor
from portal.auth.passwords import WeakPassword, check_new_password, hash_password, verify_password
from portal.auth.sessions import end_all_sessions
from portal.auth.tokens import fingerprint, make_token, read_token
from portal.core import audit
from portal.core.countries import COUNTRY_CODES
from portal.core.errors import UserFacingError
from portal.core.inputs import MAX_ID, whole_number
from portal.core.links import external_url
from portal.core.mail.outbox import queue_mail
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import CoordinatorCountry, User, utcnow
from portal.models.users import ROLE_COORDINATOR, ROLE_REPRESENTATIVE, ROLES


class AccountError(UserFacingError, ValueError):
    """A request about an account that cannot be carried out; `field` names the form field."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader for the id "<user id>:<session version>" kept in a session.

    A deactivated account's sessions, and any session or cookie from before its version was
    raised (sessions ended), no longer load it.
    """
    number, _, version = user_id.partition(":")
    user_number = whole_number(number, 1, MAX_ID)
    version_number = whole_number(version, 0, MAX_ID)
    if user_number is None or version_number is None:
        return None
    user = db.session.get(User, user_number)
    if user is None or not user.active or user.session_version != version_number:
        return None
    return user


def active_user(user_id) -> User | None:
    """The account with this id, if it exists and is active."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.active else None


def is_valid_email(email: str) -> bool:
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_strength(password: str, email: str) -> None:
    """Refuse, next to the password field, a password the policy does not allow for `email`."""
    try:
        check_new_password(password, email, current_app.config["PORTAL_NAME"])
    except WeakPassword as exc:
        raise AccountError(exc.message, field="password") from exc


@atomic
def register_representative(email: str, name: str, password: str, locale: str | None) -> None:
    """Create an unconfirmed account and mail the confirmation link (one transaction).

    For an address that has an account already, nothing is created and its owner is told by
    mail instead; the visitor's answer, and the work done for it (one password hash, one mail),
    are the same either way, so registration does not tell who has an account.
    """
    check_password_strength(password, email)
    password_hash = hash_password(password)
    existing = find_user(email)
    if existing is not None:
        queue_mail(
            existing.email,
            _l("Someone tried to register with your address"),
            "registration_attempt.txt",
            locale=existing.locale or locale,
            user=existing,
            login_link=external_url("auth.login"),
            reset_link=external_url("auth.forgot_password"),
        )
        return
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        role=ROLE_REPRESENTATIVE,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    queue_confirmation(user)


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


@atomic
def resend_confirmation(email: str) -> None:
    """Queue a new link if such an unconfirmed account exists; say nothing either way."""
    user = find_user(email)
    if user is not None and not user.is_confirmed and user.active:
        queue_confirmation(user)


@atomic
def confirm_email(token: str) -> User | None:
    payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if not payload:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, if they are right; None if they are wrong.

    Raises AccountError for a deactivated account, but only to someone who knows its password.
    Not one transaction: each outcome is recorded in the audit trail in its own, so that a refusal
    keeps its entry.
    """
    user = find_user(email)
    if user is None or not user.password_hash:
        # The same Argon2 work as for a wrong password, so the time taken does not tell
        # whether the address has an account (or one whose password is still to be chosen).
        verify_password(_timing_hash(), password)
        _sign_in_failed(None, "unknown_account")
        return None
    if not verify_password(user.password_hash, password):
        _sign_in_failed(user, "wrong_password")
        return None
    if not user.active:
        _sign_in_failed(user, "deactivated")
        raise AccountError(
            _l("This account is deactivated. Please contact the covenant's administrators."),
            field="email",
        )
    return user


@atomic
def _sign_in_failed(user: User | None, reason: str) -> None:
    """A failed sign-in, against the account when there is one (never the address that was
    typed, nor the password)."""
    audit.record(None, "auth.sign_in_failed", user, reason=reason)


def _timing_hash() -> str:
    """A hash to verify against when there is no account, so both answers take as long."""
    key = "_portal_timing_hash"
    if key not in current_app.extensions:
        current_app.extensions[key] = hash_password(secrets.token_urlsafe(16))
    return current_app.extensions[key]


@atomic
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


def password_token_user(token: str) -> User | None:
    """The user a set-password link is for, if the link is genuine, fresh and unused."""
    config = current_app.config
    payload = read_token(
        "password", token, max(config["PASSWORD_RESET_MAX_AGE"], config["INVITATION_MAX_AGE"])
    )
    if not payload:
        return None
    # An invitation lives longer than an ordinary reset link.
    lifetime = config["INVITATION_MAX_AGE" if payload.get("invite") else "PASSWORD_RESET_MAX_AGE"]
    if read_token("password", token, lifetime) is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or payload.get("fp") != fingerprint(user.password_hash):
        return None
    return user


@atomic
def set_password(user: User, password: str) -> None:
    """Set a new password from a mailed link; following it also proves the address.

    Every session of the user ends.
    """
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    ended = end_all_sessions(user)
    audit.record(user, "auth.password_set", user, ended=ended)


@atomic
def change_password(actor: User, current: str, new: str, current_key: str | None) -> None:
    """Change the password from the account page; the actor's other sessions end."""
    if not verify_password(actor.password_hash, current):
        raise AccountError(_l("This is not your current password."), field="current_password")
    check_password_strength(new, actor.email)
    actor.password_hash = hash_password(new)
    ended = end_all_sessions(actor, keep_key=current_key)
    audit.record(actor, "auth.password_changed", actor, ended=ended)


def make_setup_link(user: User) -> str:
    token = make_token(
        "password", {"uid": user.id, "fp": fingerprint(user.password_hash), "invite": 1}
    )
    return external_url("auth.set_password", token=token)


@atomic
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
    if not is_valid_email(email):
        raise AccountError(f"{email!r} is not an e-mail address", field="email")
    if find_user(email) is not None:
        raise AccountError(f"an account for {normalise_email(email)} exists already", "email")
    check_password_strength(password, email)
    user = User(
        email=normalise_email(email),
        name=name or normalise_email(email).split("@")[0],
        password_hash=hash_password(password),
        role=role,
        email_confirmed_at=utcnow(),
        countries=[CoordinatorCountry(country=c) for c in codes],
    )
    db.session.add(user)
    return user


@atomic
def update_account(actor: User, name: str, locale: str | None) -> None:
    """Change what a user may change about themselves: their name and preferred language."""
    name = name.strip()
    if not name:
        raise AccountError(_l("Please give your name."), field="name")
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_l("Please choose one of the languages offered."), field="locale")
    actor.name = name
    actor.locale = locale


def confirm_identity(actor: User, password: str, code: str = "", recovery_code: str = "") -> None:
    """The signed-in person proves again who they are: the password, and the second factor's
    code when they have one. Raises AccountError or SecondFactorError.

    Not atomic: a wrong code is counted (second_factor.verify keeps its own transactions).
    """
    if not verify_password(actor.password_hash, password):
        raise AccountError(_l("This is not your password."), field="password")
    if actor.has_second_factor:
        second_factor.verify(actor, code=code, recovery_code=recovery_code)


# ---- Changing the e-mail address -------------------------------------------------------------


@atomic
def request_email_change(actor: User, new_email: str) -> str:
    """Mail a confirmation link to the new address (the change happens when it is opened) and
    tell the current address. Whether the new address has an account is never said to the
    person asking: that address's owner is told instead, and no link is sent."""
    address = normalise_email(new_email or "")
    if not is_valid_email(address):
        raise AccountError(_l("This is not an e-mail address."), field="email")
    if address == actor.email:
        raise AccountError(_l("This is your address already."), field="email")
    owner = find_user(address)
    if owner is None:
        token = make_token("email-change", {"uid": actor.id, "from": actor.email, "to": address})
        queue_mail(
            address,
            _l("Confirm your new e-mail address"),
            "email_change_confirm.txt",
            locale=actor.locale,
            user=actor,
            link=external_url("auth.confirm_email_change", token=token),
        )
    else:
        queue_mail(
            address,
            _l("Someone asked to use your e-mail address"),
            "email_change_taken.txt",
            locale=owner.locale,
            user=owner,
        )
    queue_mail(
        actor.email,
        _l("A change of your e-mail address was asked for"),
        "email_change_requested.txt",
        locale=actor.locale,
        user=actor,
        new_email=address,
    )
    audit.record(actor, "auth.email_change_requested", actor)
    return address


def email_change_target(actor: User, token: str) -> str | None:
    """The new address a link of `actor`'s carries, or None when it is not theirs, too old, or
    was made for an address they no longer have."""
    payload = read_token("email-change", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if not payload or payload.get("uid") != actor.id or payload.get("from") != actor.email:
        return None
    address = payload.get("to")
    return address if isinstance(address, str) and is_valid_email(address) else None


@atomic
def confirm_email_change(actor: User, token: str, current_key: str | None) -> str:
    """Change the address to the one the link was sent to; the other sessions end and the old
    address is told."""
    address = email_change_target(actor, token)
    if address is None:
        raise AccountError(
            _l("This link does not work any more. Ask for a new one on your account page.")
        )
    if find_user(address) is not None:
        raise AccountError(_l("This address now belongs to another account. Choose another one."))
    old = actor.email
    actor.email = address
    actor.email_confirmed_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # the address was taken at this very moment
        raise AccountError(
            _l("This address now belongs to another account. Choose another one.")
        ) from None
    ended = end_all_sessions(actor, keep_key=current_key)
    queue_mail(
        old,
        _l("Your e-mail address was changed"),
        "email_change_done.txt",
        locale=actor.locale,
        user=actor,
        new_email=address,
    )
    audit.record(actor, "auth.email_changed", actor, ended=ended)
    return address

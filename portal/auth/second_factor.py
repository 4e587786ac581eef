"""The second factor: time-based one-time codes (TOTP) and single-use recovery codes.

The TOTP key is stored encrypted with a key derived from SECRET_KEY and never shown again after
set-up; recovery codes are stored as Argon2 hashes. A code works once (the last accepted time
step is kept), and wrong codes in a row close code entry for a while, whatever the address
they come from.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal import permissions
from portal.auth.passwords import hash_password, verify_password
from portal.auth.sessions import end_all_sessions
from portal.core import audit, clock
from portal.core.errors import UserFacingError
from portal.core.transaction import atomic
from portal.extensions import db
from portal.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to confuse
STEP_SECONDS = 30


class SecondFactorError(UserFacingError, ValueError):
    """A code that is not accepted; `field` names the form field."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"portal-second-factor:" + current_app.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _secret_of(user: User) -> str | None:
    if user.totp_secret is None:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the key cannot be read, set it up again
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(user: User, secret: str) -> str:
    issuer = current_app.config["PORTAL_NAME"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The set-up address as an inline SVG QR code, drawn on the server."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, title=title, dark="#000", light="#fff", svgclass="qr-code"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def grouped(secret: str) -> str:
    """The key in groups of four, for typing it in."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step(at=None) -> int:
    return int((at or clock.now_utc()).timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) this code belongs to."""
    totp = pyotp.TOTP(secret)
    now = _step()
    for step in (now, now - 1, now + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch in "0123456789" and ch.isascii())


def encrypt_secret(secret: str) -> str:
    """The TOTP key as stored."""
    return _fernet().encrypt(secret.encode()).decode()


def issue_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes in place of the user's old ones, stored hashed; part of the
    caller's transaction. Returns them, to be shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    return codes


@atomic
def enrol(actor: User, secret: str, code: str, current_key: str | None) -> list[str]:
    """Set up (or replace) the second factor after a first code proves the app has the key.

    Ends the actor's other sessions. Returns the ten recovery codes, to be shown once.
    """
    step = _matching_step(secret, _digits(code), None) if len(_digits(code)) == 6 else None
    if step is None:
        raise SecondFactorError(
            _l("This code is not right. Check the time on your device and try the new code."),
            field="code",
        )
    replaced = actor.totp_secret is not None
    actor.totp_secret = encrypt_secret(secret)
    actor.totp_enrolled_at = clock.now_utc()
    actor.totp_last_step = step
    actor.second_factor_failures = 0
    actor.second_factor_locked_until = None
    codes = issue_recovery_codes(actor)
    ended = end_all_sessions(actor, keep_key=current_key)
    audit.record(actor, "auth.second_factor_enrolled", actor, replaced=replaced, ended=ended)
    return codes


@atomic
def new_recovery_codes(actor: User) -> list[str]:
    """Replace the recovery codes (the old ones stop working)."""
    if not actor.has_second_factor:
        raise SecondFactorError(_l("Set up the second factor first."))
    audit.record(actor, "auth.recovery_codes_renewed", actor)
    return issue_recovery_codes(actor)


def recovery_codes_left(actor: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == actor.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.second_factor_failures = 0
    user.second_factor_locked_until = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


@atomic
def turn_off(actor: User, current_key: str | None) -> None:
    """A city representative stops using a second factor; their other sessions end."""
    permissions.require(permissions.can_turn_off_second_factor(actor))
    _clear(actor)
    ended = end_all_sessions(actor, keep_key=current_key)
    audit.record(actor, "auth.second_factor_turned_off", actor, ended=ended)


@atomic
def reset(actor: User, user: User) -> None:
    """An administrator clears a coordinator's second factor and ends all their sessions; they
    set it up again at their next sign-in."""
    permissions.require(permissions.can_reset_second_factor(actor, user))
    _clear(user)
    ended = end_all_sessions(user)
    audit.record(actor, "auth.second_factor_reset", user, ended=ended)


def _locked(user: User) -> bool:
    until = user.second_factor_locked_until
    return until is not None and until > clock.now_utc()


@atomic
def _count_failure(user: User, reason: str) -> None:
    """A wrong code: counted (and audited) in a transaction of its own, kept although the check
    fails."""
    audit.record(None, "auth.code_refused", user, reason=reason)
    config = current_app.config
    user.second_factor_failures = (user.second_factor_failures or 0) + 1
    if user.second_factor_failures >= config["SECOND_FACTOR_MAX_FAILURES"]:
        user.second_factor_locked_until = clock.now_utc() + timedelta(
            minutes=config["SECOND_FACTOR_LOCK_MINUTES"]
        )
        user.second_factor_failures = 0


@atomic
def _accept(user: User, step: int | None = None, recovery: RecoveryCode | None = None) -> None:
    if step is not None:
        user.totp_last_step = step
    if recovery is not None:
        recovery.used_at = clock.now_utc()
    user.second_factor_failures = 0


def verify(actor: User, code: str = "", recovery_code: str = "") -> None:
    """Accept a code from the app or a recovery code, once; raise SecondFactorError if not.

    Not atomic, and not to be called inside an atomic call: a wrong code is counted in a
    transaction of its own before the error is raised.
    """
    if _locked(actor):
        minutes = current_app.config["SECOND_FACTOR_LOCK_MINUTES"]
        raise SecondFactorError(
            _l(
                "Too many wrong codes. Code entry is closed for %(n)d minutes; "
                "please try again later.",
                n=minutes,
            ),
            field="recovery_code" if recovery_code and not code else "code",
        )
    if code:
        secret = _secret_of(actor)
        digits = _digits(code)
        step = _matching_step(secret, digits, actor.totp_last_step) if secret else None
        if step is None or len(digits) != 6 or len(code.strip()) > 12:
            _count_failure(actor, "wrong_code")
            raise SecondFactorError(
                _l("This code is not right, or it was used already. Wait for the next code."),
                field="code",
            )
        _accept(actor, step=step)
        return
    stored = _matching_recovery_code(actor, recovery_code)
    if stored is None:
        _count_failure(actor, "wrong_recovery_code")
        raise SecondFactorError(
            _l("This recovery code is not right, or it was used already."),
            field="recovery_code",
        )
    _accept(actor, recovery=stored)


def _matching_recovery_code(user: User, recovery_code: str) -> RecoveryCode | None:
    raw = "".join(ch for ch in (recovery_code or "").lower() if ch in _RECOVERY_ALPHABET)
    if len(raw) != 10:
        return None
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for stored in unused:
        if verify_password(stored.code_hash, raw):
            return stored
    return None

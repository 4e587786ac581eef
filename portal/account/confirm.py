"""Asking for the password again before the download of one's data or the erasure."""

from portal.auth.passwords import verify_password
from portal.models import User


def password_confirmed(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password or "")

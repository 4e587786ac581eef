"""Passwords: hashing with Argon2id, and the policy a new password must meet.

The policy follows NIST SP 800-63B and OWASP ASVS 5.0 (V6.2): at least 12 characters and up to
256, any characters at all (spaces, accents, emoji), no composition rules; length is counted in
Unicode characters after NFC normalisation, and passwords are hashed in that form, so the same
password typed on two keyboards is the same password. A password is refused when it is one of
the 30,000 most common passwords (the list zxcvbn ships, from real breaches; MIT licence), when it
is such a password with digits or signs around it ("password1234"), or when it is built from the
account's address or the portal's name with nothing else to it.
"""

import re
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# What is left once the address's and the portal's words are taken out must be at least this long.
_MIN_OWN_PART = 6

_default = PasswordHasher()
# The test suite hashes hundreds of passwords; the production cost would make it crawl.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _default


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(normalise_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, normalise_password(password))
    except (VerificationError, InvalidHashError):
        return False


class WeakPassword(ValueError):
    """A new password the policy refuses; `message` says why, fit to show next to the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


_NOT_LETTERS = re.compile(r"[\W\d_]+")
# Letters, marks and symbols such as emoji count as the password's own; digits, spaces and
# punctuation around the address's words do not.
_OWN_CATEGORIES = {"Mn", "Mc", "Me", "So"}
_LEADING = re.compile(r"^[\W\d_]+")
_TRAILING = re.compile(r"[\W\d_]+$")
# Fewer different characters than this ("aaaaaaaaaaaa", "121212121212") is as weak as the list.
_MIN_DISTINCT = 4


def _folded(text: str) -> str:
    return normalise_password(text).casefold()


def _is_common(folded: str) -> bool:
    """Whether the password is a common one, or one with digits or signs before or after it."""
    common = common_passwords()
    bare = folded.replace(" ", "")
    if len(set(bare)) < _MIN_DISTINCT:
        return True
    variants = {folded, bare, _TRAILING.sub("", bare), _LEADING.sub("", bare)}
    variants.add(_LEADING.sub("", _TRAILING.sub("", bare)))
    return any(len(v) >= 4 and v in common for v in variants) or folded in common


def _words(email: str, portal_name: str) -> list[str]:
    local, _, domain = _folded(email).partition("@")
    words = {local, *_NOT_LETTERS.split(local), *domain.split("."), *_NOT_LETTERS.split(domain)}
    words.update(_NOT_LETTERS.split(_folded(portal_name)))
    words.update({"covenant", "portal"})
    # Longest first, so that "musterstadt" goes before "stadt" would.
    return sorted((w for w in words if len(w) >= 3), key=len, reverse=True)


def _own_part(folded: str, words: list[str]) -> str | None:
    """What the password has besides the address's and the portal's words (None: none in it)."""
    rest = folded
    for word in words:
        rest = rest.replace(word, " ")
    if rest == folded:
        return None
    return "".join(c for c in rest if unicodedata.category(c) in _OWN_CATEGORIES or c.isalpha())


def check_new_password(password: str, email: str = "", portal_name: str = "") -> None:
    """Raise WeakPassword unless `password` may be chosen for the account at `email`."""
    length = len(normalise_password(password))
    if length < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if length > MAX_PASSWORD_LENGTH:
        raise WeakPassword(_l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    folded = _folded(password)
    if _is_common(folded):
        raise WeakPassword(
            _l(
                "This password is among the most common ones, which are tried first. Please "
                "choose another: a few unrelated words make a good one."
            )
        )
    own = _own_part(folded, _words(email, portal_name))
    if own is not None and (len(own) < _MIN_OWN_PART or _is_common(own)):
        raise WeakPassword(
            _l(
                "This password is made from your e-mail address or the portal's name, which are "
                "tried first. Please choose another."
            )
        )

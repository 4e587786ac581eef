"""Folding of names for comparison and search: case, accents, spacing and special letters.

Unicode decomposition strips most accents (ó -> o) but leaves letters such as ł, ø, đ or ß,
which have no decomposition; they are mapped by hand so that "lodz" finds Łódź and "kobenhavn"
finds København.

Letters of other scripts (Greek, Cyrillic, Arabic, Hebrew, Chinese...), which decomposition
cannot turn into ASCII, are transliterated with anyascii: "Αθήνα" -> "athina", "Москва" ->
"moskva". Latin letters keep the old rules (what they fold to is in every member's slug and
name_key), so anyascii only sees what the Latin rules would have dropped; symbols and emoji are
still dropped.
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_SPECIAL = str.maketrans(
    {
        "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe",
        "ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n", "ſ": "s", "ƒ": "f",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Letters and digits: what is transliterated when it is not Latin (marks, symbols, punctuation
# and modifier letters are not).
_TRANSLITERATED = frozenset(("Lu", "Ll", "Lt", "Lo", "Nd", "Nl", "No"))

# What every slug is made of (slugify's words, the country and a number, joined by hyphens),
# at most the 140 characters members.slug holds; anchored, as JSON Schema's `pattern` needs.
SLUG_PATTERN = "^[0-9a-z-]{1,140}$"
_SLUG = re.compile(SLUG_PATTERN)


@lru_cache(maxsize=8192)
def _other_script(ch: str) -> str:
    """A non-ASCII character left after decomposition: transliterated if it is a letter or
    digit of a script other than Latin, else dropped (as it always was)."""
    if unicodedata.category(ch) not in _TRANSLITERATED or "LATIN" in unicodedata.name(ch, ""):
        return ""
    return anyascii(ch).lower()


def fold(value: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Łódź ' -> 'lodz', 'Αθήνα' ->
    'athina'. What has no letter or digit folds to ''."""
    lowered = unicodedata.normalize("NFKD", value.casefold()).translate(_SPECIAL)
    stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    if not stripped.isascii():
        stripped = "".join(ch if ch.isascii() else _other_script(ch) for ch in stripped)
    return _NON_WORD.sub(" ", stripped).strip()


def slugify(value: str) -> str:
    """A URL-safe slug: 'Köln am Rhein' -> 'koln-am-rhein'."""
    return fold(value).replace(" ", "-") or "member"


def is_slug(text: str) -> bool:
    """Whether the text can be a slug at all. Anything else names no member and is not looked
    up (PostgreSQL refuses NUL even in a query)."""
    return _SLUG.fullmatch(text) is not None

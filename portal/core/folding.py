"""Folding of names for comparison and search: case, accents, spacing and special letters.

Unicode decomposition strips most accents (ó -> o) but leaves letters such as ł, ø, đ or ß,
which have no decomposition; they are mapped by hand so that "lodz" finds Łódź and "kobenhavn"
finds København.
"""

import re
import unicodedata

_SPECIAL = str.maketrans(
    {
        "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe",
        "ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n", "ſ": "s", "ƒ": "f",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^0-9a-z]+")

# What every slug is made of (slugify's words, the country and a number, joined by hyphens),
# at most the 140 characters members.slug holds; anchored, as JSON Schema's `pattern` needs.
SLUG_PATTERN = "^[0-9a-z-]{1,140}$"
_SLUG = re.compile(SLUG_PATTERN)


def fold(value: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Łódź ' -> 'lodz'."""
    lowered = unicodedata.normalize("NFKD", value.casefold()).translate(_SPECIAL)
    stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    ascii_only = stripped.encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", ascii_only).strip()


def slugify(value: str) -> str:
    """A URL-safe slug: 'Köln am Rhein' -> 'koln-am-rhein'."""
    return fold(value).replace(" ", "-") or "member"


def is_slug(text: str) -> bool:
    """Whether the text can be a slug at all. Anything else names no member and is not looked
    up (PostgreSQL refuses NUL even in a query)."""
    return _SLUG.fullmatch(text) is not None

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


def fold(value: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Łódź ' -> 'lodz'."""
    lowered = unicodedata.normalize("NFKD", value.casefold()).translate(_SPECIAL)
    stripped = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    ascii_only = stripped.encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", ascii_only).strip()


def slugify(value: str) -> str:
    """A URL-safe slug: 'Köln am Rhein' -> 'koln-am-rhein'."""
    return fold(value).replace(" ", "-") or "member"

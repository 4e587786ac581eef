"""What the portal accepts from a request, in one place: numbers and text.

Numbers: only ASCII digits count (Python's int() and float() also take Arabic-Indic digits,
`1_000`, `NaN` and `inf`), and every number has bounds, so none reaches the database as
something it cannot hold (an SQLite or PostgreSQL integer stops at 2^63 - 1).

Text: NUL and other control characters are refused (line breaks and tabs only where a text
has lines), and so are the invisible characters that reorder text (bidirectional overrides
and isolates), which can make a name or an address read other than it is. Names are
normalised to NFC, so "é" typed two ways is one name.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter, IntegerConverter

from portal.core.errors import BadParameter

# The largest number any filter or page accepts: well inside a 64-bit integer.
MAX_COUNT = 1_000_000_000
MAX_PAGE = 1_000_000
MAX_ID = 2**31 - 1  # the largest id or version a table holds (a 32-bit integer)

_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# Bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI).
# The plain marks (LRM, RLM, ALM) are kept: they are how right-to-left text is written.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_CHARACTERS = frozenset("\n\r\t")


def is_whole_number(text: str) -> bool:
    return _WHOLE.fullmatch(text) is not None


def is_decimal_number(text: str) -> bool:
    return _DECIMAL.fullmatch(text) is not None


def whole_number(text: str, minimum: int, maximum: int) -> int | None:
    """The number written in ASCII digits from minimum to maximum, or None."""
    text = text.strip()
    # Longer than any bound is out of bounds, and int() refuses beyond 4,300 digits anyway.
    longest = max(len(str(minimum)), len(str(maximum))) + 1
    if not is_whole_number(text) or len(text.lstrip("+-").lstrip("0")) > longest:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def decimal_number(text: str, minimum: float, maximum: float) -> float | None:
    """A decimal number written in ASCII digits (a point for decimals), within the bounds."""
    text = text.strip()
    if not is_decimal_number(text):
        return None
    value = float(Decimal(text))
    return value if minimum <= value <= maximum else None


def query_int(args, name: str, default: int, minimum: int = 1, maximum: int = MAX_PAGE) -> int:
    """A whole-number query parameter (a page number, say): the default when absent, else
    BadParameter naming the allowed range."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise BadParameter(
            _l(
                "%(name)s must be a whole number from %(minimum)d to %(maximum)d.",
                name=name,
                minimum=minimum,
                maximum=maximum,
            ),
            name,
        )
    return value


def _refused(character: str, multiline: bool) -> str | None:
    """Which kind of refused character this is ("bidi", "line", "control"), or None."""
    if character in BIDI_CONTROLS:
        return "bidi"
    if multiline and character in LINE_CHARACTERS:
        return None
    category = unicodedata.category(character)
    if category in ("Zl", "Zp"):
        return None if multiline else "line"
    if category in ("Cc", "Cs"):
        return "line" if character in LINE_CHARACTERS else "control"
    return None


_PROBLEMS = {
    "bidi": _l(
        "Remove the invisible characters that change the direction of the text "
        "(bidirectional overrides)."
    ),
    "line": _l("Write this on one line."),
    "control": _l("Remove the control characters (such as NUL) from this text."),
}


def text_problem(text: str, multiline: bool = False):
    """Why this text cannot be stored (a message), or None when it can."""
    for character in text:
        kind = _refused(character, multiline)
        if kind is not None:
            return _PROBLEMS[kind]
    return None


def marked(text: str, multiline: bool = False) -> str:
    """The text with each refused character shown as U+FFFD, to draw it back in the form."""
    return "".join("\ufffd" if _refused(c, multiline) else c for c in text)


def normalise_name(text: str | None) -> str | None:
    """NFC, with runs of white space folded to one space; None stays None."""
    if text is None:
        return None
    return " ".join(unicodedata.normalize("NFC", text).split())


class IdConverter(IntegerConverter):
    """The `int` of the portal's routes: an id a table can hold, else no such page (404).
    Werkzeug's own takes any length, which the database then fails on."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class SlugConverter(BaseConverter):
    """`<slug:...>`: what a member's slug can be (portal.core.folding.SLUG_PATTERN); anything
    else is no such page before any lookup (PostgreSQL refuses NUL even inside a query)."""

    regex = r"[0-9a-z-]{1,140}"


def register(app) -> None:
    """Bounded ids and slugs in every route (before any blueprint adds one)."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["slug"] = SlugConverter

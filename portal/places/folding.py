"""Folding of place names in any script, for the gazetteer's search.

portal.core.folding.fold keeps Latin letters only (it drops the accents, then everything that is
not ASCII). A place is also known by names in other scripts (Αθήνα, Афины, 雅典): those are first
transliterated to ASCII with anyascii, so that "Αθήνα" and "Athina" fold alike. Latin-script text
folds exactly as fold does (the scripts/build_gazetteer.py index and the search agree with it).
"""

import re

from anyascii import anyascii

from portal.core.folding import fold

# Latin letters with their accents, punctuation and spacing: what fold handles by itself.
_LATIN_ONLY = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF\u2000-\u206F\u0300-\u036F]*$")


def is_latin(text: str) -> bool:
    return _LATIN_ONLY.match(text) is not None


def fold_any(text: str) -> str:
    """fold for Latin text; other scripts transliterated first: 'Αθήνα' -> 'athina'."""
    return fold(text) if is_latin(text) else fold(anyascii(text))

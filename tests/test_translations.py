"""Every user-visible string is translatable and translated in every language the portal offers."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from config import Config

pytestmark = pytest.mark.once  # the catalogues: the same on either database

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}  # fmt: skip
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _source_strings() -> set[str]:
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(lang: str):
    with open(ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


LANGS = [lang for lang in Config.LANGUAGES if lang != "en"]


@pytest.fixture(scope="module")
def source_strings():
    return _source_strings()


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_covers_every_string_of_the_code(source_strings, lang):
    catalogue = _catalogue(lang)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    missing = sorted(source_strings - ids)
    assert not missing, f"run `make translations-update` and translate: {missing[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_is_translated_with_the_same_placeholders(lang):
    for message in _catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and "fuzzy" not in message.flags, f"{lang}: untranslated {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted, (lang, ids[0], text)

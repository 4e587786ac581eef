"""Every user-visible string is translatable and translated in every language the portal offers."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

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


# ---- Template text not marked for translation -----------------------------------------------
# The words a reader meets in a template (text between tags, and the attributes read aloud or
# shown: alt, title, aria-label, placeholder) must all come from expressions such as
# {{ _("...") }}; literal words are English in every language. What is not a word of any
# language is allowed by name below.

_EXPRESSION = " JINJAEXPR "  # where an expression or a tag stood in the template
_SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
NOT_WORDS = {"edpb.europa.eu"}  # a web address given as the link's text


class _ShownText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_code = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        self._in_code += tag in ("script", "style")
        self.found += [value for name, value in attrs if name in _SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        self._in_code -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._in_code:
            self.found.append(data)


def literal_words(source: str, plain_text: bool = False) -> list[str]:
    """The pieces of a template's own text that hold a letter."""
    lexer = Environment(autoescape=True, extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    literal = "".join(
        value if kind == "data" else _EXPRESSION for _line, kind, value in lexer.lex(source)
    )
    if plain_text:
        texts = [literal]
    else:
        parser = _ShownText()
        parser.feed(literal)
        parser.close()
        texts = parser.found
    pieces = (p.strip() for text in texts for p in text.split(_EXPRESSION.strip()))
    return [p for p in pieces if re.search(r"[^\W\d_]", p) and p not in NOT_WORDS]


def test_the_check_for_unmarked_text_finds_it():
    assert literal_words('<p>{{ _("Hello") }}</p><h1{{ x|lang_attr }}>{{ t }}</h1>') == []
    assert literal_words('<p class="a">Welcome {{ name }}</p>') == ["Welcome"]
    assert literal_words(
        '<img alt="A map" src="{{ s }}"><button aria-label="Close">×</button>'
    ) == [
        "A map",
        "Close",
    ]
    assert literal_words("<script>const t = 'not shown';</script><style>a{}</style>") == []
    assert literal_words('{{ _("Dear %(n)s,", n=n) }}\n\nRegards', plain_text=True) == ["Regards"]


def test_no_template_has_text_not_marked_for_translation():
    unmarked = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt", ".svg"):
            found = literal_words(path.read_text(), plain_text=path.suffix == ".txt")
            if found:
                unmarked[str(path.relative_to(ROOT))] = found
    assert unmarked == {}

"""The portal's own rendering helpers write exactly what the libraries they stand in for
write: the choice fields' markup (WTForms), whole numbers and dates (Babel)."""

from datetime import date

import pytest
from babel.dates import format_date as babel_format_date
from flask_babel import force_locale, format_number
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms.widgets import Select as WTFormsSelect

from portal.core.fields import MultiCheckboxField, SelectField
from portal.core.templating import nice_date, number_text

CHOICES = [
    ("", "Any"),
    ("a&b", 'Fish & "chips" <b>'),
    ("DE", "Germany"),
    ("x", ""),  # no label: WTForms shows the value
]


class _Choices(Form):
    ours = SelectField("Ours", choices=CHOICES)
    theirs = WTFormsSelectField("Theirs", choices=CHOICES)
    boxes = MultiCheckboxField("Boxes", choices=CHOICES)


@pytest.mark.parametrize("picked", ["", "a&b", "DE", "x", "missing"])
def test_select_writes_wtforms_markup(picked):
    form = _Choices(MultiDict({"ours": picked, "theirs": picked}))
    assert str(form.ours()).replace('"ours"', '"theirs"') == str(form.theirs())
    assert str(form.ours()).count(" selected ") == (picked != "missing")


def test_select_keeps_wtforms_own_path_for_options_with_attributes():
    class WithAttributes(Form):
        ours = SelectField("Ours", choices=[("a", "A", {"disabled": True}), ("b", "B")])
        theirs = WTFormsSelectField("Ours", choices=[("a", "A", {"disabled": True}), ("b", "B")])

    form = WithAttributes(MultiDict({"ours": "b", "theirs": "b"}))
    assert '<option disabled value="a">A</option>' in str(form.ours())
    assert str(form.ours()).replace('"ours"', '"theirs"') == str(form.theirs())
    assert isinstance(SelectField.widget, WTFormsSelect)


@pytest.mark.parametrize("picked", [[], ["DE"], ["a&b", "x"]])
def test_checkbox_items_are_the_subfields(picked):
    form = _Choices(MultiDict([("boxes", value) for value in picked]))
    items = list(form.boxes.choice_items())
    subfields = list(form.boxes)
    assert len(items) == len(subfields) == len(CHOICES)
    for item, subfield in zip(items, subfields, strict=True):
        written = Markup('<input{}id="{}" name="{}" type="checkbox" value="{}">').format(
            " checked " if item.checked else " ", item.id, form.boxes.name, item.value
        )
        assert str(written) == str(subfield(required=False))
        assert str(Markup('<label for="{}">{}</label>').format(item.id, item.label)) == str(
            subfield.label()
        )


def test_the_directory_writes_the_country_boxes_like_wtforms(client):
    html = client.get("/members?country=DE").get_data(as_text=True)
    assert '<input checked id="country-10" name="country" type="checkbox" value="DE">' in html
    assert '<label for="country-10">Germany</label>' in html
    assert '<input id="country-0" name="country" type="checkbox" value="AT">' in html


EU_LANGUAGES = tuple(
    "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()  # noqa: SIM905
)


@pytest.mark.parametrize("language", EU_LANGUAGES)
@given(st.integers(min_value=-(10**12), max_value=10**15))
def test_numbers_are_babels(app, language, number):
    with app.test_request_context(), force_locale(language):
        assert number_text(number) == format_number(number)


@pytest.mark.parametrize("value", [0.5, 1234.5678, -1, -12345])
def test_numbers_babel_formats_itself(app, value):
    with app.test_request_context(), force_locale("fr"):
        assert number_text(value) == format_number(value)


@pytest.mark.parametrize("language", ["en", "de", "fr", "pl", "it", "es", "el"])
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_are_babels(app, language, day):
    """Babel's dates of the language; English ones as British English writes them."""
    cldr = "en_GB" if language == "en" else language
    with app.test_request_context(), force_locale(language):
        assert nice_date(day) == babel_format_date(day, "medium", locale=cldr)
        assert nice_date(day, "long") == babel_format_date(day, "long", locale=cldr)
    assert nice_date(None) == ""


def test_english_dates_and_times_are_british(app):
    with app.test_request_context(), force_locale("en"):
        assert nice_date(date(2026, 12, 1)) == "1 Dec 2026"
        assert nice_date(date(2026, 12, 1), "long") == "1 December 2026"


URL_SAFE = st.from_regex(r"[A-Za-z0-9_.~-]{1,20}", fullmatch=True)


@given(value=st.one_of(st.integers(min_value=1, max_value=10**9), URL_SAFE))
def test_a_url_builder_gives_what_url_for_gives(app, value):
    from flask import url_for

    from portal.core.links import url_builder

    with app.test_request_context():
        args = {"country": ["DE", "AT"], "q": "neu stadt", "sort": "-population"}
        assert url_builder("directory.members", "page", **args)(value) == url_for(
            "directory.members", **args, page=value
        )
        if isinstance(value, str):
            assert url_builder("membership.member_page", "slug", _external=True)(value) == url_for(
                "membership.member_page", slug=value, _external=True
            )

"""The directory's and the map's filter form is written once per address and language: it is a
function of those alone (its choices are fixed lists, never the data), so each process keeps the
most recent ones. What it gives is what the macro writes afresh, errors included."""

import re

import pytest
from flask import get_template_attribute
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from portal.directory import forms
from portal.directory.forms import DirectoryForm, filter_form_html
from portal.directory.query import ALL_STATUSES, parse_filters
from portal.models.members import APPROVED
from portal.pledges.catalog import CATEGORIES
from tests.factories import make_member

ADDRESSES = [
    {},
    {"q": "lodz"},
    {"country": ["DE", "AT"], "sort": "-population"},
    {"population": "no-such-band", "year": "1850"},  # errors next to their fields
    {"q": "<script>", "region": '"><b>x'},
]
MACRO_ARGS = {
    "endpoint": "directory.members",
    "class_": "directory-filters",
    "label": "Search and filter members",
    "button": "Show members",
    "with_sort": True,
}


def fresh(args: MultiDict, filters) -> str:
    form = DirectoryForm(args, CATEGORIES)
    form.show_errors(filters.errors)
    macro = get_template_attribute("_macros/member_filters.html", "member_filters")
    return str(macro(form, filters, **MACRO_ARGS))


@pytest.fixture(autouse=True)
def empty_memo():
    forms._filter_forms.clear()
    yield
    forms._filter_forms.clear()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("asked", ADDRESSES)
def test_the_kept_form_is_what_the_macro_writes(app, asked, language):
    args = MultiDict(asked)
    with app.test_request_context("/members"), force_locale(language):
        filters = parse_filters(args, default_status=APPROVED)
        made = lambda: DirectoryForm(args, CATEGORIES)  # noqa: E731
        first = filter_form_html(args, filters, made, **MACRO_ARGS)
        again = filter_form_html(args, filters, made, **MACRO_ARGS)
        assert str(first) == str(again) == fresh(args, filters)
    assert "<script>" not in str(first) and "<b>x" not in str(first)


def test_an_address_is_written_once_per_language_and_the_table_is_bounded(app, monkeypatch):
    built = []

    def made(args):
        built.append(1)
        return DirectoryForm(args, CATEGORIES)

    args = MultiDict({"country": "FR"})
    with app.test_request_context("/members"):
        filters = parse_filters(args, default_status=APPROVED)
        for language in ("en", "en", "fr", "fr", "en"):
            with force_locale(language):
                filter_form_html(args, filters, lambda: made(args), **MACRO_ARGS)
        assert len(built) == 2
        # The map's form for the same address is another one (its own endpoint and button).
        filter_form_html(
            args, filters, lambda: made(args), **{**MACRO_ARGS, "endpoint": "map.member_map"}
        )
        assert len(built) == 3
        monkeypatch.setattr(forms, "FILTER_FORMS_KEPT", 5)
        for n in range(12):
            other = MultiDict({"q": f"town {n}"})
            filter_form_html(other, parse_filters(other), lambda o=other: made(o), **MACRO_ARGS)
        assert len(forms._filter_forms) == 5


def test_the_pages_show_the_asked_filters_and_their_data_afresh(client):
    make_member("Lyon", country="FR")
    page = client.get("/members?country=FR").get_data(as_text=True)
    assert re.search(
        r'<input checked id="country-\d+" name="country" type="checkbox" value="FR">', page
    )
    assert "Lyon" in page
    make_member("Lille", country="FR")
    again = client.get("/members?country=FR").get_data(as_text=True)
    assert "Lille" in again  # the data is read afresh; only the form was kept
    # The map's form for the same address is its own: every public state chosen by default.
    map_page = client.get("/map?country=FR").get_data(as_text=True)
    assert "Show on the map" in map_page and "Show members" not in map_page
    assert f'<option selected value="{ALL_STATUSES}">' in map_page
    assert f'<option selected value="{ALL_STATUSES}">' not in again

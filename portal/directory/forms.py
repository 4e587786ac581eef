"""The directory's search and filter form: a GET form, so every state is a shareable address.

It only renders the fields and shows back what was asked; portal.directory.query reads and
checks the values, and its errors are put next to the fields here.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from flask import get_template_attribute
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SearchField, StringField

from portal.core.countries import country_choices
from portal.core.fields import MultiCheckboxField, SelectField
from portal.core.i18n import per_language
from portal.directory.query import ALL_STATUSES, POPULATION_BANDS, STATUS_NAMES, FilterError

FIRST_YEAR = 2018  # the covenant was announced in March 2018

SORT_LABELS = {
    "relevance": _l("Best match"),
    "name": _l("Name (A to Z)"),
    "-name": _l("Name (Z to A)"),
    "joined_on": _l("Joining date (oldest first)"),
    "-joined_on": _l("Joining date (newest first)"),
    "population": _l("Population (smallest first)"),
    "-population": _l("Population (largest first)"),
}

# Which field shows an error about which parameter.
_FIELD_OF = {
    "population_min": "population",
    "population_max": "population",
    "joined_from": "year",
    "joined_to": "year",
}


def _fixed_choices(categories: dict) -> dict:
    """The lists of choices that do not depend on the request, translated once per language
    (a page of the directory shows five)."""

    def build() -> dict:
        any_ = ("", str(_l("Any")))
        return {
            "any": any_,
            "population": [any_] + [(k, str(v[0])) for k, v in POPULATION_BANDS.items()],
            "category": [any_] + [(k, str(v[0])) for k, v in categories.items()],
            # Active members unless asked: those on hold leave the default listing.
            "status": [(name, str(status.label)) for status, name in STATUS_NAMES.items()]
            + [(ALL_STATUSES, str(_l("Active and on hold")))],
            "sort": [(k, str(v)) for k, v in SORT_LABELS.items()],
        }

    return per_language(f"directory-choices-{id(categories)}", build)


class DirectoryForm(Form):
    q = SearchField(
        _l("Name or region"),
        description=_l("In any language or script; accents and case do not matter."),
    )
    country = MultiCheckboxField(_l("Country"))
    region = StringField(_l("Region (exact name)"))
    population = SelectField(_l("Population"))
    category = SelectField(_l("With a published action in"))
    status = SelectField(_l("Status"))
    year = SelectField(_l("Joining year"))
    sort = SelectField(_l("Sort by"))

    def __init__(self, formdata: MultiDict, categories: dict, default_status: str = "active"):
        """`default_status` is the status shown chosen when the address names none: the
        directory lists active members by default, the map every public member."""
        super().__init__(formdata=formdata)
        fixed = _fixed_choices(categories)
        self.country.choices = country_choices()
        self.population.choices = list(fixed["population"])
        self.category.choices = list(fixed["category"])
        self.status.choices = list(fixed["status"])
        if "status" not in formdata:
            self.status.data = default_status
        elif not formdata.get("status"):
            self.status.data = ALL_STATUSES
        years = [str(y) for y in range(date.today().year, FIRST_YEAR - 1, -1)]
        asked = (formdata.get("year") or "").strip()
        if asked.isdigit() and asked not in years:
            years.append(asked)
        self.year.choices = [fixed["any"]] + [(y, y) for y in years]
        self.sort.choices = list(fixed["sort"])
        searching = bool((formdata.get("q") or "").strip())
        self.sort.data = self.sort.data or ("relevance" if searching else "name")

    def show_errors(self, errors: tuple[FilterError, ...]) -> None:
        for error in errors:
            name = _FIELD_OF.get(error.parameter, error.parameter)
            target = getattr(self, name, None)
            if target is None:
                self.form_errors.append(error.message)
            else:
                target.errors = [*target.errors, error.message]


# ---- The filter form as HTML, written once per address and language -------------------------
# The form shows back what the address asks and its choices are fixed lists (countries, bands,
# categories, states, years up to this one), never the data: the same address in the same
# language gives the same HTML, whatever the members. So each process writes it once and keeps
# the most recently asked FILTER_FORMS_KEPT of them; it is not a cache of public data and needs
# no renewal when the data changes (a page with the caches off still reads its data afresh).
FILTER_FORMS_KEPT = 512
_filter_forms: OrderedDict[tuple, Markup] = OrderedDict()
_filter_forms_lock = threading.Lock()


def filter_form_html(
    args: MultiDict, filters, make_form: Callable[[], "DirectoryForm"], **macro_args
) -> Markup:
    """The `member_filters` macro (templates/_macros/member_filters.html) for these address
    parameters: `filters` are what portal.directory.query read from them (their errors shown
    next to the fields), `make_form` makes the page's DirectoryForm, and `macro_args` are the
    macro's endpoint, class_, label, button and with_sort (the endpoint tells the pages apart)."""
    asked = tuple(sorted((name, tuple(values)) for name, values in args.lists()))
    key = (asked, tuple(sorted(macro_args.items())), str(get_locale()), date.today().year)
    with _filter_forms_lock:
        html = _filter_forms.get(key)
        if html is not None:
            _filter_forms.move_to_end(key)
            return html
    form = make_form()
    form.show_errors(filters.errors)
    member_filters = get_template_attribute("_macros/member_filters.html", "member_filters")
    html = Markup(member_filters(form, filters, **macro_args))  # noqa: S704 (autoescaped macro output)
    with _filter_forms_lock:
        _filter_forms[key] = html
        while len(_filter_forms) > FILTER_FORMS_KEPT:
            _filter_forms.popitem(last=False)
    return html

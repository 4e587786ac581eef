"""The directory's search and filter form: a GET form, so every state is a shareable address.

It only renders the fields and shows back what was asked; portal.directory.query reads and
checks the values, and its errors are put next to the fields here.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
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

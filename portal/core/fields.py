"""Form fields shared by several features.

The choice fields here write the same HTML as WTForms' own, with less work per choice: WTForms
builds every <option> through html_params() and Markup.format(), and every checkbox of a group
as a field object of its own. On the directory's filters (27 countries, five lists) that was
most of the page's rendering.
"""

from collections.abc import Iterator
from typing import NamedTuple

import wtforms
from markupsafe import Markup, escape
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.widgets import Select as _Select


class Select(_Select):
    """WTForms' <select>, each plain option written directly (same markup)."""

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature at every rendering, for overrides of the
        # older form; this one is of the current form.
        return cls.render_option

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        # html_params() writes the attributes sorted: "selected" comes before "value".
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704 (escaped above)


class SelectField(wtforms.SelectField):
    widget = Select()


class ChoiceItem(NamedTuple):
    """One checkbox of a group, as the form macro writes it."""

    id: str
    value: str
    label: str
    checked: bool


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a group of checkboxes (rendered as a fieldset by the form macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def choice_items(self) -> Iterator[ChoiceItem]:
        """The boxes' ids, values, labels and states, without a field object for each (the
        ids are WTForms' own: `<field id>-<position>`)."""
        for index, choice in enumerate(self._iter_choices_normalized()):
            yield ChoiceItem(
                f"{self.id}-{index}",
                choice.value,
                choice.label or choice.value,
                choice.selected,
            )

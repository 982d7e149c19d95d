"""Select boxes for long lists: a province's responsible bodies and people run to thousands.

Django renders each <option> through its own template: fine for ten choices, a large part of
the task book's time for the thousands of bodies and people it lists several times. These
widgets write the same HTML in one pass over the choices.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A <select> whose options are written directly (no option groups)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        parts = [f"<select{flatatt(final)}>"]
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            parts.append(f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


class QuickSelectMultiple(QuickSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False  # an empty multiple select sends nothing: that means "none chosen"

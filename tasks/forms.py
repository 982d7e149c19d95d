"""Forms. The version check lives here so that every form that edits a versioned row shares it."""

from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tasks.models import StaleEdit, Versioned


def _show(value: object) -> str:
    if value in (None, ""):
        return "—"
    return str(formats.localize(value))


def conflict_message(current: Versioned, loaded_version: int) -> str:
    """What another person changed since `loaded_version`, who, and what to do now."""
    changes, later = current.changes_since(loaded_version)
    people = sorted(
        {
            (r.history_user.get_full_name() or r.history_user.get_username())
            if r.history_user
            else _("the system")
            for r in later
        }
    )
    when = max((r.history_date for r in later), default=None)
    detail = "；".join(
        _("%(field)s: %(before)s → %(after)s")
        % {"field": field, "before": _show(before), "after": _show(after)}
        for field, before, after in changes
    )
    return _(
        "%(people)s saved this record at %(when)s, after you opened it, and changed: "
        "%(detail)s. Your changes were not saved and are still in the form: note them, reload "
        "the page to see the new values, and make your changes again."
    ) % {
        "people": "、".join(people) or _("someone"),
        "when": _show(timezone.localtime(when)) if when else "—",
        "detail": detail or _("no field you can see"),
    }


class VersionedFormMixin(forms.Form):
    """A hidden field carries the version the user loaded; a stale one is refused, not saved."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded:
            current = type(self.instance)._default_manager.get(pk=self.instance.pk)
            if current.version != loaded:
                raise forms.ValidationError(conflict_message(current, loaded), code="stale")
        return cleaned

    def save_checked(self) -> Versioned:
        """Save the row only if nobody saved it since it was loaded (raises StaleEdit)."""
        instance = self.instance
        loaded = self.cleaned_data.get("loaded_version")
        if instance.pk and loaded:
            instance.save_versioned(expected_version=loaded)
        else:
            instance.save()
        return instance


__all__ = ["StaleEdit", "VersionedFormMixin", "conflict_message"]

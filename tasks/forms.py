"""Forms. The version check lives here so that every form that edits a versioned row shares it."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import Measure, Milestone, ResponsibleBody, Versioned
from tasks.models.versioning import conflict_message
from tasks.notices import stranded_milestones
from tasks.widgets import QuickSelect, QuickSelectMultiple


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
        """Save the row (and its many-to-many choices) only if nobody saved it since it was
        loaded; raises StaleEdit otherwise, having written nothing."""
        instance = self.save(commit=False)
        loaded = self.cleaned_data.get("loaded_version")
        if instance.pk and loaded:
            instance.save_versioned(expected_version=loaded)
        else:
            instance.save()
        self.save_m2m()
        return instance


# -- the measure page and the task book ---------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def explain_missing_choices(form: forms.BaseForm) -> None:
    """Clear words for a choice that does not exist (an unknown user or body)."""
    single = _("This entry does not exist (any more); choose one from the list.")
    several = _("One of the chosen entries does not exist (any more); choose again from the list.")
    for field in form.fields.values():
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.error_messages["invalid_choice"] = several
            field.error_messages["invalid_pk_value"] = several
        elif isinstance(field, forms.ModelChoiceField):
            field.error_messages["invalid_choice"] = single


class AssignmentForm(VersionedFormMixin, forms.ModelForm):
    """分解落实: who does it, with whom, by when, how urgently (the reform office)."""

    class Meta:
        model = Measure
        fields = [
            "owner",
            "lead_body",
            "cooperating_bodies",
            "start_date",
            "due_date",
            "deadline_note",
            "priority",
        ]
        widgets = {
            "owner": QuickSelect,
            "lead_body": QuickSelect,
            "start_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            "cooperating_bodies": QuickSelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        explain_missing_choices(self)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        start, due = cleaned.get("start_date"), cleaned.get("due_date")
        if self.instance.pk and (start or due):
            outside = self.instance.milestones_outside(start, due)
            if outside:
                self.add_error("due_date" if due else "start_date", stranded_milestones(outside))
        return cleaned


class ProgressForm(VersionedFormMixin, forms.ModelForm):
    """进度: status and progress, by the measure's own bodies or the office."""

    class Meta:
        model = Measure
        fields = ["status", "progress"]
        widgets = {"progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5})}

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("status") == Measure.Status.DONE and cleaned.get("progress") != 100:
            self.add_error(
                "progress", _("A completed measure stands at 100%. Set the progress to 100.")
            )
        return cleaned


class MilestoneForm(VersionedFormMixin, forms.ModelForm):
    """时间节点: within the measure's dates."""

    class Meta:
        model = Milestone
        fields = ["title", "due_date", "done_on"]
        widgets = {"due_date": DATE_INPUT, "done_on": DATE_INPUT}

    def __init__(self, *args: object, measure: Measure, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.measure = measure

    def clean_due_date(self) -> date:
        due = self.cleaned_data["due_date"]
        start, end = self.measure.start_date, self.measure.due_date
        if (start and due < start) or (end and due > end):
            raise forms.ValidationError(
                _("A milestone falls within its measure's dates (%(start)s – %(end)s).")
                % {"start": start or "…", "end": end or "…"}
            )
        return due


class MilestoneDoneForm(VersionedFormMixin, forms.ModelForm):
    """What the measure's own liaison may change on a milestone: when it was done."""

    class Meta:
        model = Milestone
        fields = ["done_on"]
        widgets = {"done_on": DATE_INPUT}


class BulkAssignForm(forms.Form):
    """Tick rows in the task book, then set one thing for all of them at once."""

    FIELDS = [
        ("owner", gettext_lazy("Person responsible")),
        ("lead_body", gettext_lazy("Lead body")),
        ("due_date", gettext_lazy("Due date")),
        ("priority", gettext_lazy("Priority")),
    ]

    measures = forms.ModelMultipleChoiceField(
        queryset=Measure.objects.all(),
        error_messages={"required": gettext_lazy("Tick at least one measure in the list first.")},
    )
    field = forms.ChoiceField(choices=FIELDS, label=gettext_lazy("Set"))
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        empty_label="—",
        label=gettext_lazy("Person responsible"),
        widget=QuickSelect,
    )
    lead_body = forms.ModelChoiceField(
        queryset=ResponsibleBody.objects.only("pk", "name"),
        required=False,
        empty_label="—",
        label=gettext_lazy("Lead body"),
        widget=QuickSelect,
    )
    due_date = forms.DateField(required=False, label=gettext_lazy("Due date"), widget=DATE_INPUT)
    priority = forms.TypedChoiceField(
        choices=[("", "—"), *Measure.Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
        label=gettext_lazy("Priority"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        explain_missing_choices(self)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        field = cleaned.get("field")
        if field and cleaned.get(field) in (None, ""):
            self.add_error(field, _("Choose the value to set."))
        return cleaned

    def value(self) -> object:
        return self.cleaned_data[self.cleaned_data["field"]]

    def versions(self, data: dict) -> dict[int, int]:
        """The version each ticked row was loaded at (hidden `version-<id>` inputs)."""
        found = {}
        for measure in self.cleaned_data.get("measures", []):
            try:
                found[measure.pk] = int(data.get(f"version-{measure.pk}", ""))
            except ValueError:
                found[measure.pk] = measure.version
        return found


class MoveForm(forms.Form):
    """One move: the measure, and either a direction (one place up or down) or a position."""

    measure = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": gettext_lazy("Choose the measure to move."),
            "invalid": gettext_lazy("Choose the measure to move."),
            "min_value": gettext_lazy("Choose the measure to move."),
        },
    )
    direction = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down")],
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Move a measure up, down or to a position."),
        },
    )
    position = forms.IntegerField(
        required=False,
        error_messages={
            "invalid": gettext_lazy("Enter the new position as a whole number, such as 3."),
        },
    )
    page = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("direction") and data.get("position") is None and not self.errors:
            raise forms.ValidationError(_("Move a measure up, down or to a position."))
        return data


class DocumentUploadForm(forms.Form):
    """A policy document to break into measures: .txt (any common Chinese encoding) or .docx."""

    file = forms.FileField(
        allow_empty_file=True,  # an empty file gets the reader's message, which names it
        label=gettext_lazy("Document (.txt or .docx)"),
        help_text=gettext_lazy(
            "A text file in any common Chinese encoding, or a Word document (.docx)."
        ),
    )

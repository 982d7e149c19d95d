"""Forms. The version check lives here so that every form that edits a versioned row shares it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import Measure, Milestone, Versioned
from tasks.models.versioning import conflict_message, person
from tasks.widgets import BODIES, PEOPLE, LookupChoiceField, LookupMultipleChoiceField


def add_rule_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A model rule's refusal shown on a form: beside the field when the form has it, else at
    the top, named by the field's label (a rule may concern a field the form does not show)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    model = getattr(getattr(form, "_meta", None), "model", None)
    for name, errors in error.error_dict.items():
        if name == NON_FIELD_ERRORS or name in form.fields:
            form.add_error(None if name == NON_FIELD_ERRORS else name, errors)
            continue
        try:
            label = str(model._meta.get_field(name).verbose_name) if model else name
        except FieldDoesNotExist:
            label = name
        messages = [message for item in errors for message in item.messages]
        form.add_error(None, [f"{label}：{message}" for message in messages])


class VersionedFormMixin(forms.Form):
    """A hidden field carries the version the user loaded; a stale one is refused, not saved.
    The model's own rules (`clean()`) are the form's: a refusal on a field the form does not
    show is shown at the top."""

    loaded_version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        label=gettext_lazy("Version when opened"),
    )

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

    def _update_errors(self, errors: ValidationError) -> None:
        add_rule_errors(self, errors)

    def save_checked(self) -> Versioned:
        """Save the row through the model's one checked save (`save_edit`: every rule, and only
        if nobody saved it since it was loaded — StaleEdit otherwise, nothing written), with its
        many-to-many choices."""
        instance = self.save(commit=False)
        loaded = self.cleaned_data.get("loaded_version") or None
        if isinstance(instance, Measure):
            chosen = self.cleaned_data.get("cooperating_bodies")
            bodies = chosen if "cooperating_bodies" in self.fields else None
            instance.save_edit(expected_version=loaded, cooperating_bodies=bodies)
        else:
            instance.save_edit(expected_version=loaded)
            self.save_m2m()
        return instance


# -- the measure page and the task book ---------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """A person picked by the name every page shows (the full name), not the login name."""

    def label_from_instance(self, obj: object) -> str:
        return person(obj)


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
    """分解落实: who does it, with whom, by when, how urgently (the reform office).

    Owner and bodies are pickers that search as you type (a province has thousands of them);
    the measure's own are named from the measure, without a query."""

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
        widgets = {"start_date": DATE_INPUT, "due_date": DATE_INPUT}

    owner = LookupChoiceField(PEOPLE, required=False, label=gettext_lazy("Person responsible"))
    lead_body = LookupChoiceField(BODIES, required=False, label=gettext_lazy("Lead body"))
    cooperating_bodies = LookupMultipleChoiceField(
        BODIES,
        required=False,
        label=gettext_lazy("Cooperating bodies"),
        help_text=gettext_lazy(
            "Untick a body to remove it. To add one, type a part of its name and pick it from "
            "the list; without the list, type whole names separated by 、."
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        measure = self.instance
        if measure.pk:
            self.fields["owner"].remember([measure.owner])
            self.fields["lead_body"].remember([measure.lead_body])
            self.fields["cooperating_bodies"].remember(measure.cooperating_bodies.all())
        explain_missing_choices(self)


class ProgressForm(VersionedFormMixin, forms.ModelForm):
    """进度: status and progress, set directly by the office (a body's progress arrives through
    its reports, and takes effect when the office accepts one)."""

    class Meta:
        model = Measure
        fields = ["status", "progress"]
        widgets = {"progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5})}


class MilestoneForm(VersionedFormMixin, forms.ModelForm):
    """时间节点: within the measure's dates (`Milestone.clean`)."""

    class Meta:
        model = Milestone
        fields = ["title", "due_date", "done_on"]
        widgets = {"due_date": DATE_INPUT, "done_on": DATE_INPUT}

    def __init__(self, *args: object, measure: Measure, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.measure = self.instance.measure = measure  # its rules read the measure's dates


class MilestoneDoneForm(VersionedFormMixin, forms.ModelForm):
    """What the measure's own liaison may change on a milestone: when it was done."""

    class Meta:
        model = Milestone
        fields = ["done_on"]
        widgets = {"done_on": DATE_INPUT}


class CascadeForm(forms.Form):
    """下达: hand a measure down to federations directly below its plan."""

    federations = forms.TypedMultipleChoiceField(
        coerce=int,
        label=gettext_lazy("Federations"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one federation.")},
    )
    due_date = forms.DateField(
        required=False,
        label=gettext_lazy("Due date"),
        widget=DATE_INPUT,
        help_text=gettext_lazy("Empty: the measure's own. Never later than it."),
    )
    milestones = forms.BooleanField(
        required=False, label=gettext_lazy("Hand down its milestones too")
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["federations"].choices = choices


class BreakDownForm(forms.Form):
    """分解: a sub-measure of a measure, in the same plan."""

    title = forms.CharField(
        max_length=Measure._meta.get_field("title").max_length, label=gettext_lazy("Title")
    )
    lead_body = LookupChoiceField(BODIES, required=False, label=gettext_lazy("Lead body"))
    due_date = forms.DateField(
        required=False,
        label=gettext_lazy("Due date"),
        widget=DATE_INPUT,
        help_text=gettext_lazy("Empty: the measure's own."),
    )


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
    owner = LookupChoiceField(PEOPLE, required=False, label=gettext_lazy("Person responsible"))
    lead_body = LookupChoiceField(BODIES, required=False, label=gettext_lazy("Lead body"))
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

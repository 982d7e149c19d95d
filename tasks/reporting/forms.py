"""Forms of the reporting cycle: the report, its review, contributions, extension requests."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.forms import DATE_INPUT, VersionedFormMixin, explain_missing_choices
from tasks.models import Attachment, ProgressReport, ResponsibleBody
from tasks.models.reporting import REASON_MAX, REPORT_NOTE_MAX, at_most
from tasks.reporting.actions import check_attachment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked on its own."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(VersionedFormMixin, forms.ModelForm):
    """进展报告: what the lead body reports for one period, with its attachments."""

    attachments = MultipleFileField(
        label=gettext_lazy("Attachments"),
        required=False,
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Remove these attachments"),
    )

    class Meta:
        model = ProgressReport
        fields = ["status", "progress", "done_text", "problems", "next_steps"]
        widgets = {
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
            "done_text": forms.Textarea(attrs={"rows": 5}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, limits: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_text"].required = True
        self.fields["done_text"].error_messages["required"] = _(
            "Write what was done in this period (进展情况)."
        )
        self.fields["attachments"].help_text = limits
        if self.instance.pk:
            self.fields["remove_attachments"].queryset = self.instance.attachments.all()
        else:
            del self.fields["remove_attachments"]

    def clean_attachments(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("attachments") or []
        problems = []
        for upload in files:
            try:
                check_attachment(upload)
            except forms.ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise forms.ValidationError(problems)
        return files


class ReviewForm(forms.Form):
    """The office accepts a filed report, or returns it with the reason (退回)."""

    ACCEPT, RETURN = "accept", "return"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, gettext_lazy("Accept")), (RETURN, gettext_lazy("Return"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning it"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "id": "id_return_reason"}),
        help_text=format_lazy(
            "{} {}", gettext_lazy("What the body should correct."), at_most(REASON_MAX)
        ),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason", _("Say why the report is returned, so that it can be corrected.")
            )
        return cleaned

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT


class ContributionForm(forms.Form):
    """A co-operating body's part of the lead body's report."""

    body = forms.ModelChoiceField(
        queryset=ResponsibleBody.objects.none(),
        label=gettext_lazy("Cooperating body"),
        empty_label=None,
    )
    text = forms.CharField(
        label=gettext_lazy("Our contribution"),
        max_length=REPORT_NOTE_MAX,
        help_text=at_most(REPORT_NOTE_MAX),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Write what your body contributed.")},
    )

    def __init__(self, *args: object, bodies: list[ResponsibleBody], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = ResponsibleBody.objects.filter(
            pk__in=[body.pk for body in bodies]
        )
        # the choices without a query: the bodies are at hand
        self.fields["body"].choices = [(body.pk, str(body)) for body in bodies]
        explain_missing_choices(self)


class ExtensionRequestForm(forms.Form):
    """延期申请: a new due date and why."""

    requested_due_date = forms.DateField(label=gettext_lazy("New due date"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        help_text=at_most(REASON_MAX),
        widget=forms.Textarea(attrs={"rows": 3, "id": "id_extension_reason"}),
        error_messages={"required": gettext_lazy("Say why more time is needed.")},
    )


class ExtensionDecisionForm(forms.Form):
    """The office approves a request (the measure takes the date) or rejects it with a reason."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(
        choices=[(APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Reject"))],
        label=gettext_lazy("Decision"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=format_lazy(
            "{} {}", gettext_lazy("Required when the request is rejected."), at_most(REASON_MAX)
        ),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the request is rejected."))
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE

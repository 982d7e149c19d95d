"""What the API shows of each row, and what it takes for the writes people make outside the
office (a report, an extension request). Reads are plain fields of the rows (the measure's
rolled-up figures are its own columns, `tasks.rollup`); writes are checked by the models' rules
inside the actions, never here."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from tasks.models import (
    Attachment,
    Deletion,
    ExtensionRequest,
    Light,
    Measure,
    Milestone,
    ProgressReport,
    ReformArea,
    ResponsibleBody,
    Source,
)
from tasks.models.reporting import REASON_MAX, REPORT_NOTE_MAX, REPORT_TEXT_MAX


def _person(user: object) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


class FederationSerializer(serializers.ModelSerializer):
    """A federation: the root, or a 工会 below it, with the federation directly above."""

    above = serializers.SerializerMethodField(help_text="上一级工会 (federation above), or null.")
    depth = serializers.SerializerMethodField(help_text="0 for the root, 1 below it, …")

    class Meta:
        model = ResponsibleBody
        fields = ["id", "name", "above", "depth", "updated_at"]

    def get_above(self, body: ResponsibleBody) -> int | None:
        return self.context["tree"].federation_above(body.pk)

    def get_depth(self, body: ResponsibleBody) -> int:
        return self.context["tree"].depth(body.pk)


class BodySerializer(serializers.ModelSerializer):
    federation = serializers.SerializerMethodField(
        help_text="The federation the body belongs to (itself, for a federation)."
    )

    class Meta:
        model = ResponsibleBody
        fields = ["id", "name", "kind", "parent", "federation", "updated_at"]

    def get_federation(self, body: ResponsibleBody) -> int | None:
        return self.context["tree"].federation_of(body.pk)


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "federation",
            "title",
            "subtitle",
            "author",
            "affiliation",
            "published_on",
            "file_name",
            "imported_at",
            "updated_at",
        ]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReformArea
        fields = [
            "id",
            "federation",
            "source",
            "ordinal",
            "title",
            "summary",
            "order",
            "updated_at",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_date", "done_on"]


class MeasureSerializer(serializers.ModelSerializer):
    """A measure with its figures as the task book shows them: rolled up from the measures
    below it when it has any."""

    light = serializers.ChoiceField(
        choices=Light.choices, read_only=True, help_text="红黄绿灯: red, yellow, green, grey."
    )
    owner = serializers.SerializerMethodField(help_text="The person responsible, by name.")
    cooperating_bodies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    note = serializers.CharField(
        source="deadline_note", read_only=True, help_text="时限说明: the deadline as written."
    )
    page = serializers.SerializerMethodField(help_text="The measure's page on the site.")

    class Meta:
        model = Measure
        fields = [
            "id",
            "federation",
            "area",
            "parent",
            "ordinal",
            "title",
            "description",
            "rank",
            "priority",
            "lead_body",
            "cooperating_bodies",
            "owner",
            "start_date",
            "due_date",
            "note",
            "status",
            "progress",
            "weight",
            "light",
            "closed_on",
            "milestones",
            "version",
            "created_at",
            "updated_at",
            "page",
        ]

    def get_owner(self, measure: Measure) -> str | None:
        return _person(measure.owner)

    def get_page(self, measure: Measure) -> str:
        return self.context["request"].build_absolute_uri(measure.get_page_url())


class AttachmentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The file, through the API.")

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "uploaded_at", "download"]

    def get_download(self, attachment: Attachment) -> str:
        path = reverse("api:attachment-detail", args=[attachment.pk])
        return self.context["request"].build_absolute_uri(path)


class ReportSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "measure",
            "period",
            "body",
            "author",
            "progress",
            "status",
            "done_text",
            "problems",
            "next_steps",
            "submitted_at",
            "review_state",
            "return_reason",
            "reviewed_at",
            "attachments",
            "version",
            "updated_at",
        ]

    def get_author(self, report: ProgressReport) -> str | None:
        return _person(report.author)


class ReportWriteSerializer(serializers.Serializer):
    """A report filed (POST) or corrected (PATCH, with the version read)."""

    measure = serializers.PrimaryKeyRelatedField(queryset=Measure.objects.none())
    period = serializers.CharField(
        max_length=7,
        required=False,
        help_text="2026-11 (2026Q4 for quarterly reports); left out: the period being collected.",
    )
    progress = serializers.IntegerField(min_value=0, max_value=100)
    status = serializers.ChoiceField(choices=Measure.Status.choices)
    done_text = serializers.CharField(max_length=REPORT_TEXT_MAX, allow_blank=True)
    problems = serializers.CharField(max_length=REPORT_NOTE_MAX, allow_blank=True, required=False)
    next_steps = serializers.CharField(max_length=REPORT_NOTE_MAX, allow_blank=True, required=False)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="PATCH: the version of the report you read."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=255, allow_empty_file=False),
        required=False,
        max_length=10,
        help_text="Files to attach (multipart/form-data).",
    )
    remove_attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=50,
        help_text="PATCH: ids of the report's attachments to remove.",
    )

    def __init__(self, *args: object, measures: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if measures is not None:
            self.fields["measure"].queryset = measures


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SerializerMethodField()

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "measure",
            "requested_by",
            "current_due_date",
            "requested_due_date",
            "reason",
            "state",
            "decided_at",
            "decision_note",
            "created_at",
            "updated_at",
        ]

    def get_requested_by(self, extension: ExtensionRequest) -> str | None:
        return _person(extension.requested_by)


class ExtensionRequestWriteSerializer(serializers.Serializer):
    measure = serializers.PrimaryKeyRelatedField(queryset=Measure.objects.none())
    requested_due_date = serializers.DateField()
    reason = serializers.CharField(max_length=REASON_MAX)

    def __init__(self, *args: object, measures: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if measures is not None:
            self.fields["measure"].queryset = measures


class DeletionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deletion
        fields = ["id", "kind", "object_id", "federation_id", "deleted_at"]

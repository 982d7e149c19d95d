"""The API's resources. Each list holds what the caller sees (`tasks.permissions`: a key's
federation subtree, a person's scope) and pages by change (`tasks.api.paging`); the measures
take the task book's own filters (`tasks.filters.MeasureFilter`). The two writes people make
outside the office — a report, an extension request — call the functions the pages call
(`tasks.reporting.actions`), which ask the pages' permission questions.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tasks import clock, permissions, schedule
from tasks.api import access, serializers
from tasks.api.errors import Refused
from tasks.filters import MeasureFilter
from tasks.models import (
    Attachment,
    Deletion,
    ExtensionRequest,
    Measure,
    ProgressReport,
    ReformArea,
    ResponsibleBody,
    Source,
)
from tasks.periods import PeriodError
from tasks.reporting import actions


class Api:
    """What every view of the API does: ids are whole numbers the database can hold (any
    other address is a 404), and one log line per call. (REST framework's views are exempt
    from the site's login redirect: the API answers 401 itself.)"""

    lookup_value_regex = r"[0-9]{1,18}"
    queryset: QuerySet  # Model.objects.none() on each view: its model, for the schema

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema being made: no request
            return self.queryset
        return self.visible()

    def visible(self) -> QuerySet:
        """The rows the caller sees."""
        raise NotImplementedError

    def get_serializer_context(self) -> dict:
        """The organisation tree too (read once a request), for the federations of bodies."""
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["tree"] = permissions.scope(self.request.user).tree
        return context

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        access.log_call(request, response.status_code)
        return response


def _plans(user: object, field: str = "federation") -> Q:
    """Rows of the plans the user sees, and of the plans above their own (the plans their
    measures were handed down from)."""
    scope = permissions.scope(user)
    if scope.seen is None:
        return Q()
    above = scope.tree.path(scope.home) if scope.home is not None else []
    return Q(**{f"{field}__in": [*scope.seen, *above]})


class FederationViewSet(Api, viewsets.ReadOnlyModelViewSet):
    """工会: the root federation and the 工会 below it whose plans the caller sees."""

    queryset = ResponsibleBody.objects.none()
    serializer_class = serializers.FederationSerializer

    def visible(self) -> QuerySet[ResponsibleBody]:
        scope = permissions.scope(self.request.user)
        seen = scope.tree.federations if scope.seen is None else scope.seen
        return ResponsibleBody.objects.filter(pk__in=seen & scope.tree.federations)


class BodyViewSet(Api, viewsets.ReadOnlyModelViewSet):
    """责任单位: the bodies of the federations the caller sees, and the federations above."""

    queryset = ResponsibleBody.objects.none()
    serializer_class = serializers.BodySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["kind", "parent"]

    def visible(self) -> QuerySet[ResponsibleBody]:
        scope = permissions.scope(self.request.user)
        bodies = ResponsibleBody.objects.all()
        if scope.seen is None:
            return bodies
        tree = scope.tree
        above = tree.path(scope.home) if scope.home is not None else []
        shown = [pk for pk in tree.parent if tree.federation_of(pk) in scope.seen]
        return bodies.filter(pk__in=[*shown, *above])


class SourceViewSet(Api, viewsets.ReadOnlyModelViewSet):
    """文件: the policy documents of the plans the caller sees."""

    queryset = Source.objects.none()
    serializer_class = serializers.SourceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["federation"]

    def visible(self) -> QuerySet[Source]:
        return Source.objects.filter(_plans(self.request.user)).defer("text")


class AreaViewSet(Api, viewsets.ReadOnlyModelViewSet):
    """改革领域: the areas of the plans the caller sees."""

    queryset = ReformArea.objects.none()
    serializer_class = serializers.AreaSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["federation", "source"]

    def visible(self) -> QuerySet[ReformArea]:
        return ReformArea.objects.filter(_plans(self.request.user))


class MeasureFilterBackend(DjangoFilterBackend):
    """The task book's FilterSet, given today and the caller's scope; every plan the caller
    sees unless `?federation=` names one (the task book shows the caller's own plan first)."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: object) -> dict:
        scope = replace(permissions.scope(request.user), default_plan=None)
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        return {**kwargs, "today": clock.today(), "scope": scope}


class MeasureViewSet(Api, viewsets.ReadOnlyModelViewSet):
    """具体举措: with the figures the task book shows (rolled up from the measures below)."""

    queryset = Measure.objects.none()
    serializer_class = serializers.MeasureSerializer
    filter_backends = [MeasureFilterBackend]
    filterset_class = MeasureFilter

    def _measures(self) -> QuerySet[Measure]:
        return (
            Measure.objects.with_light(clock.today())
            .select_related("owner")
            .prefetch_related("cooperating_bodies", "milestones")
        )

    def visible(self) -> QuerySet[Measure]:
        return self._measures().filter(permissions.in_seen_plans(self.request.user))

    def get_object(self) -> Measure:
        """One measure as its page shows it: also one of the measures the caller's own were
        handed down from; else 404, as for one that does not exist."""
        measure = get_object_or_404(self._measures(), pk=self.kwargs["pk"])
        if not permissions.can_view_measure(self.request.user, measure):
            raise NotFound()
        return measure


def _visible_measure_ids(user: object) -> QuerySet:
    return permissions.visible_measures(user).values("pk")


@extend_schema_view(
    create=extend_schema(
        request=serializers.ReportWriteSerializer,
        responses={201: serializers.ReportSerializer},
        description=(
            "提交本期进展报告 (file the period's report). The lead body's liaison (a key with "
            "write acts as the liaison of its federation's bodies) or the office of the "
            "measure's plan. A report the period has already: 409, correct it with PATCH."
        ),
    ),
    partial_update=extend_schema(
        request=serializers.ReportWriteSerializer,
        responses={200: serializers.ReportSerializer},
        description=(
            "更正报告 (correct a report) until the office accepts it: send `version` as read; "
            "a report changed since answers 409."
        ),
    ),
)
class ReportViewSet(
    Api,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """进展报告: the reports of the measures the caller sees."""

    queryset = ProgressReport.objects.none()
    serializer_class = serializers.ReportSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["measure", "period", "review_state"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible(self) -> QuerySet[ProgressReport]:
        return (
            ProgressReport.objects.filter(measure__in=_visible_measure_ids(self.request.user))
            .select_related("author")
            .prefetch_related("attachments")
        )

    def _file(self, request: Request, report: ProgressReport | None) -> ProgressReport:
        form = serializers.ReportWriteSerializer(
            data=request.data,
            partial=report is not None,
            measures=permissions.visible_measures(request.user),
            context=self.get_serializer_context(),
        )
        form.is_valid(raise_exception=True)
        data = form.validated_data
        measure = report.measure if report is not None else data["measure"]
        if report is not None and "version" not in data:
            raise ValidationError(
                {"version": [_("Send the version of the report you read, to correct it.")]}
            )
        text = report.period if report is not None else data.get("period")
        try:
            period = (
                schedule.parse_period(text) if text else measure.reporting_period(clock.today())
            )
        except PeriodError as error:
            raise ValidationError({"period": [str(error)]}) from None
        remove = []
        if report is not None and data.get("remove_attachments"):
            remove = list(report.attachments.filter(pk__in=data["remove_attachments"]))
        current = report or ProgressReport(progress=measure.progress, status=measure.status)
        saved = actions.file_report(
            measure=measure,
            period=period,
            by=request.user,
            progress=data.get("progress", current.progress),
            status=data.get("status", current.status),
            done_text=data.get("done_text", current.done_text),
            problems=data.get("problems", current.problems),
            next_steps=data.get("next_steps", current.next_steps),
            loaded_version=data.get("version") if report is not None else None,
            files=data.get("attachments", []),
            remove=remove,
        )
        return self.get_queryset().get(pk=saved.pk)

    def create(self, request: Request, *args, **kwargs) -> Response:
        saved = self._file(request, None)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        report = self.get_object()
        saved = self._file(request, report)
        return Response(self.get_serializer(saved).data)


@extend_schema_view(
    create=extend_schema(
        request=serializers.ExtensionRequestWriteSerializer,
        responses={201: serializers.ExtensionRequestSerializer},
        description="延期申请: a liaison of a body that leads or co-operates on the measure.",
    )
)
class ExtensionRequestViewSet(Api, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """延期申请: the extension requests of the measures the caller sees."""

    queryset = ExtensionRequest.objects.none()
    serializer_class = serializers.ExtensionRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["measure", "state"]

    def visible(self) -> QuerySet[ExtensionRequest]:
        return ExtensionRequest.objects.filter(
            measure__in=_visible_measure_ids(self.request.user)
        ).select_related("requested_by")

    def create(self, request: Request, *args, **kwargs) -> Response:
        form = serializers.ExtensionRequestWriteSerializer(
            data=request.data, measures=permissions.visible_measures(request.user)
        )
        form.is_valid(raise_exception=True)
        measure = form.validated_data["measure"]
        if not permissions.can_request_extension(request.user, measure):
            raise Refused(permissions.refusal_reason(request.user, Measure, measure))
        extension = actions.request_extension(
            measure=measure,
            by=request.user,
            requested_due_date=form.validated_data["requested_due_date"],
            reason=form.validated_data["reason"],
        )
        extension = self.get_queryset().get(pk=extension.pk)
        return Response(self.get_serializer(extension).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
        },
        description="附件文件 (the file of a report's attachment).",
    )
)
class AttachmentViewSet(Api, viewsets.GenericViewSet):
    """A report's attachment, from wherever the files are kept (`DJANGO_STORAGE`)."""

    queryset = Attachment.objects.none()
    serializer_class = serializers.AttachmentSerializer

    def visible(self) -> QuerySet[Attachment]:
        return Attachment.objects.filter(
            report__measure__in=_visible_measure_ids(self.request.user)
        )

    def retrieve(self, request: Request, pk: str | None = None) -> FileResponse:
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("The file of this attachment is missing on the server.")) from None
        response = FileResponse(handle, as_attachment=True, filename=attachment.name)
        response["Content-Type"] = "application/octet-stream"
        return response


class DeletionViewSet(Api, viewsets.GenericViewSet, mixins.ListModelMixin):
    """删除记录: what was deleted from the plans the caller sees, for a copy to remove too
    (`?updated_since=` as for the other lists)."""

    queryset = Deletion.objects.none()
    serializer_class = serializers.DeletionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["kind"]
    changed_field = "deleted_at"

    def visible(self) -> QuerySet[Deletion]:
        scope = permissions.scope(self.request.user)
        deletions = Deletion.objects.all()
        if scope.seen is None:
            return deletions
        # as the lists: sources and areas of the plans above too; measures and what hangs
        # from them, of the plans the caller sees; bodies for everyone
        documents = Q(kind__in=[Deletion.Kind.SOURCE, Deletion.Kind.AREA])
        return deletions.filter(
            Q(federation_id__isnull=True)
            | Q(federation_id__in=scope.seen)
            | (documents & _plans(self.request.user, "federation_id"))
        )


class SchemaView(Api, SpectacularAPIView):
    """The OpenAPI 3 schema: the contract."""


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, from the app's own files (drf-spectacular-sidecar); a person signs in
    first (the site's login), then tries the API with their session."""

"""Django admin for every model of the plan, history included.

Who may see and change what comes from `tasks.permissions`, as everywhere else; a refused write
answers 403 with the reason. Versioned rows (measures, milestones, reports) carry the version
the user loaded, so a save from a stale page is refused with what the other person changed.
The machinery is in `base`; the site itself (titles, the role check) is the project's
(`unionreform.admin_site`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks import permissions, ranking, reporting
from tasks.admin import accounts  # noqa: F401 — users and groups, in the reader's words
from tasks.admin.base import (
    ReadOnlyAdmin,
    RoleAdminMixin,
    RoleHistoryAdmin,
    RoleModelAdmin,
    VersionedAdminForm,
)
from tasks.models import (
    Attachment,
    Chase,
    Contribution,
    Delivery,
    ExtensionRequest,
    Measure,
    Milestone,
    ProgressReport,
    ReformArea,
    ReminderLog,
    ResponsibleBody,
    Source,
)
from tasks.periods import Period


@admin.register(Source)
class SourceAdmin(RoleModelAdmin):
    list_display = ["title", "author", "affiliation", "column", "area_count", "warning_count"]
    list_filter = ["column", "file_name"]
    search_fields = ["title", "subtitle", "author", "affiliation", "text"]
    readonly_fields = ["content_hash", "imported_at", "warning_list"]
    exclude = ["warnings"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        # A count drops the model's ordering; keep it, so that pages and lookups stay in order.
        return super().get_queryset(request).annotate(area_total=Count("areas")).order_by("pk")

    @admin.display(description=pgettext_lazy("count column", "areas"), ordering="area_total")
    def area_count(self, source: Source) -> int:
        return source.area_total

    @admin.display(description=_("warnings"))
    def warning_count(self, source: Source) -> int:
        return len(source.warnings)

    @admin.display(description=_("import warnings"))
    def warning_list(self, source: Source) -> str:
        return "\n".join(source.warning_messages()) or "—"


class MeasureInline(RoleAdminMixin, admin.TabularInline):
    model = Measure
    form = VersionedAdminForm
    fields = [
        "rank",
        "ordinal",
        "title",
        "lead_body",
        "owner",
        "due_date",
        "priority",
        "status",
        "progress",
        "loaded_version",
    ]
    autocomplete_fields = ["lead_body", "owner"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Measure]:
        return super().get_queryset(request).select_related("lead_body", "owner")


@admin.register(ReformArea)
class ReformAreaAdmin(RoleModelAdmin):
    list_display = ["order", "ordinal", "title", "source", "measure_count"]
    list_display_links = ["title"]
    list_filter = ["source"]
    search_fields = ["title", "summary"]
    list_select_related = ["source"]
    inlines = [MeasureInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReformArea]:
        queryset = super().get_queryset(request).annotate(measure_total=Count("measures"))
        return queryset.order_by("order", "pk")

    @admin.display(description=pgettext_lazy("count column", "measures"), ordering="measure_total")
    def measure_count(self, area: ReformArea) -> int:
        return area.measure_total


@admin.register(ResponsibleBody)
class ResponsibleBodyAdmin(RoleModelAdmin):
    list_display = ["name", "kind", "parent", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "members"]
    # the root federation is chosen by the action below, which moves the root's plan to it
    exclude = ["is_root_federation"]
    actions = ["make_root_federation"]

    @admin.action(
        description=_("Make the selected body the root federation (it takes the root's plan)"),
        permissions=["manage_users"],
    )
    def make_root_federation(self, request: HttpRequest, queryset: QuerySet[ResponsibleBody]):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one body."), messages.WARNING)
            return
        body = queryset.get()
        try:
            ResponsibleBody.objects.make_root(body)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(body)s is now the root federation.") % {"body": body},
                messages.SUCCESS,
            )

    def has_manage_users_permission(self, request: HttpRequest) -> bool:
        return permissions.can_manage_users(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponsibleBody]:
        queryset = super().get_queryset(request).annotate(member_total=Count("members"))
        return queryset.order_by("name")

    @admin.display(description=pgettext_lazy("count column", "members"), ordering="member_total")
    def member_count(self, body: ResponsibleBody) -> int:
        return body.member_total


class MilestoneInline(RoleAdminMixin, admin.TabularInline):
    """The office plans a measure's milestones here (a liaison marks its own done on the
    milestone's page); nothing of a closed measure changes."""

    model = Milestone
    form = VersionedAdminForm
    fields = ["title", "due_date", "done_on", "loaded_version"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return obj is None or permissions.can_edit_measure(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return obj is None or permissions.can_edit_measure(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return obj is None or permissions.can_edit_measure(request.user, obj)


class ProgressReportInline(RoleAdminMixin, admin.StackedInline):
    """The measure's reports, to read: a report is filed, corrected and reviewed through its
    own page (the report form, or the report's admin page), which keep the reporting rules."""

    model = ProgressReport
    fields = [
        ("period", "body", "author"),
        ("progress", "status", "review_state"),
        "done_text",
        "problems",
        "next_steps",
        "submitted_at",
    ]
    readonly_fields = [
        name for line in fields for name in (line if isinstance(line, tuple) else [line])
    ]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgressReport]:
        # the measure too: each report's heading names it (ProgressReport.__str__)
        return super().get_queryset(request).select_related("measure", "body", "author")

    def has_add_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(RoleHistoryAdmin):
    list_display = [
        "rank",
        "title",
        "area",
        "lead_body",
        "owner",
        "due_date",
        "priority",
        "status",
        "progress",
    ]
    list_display_links = ["title"]
    list_editable = ["owner", "due_date", "priority", "status"]
    list_filter = ["status", "priority", "area__source", "area", "lead_body"]
    search_fields = ["title", "description", "excerpt"]
    list_select_related = ["area", "lead_body", "owner"]
    autocomplete_fields = ["area", "parent", "lead_body", "cooperating_bodies", "owner"]
    readonly_fields = ["excerpt", "created_at", "updated_at"]
    inlines = [MilestoneInline, ProgressReportInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "area",
                    "parent",
                    "ordinal",
                    "title",
                    "description",
                    "excerpt",
                    "loaded_version",
                ]
            },
        ),
        (_("Task book"), {"fields": ["lead_body", "cooperating_bodies", "owner"]}),
        (_("Timetable"), {"fields": ["start_date", "due_date", "deadline_note"]}),
        (_("Priority order"), {"fields": ["priority", "rank"]}),
        (_("Progress"), {"fields": ["status", "progress", "created_at", "updated_at"]}),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Measure], search_term: str
    ) -> tuple[QuerySet[Measure], bool]:
        """The task book's text search (every word, in title, description or excerpt), which
        has its index on PostgreSQL; the search_fields above say where it looks."""
        for word in search_term.split():
            queryset = queryset.containing(word)
        return queryset, False

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user)
        return permissions.can_edit_measure(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return permissions.can_edit_plan(request.user, obj.federation_id if obj else None)

    def get_readonly_fields(self, request: HttpRequest, obj: Measure | None = None) -> list[str]:
        if permissions.editable_measure_fields(request.user, obj) is None:
            return self.readonly_fields
        every = [name for _, options in self.fieldsets for name in options["fields"]]
        return [name for name in every if name != "loaded_version"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """A list edit saves several measures: they are locked first, in the one order every
        path locks measures in (by id), until the request's transaction ends, not row by row
        in the list's order (which would deadlock against a reorder)."""
        editing = request.method == "POST" and "_save" in request.POST
        if editing and permissions.can_edit_plan(request.user):
            edited = [
                value
                for key, value in request.POST.items()
                if key.startswith("form-") and key.endswith("-id") and value.isdigit()
            ]
            list(Measure.objects.filter(pk__in=edited).locked().values_list("pk"))
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        if not permissions.can_edit_plan(request.user):
            changelist.list_editable = ()  # the columns the list edits are the office's
        return changelist

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, object]:
        return {"rank": Measure.objects.next_rank(), **super().get_changeform_initial_data(request)}

    def delete_model(self, request: HttpRequest, obj: Measure) -> None:
        ranking.lock_ranks()  # the same lock order as a reorder
        super().delete_model(request, obj)
        ranking.close_rank_gaps(user=request.user)  # the 优先序 stays 1..N

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Measure]) -> None:
        ranking.lock_ranks()
        super().delete_queryset(request, queryset)
        ranking.close_rank_gaps(user=request.user)


@admin.register(Milestone)
class MilestoneAdmin(RoleHistoryAdmin):
    """The office plans milestones; the measure's own liaison marks them done."""

    list_display = ["title", "measure", "due_date", "done_on"]
    list_filter = ["due_date", "done_on"]
    search_fields = ["title", "measure__title"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure"]

    def has_change_permission(self, request: HttpRequest, obj: Milestone | None = None) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)
        return permissions.can_edit_milestone(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Milestone | None = None) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user)
        return permissions.can_edit_measure(request.user, obj.measure)

    def get_readonly_fields(self, request: HttpRequest, obj: Milestone | None = None) -> list[str]:
        if permissions.can_edit_plan(request.user):
            return []
        return ["measure", "title", "due_date"]


class ProgressReportAdminForm(VersionedAdminForm):
    """The measure must be one the user may report on."""

    user: Any = None

    def clean_measure(self) -> Measure:
        measure = self.cleaned_data["measure"]
        if not permissions.can_file_report(self.user, measure):
            raise forms.ValidationError(
                permissions.refusal_reason(self.user, ProgressReport, measure)
                if measure.closed_on
                else _(
                    "Your body does not lead this measure: only the lead body's liaison (or the "
                    "reform office) files its report."
                )
            )
        return measure


# Written only by the reporting cycle's functions: filing stamps these, a review records them.
REPORT_STAMPS = [
    "author",
    "body",
    "submitted_at",
    "review_state",
    "reviewed_by",
    "reviewed_at",
    "return_reason",
]


@admin.register(ProgressReport)
class ProgressReportAdmin(RoleHistoryAdmin):
    """A report is filed or corrected here through `reporting.file_report`, as on the report
    page: a new or corrected one awaits review. Its review is the office's, on the measure
    page or with the action below (`reporting.review_report`); the review fields are shown,
    never typed."""

    form = ProgressReportAdminForm
    list_display = [
        "measure",
        "period",
        "body",
        "progress",
        "status",
        "review_state",
        "submitted_at",
    ]
    list_filter = ["period", "review_state", "status"]
    search_fields = ["measure__title", "done_text", "problems", "next_steps"]
    list_select_related = ["measure", "body", "author"]
    autocomplete_fields = ["measure"]
    actions = ["accept_reports"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)

    def has_change_permission(
        self, request: HttpRequest, obj: ProgressReport | None = None
    ) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)
        return permissions.can_edit_report(request.user, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: ProgressReport | None = None
    ) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user)
        return permissions.can_edit_measure(request.user, obj.measure)

    def get_readonly_fields(
        self, request: HttpRequest, obj: ProgressReport | None = None
    ) -> list[str]:
        # A report's measure and period say which report it is: a correction keeps them.
        return REPORT_STAMPS if obj is None else ["measure", "period", *REPORT_STAMPS]

    def get_form(
        self, request: HttpRequest, obj: ProgressReport | None = None, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def save_model(
        self, request: HttpRequest, obj: ProgressReport, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = reporting.file_report(
            measure=obj.measure,
            period=Period.parse(obj.period),
            by=request.user,
            progress=data["progress"],
            status=data["status"],
            done_text=data.get("done_text", ""),
            problems=data.get("problems", ""),
            next_steps=data.get("next_steps", ""),
            loaded_version=(data.get("loaded_version") or obj.version) if change else None,
        )
        # the admin goes on with its own object (the message, the log, the next page)
        obj.__dict__.update(saved.__dict__)

    @admin.action(description=_("Accept the selected reports"), permissions=["review"])
    def accept_reports(self, request: HttpRequest, queryset: QuerySet[ProgressReport]) -> None:
        accepted, refused = 0, []
        for report in queryset.select_related("measure").order_by("pk"):
            try:
                reporting.review_report(report=report, by=request.user, accept=True)
            except reporting.ReportingRefused as refusal:
                refused.append(f"{report}: {refusal}")
            else:
                accepted += 1
        if accepted:
            self.message_user(
                request,
                _("%(count)d reports were accepted.") % {"count": accepted},
                messages.SUCCESS,
            )
        for problem in refused:
            self.message_user(request, problem, messages.WARNING)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return permissions.can_review_report(request.user)


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["measure", "period", "body", "author", "submitted_at"]
    list_filter = ["period", "body"]
    search_fields = ["measure__title", "text", "body__name"]
    list_select_related = ["measure", "body", "author"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "report", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["uploaded_at"]
    search_fields = ["name", "report__measure__title"]
    list_select_related = ["report__measure", "uploaded_by"]
    exclude = ["file"]  # files are served by the site, to those who may see the measure


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "measure",
        "requested_due_date",
        "requested_by",
        "state",
        "decided_by",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["measure__title", "reason"]
    list_select_related = ["measure", "requested_by", "decided_by"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["user", "sent_on", "items"]
    list_filter = ["sent_on"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """What was sent by e-mail and to group robots, and what failed (retried by
    send_reminders)."""

    list_display = ["channel", "address", "subject", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "channel"]
    search_fields = ["address", "subject"]


@admin.register(Chase)
class ChaseAdmin(ReadOnlyAdmin):
    list_display = ["body", "period", "by", "at", "measures"]
    list_filter = ["period"]
    search_fields = ["body__name"]
    list_select_related = ["body", "by"]

"""Django admin for every model of the plan, history included."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tasks.models import Measure, Milestone, ProgressReport, ReformArea, ResponsibleBody, Source

admin.site.site_header = _("Union reform task book")
admin.site.site_title = _("Union reform task book")
admin.site.index_title = _("Administration")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "affiliation", "column", "area_count", "warning_count"]
    list_filter = ["column", "file_name"]
    search_fields = ["title", "subtitle", "author", "affiliation", "text"]
    readonly_fields = ["content_hash", "imported_at", "warning_list"]
    exclude = ["warnings"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(area_total=Count("areas"))

    @admin.display(description=_("areas"), ordering="area_total")
    def area_count(self, source: Source) -> int:
        return source.area_total

    @admin.display(description=_("warnings"))
    def warning_count(self, source: Source) -> int:
        return len(source.warnings)

    @admin.display(description=_("import warnings"))
    def warning_list(self, source: Source) -> str:
        return "\n".join(source.warning_messages()) or "—"


class MeasureInline(admin.TabularInline):
    model = Measure
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
    ]
    autocomplete_fields = ["lead_body", "owner"]
    show_change_link = True
    extra = 0


@admin.register(ReformArea)
class ReformAreaAdmin(admin.ModelAdmin):
    list_display = ["order", "ordinal", "title", "source", "measure_count"]
    list_display_links = ["title"]
    list_filter = ["source"]
    search_fields = ["title", "summary"]
    list_select_related = ["source"]
    inlines = [MeasureInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReformArea]:
        return super().get_queryset(request).annotate(measure_total=Count("measures"))

    @admin.display(description=_("measures"), ordering="measure_total")
    def measure_count(self, area: ReformArea) -> int:
        return area.measure_total


@admin.register(ResponsibleBody)
class ResponsibleBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "members"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponsibleBody]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, body: ResponsibleBody) -> int:
        return body.member_total


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["title", "due_date", "done_on"]
    extra = 0


class ProgressReportInline(admin.StackedInline):
    model = ProgressReport
    fields = [
        ("period", "body", "author"),
        ("progress", "status", "review_state"),
        "done_text",
        "problems",
        "next_steps",
        "submitted_at",
    ]
    autocomplete_fields = ["body", "author"]
    extra = 0


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
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
        (None, {"fields": ["area", "parent", "ordinal", "title", "description", "excerpt"]}),
        (_("Task book"), {"fields": ["lead_body", "cooperating_bodies", "owner"]}),
        (_("Timetable"), {"fields": ["start_date", "due_date", "deadline_note"]}),
        (_("Priority order"), {"fields": ["priority", "rank"]}),
        (_("Progress"), {"fields": ["status", "progress", "created_at", "updated_at"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, object]:
        return {"rank": Measure.objects.next_rank(), **super().get_changeform_initial_data(request)}


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "measure", "due_date", "done_on"]
    list_filter = ["due_date", "done_on"]
    search_fields = ["title", "measure__title"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure"]


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
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
    autocomplete_fields = ["measure", "body", "author"]

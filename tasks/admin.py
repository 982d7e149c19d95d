"""Django admin for every model of the plan, history included.

Who may see and change what comes from `tasks.permissions`, as everywhere else; a refused write
answers 403 with the reason. Versioned rows (measures, milestones, reports) carry the version
the user loaded, so a save from a stale page is refused with what the other person changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tasks import permissions, ranking
from tasks.forms import VersionedFormMixin
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    Milestone,
    ProgressReport,
    ReformArea,
    ReminderLog,
    ResponsibleBody,
    Source,
    StaleEdit,
)
from tasks.models.versioning import conflict_message


class RowChoiceAutocomplete(AutocompleteSelect):
    """An autocomplete box that takes its current choice's label from the row being edited.

    Django's own asks the database for the selected option of every box: on a changelist of
    100 editable rows, 100 queries for labels the rows already hold (`list_select_related`)."""

    current: tuple[str, str] | None = None  # (value, label), set by the form of the row

    def optgroups(self, name: str, value: list, attr: dict | None = None) -> list:
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.current is None or selected != [self.current[0]]:
            return super().optgroups(name, value, attr)
        chosen, label = self.current
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options.append(self.create_option(name, chosen, label, set(selected), len(options)))
        return [(None, options, 0)]


class VersionedAdminForm(VersionedFormMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
            if not isinstance(widget, RowChoiceAutocomplete):
                continue
            relation = self.instance._meta.get_field(name)
            if relation.is_cached(self.instance) and getattr(self.instance, name) is not None:
                chosen = getattr(self.instance, name)
                widget.current = (str(chosen.pk), field.label_from_instance(chosen))


class RoleAdminMixin:
    """Permissions by role: everyone with a role sees, the reform office changes."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        """Autocomplete boxes that show a row's current choice from the row (lists, inlines)."""
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = RowChoiceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RoleModelAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Refusals carry their reason; a stale save is refused and explained, nothing saved."""

    def _guarded(
        self, view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as denied:
            if denied.args:
                raise
            raise PermissionDenied(permissions.refusal_reason(request.user, self.model)) from None
        except StaleEdit as stale:
            message = conflict_message(stale.current, stale.loaded_version)
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._guarded(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._guarded(super().changelist_view, request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._guarded(super().delete_view, request, *args, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        if isinstance(form, VersionedFormMixin):
            form.save_checked()
        else:
            super().save_model(request, obj, form, change)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        """Inline rows are saved like the page itself: a stale row is refused, not applied."""
        formset.save(commit=False)
        removes_measures = formset.model is Measure and formset.deleted_objects
        if removes_measures:
            ranking.lock_ranks()
        for obj in formset.deleted_objects:
            obj.delete()
        if removes_measures:
            ranking.close_rank_gaps(user=request.user)
        for inline_form in formset.saved_forms:
            if isinstance(inline_form, VersionedFormMixin):
                inline_form.save_checked()
            else:
                inline_form.instance.save()
        formset.save_m2m()


class RoleHistoryAdmin(RoleModelAdmin, SimpleHistoryAdmin):
    """History visible to every role, for reading: an old version is never written back."""

    form = VersionedAdminForm

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied(
                _(
                    "The history is for reading: an old version cannot be restored from it. "
                    "Make the change on the record itself."
                )
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=VersionedAdminForm, **kwargs)


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

    @admin.display(description=_("areas"), ordering="area_total")
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

    @admin.display(description=_("measures"), ordering="measure_total")
    def measure_count(self, area: ReformArea) -> int:
        return area.measure_total


@admin.register(ResponsibleBody)
class ResponsibleBodyAdmin(RoleModelAdmin):
    list_display = ["name", "kind", "parent", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "members"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponsibleBody]:
        queryset = super().get_queryset(request).annotate(member_total=Count("members"))
        return queryset.order_by("name")

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, body: ResponsibleBody) -> int:
        return body.member_total


class MilestoneInline(RoleAdminMixin, admin.TabularInline):
    """The office plans milestones; the measure's own liaison marks them done."""

    model = Milestone
    form = VersionedAdminForm
    fields = ["title", "due_date", "done_on", "loaded_version"]
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        user = request.user
        return permissions.can_edit_plan(user) or (
            obj is not None and permissions.is_own_measure(user, obj)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Measure | None = None) -> list[str]:
        if permissions.can_edit_plan(request.user):
            return []
        return ["title", "due_date"]


class ProgressReportInline(RoleAdminMixin, admin.StackedInline):
    """Reports so far; the lead body's liaison files new ones here, the office reviews them."""

    model = ProgressReport
    form = VersionedAdminForm
    fields = [
        ("period", "body", "author"),
        ("progress", "status", "review_state"),
        "done_text",
        "problems",
        "next_steps",
        "submitted_at",
        "loaded_version",
    ]
    readonly_fields = ["body", "author", "submitted_at"]
    autocomplete_fields = ["body", "author"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgressReport]:
        # the measure too: each report's heading names it (ProgressReport.__str__)
        return super().get_queryset(request).select_related("measure", "body", "author")

    def has_add_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return obj is not None and permissions.can_file_report(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        # Corrections by the filer go through the report's own page, which checks each report.
        return permissions.can_edit_plan(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Measure | None = None) -> list[str]:
        if permissions.can_review_report(request.user):
            return self.readonly_fields
        return [*self.readonly_fields, "review_state"]


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
        if obj is None:  # the list and the form's frame: a liaison may reach its own measures
            return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)
        return permissions.can_edit_measure(request.user, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Measure | None = None) -> list[str]:
        editable = permissions.editable_measure_fields(request.user, obj)
        if editable is None:
            return self.readonly_fields
        every = [name for _, options in self.fieldsets for name in options["fields"]]
        return [name for name in every if name not in editable and name != "loaded_version"]

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

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        for inline_form in formset.forms:
            report = inline_form.instance
            if (
                isinstance(report, ProgressReport)
                and report._state.adding
                and inline_form.has_changed()
            ):
                report.mark_submitted(by=request.user)
        super().save_formset(request, form, formset, change)


@admin.register(Milestone)
class MilestoneAdmin(RoleHistoryAdmin):
    list_display = ["title", "measure", "due_date", "done_on"]
    list_filter = ["due_date", "done_on"]
    search_fields = ["title", "measure__title"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure"]

    def has_change_permission(self, request: HttpRequest, obj: Milestone | None = None) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)
        return permissions.can_edit_milestone(request.user, obj)

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
                _(
                    "Your body does not lead this measure: only the lead body's liaison (or the "
                    "reform office) files its report."
                )
            )
        return measure


@admin.register(ProgressReport)
class ProgressReportAdmin(RoleHistoryAdmin):
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
    autocomplete_fields = ["measure", "body", "author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)

    def has_change_permission(
        self, request: HttpRequest, obj: ProgressReport | None = None
    ) -> bool:
        if obj is None:
            return permissions.can_edit_plan(request.user) or permissions.is_liaison(request.user)
        return permissions.can_edit_report(request.user, obj)

    def get_readonly_fields(
        self, request: HttpRequest, obj: ProgressReport | None = None
    ) -> list[str]:
        if permissions.can_edit_plan(request.user):
            return []
        fixed = ["author", "body", "submitted_at", "review_state"]
        return fixed if obj is None else ["measure", *fixed]

    def get_form(
        self, request: HttpRequest, obj: ProgressReport | None = None, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def save_model(
        self, request: HttpRequest, obj: ProgressReport, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.mark_submitted(by=request.user)
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(RoleModelAdmin):
    """Rows the reporting screens write through their own rules: the admin shows them, and
    the office may delete them (with a measure or report they belong to, say)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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

"""The admin's machinery: permissions by role (from `tasks.permissions`), refusals with their
reason, the version check on every versioned form, history for reading only."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ManyToManyField, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from tasks import permissions, ranking
from tasks.forms import PersonChoiceField, VersionedFormMixin
from tasks.models import (
    Measure,
    StaleEdit,
)
from tasks.models.versioning import conflict_message, show_value
from tasks.reporting import ReportingRefused


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


def _plan_of(obj: Model | None) -> int | None:
    """The federation whose plan a row is in (a source, area or measure), else None."""
    return getattr(obj, "federation_id", None) if obj is not None else None


class RoleAdminMixin:
    """Permissions by role: everyone with a role sees the plans of their subtree, the reform
    office changes its own plan's rows (DESIGN §7)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_view(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user, _plan_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_edit_plan(request.user, _plan_of(obj))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """Rows of a federation's plan: those of the plans the user sees."""
        queryset = super().get_queryset(request)
        model = queryset.model
        if model is Measure:
            return queryset.filter(permissions.in_seen_plans(request.user))
        names = {field.name for field in model._meta.concrete_fields}
        if "federation" in names:
            seen = permissions.scope(request.user).seen
            return queryset if seen is None else queryset.filter(federation__in=seen)
        if "measure" in names:  # milestones, reports, contributions… of the measures seen
            return queryset.filter(measure__in=permissions.visible_measures(request.user))
        return queryset

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        """A record shown to read has no version to carry back (it will not be saved)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets

        def kept(fields: Any) -> list:
            lines = [
                kept(line) if isinstance(line, list | tuple) else line
                for line in fields
                if line != "loaded_version"
            ]
            return [line for line in lines if line]

        return [
            (name, {**options, "fields": kept(options["fields"])}) for name, options in fieldsets
        ]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        """Autocomplete boxes that show a row's current choice from the row (lists, inlines);
        people by the name every page shows."""
        if db_field.related_model is get_user_model():
            kwargs.setdefault("form_class", PersonChoiceField)
        if db_field.name == "federation" and not permissions.is_admin(request.user):
            # a reform office plans its own federation's plan only
            home = permissions.home_federation(request.user)
            kwargs["queryset"] = db_field.related_model.objects.filter(pk=home)
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
            measure = self._measure_of(request, kwargs.get("object_id") or next(iter(args), None))
            reason = permissions.refusal_reason(request.user, self.model, measure)
            raise PermissionDenied(reason) from None
        except StaleEdit as stale:
            message = conflict_message(stale.current, stale.loaded_version)
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except (ReportingRefused, ValidationError) as refused:
            # a rule broken by a change made between the form's check and the save: nothing
            # was written (the admin's own transaction rolled back), and the user is told why
            reasons = refused.messages if isinstance(refused, ValidationError) else [refused]
            message = _("Nothing was saved: %(reasons)s") % {
                "reasons": "；".join(str(reason) for reason in reasons)
            }
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _measure_of(self, request: HttpRequest, object_id: str | None) -> Measure | None:
        """The measure a refused change concerns (the row, or the measure it belongs to), so
        that the refusal can say when the reason is the measure's (closed, 销号)."""
        if not object_id:
            return None
        obj = self.get_object(request, str(object_id))
        return obj if isinstance(obj, Measure) else getattr(obj, "measure", None)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        """A versioned form saved its many-to-many choices with the row (`save_checked`, by the
        row's rules: a measure's lead body is never a cooperating one): not again here."""
        if not isinstance(form, VersionedFormMixin):
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

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
        elif formset.model is Measure:  # several measures: locked in the one order, by id
            edited = [inline_form.instance.pk for inline_form in formset.saved_forms]
            list(Measure.objects.filter(pk__in=edited).locked().values_list("pk"))
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


class ReadableHistory(HistoricalRecordContextHelper):
    """Each change in the admin's history as the measure page shows it (`show_value`): names
    instead of ids and objects' reprs, choices' labels, dates in the reader's format, "—" for
    nothing."""

    def format_delta_change(self, change: ModelChange) -> ModelChange:
        field = self.model._meta.get_field(change.field)
        return dataclasses.replace(
            change,
            field=capfirst(field.verbose_name),
            old=self._shown(field, change, change.old),
            new=self._shown(field, change, change.new),
        )

    def _shown(self, field: Any, change: ModelChange, value: Any) -> str:
        if isinstance(value, DeletedObject):
            return "—" if value.pk is None else _("(deleted) #%(pk)s") % {"pk": value.pk}
        if isinstance(field, ManyToManyField):
            items = self.prepare_delta_change_value(change, value)
            ids = [item for item in items if not isinstance(item, Model)]
            named = field.related_model._default_manager.in_bulk(ids) if ids else {}
            names = [str(named.get(item, item)) for item in items]
            return "、".join(sorted(names)) or "—"
        return show_value(value, None if isinstance(value, Model) else field)


class RoleHistoryAdmin(RoleModelAdmin, SimpleHistoryAdmin):
    """History visible to every role, for reading: an old version is never written back."""

    form = VersionedAdminForm

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableHistory(self.model, historical_record)

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


class ReadOnlyAdmin(RoleModelAdmin):
    """Rows the reporting screens write through their own rules: the admin shows them, and
    the office may delete them (with a measure or report they belong to, say)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

"""任务书 and the measure page: filters, assignment, progress, milestones, bulk edits."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks import clock, permissions
from tasks.forms import (
    AssignmentForm,
    BulkAssignForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProgressForm,
)
from tasks.history import measure_timeline
from tasks.models import Measure, Milestone, StaleEdit
from tasks.models.plan import BulkEditRefused, bulk_assign
from tasks.models.versioning import conflict_message
from tasks.views.common import filtered_measures, require, require_view
from tasks.views.reports import reporting_panel


@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """任务书: the measures grouped under their areas, filtered, sorted and paged."""
    require_view(request)
    filters = filtered_measures(request, clock.today())
    measures = filters.qs.order_by("area__order", "area_id", *filters.ordering)
    page = Paginator(measures, settings.TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "can_assign": permissions.can_edit_plan(request.user),
        "bulk_form": BulkAssignForm(prefix="bulk"),
    }
    return render(request, "tasks/measure_list.html", context)


def measure_for_page(pk: int) -> Measure:
    measures = (
        Measure.objects.with_light(clock.today())
        .select_related("area__source", "lead_body", "owner", "parent", "closed_by")
        .prefetch_related("cooperating_bodies", "children")
    )
    return get_object_or_404(measures, pk=pk)


def page_context(request: HttpRequest, measure: Measure, **forms: BaseForm) -> dict[str, object]:
    """Everything the measure page shows, with the forms this user may use (a bound form
    given by name replaces the blank one, to show its errors)."""
    user = request.user
    can_assign = permissions.can_edit_plan(user)
    can_update = permissions.can_edit_measure(user, measure)
    milestones = list(measure.milestones.all())
    for milestone in milestones:
        milestone.form = (
            MilestoneForm(instance=milestone, measure=measure, prefix=f"m{milestone.pk}")
            if can_assign
            else MilestoneDoneForm(instance=milestone, prefix=f"m{milestone.pk}")
            if can_update
            else None
        )
    defaults: dict[str, BaseForm | None] = {
        "assignment_form": AssignmentForm(instance=measure) if can_assign else None,
        "progress_form": ProgressForm(instance=measure) if can_update else None,
        "milestone_form": MilestoneForm(measure=measure, prefix="new") if can_assign else None,
    }
    return {
        "measure": measure,
        "milestones": milestones,
        "reports": measure.reports.select_related("body", "author").order_by("-period"),
        "timeline": measure_timeline(measure),
        "can_assign": can_assign,
        "can_update": can_update,
        **reporting_panel(request, measure),
        **defaults,
        **forms,
    }


@require_GET
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_view(request)
    measure = measure_for_page(pk)
    return render(request, "tasks/measure_detail.html", page_context(request, measure))


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _saved(form: BaseForm) -> bool:
    """Validate and save a versioned form; a stale one gets the conflict as its error."""
    if not form.is_valid():
        return False
    try:
        form.save_checked()
    except StaleEdit as stale:
        form.add_error(None, conflict_message(stale.current, stale.loaded_version))
        return False
    return True


def _save(
    request: HttpRequest, measure: Measure, form: BaseForm, name: str, done: str
) -> HttpResponse:
    """Save a versioned form or show it again with what went wrong; nothing half-saved.

    An htmx request gets back just the page's `name` section, a plain form post the page."""
    if _saved(form):
        if not _is_htmx(request):
            messages.success(request, done)
            return redirect("tasks:measure_detail", pk=measure.pk)
        context = {**page_context(request, measure_for_page(measure.pk)), "just_saved": done}
        return render(request, f"tasks/measure_detail.html#{name}", context)
    context = page_context(request, measure, **{f"{name}_form": form})
    template = (
        f"tasks/measure_detail.html#{name}" if _is_htmx(request) else ("tasks/measure_detail.html")
    )
    return render(request, template, context)


@require_POST
def measure_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """分解落实: owner, bodies, dates and priority (the reform office)."""
    measure = measure_for_page(pk)
    require(permissions.can_edit_plan(request.user), request, Measure)
    form = AssignmentForm(request.POST, instance=measure)
    return _save(request, measure, form, "assignment", _("The assignment was saved."))


@require_POST
def measure_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Status and progress: the measure's own bodies, or the office."""
    measure = measure_for_page(pk)
    require(permissions.can_edit_measure(request.user, measure), request, Measure)
    form = ProgressForm(request.POST, instance=measure)
    return _save(request, measure, form, "progress", _("The progress was saved."))


@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_page(pk)
    require(permissions.can_edit_plan(request.user), request, Milestone)
    form = MilestoneForm(request.POST, measure=measure, prefix="new")
    form.instance.measure = measure
    if form.is_valid():
        form.save_checked()
        messages.success(request, _("The milestone was added."))
        return redirect("tasks:measure_detail", pk=measure.pk)
    return render(
        request, "tasks/measure_detail.html", page_context(request, measure, milestone_form=form)
    )


@require_POST
def milestone_update(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("measure"), pk=pk)
    measure = measure_for_page(milestone.measure_id)
    milestone.measure = measure
    user = request.user
    require(permissions.can_edit_milestone(user, milestone), request, Milestone)
    prefix = f"m{milestone.pk}"
    if permissions.can_edit_plan(user):
        form = MilestoneForm(request.POST, instance=milestone, measure=measure, prefix=prefix)
    else:
        form = MilestoneDoneForm(request.POST, instance=milestone, prefix=prefix)
    if _saved(form):
        messages.success(request, _("The milestone was saved."))
        return redirect("tasks:measure_detail", pk=measure.pk)
    context = page_context(request, measure)
    for shown in context["milestones"]:
        if shown.pk == milestone.pk:
            shown.form = form
    return render(request, "tasks/measure_detail.html", context)


@require_POST
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone, pk=pk)
    require(permissions.can_edit_plan(request.user), request, Milestone)
    milestone.delete()
    messages.success(request, _("The milestone was deleted."))
    return redirect("tasks:measure_detail", pk=milestone.measure_id)


def _back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("tasks:measure_list")
    return HttpResponseRedirect(target)


@require_POST
def measure_bulk(request: HttpRequest) -> HttpResponse:
    """Set one thing on every ticked measure of the task book: all of them, or none."""
    require(permissions.can_edit_plan(request.user), request, Measure)
    form = BulkAssignForm(request.POST, prefix="bulk")
    if not form.is_valid():
        problems = "；".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, _("Nothing was changed: %(problems)s") % {"problems": problems})
        return _back_to_list(request)
    measures = list(
        form.cleaned_data["measures"]
        .order_by("rank")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_date")))
    )
    try:
        count = bulk_assign(
            measures=measures,
            field=form.cleaned_data["field"],
            value=form.value(),
            versions=form.versions(request.POST),
        )
    except BulkEditRefused as refused:
        details = "；".join(f"《{m.title}》{reason}" for m, reason in refused.problems)
        messages.error(
            request,
            _(
                "Nothing was changed, because %(count)d of the ticked measures cannot take it: "
                "%(details)s."
            )
            % {"count": len(refused.problems), "details": details},
        )
    else:
        messages.success(request, _("%(count)d measures were changed.") % {"count": count})
    return _back_to_list(request)

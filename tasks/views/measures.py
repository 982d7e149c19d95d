"""任务书: the measures under their areas, filtered, sorted and paged; bulk edits."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks import clock, permissions
from tasks.filters import filtered_measures
from tasks.forms import (
    BulkAssignForm,
)
from tasks.models import Measure
from tasks.models.plan import BulkEditRefused
from tasks.views.common import require, require_view


@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """任务书: the measures grouped under their areas, filtered, sorted and paged."""
    require_view(request)
    filters = filtered_measures(request.GET, clock.today(), request.user)
    measures = filters.qs
    if filters.plan is not None:
        # its areas are in the same plan (a rule of the measure): named, so that the walk
        # through the areas in their order keeps to this plan's (index area_plan_order)
        measures = measures.filter(area__federation_id=filters.plan)
    measures = measures.order_by("area__order", "area_id", *filters.ordering)
    page = Paginator(measures, settings.TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "can_assign": permissions.can_edit_plan(request.user, filters.plan),
        "bulk_form": BulkAssignForm(prefix="bulk"),
    }
    return render(request, "tasks/measure_list.html", context)


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
    try:
        count = form.cleaned_data["measures"].assign(
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

"""优先序: the ranked list of every measure, and moving a measure up, down or to a position."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks import clock, permissions, ranking
from tasks.forms import MoveForm
from tasks.models import Light, Measure
from tasks.views.common import plan_from, require, require_view


def _page_size() -> int:
    return max(1, settings.TASKS_PAGE_SIZE)


def _list_url(page: int | None, measure_id: int | None, federation: int | None = None) -> str:
    url = reverse("tasks:priority_list")
    query = [f"federation={federation}"] if federation else []
    if page and page > 1:
        query.append(f"page={page}")
    if query:
        url += "?" + "&".join(query)
    if measure_id:
        url += f"#measure-{measure_id}"
    return url


@require_GET
def priority_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    plan = plan_from(request)
    measures = (
        Measure.objects.filter(federation_id=plan.federation)
        if plan.federation
        else Measure.objects.all()
    )
    measures = (
        measures.with_light(clock.today())
        .select_related("area")
        .only("title", "rank", "priority", "status", "area__ordinal", "area__title")
        .order_by("rank", "pk")
    )
    paginator = Paginator(measures, _page_size())
    page = paginator.get_page(request.GET.get("page"))
    # Positions count across pages: the first row of page 2 is number page_size + 1.
    for position, measure in enumerate(page, start=page.start_index()):
        measure.position = position
        measure.light_label = Light(measure.light).label
    context = {
        "page": page,
        "count": paginator.count,
        "can_move": permissions.can_edit_plan(request.user, plan.federation),
        "plan": plan,
    }
    return render(request, "tasks/priority_list.html", context)


@require_POST
def priority_move(request: HttpRequest) -> HttpResponse:
    require(permissions.can_edit_plan(request.user), request, Measure)
    form = MoveForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        page = form.cleaned_data.get("page")
        return HttpResponseRedirect(_list_url(page, form.cleaned_data.get("measure")))
    data = form.cleaned_data
    moved = Measure.objects.filter(pk=data["measure"]).first()
    if moved is not None:
        require(
            permissions.can_edit_plan(request.user, moved.federation_id), request, Measure, moved
        )
    try:
        if data["direction"]:
            move = ranking.step_measure(
                measure_id=data["measure"],
                steps=-1 if data["direction"] == "up" else 1,
                user=request.user,
            )
        else:
            move = ranking.move_measure(
                measure_id=data["measure"], position=data["position"], user=request.user
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_list_url(data["page"], None))
    names = {"title": move.measure.title, "old": move.old_position, "new": move.new_position}
    if move.changed:
        messages.success(request, _("“%(title)s” moved from position %(old)s to %(new)s.") % names)
    else:
        messages.info(
            request,
            _("“%(title)s” is already at position %(new)s; the order is unchanged.") % names,
        )
    new_page = (move.new_position - 1) // _page_size() + 1
    federation = move.measure.federation_id
    if federation == permissions.home_federation(request.user):
        federation = None  # the own plan is the list's default
    return HttpResponseRedirect(_list_url(new_page, move.measure.pk, federation))

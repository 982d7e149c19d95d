"""时间表: the filtered measures and their milestones on a month or quarter axis, as SVG.

Paged like the task book (TASKS_PAGE_SIZE measures a screen, 30 a printed sheet). The axis is
the same on every page of a list: it spans the whole filtered list's dates, read by one
aggregate query, so a cadre paging through compares bars on one scale.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Max, Min, Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tasks import clock
from tasks.filters import MeasureFilter, filtered_measures
from tasks.models import Measure, Milestone
from tasks.timetable import geometry
from tasks.views.common import require_view

ZOOM_LABELS = {"month": _("By month"), "quarter": _("By quarter")}


def _extent(measures: QuerySet[Measure]) -> list:
    """The earliest and latest dates (start, due, milestone) of the whole list: one query."""
    found = measures.order_by().aggregate(
        first_start=Min("start_date"),
        last_start=Max("start_date"),
        first_due=Min("due_date"),
        last_due=Max("due_date"),
        first_mark=Min("milestones__due_date"),
        last_mark=Max("milestones__due_date"),
    )
    return list(found.values())


@require_GET
def timetable(request: HttpRequest) -> HttpResponse:
    require_view(request)
    day = clock.today()
    zoom = request.GET.get("zoom") or "month"
    unknown_zoom = zoom if zoom not in geometry.ZOOMS else ""
    if unknown_zoom:
        zoom = "month"
    filters = filtered_measures(request.GET, day, request.user)
    # The task book's filters and sort; the timetable needs no co-operating bodies.
    measures = filters.qs.prefetch_related(None).order_by(*filters.ordering)
    page = Paginator(measures, settings.TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    milestones = Milestone.objects.filter(measure__in=[m.pk for m in shown]).order_by(
        "due_date", "pk"
    )
    chart = geometry.build(
        shown,
        milestones,
        today=day,
        zoom=zoom,
        extent=_extent(measures) if shown else (),
        first_number=page.start_index() or 1,
        count=page.paginator.count,
    )
    context = {
        "filters": filters,
        "page": page,
        "chart": chart,
        "zoom": zoom,
        "zooms": [(value, ZOOM_LABELS[value]) for value in geometry.ZOOMS],
        "unknown_zoom": unknown_zoom,
        "active_filters": _active_filters(filters),
        # keeps the zoom when the filter form is sent
        "extra_filter_fields": format_html('<input type="hidden" name="zoom" value="{}">', zoom)
        if zoom != "month"
        else "",
    }
    return render(request, "tasks/timetable.html", context)


def _active_filters(filters: MeasureFilter) -> list[tuple[str, str]]:
    """The filters in use as (label, value): the printed page shows no form, but says these."""
    if not filters.is_bound:
        return []
    filters.is_valid()  # cleans the form; a bad value is left out (and reported on screen)
    used = []
    for name, field in filters.form.fields.items():
        value = filters.form.cleaned_data.get(name)
        if name == "sort" or value is None or value == "":
            continue
        if isinstance(value, Model):
            # a person by name, as every page names people
            shown = field.label_from_instance(value)
        elif isinstance(value, slice):
            shown = "–".join(f"{end:%Y-%m-%d}" if end else "…" for end in (value.start, value.stop))
        elif getattr(field, "choices", None):
            shown = str({str(k): v for k, v in field.choices}.get(str(value), value))
        else:
            shown = str(value)
        used.append((str(field.label), shown))
    return used

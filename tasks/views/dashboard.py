"""工作台: where the plan stands — by area, by status and light, what is late, who is late,
and the logged-in user's own work. A fixed number of queries however large the plan."""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks import permissions
from tasks.models import Light, Measure, ReformArea, ResponsibleBody
from tasks.views.common import require_view, today

LIST_LENGTH = 10
BAR_WIDTH = 300  # pixels of a full (100%) bar in the charts


def _counts(rows: list[dict], key: str, choices: list[tuple[str, str]]) -> list[dict]:
    """Every choice with its count (zero included), and its share of a bar of BAR_WIDTH."""
    found = {row[key]: row["n"] for row in rows}
    total = sum(found.values()) or 1
    result, x = [], 0.0
    for value, label in choices:
        width = found.get(value, 0) * BAR_WIDTH / total
        result.append(
            {"value": value, "label": label, "n": found.get(value, 0), "x": x, "width": width}
        )
        x += width
    return result


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_view(request)
    day = today()
    measures = Measure.objects.with_light(day)
    listed = measures.select_related("area", "lead_body", "owner")

    areas = list(
        ReformArea.objects.select_related("source")
        .annotate(
            total=Count("measures"),
            done=Count("measures", filter=Q(measures__status=Measure.Status.DONE)),
            average=Avg("measures__progress"),
        )
        .order_by("order", "pk")
    )
    for area in areas:
        area.bar = (area.average or 0) * BAR_WIDTH / 100
    # 通报: bodies ranked by the overdue measures they lead
    late = Measure.objects.overdue(day).values("pk")
    late_bodies = (
        ResponsibleBody.objects.annotate(
            late=Count("led_measures", filter=Q(led_measures__in=late))
        )
        .filter(late__gt=0)
        .order_by("-late", "name")[:LIST_LENGTH]
    )
    user = request.user
    acting = permissions.acting_body_ids(user)
    mine = listed.filter(Q(owner=user) | Q(pk__in=Measure.objects.for_bodies(acting).values("pk")))
    context = {
        "today": day,
        "total": measures.count(),
        "areas": areas,
        "bar_width": BAR_WIDTH,
        "statuses": _counts(
            list(measures.values("status").annotate(n=Count("pk")).order_by()),
            "status",
            Measure.Status.choices,
        ),
        "lights": _counts(
            list(measures.values("light").annotate(n=Count("pk")).order_by()),
            "light",
            Light.choices,
        ),
        "overdue": listed.overdue(day).order_by("due_date", "rank")[:LIST_LENGTH],
        "overdue_total": measures.overdue(day).count(),
        "due_soon": listed.filter(light=Light.YELLOW).order_by("due_date", "rank")[:LIST_LENGTH],
        "due_soon_total": measures.filter(light=Light.YELLOW).count(),
        "late_bodies": late_bodies,
        "mine": mine.order_by("rank")[: LIST_LENGTH * 2],
        "acting": bool(acting),
    }
    return render(request, "tasks/dashboard.html", context)

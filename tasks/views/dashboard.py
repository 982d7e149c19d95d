"""工作台: where the plan stands — by area, by status and light, what is late, who is late,
and the logged-in user's own work. A fixed number of queries however large the plan."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks import clock, permissions, reporting
from tasks.models import Light, Measure, ReformArea
from tasks.reporting import ReportState
from tasks.views.common import below_plan, plan_from, require_view

LIST_LENGTH = 10
AREAS_SHOWN = 20  # a plan with more areas shows the ones furthest behind
FEDERATIONS_SHOWN = 20  # likewise the federations below a plan
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


def plan_figures(
    day: date, federation: int | None = None, below: dict[int, str] | None = None
) -> dict:
    """The plan-wide figures of the dashboard: areas, counts by status and light, the overdue
    and due-soon lists, the bodies ranked by overdue measures; and the federations directly
    below the plan (`below`: id → name), ranked (`federation_figures`).

    They scan every measure, so they are computed once per state of the plan and kept
    (DJANGO_DASHBOARD_CACHE_SECONDS at most): the key holds the day,
    the last entry of the measures' history, which every change made through the app adds to
    (deletions included), and the newest measure (for rows written in bulk, without history).
    What a change elsewhere (an area renamed) leaves stale is refreshed within that time.
    """
    key = "dashboard:{}:{}:{}:{}".format(
        federation or "",
        day.isoformat(),
        Measure.objects.aggregate(last=Max("pk"))["last"],
        Measure.history.aggregate(last=Max("history_id"))["last"],
    )
    # the federations below, as a digest: a province has hundreds (a cache key stays short,
    # whichever cache holds it)
    below_ids = ",".join(str(pk) for pk in sorted(below or {}))
    key += ":" + hashlib.sha256(below_ids.encode()).hexdigest()[:16]

    def compute() -> dict:
        ranked = federation_figures(day, below or {})
        return {
            **_compute_plan_figures(day, federation),
            "by_federation": ranked[:FEDERATIONS_SHOWN],
            "federation_total": len(ranked),
        }

    return cache.get_or_set(key, compute, settings.TASKS_DASHBOARD_CACHE_SECONDS)


def _compute_plan_figures(day: date, federation: int | None) -> dict:
    plan = Q(federation_id=federation) if federation else Q()
    measures = Measure.objects.filter(plan).with_light(day)
    listed = measures.select_related("area", "lead_body", "owner")
    areas = list(
        ReformArea.objects.filter(plan)
        .select_related("source")
        .annotate(
            total=Count("measures"),
            done=Count("measures", filter=Q(measures__status=Measure.Status.DONE)),
            average=Avg("measures__progress"),
        )
        .order_by("order", "pk")
    )
    for area in areas:
        area.bar = (area.average or 0) * BAR_WIDTH / 100
    area_total = len(areas)
    if area_total > AREAS_SHOWN:
        # a large plan: the areas furthest behind, in plan order (the task book has them all)
        behind = sorted(areas, key=lambda area: (area.average or 0, area.order))[:AREAS_SHOWN]
        areas = sorted(behind, key=lambda area: (area.order, area.pk))
    # 通报: bodies ranked by the overdue measures they lead (one grouped count)
    late_bodies = [
        {"pk": row["lead_body"], "name": row["lead_body__name"], "late": row["late"]}
        for row in Measure.objects.filter(plan)
        .overdue(day)
        .filter(lead_body__isnull=False)
        .values("lead_body", "lead_body__name")
        .annotate(late=Count("pk"))
        .order_by("-late", "lead_body__name")[:LIST_LENGTH]
    ]
    # by status (from its index) and by light with the overdue count (one pass over measures)
    statuses = list(measures.values("status").annotate(n=Count("pk")).order_by())
    lights = list(
        measures.values("light")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)))
        .order_by()
    )
    by_light = {row["light"]: row["n"] for row in lights}
    # yellow is due soon (and neither late nor behind): bounded by dates, so by the index
    due_soon = listed.due_soon(day).filter(light=Light.YELLOW)
    return {
        "total": sum(row["n"] for row in statuses),
        "areas": areas,
        "area_total": area_total,
        "statuses": _counts(statuses, "status", Measure.Status.choices),
        "lights": _counts(lights, "light", Light.choices),
        "overdue": list(listed.overdue(day).order_by("due_date", "rank")[:LIST_LENGTH]),
        "overdue_total": sum(row["late"] for row in lights),
        "due_soon": list(due_soon.order_by("due_date", "rank")[:LIST_LENGTH]),
        "due_soon_total": by_light.get(Light.YELLOW, 0),
        "late_bodies": late_bodies,
    }


def federation_figures(day: date, federations: dict[int, str]) -> list[dict]:
    """通报 of the level below: for each of these federations (id → name), its plan's measures
    by light and its late reports for the period being collected, the furthest behind first.
    Two grouped counts, however many federations and measures."""
    if not federations:
        return []
    rows = {
        pk: {"pk": pk, "name": name, "lights": dict.fromkeys(Light.values, 0), "late": 0}
        for pk, name in federations.items()
    }
    lights = (
        Measure.objects.filter(federation__in=list(rows))
        .with_light(day)
        .values("federation", "light")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in lights:
        rows[group["federation"]]["lights"][group["light"]] = group["n"]
    period = reporting.current_period(day)
    planned = Measure.objects.filter(federation__in=list(rows))
    late = (
        reporting.period_measures(period, day, planned)
        .filter(report_state=ReportState.LATE)
        .values("federation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for group in late:
        rows[group["federation"]]["late"] = group["n"]
    for row in rows.values():
        row["total"] = sum(row["lights"].values())
        row["light_counts"] = [
            (light, label, row["lights"][light]) for light, label in Light.choices
        ]
    return sorted(
        rows.values(),
        key=lambda row: (
            -row["lights"][Light.RED],
            -row["late"],
            -row["lights"][Light.YELLOW],
            row["name"],
        ),
    )


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_view(request)
    day = clock.today()
    user = request.user
    plan = plan_from(request)
    acting = permissions.acting_body_ids(user)
    yours = Q(owner=user)
    if acting:  # (an account acting for no body skips the subquery: the owner's index does)
        yours |= Q(pk__in=Measure.objects.for_bodies(acting).values("pk"))
    mine = Measure.objects.with_light(day).select_related("area", "lead_body", "owner")
    mine = mine.filter(yours).filter(permissions.in_seen_plans(user))
    context = {
        "today": day,
        "bar_width": BAR_WIDTH,
        "plan": plan,
        **plan_figures(day, plan.federation, below_plan(request, plan)),
        "mine": mine.order_by("rank")[: LIST_LENGTH * 2],
        "acting": bool(acting),
    }
    return render(request, "tasks/dashboard.html", context)

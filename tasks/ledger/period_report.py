"""The period report: the measures that owe a report for a period, their reports and counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tasks.ledger.columns import AreaRow, MeasureRow, Row, area_label, columns
from tasks.models import Light, Measure, ProgressReport
from tasks.models.versioning import person
from tasks.periods import Period
from tasks.reporting import ReportState, owes_report, state_for

# The states, and which measures owe a report, are the reporting cycle's: the period report
# and /reports/ never disagree.
NOT_REPORTED, LATE = ReportState.MISSING.value, ReportState.LATE.value
REPORT_STATES: tuple[tuple[str, Promise], ...] = (
    (NOT_REPORTED, ReportState.MISSING.label),
    (LATE, ReportState.LATE.label),
    *ProgressReport.ReviewState.choices,
)

PERIOD_COLUMNS = columns(
    "number",
    "title",
    "lead_body",
    "owner",
    "due_date",
    "light",
    "state",
    "progress",
    "done_text",
    "problems",
    "next_steps",
    "submitted_at",
)


def report_state(*, filed: str | None, period: Period, day: date) -> str:
    """未报 / 逾期未报 before and after the deadline; a filed report's review state otherwise."""
    return state_for(filed, period=period, today=day).value


@dataclass
class PeriodReport:
    """Everything the period report shows: the counts, the charts' geometry and the rows."""

    period: Period
    deadline: date
    day: date
    rows: list[Row] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)
    lights: list[dict] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)
    total: int = 0

    @property
    def title(self) -> str:
        return _("Progress report for %(period)s") % {"period": self.period}

    @property
    def subtitle(self) -> str:
        return _("Reports due by %(deadline)s; as of %(day)s.") % {
            "deadline": self.deadline.isoformat(),
            "day": self.day.isoformat(),
        }

    @property
    def file_name(self) -> str:
        name = pgettext("file name", "progress-report")
        return f"{name}-{self.period}.xlsx"

    def summary_line(self) -> str:
        counts = "；".join(f"{row['label']} {row['n']}" for row in self.states)
        return _("%(total)d measures: %(counts)s") % {"total": self.total, "counts": counts}


def _shares(counts: dict[str, int], choices: Iterable[tuple[str, object]], width: int) -> list:
    """Each choice with its count and its part of a bar `width` long (for an SVG stack)."""
    total, x, result = sum(counts.values()) or 1, 0.0, []
    for value, label in choices:
        n = counts.get(value, 0)
        part = n * width / total
        result.append({"value": value, "label": str(label), "n": n, "x": x, "width": part})
        x += part
    return result


def period_report(
    period: Period, *, day: date, deadline_day: int, bar_width: int = 300
) -> PeriodReport:
    """The measures that owe a report for `period` (the reporting cycle's rule) or filed one,
    with their report and its state. One query."""
    deadline = period.deadline(deadline_day)
    key = str(period)
    measures = (
        Measure.objects.with_light(day)
        .select_related("area", "lead_body", "owner")
        .annotate(filed=FilteredRelation("reports", condition=Q(reports__period=key)))
        .filter(owes_report(period) | Q(filed__isnull=False))
        .annotate(
            r_state=F("filed__review_state"),
            r_progress=F("filed__progress"),
            r_done=F("filed__done_text"),
            r_problems=F("filed__problems"),
            r_next=F("filed__next_steps"),
            r_submitted=F("filed__submitted_at"),
        )
        .order_by("area__order", "area_id", "rank")
    )
    report = PeriodReport(period=period, deadline=deadline, day=day)
    labels, lights = dict(REPORT_STATES), dict(Light.choices)
    state_counts: dict[str, int] = {}
    light_counts: dict[str, int] = {}
    area_id, area_count, number, area = None, 0, 0, None
    for measure in measures:
        if measure.area_id != area_id:
            area_id, area_count, number = measure.area_id, area_count + 1, 0
            area = {"label": area_label(area_count, measure.area), "owed": 0, "filed": 0}
            report.areas.append(area)
            report.rows.append(AreaRow(area["label"]))
        number += 1
        state = report_state(filed=measure.r_state, period=period, day=day)
        state_counts[state] = state_counts.get(state, 0) + 1
        light_counts[measure.light] = light_counts.get(measure.light, 0) + 1
        area["owed"] += 1
        area["filed"] += bool(measure.r_state)
        submitted = measure.r_submitted
        report.rows.append(
            MeasureRow(
                {
                    "number": number,
                    "title": measure.title,
                    "lead_body": measure.lead_body.name if measure.lead_body else "",
                    "owner": person(measure.owner),
                    "due_date": measure.due_date or measure.deadline_note,
                    "light": str(lights.get(measure.light, "")),
                    "state": str(labels[state]),
                    "progress": measure.r_progress if measure.r_state else measure.progress,
                    "done_text": measure.r_done or "",
                    "problems": measure.r_problems or "",
                    "next_steps": measure.r_next or "",
                    "submitted_at": timezone.localtime(submitted) if submitted else None,
                    "id": measure.pk,
                },
                light=measure.light,
                state=state,
            )
        )
    report.total = sum(state_counts.values())
    report.states = _shares(state_counts, REPORT_STATES, bar_width)
    report.lights = _shares(light_counts, Light.choices, bar_width)
    for area in report.areas:
        area["bar"] = area["filed"] * bar_width / (area["owed"] or 1)
        area["share"] = round(area["filed"] * 100 / (area["owed"] or 1))
    return report

"""The period report: the measures that owe a report for a period, their reports and counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, FilteredRelation, Q, Value, Window
from django.db.models.functions import Coalesce, DenseRank, RowNumber
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


# The areas the printed report lists (the furthest behind first); its rows, a page at a time.
AREAS_SHOWN = 20
ROWS_PER_PAGE = 100


@dataclass
class PeriodReport:
    """Everything the period report shows: the counts and the charts' geometry, computed by the
    database for the whole period, and the measures (`measures`, annotated), to be shown a page
    at a time (`rows_of`) or all of them (`all_rows`, for the workbook)."""

    period: Period
    deadline: date
    day: date
    measures: object = None  # the annotated queryset
    states: list[dict] = field(default_factory=list)
    lights: list[dict] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)
    more_areas: int = 0
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

    def rows_of(self, measures: Iterable[Measure]) -> list[Row]:
        """Rows for some of the measures (a page): each area's heading before its first one."""
        return list(_rows(measures, self.period, self.day))

    def all_rows(self) -> Iterator[Row]:
        return _rows(self.measures.iterator(chunk_size=2000), self.period, self.day)


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
    period: Period,
    *,
    day: date,
    deadline_day: int,
    bar_width: int = 300,
    federation: int | None = None,
) -> PeriodReport:
    """The measures (of a federation's plan; of every plan when None) that owe a report for
    `period` (the reporting cycle's rule) or filed one, with their report and its state; the
    counts by state, light and area from three grouped queries, whatever the size of the
    plan."""
    deadline = period.deadline(deadline_day)
    not_filed = report_state(filed=None, period=period, day=day)
    plan = Q() if federation is None else Q(federation_id=federation)
    measures = (
        Measure.objects.filter(plan)
        .with_light(day)
        .select_related("area", "lead_body", "owner")
        .annotate(filed=FilteredRelation("reports", condition=Q(reports__period=str(period))))
        .filter(owes_report(period) | Q(filed__isnull=False))
        .annotate(
            r_state=F("filed__review_state"),
            report_state=Coalesce(F("filed__review_state"), Value(not_filed)),
            r_progress=F("filed__progress"),
            r_done=F("filed__done_text"),
            r_problems=F("filed__problems"),
            r_next=F("filed__next_steps"),
            r_submitted=F("filed__submitted_at"),
        )
    )
    counted = measures.order_by()
    # numbered as the whole report numbers them, whichever page shows them: areas 一、二、…,
    # measures 1, 2, … within their area
    measures = measures.annotate(
        area_number=Window(DenseRank(), order_by=[F("area__order"), F("area_id")]),
        number=Window(RowNumber(), partition_by=[F("area_id")], order_by=F("rank").asc()),
    ).order_by("area__order", "area_id", "rank")
    report = PeriodReport(period=period, deadline=deadline, day=day, measures=measures)
    by_state = dict(counted.values_list("report_state").annotate(n=Count("pk")))
    by_light = dict(counted.values_list("light").annotate(n=Count("pk")))
    report.total = sum(by_state.values())
    report.states = _shares(by_state, REPORT_STATES, bar_width)
    report.lights = _shares(by_light, Light.choices, bar_width)
    areas = list(
        counted.values("area_id", "area__order", "area__ordinal", "area__title").annotate(
            owed=Count("pk"), filed_n=Count("filed__id")
        )
    )
    areas.sort(key=lambda a: (a["area__order"], a["area_id"]))
    for number, area in enumerate(areas, start=1):
        area["label"] = area_label(number, _AreaName(area["area__ordinal"], area["area__title"]))
        area["filed"] = area.pop("filed_n")
        area["bar"] = area["filed"] * bar_width / (area["owed"] or 1)
        area["share"] = round(area["filed"] * 100 / (area["owed"] or 1))
    behind = sorted(areas, key=lambda a: (a["share"], a["area__order"], a["area_id"]))
    shown = {a["area_id"] for a in behind[:AREAS_SHOWN]}
    report.areas = [a for a in areas if a["area_id"] in shown]
    report.more_areas = len(areas) - len(report.areas)
    return report


@dataclass(frozen=True)
class _AreaName:
    """An area as the grouped counts name it, for `area_label`."""

    ordinal: str
    title: str


def _rows(measures: Iterable[Measure], period: Period, day: date) -> Iterator[Row]:
    labels, lights = dict(REPORT_STATES), dict(Light.choices)
    area_id = None
    for measure in measures:
        if measure.area_id != area_id:
            area_id = measure.area_id
            yield AreaRow(area_label(measure.area_number, measure.area))
        state = measure.report_state
        submitted = measure.r_submitted
        yield MeasureRow(
            {
                "number": measure.number,
                "title": measure.title,
                "lead_body": measure.lead_body.name if measure.lead_body else "",
                "owner": person(measure.owner),
                "due_date": measure.deadline_as_written(),
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

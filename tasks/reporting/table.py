"""/reports/: the period's table — every measure that owes a report or filed one, counted by
state and lead body in the database, listed a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks import roles
from tasks.models import (
    Measure,
    ProgressReport,
    ResponsibleBody,
)
from tasks.periods import Period
from tasks.reporting.states import ReportState, owes_report, state_for
from tasks.schedule import deadline_of

# A measure in the table owes a report or filed one: never 无需报送.
TABLE_STATES = [(s.value, s.label) for s in ReportState if s != ReportState.NOT_OWED]

# -- the period's table -------------------------------------------------------------------------


def liaisons_prefetch(lookup: str = "lead_body__members") -> Prefetch:
    """The active liaisons among a body's members, as `body.liaisons`."""
    people = roles.people(roles.LIAISON).order_by("username")
    return Prefetch(lookup, queryset=people, to_attr="liaisons")


@dataclass
class Row:
    """One measure in a period: its report (if filed) and its state."""

    measure: Measure
    period: Period
    report: ProgressReport | None
    state: ReportState
    owes: bool
    filed_late: bool = False
    can_file: bool = False

    @property
    def liaisons(self) -> list:
        body = self.measure.lead_body
        return getattr(body, "liaisons", []) if body else []


def period_measures(
    period: Period, today: date, measures: models.QuerySet[Measure] | None = None
) -> models.QuerySet[Measure]:
    """Every measure (of `measures`: every one by default) that owes a report for `period` or
    filed one, annotated in the database with `owes` and `report_state` (a ReportState value),
    so that they can be counted, grouped and filtered there, whatever the size of the plan."""
    owed = owes_report(period)
    filed = ProgressReport.objects.filter(measure=OuterRef("pk"), period=str(period))
    not_filed = state_for(None, period=period, today=today)
    measures = Measure.objects.all() if measures is None else measures
    return measures.filter(owed | Q(Exists(filed))).annotate(
        owes=Case(When(owed, then=Value(True)), default=Value(False), output_field=BooleanField()),
        report_state=Coalesce(
            Subquery(filed.order_by().values("review_state")[:1]), Value(not_filed.value)
        ),
    )


def _listed(measures: models.QuerySet[Measure], period: Period) -> models.QuerySet[Measure]:
    """What a row shows: area, lead body and its liaisons, owner, the period's report."""
    reports = ProgressReport.objects.filter(period=str(period)).select_related(
        "author", "reviewed_by"
    )
    return (
        measures.select_related("area", "lead_body", "owner")
        .prefetch_related(
            Prefetch("reports", queryset=reports, to_attr="period_reports"), liaisons_prefetch()
        )
        .order_by("rank")
    )


def _row(measure: Measure, period: Period) -> Row:
    reports = getattr(measure, "period_reports", [])
    report = reports[0] if reports else None
    submitted = report.submitted_at if report else None
    return Row(
        measure=measure,
        period=period,
        report=report,
        state=ReportState(measure.report_state),
        owes=measure.owes,
        filed_late=bool(submitted and timezone.localdate(submitted) > deadline_of(period)),
    )


def period_rows(period: Period, today: date) -> list[Row]:
    """Every measure that owes a report for `period` or filed one, in rank order, as rows.

    Three queries: the measures (with area, lead body, owner), their report for the period
    (with its author), and their lead bodies' liaisons."""
    return [_row(m, period) for m in _listed(period_measures(period, today), period)]


@dataclass
class BodyCount:
    body: ResponsibleBody | None
    counts: dict[str, int]
    total: int = 0

    def in_order(self) -> list[tuple[str, int]]:
        return [(state, self.counts.get(state, 0)) for state, _label in TABLE_STATES]


@dataclass
class PeriodTable:
    """/reports/ for one period: counts per state and per lead body, the first of the late,
    and the measures page by page. Made by `period_table`."""

    period: Period
    deadline: date
    today: date
    measures: models.QuerySet[Measure]  # as period_measures
    total: int = 0  # measures in the table
    not_owing: int = 0  # measures of the plan that owe no report for the period
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # state, label, n
    bodies: list[BodyCount] = field(default_factory=list)  # BODIES_SHOWN, and no lead body
    more_bodies: int = 0  # lead bodies not shown
    late: list[Row] = field(default_factory=list)  # 催报: the first LATE_SHOWN late
    late_total: int = 0
    federations: list[BodyCount] = field(default_factory=list)  # the plans directly below

    @property
    def collecting(self) -> bool:
        return self.period.start <= self.today <= self.deadline

    def count_of(self, state: str) -> int:
        return next((n for shown, _label, n in self.counts if shown == state), 0)

    def page(self, number: object, state: str = "") -> Page:
        """One page of the measures in rank order (those in `state` only, if given), as rows."""
        measures = self.measures.filter(report_state=state) if state else self.measures
        count = self.count_of(state) if state else self.total
        paginator = Paginator(_listed(measures, self.period), settings.TASKS_PAGE_SIZE)
        # counted already (a report filed in between may leave the last page one row short)
        paginator.count = count
        page = paginator.get_page(number)
        page.object_list = [_row(measure, self.period) for measure in page.object_list]
        return page


# A large plan: the page lists the lead bodies furthest behind and the first of the late; the
# rest are one click away (the table filtered by state) or in the period report.
BODIES_SHOWN = 20
LATE_SHOWN = 20


def federation_counts(period: Period, today: date, federations: dict[int, str]) -> list[BodyCount]:
    """For each of these federations (id → name), its plan's measures by report state for the
    period, furthest behind first (one grouped count)."""
    entries = {
        pk: BodyCount(ResponsibleBody(pk=pk, name=name), {}) for pk, name in federations.items()
    }
    if not entries:
        return []
    planned = Measure.objects.filter(federation__in=list(entries))
    groups = period_measures(period, today, planned).values("federation", "report_state")
    for group in groups.annotate(n=Count("pk")).order_by():
        entry = entries[group["federation"]]
        entry.counts[group["report_state"]] = group["n"]
        entry.total += group["n"]
    behind = [ReportState.LATE, ReportState.RETURNED, ReportState.MISSING]
    return sorted(
        entries.values(),
        key=lambda b: (*(-b.counts.get(state, 0) for state in behind), b.body.name),
    )


def period_table(
    *,
    period: Period,
    today: date,
    federation: int | None = None,
    below: dict[int, str] | None = None,
) -> PeriodTable:
    """/reports/: the period's counts per state and per lead body, who is late, and the pages of
    measures — of a federation's plan (every measure when None) — and the state of each plan
    directly below (`below`: id → name). The same number of queries whatever the number of
    measures: one grouped count, one count of the plan, the late measures shown with their
    lead bodies' liaisons, and one grouped count for the plans below."""
    plan = (
        Measure.objects.all()
        if federation is None
        else Measure.objects.filter(federation_id=federation)
    )
    measures = period_measures(period, today, plan)
    table = PeriodTable(period=period, deadline=deadline_of(period), today=today, measures=measures)
    per_state = dict.fromkeys((state for state, _label in TABLE_STATES), 0)
    per_body: dict[int | None, BodyCount] = {}
    owing = 0
    groups = measures.values("lead_body", "lead_body__name", "report_state", "owes").annotate(
        n=Count("pk")
    )
    for group in groups.order_by():
        state, n = group["report_state"], group["n"]
        per_state[state] += n
        owing += n if group["owes"] else 0
        body = group["lead_body"]
        entry = per_body.get(body)
        if entry is None:
            named = ResponsibleBody(pk=body, name=group["lead_body__name"]) if body else None
            entry = per_body[body] = BodyCount(named, {})
        entry.counts[state] = entry.counts.get(state, 0) + n
        entry.total += n
    table.total = sum(per_state.values())
    table.not_owing = plan.count() - table.total  # owe none and filed none
    table.counts = [(state, label, per_state[state]) for state, label in TABLE_STATES]
    # furthest behind first: the most late, then returned, then not yet reported
    behind = [ReportState.LATE, ReportState.RETURNED, ReportState.MISSING]
    named = sorted(
        (entry for body, entry in per_body.items() if body is not None),
        key=lambda b: (*(-b.counts.get(state, 0) for state in behind), b.body.name),
    )
    unassigned = [per_body[None]] if None in per_body else []  # always shown, last
    table.bodies = named[:BODIES_SHOWN] + unassigned
    table.more_bodies = max(0, len(named) - BODIES_SHOWN)
    table.late_total = per_state[ReportState.LATE]
    if table.late_total:
        late = (
            measures.filter(report_state=ReportState.LATE)
            .select_related("lead_body")
            .prefetch_related(liaisons_prefetch())
            .order_by("rank")[:LATE_SHOWN]
        )
        table.late = [_row(measure, period) for measure in late]
    table.federations = federation_counts(period, today, below or {})
    return table

"""待办: what waits for a person, by role, each item linking to where it is done and leaving the
list once done. A fixed number of queries however large the plan: each section is one query
for its first LIST_LENGTH items and one for its count.

- a liaison (for its bodies): reports to file this period, returned reports with the reason,
  measures overdue or due soon, milestones due, extension decisions not yet read;
- the office (改革办) of a federation: measures handed down to its plan and not yet assigned or
  broken down (下达), reports to review and extension requests to decide (of its plan's measures
  and of those it handed down), measures ready to close (销号), measures without a lead body or
  owner, bodies late with the previous period's reports (催报: their liaisons' phone and
  e-mail, and when they were last chased);
- a viewer (领导): the 通报 summary, the bodies furthest behind and the red measures of the
  plans they see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from tasks import permissions, roles
from tasks.models import (
    Chase,
    ExtensionRequest,
    Light,
    Measure,
    Milestone,
    Notice,
    ProgressReport,
    ResponsibleBody,
)
from tasks.periods import Period
from tasks.reporting.states import ReportState, ReviewState
from tasks.reporting.table import period_measures
from tasks.schedule import current_period, deadline_of

LIST_LENGTH = 20


@dataclass
class Section:
    """One kind of item: its first LIST_LENGTH items and how many there are in all, each read
    when first asked for (the navigation's badge asks only the counts)."""

    key: str
    title: str
    rows: QuerySet | list
    hint: str = ""
    extra: dict = field(default_factory=dict)
    known_total: int | None = None

    @cached_property
    def items(self) -> list:
        return list(self.rows[:LIST_LENGTH])

    @cached_property
    def total(self) -> int:
        if self.known_total is not None:
            return self.known_total
        if "items" in self.__dict__ and len(self.items) < LIST_LENGTH:
            return len(self.items)  # all of them are read already
        return self.rows.count()

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


def _section(key: str, title, queryset: QuerySet, hint="", **extra) -> Section:
    return Section(key, str(title), queryset, str(hint), extra)


@dataclass
class LateBody:
    """A body late with its reports: its late measures, its liaisons, its last chase."""

    body: ResponsibleBody
    late: int
    measures: list[Measure]
    liaisons: list[AbstractBaseUser]
    chase: Chase | None


def sections(user: AbstractBaseUser, today: date) -> list[Section]:
    """What waits for this person today, by each role they have."""
    found: list[Section] = []
    if permissions.can_edit_plan(user):
        found += office_sections(today, permissions.home_federation(user))
    if permissions.is_liaison(user):
        found += liaison_sections(user, today)
    if not found and permissions.can_view(user):
        found += viewer_sections(today, permissions.in_seen_plans(user))
    return found


def count(user: AbstractBaseUser, today: date) -> int:
    """How many items wait: the navigation's badge."""
    return sum(section.total for section in sections(user, today) if section.key != "summary")


# -- a liaison ----------------------------------------------------------------------------------


def liaison_sections(user: AbstractBaseUser, today: date) -> list[Section]:
    bodies = permissions.acting_body_ids(user)
    period = current_period(today)
    horizon = today + timedelta(days=settings.TASKS_DUE_SOON_DAYS)
    own = Q(lead_body_id__in=bodies)
    to_file = (
        period_measures(period, today)
        .filter(own, owes=True, report_state__in=[ReportState.MISSING, ReportState.LATE])
        .select_related("lead_body")
        .order_by("rank")
    )
    returned = (
        ProgressReport.objects.filter(
            measure__lead_body_id__in=bodies, review_state=ReviewState.RETURNED
        )
        .select_related("measure", "reviewed_by")
        .order_by("-reviewed_at")
    )
    due = (
        Measure.objects.open()
        .with_light(today)
        .filter(own, due_date__lte=horizon)
        .select_related("lead_body")
        .order_by("due_date", "rank")
    )
    milestones = (
        Milestone.objects.filter(
            measure__lead_body_id__in=bodies, done_on__isnull=True, due_date__lte=horizon
        )
        .exclude(measure__status__in=[Measure.Status.DONE, Measure.Status.SUSPENDED])
        .select_related("measure")
        .order_by("due_date")
    )
    decisions = Notice.objects.filter(
        recipient=user, kind=Notice.Kind.EXTENSION_DECIDED, read_at__isnull=True
    ).order_by("-created_at")
    deadline = deadline_of(period)
    return [
        _section(
            "to_file",
            _("Reports to file for %(period)s") % {"period": period},
            to_file,
            _("Due on %(date)s, %(days)s days left.")
            % {"date": deadline.isoformat(), "days": (deadline - today).days},
            period=period,
        ),
        _section("returned", _("Returned reports to correct"), returned),
        _section("due", _("Measures overdue or due soon"), due),
        _section("milestones", _("Milestones due"), milestones),
        _section("decisions", _("Extension decisions"), decisions),
    ]


# -- the office ---------------------------------------------------------------------------------


def overseen(federation: int | None, path: str = "") -> Q:
    """Measures (through `path`: "measure__" for rows of a measure) of a federation's plan and
    those it handed down to the plans below: what its office reviews. Everything when None."""
    if federation is None:
        return Q()
    return Q(**{f"{path}federation_id": federation}) | Q(
        **{f"{path}parent__federation_id": federation}
    )


def handed_down_to(federation: int | None) -> QuerySet[Measure]:
    """下达: measures handed down to this plan that nobody has taken on yet (no person
    responsible, not broken down)."""
    if federation is None:
        return Measure.objects.none()
    return (
        Measure.objects.open()
        .filter(federation_id=federation, owner__isnull=True, children__isnull=True)
        .exclude(parent__isnull=True)
        .exclude(parent__federation_id=federation)
        .select_related("parent__federation")
        .order_by("rank")
    )


def ready_to_close() -> QuerySet[Measure]:
    """Completed, not closed, and the latest report accepted: 销号 can be done now."""
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by(
        "-period", "-submitted_at"
    )
    return (
        Measure.objects.filter(status=Measure.Status.DONE, closed_on__isnull=True)
        .annotate(latest_state=Subquery(latest.values("review_state")[:1]))
        .filter(latest_state=ReviewState.ACCEPTED)
    )


def late_bodies(
    period: Period, today: date, federation: int | None = None
) -> tuple[list[LateBody], int]:
    """The bodies late with the reports of `period` (of a federation's plan), most late
    measures first (the first LIST_LENGTH, and how many there are): four queries."""
    plan = (
        Measure.objects.all()
        if federation is None
        else Measure.objects.filter(federation_id=federation)
    )
    late = period_measures(period, today, plan).filter(
        report_state=ReportState.LATE, lead_body__isnull=False
    )
    counts = late.values("lead_body").annotate(n=Count("pk")).order_by("-n", "lead_body")
    total = counts.count()
    shown = {row["lead_body"]: row["n"] for row in counts[:LIST_LENGTH]}
    people = roles.people(roles.LIAISON).select_related("profile").order_by("username")
    chases = Chase.objects.filter(period=str(period)).select_related("by").order_by("-at")
    bodies = ResponsibleBody.objects.filter(pk__in=list(shown)).prefetch_related(
        Prefetch("members", queryset=people, to_attr="liaisons"),
        Prefetch("chases", queryset=chases, to_attr="period_chases"),
    )
    measures: dict[int, list[Measure]] = {}
    for measure in late.filter(lead_body_id__in=list(shown)).order_by("rank")[:500]:
        measures.setdefault(measure.lead_body_id, []).append(measure)
    rows = [
        LateBody(
            body=body,
            late=shown[body.pk],
            measures=measures.get(body.pk, [])[:5],
            liaisons=body.liaisons,
            chase=body.period_chases[0] if body.period_chases else None,
        )
        for body in bodies
    ]
    rows.sort(key=lambda row: (-row.late, row.body.name))
    return rows, total


def office_sections(today: date, federation: int | None = None) -> list[Section]:
    """The office of a federation (None: the only one)."""
    review = (
        ProgressReport.objects.filter(review_state=ReviewState.SUBMITTED)
        .filter(overseen(federation, "measure__"))
        .select_related("measure", "author", "body")
        .order_by("submitted_at")
    )
    extensions = (
        ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING)
        .filter(overseen(federation, "measure__"))
        .select_related("measure", "requested_by")
        .order_by("created_at")
    )
    handed_down = handed_down_to(federation)
    own = Q() if federation is None else Q(federation_id=federation)
    unassigned = (
        Measure.objects.open()
        .filter(own)
        .filter(Q(lead_body__isnull=True) | Q(owner__isnull=True))
        .exclude(pk__in=handed_down.values("pk"))
        .select_related("lead_body", "owner")
        .order_by("rank")
    )
    previous = current_period(today).previous()
    bodies, total = late_bodies(previous, today, federation)
    return [
        _section(
            "handed_down",
            _("Measures handed down to your plan (下达)"),
            handed_down,
            _(
                "Break each down or assign it: name a person responsible, add sub-measures, or "
                "hand it further down."
            ),
        ),
        _section("review", _("Reports to review"), review),
        _section("extensions", _("Extension requests to decide"), extensions),
        _section(
            "close",
            _("Measures ready to close (销号)"),
            ready_to_close().filter(overseen(federation)).order_by("rank"),
        ),
        _section("unassigned", _("Measures without a lead body or person responsible"), unassigned),
        Section(
            "late_bodies",
            str(_("Bodies late with their %(period)s reports (催报)") % {"period": previous}),
            bodies,
            extra={"period": previous},
            known_total=total,
        ),
    ]


# -- a viewer -----------------------------------------------------------------------------------


def viewer_sections(today: date, seen: Q | None = None) -> list[Section]:
    red = Measure.objects.filter(seen or Q()).with_light(today).filter(light=Light.RED)
    behind = (
        red.filter(lead_body__isnull=False)
        .values(name=F("lead_body__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "name")
    )
    return [
        _section("behind", _("Bodies furthest behind (red measures)"), behind),
        _section(
            "red",
            _("Red measures"),
            red.select_related("lead_body").order_by("due_date", "rank"),
        ),
    ]

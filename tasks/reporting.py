"""The reporting cycle: bodies report each period, the reform office reviews and chases.

Every state change goes through one function here (keyword-only, typed, one transaction):
`file_report`, `save_contribution`, `review_report`, `request_extension`, `decide_extension`,
`close_measure`, `send_reminder`. What the screens and the reminders read comes from
`period_rows` / `period_table` and `reminders_due`.

Which measures owe a report for a period (`owes_report`):

- the measure existed by the end of the period (one created on its last day owes it, one
  created the day after does not);
- it is not suspended (已暂缓: nothing is chased while a measure is on hold);
- a completed measure owes its final report — the one that says it is done — and nothing after
  it: it owes a period's report unless an *accepted* report of an earlier period already says
  it is completed. A measure completed during a period therefore owes that period's report;
- a measure closed (销号) owes nothing for a period whose deadline is on or after the day it was
  closed.

A measure's state for a period: the review state of its report when one was filed (已报, 已退回,
已通过); otherwise 未报 up to and including the deadline day, 逾期未报 from the day after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, mailers
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, models, transaction
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
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import clock, permissions, roles
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    ProgressReport,
    ReminderLog,
    ResponsibleBody,
    StaleEdit,
)
from tasks.periods import QUARTER, Period, PeriodError, collecting_period

ReviewState = ProgressReport.ReviewState


class ReportState(models.TextChoices):
    """Where a measure stands for one period (未报 / 已报 / 已退回 / 已通过 / 逾期未报)."""

    MISSING = "missing", gettext_lazy("Not reported")
    SUBMITTED = ReviewState.SUBMITTED.value, ReviewState.SUBMITTED.label
    RETURNED = ReviewState.RETURNED.value, ReviewState.RETURNED.label
    ACCEPTED = ReviewState.ACCEPTED.value, ReviewState.ACCEPTED.label
    LATE = "late", gettext_lazy("Overdue, not reported")


class ReportingRefused(Exception):
    """A step the reporting rules do not allow now; the message says why and what to do."""


# -- periods ------------------------------------------------------------------------------------


def period_kind() -> str:
    return settings.TASKS_REPORT_PERIOD


def deadline_of(period: Period) -> date:
    return period.deadline(settings.TASKS_REPORT_DEADLINE_DAY)


def current_period(today: date) -> Period:
    """The period whose reports are being collected today (before or on its deadline)."""
    return collecting_period(today, period_kind(), settings.TASKS_REPORT_DEADLINE_DAY)


def parse_period(text: str) -> Period:
    """A period written as the setting wants it (2026-11, or 2026Q4 for quarters).

    Raises PeriodError with a message for the user."""
    example = "2026Q4" if period_kind() == QUARTER else "2026-11"
    wrong = PeriodError(
        _(
            "“%(value)s” is not a reporting period. Reports are collected by %(kind)s: "
            "write it as %(example)s."
        )
        % {
            "value": text[:20],
            "kind": _("quarter") if period_kind() == QUARTER else _("month"),
            "example": example,
        }
    )
    try:
        period = Period.parse(text)
    except PeriodError:
        raise wrong from None
    if period.kind != period_kind() or not 1900 <= period.year <= 2999:
        raise wrong
    return period


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _earlier_than(period: Period) -> Q:
    """Reports of periods that ended before `period` began, written by month or by quarter."""
    quarter = Period.containing(period.start, QUARTER)
    return Q(period__contains="-", period__lt=f"{period.start:%Y-%m}") | Q(
        period__contains="Q", period__lt=str(quarter)
    )


def _later_than(period: Period) -> Q:
    """Reports of periods that begin after `period` ended, written by month or by quarter."""
    quarter = Period.containing(period.end, QUARTER)
    return Q(period__contains="-", period__gt=f"{period.end:%Y-%m}") | Q(
        period__contains="Q", period__gt=str(quarter)
    )


def owes_report(period: Period) -> Q:
    """The measures that owe a report for `period` (see the module's docstring)."""
    finished_before = ProgressReport.objects.filter(
        measure=OuterRef("pk"),
        review_state=ReviewState.ACCEPTED,
        status=Measure.Status.DONE,
    ).filter(_earlier_than(period))
    return (
        Q(created_at__lt=_start_of(period.end + timedelta(days=1)))
        & ~Q(status=Measure.Status.SUSPENDED)
        & (Q(closed_on__isnull=True) | Q(closed_on__gt=deadline_of(period)))
        & ~(Q(status=Measure.Status.DONE) & Exists(finished_before))
    )


def state_for(review_state: str | None, *, period: Period, today: date) -> ReportState:
    """A filed report's review state; else 逾期未报 after the deadline day, 未报 until then."""
    if review_state:
        return ReportState(review_state)
    return ReportState.LATE if today > deadline_of(period) else ReportState.MISSING


def state_of(report: ProgressReport | None, *, period: Period, today: date) -> ReportState:
    return state_for(report.review_state if report else None, period=period, today=today)


# -- the period's table -------------------------------------------------------------------------


def liaisons_prefetch(lookup: str = "lead_body__members") -> Prefetch:
    """The active liaisons among a body's members, as `body.liaisons`."""
    people = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.LIAISON)
        .order_by("username")
    )
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


def period_measures(period: Period, today: date) -> models.QuerySet[Measure]:
    """Every measure that owes a report for `period` or filed one, annotated in the database
    with `owes` and `report_state` (a ReportState value), so that they can be counted,
    grouped and filtered there, whatever the size of the plan."""
    owed = owes_report(period)
    filed = ProgressReport.objects.filter(measure=OuterRef("pk"), period=str(period))
    not_filed = state_for(None, period=period, today=today)
    return Measure.objects.filter(owed | Q(Exists(filed))).annotate(
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
        return [(state, self.counts.get(state, 0)) for state in ReportState.values]


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


def period_table(*, period: Period, today: date) -> PeriodTable:
    """/reports/: the period's counts per state and per lead body, who is late, and the pages of
    measures. The same number of queries whatever the number of measures: one grouped count,
    one count of the plan, and the late measures shown with their lead bodies' liaisons."""
    measures = period_measures(period, today)
    table = PeriodTable(period=period, deadline=deadline_of(period), today=today, measures=measures)
    per_state = dict.fromkeys(ReportState.values, 0)
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
    table.not_owing = Measure.objects.count() - owing
    table.counts = [(state, label, per_state[state]) for state, label in ReportState.choices]
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
    return table


# -- filing, contributing, reviewing ------------------------------------------------------------


def allowed_extensions() -> list[str]:
    return sorted({ext.lower().lstrip(".") for ext in settings.TASKS_ATTACHMENT_EXTENSIONS})


def check_attachment(upload: UploadedFile) -> None:
    """Refuse a file of a kind or size the settings do not allow (ValidationError)."""
    name = Path(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed_extensions():
        raise ValidationError(
            _("“%(name)s” cannot be attached: only these kinds of file are accepted: %(kinds)s.")
            % {"name": name, "kinds": "、".join(allowed_extensions())},
            code="file_type",
        )
    if upload.size > settings.TASKS_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.TASKS_ATTACHMENT_MAX_BYTES),
            },
            code="file_size",
        )
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")


def refusal_not_begun(period: Period) -> ReportingRefused:
    return ReportingRefused(
        _("The period %(period)s has not begun yet; its report can be filed from %(start)s.")
        % {"period": period, "start": period.start.isoformat()}
    )


def refusal_accepted(report: ProgressReport) -> ReportingRefused:
    return ReportingRefused(
        _(
            "The report for %(period)s was accepted by the reform office and can no longer be "
            "changed. Ask the reform office (改革办) if something must be corrected."
        )
        % {"period": report.period}
    )


@transaction.atomic
def file_report(
    *,
    measure: Measure,
    period: Period,
    by: AbstractBaseUser,
    progress: int,
    status: str,
    done_text: str,
    problems: str = "",
    next_steps: str = "",
    loaded_version: int | None = None,
    files: Sequence[UploadedFile] = (),
    remove: Iterable[Attachment] = (),
    today: date,
) -> ProgressReport:
    """File the measure's report for the period, or correct it (the same report, versioned).

    A new or corrected report is 已报 (a returned one goes back to review); the office correcting
    an accepted report leaves it accepted. Raises ReportingRefused (accepted, period not begun),
    StaleEdit (someone saved the report since `loaded_version`, or filed it since the form was
    opened: `loaded_version` 0) or ValidationError (a bad file); nothing is saved then."""
    if period.start > today:
        raise refusal_not_begun(period)
    report = (
        ProgressReport.objects.select_for_update()
        .filter(measure=measure, period=str(period))
        .first()
    )
    if report is None:
        report = ProgressReport(measure=measure, period=str(period))
    else:
        report.measure = measure
        if not permissions.can_edit_report(by, report):
            raise refusal_accepted(report)
        if loaded_version is None or report.version != loaded_version:
            raise StaleEdit(report, loaded_version or 0)
    for upload in files:
        check_attachment(upload)
    report.progress, report.status = progress, status
    report.done_text, report.problems, report.next_steps = done_text, problems, next_steps
    office_keeps_review = (
        permissions.can_edit_plan(by) and report.review_state == ReviewState.ACCEPTED
    )
    if not office_keeps_review:
        report.mark_submitted(by=by)
    report.full_clean(validate_constraints=False)
    if report.pk:
        report.save_versioned(expected_version=report.version)
    else:
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # filed by someone else a moment ago
            current = ProgressReport.objects.get(measure=measure, period=str(period))
            raise StaleEdit(current, 0) from None
    if office_keeps_review:
        _adopt(report)
    for attachment in remove:
        if attachment.report_id == report.pk:
            stored = attachment.file
            attachment.delete()
            transaction.on_commit(lambda stored=stored: stored.delete(save=False))
    for upload in files:
        Attachment.objects.create(
            report=report,
            file=upload,
            name=Path(upload.name).name[:255],
            size=upload.size,
            uploaded_by=by,
        )
    return report


def contribution_bodies(user: AbstractBaseUser, measure: Measure) -> list[ResponsibleBody]:
    """The co-operating bodies the user may write a contribution for (the office: all)."""
    cooperating = list(measure.cooperating_bodies.all())
    if permissions.can_edit_plan(user):
        return cooperating
    acting = permissions.acting_body_ids(user)
    return [body for body in cooperating if body.pk in acting]


@transaction.atomic
def save_contribution(
    *,
    measure: Measure,
    period: Period,
    body: ResponsibleBody,
    by: AbstractBaseUser,
    text: str,
    today: date,
) -> Contribution:
    """A co-operating body's part of the period's report: written again, it replaces the last."""
    if body not in contribution_bodies(by, measure):
        raise ReportingRefused(
            _("%(body)s does not co-operate on this measure, or you do not act for it.")
            % {"body": body}
        )
    if period.start > today:
        raise refusal_not_begun(period)
    report = ProgressReport.objects.filter(measure=measure, period=str(period)).first()
    if report and report.review_state == ReviewState.ACCEPTED and not permissions.can_edit_plan(by):
        raise refusal_accepted(report)
    contribution = (
        Contribution.objects.select_for_update()
        .filter(measure=measure, period=str(period), body=body)
        .first()
    ) or Contribution(measure=measure, period=str(period), body=body)
    contribution.text, contribution.author = text, by
    contribution.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            contribution.save()
    except IntegrityError:
        raise ReportingRefused(
            _("Someone of your body saved a contribution at the same moment. Reload the page.")
        ) from None
    return contribution


@transaction.atomic
def review_report(
    *,
    report: ProgressReport,
    by: AbstractBaseUser,
    accept: bool,
    reason: str = "",
    loaded_version: int | None = None,
) -> ProgressReport:
    """Accept a filed report, or return it (退回) with the reason for correction.

    Accepting records who and when, and makes the report's status and progress the measure's
    (unless a later period's report was accepted already, or the measure is closed)."""
    current = ProgressReport.objects.select_for_update().select_related("measure").get(pk=report.pk)
    if loaded_version is not None and current.version != loaded_version:
        raise StaleEdit(current, loaded_version)
    if current.review_state != ReviewState.SUBMITTED:
        raise ReportingRefused(
            _(
                "The report for %(period)s is %(state)s: only a filed report awaiting review "
                "can be accepted or returned."
            )
            % {"period": current.period, "state": current.get_review_state_display()}
        )
    if not accept and not reason.strip():
        raise ReportingRefused(
            _("Say why the report is returned, so that the body can correct it.")
        )
    current.review_state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
    if not accept:
        current.return_reason = reason.strip()
    current.reviewed_by, current.reviewed_at = by, clock.now()
    current.full_clean(validate_constraints=False)
    current.save_versioned(expected_version=current.version)
    if accept:
        _adopt(current)
    return current


def _adopt(report: ProgressReport) -> None:
    """The accepted figures become the measure's (a versioned save: the history shows it)."""
    measure = Measure.objects.select_for_update().get(pk=report.measure_id)
    later = ProgressReport.objects.filter(
        measure=measure, review_state=ReviewState.ACCEPTED
    ).filter(_later_than(Period.parse(report.period)))
    if measure.closed_on or later.exists():
        return
    if (measure.status, measure.progress) == (report.status, report.progress):
        return
    measure.status, measure.progress = report.status, report.progress
    measure.full_clean()
    measure.save_versioned(expected_version=measure.version)


# -- extensions and closing ---------------------------------------------------------------------


@transaction.atomic
def request_extension(
    *,
    measure: Measure,
    by: AbstractBaseUser,
    requested_due_date: date,
    reason: str,
    today: date,
) -> ExtensionRequest:
    """延期申请: ask for a later due date. One request at a time per measure.

    Raises ReportingRefused (completed, closed, one pending already) or ValidationError (the
    date), keyed by field."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.status in (Measure.Status.DONE, Measure.Status.SUSPENDED) or measure.closed_on:
        raise ReportingRefused(
            _("This measure is %(status)s: it needs no new due date.")
            % {"status": measure.get_status_display()}
        )
    pending = measure.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    if pending:
        raise ReportingRefused(
            _(
                "A request for %(date)s is already waiting for the reform office's decision; "
                "wait for it before asking again."
            )
            % {"date": pending.requested_due_date.isoformat()}
        )
    if measure.due_date and requested_due_date <= measure.due_date:
        raise ValidationError(
            {
                "requested_due_date": _("Ask for a date after the current due date (%(date)s).")
                % {"date": measure.due_date.isoformat()}
            }
        )
    if requested_due_date < today:
        raise ValidationError({"requested_due_date": _("The new due date cannot be in the past.")})
    if measure.start_date and requested_due_date < measure.start_date:
        raise ValidationError(
            {"requested_due_date": _("The due date cannot be before the start date.")}
        )
    extension = ExtensionRequest(
        measure=measure,
        requested_by=by,
        current_due_date=measure.due_date,
        requested_due_date=requested_due_date,
        reason=reason.strip(),
    )
    extension.full_clean()
    extension.save()
    return extension


@transaction.atomic
def decide_extension(
    *,
    extension: ExtensionRequest,
    by: AbstractBaseUser,
    approve: bool,
    note: str = "",
) -> ExtensionRequest:
    """Approve (the measure takes the new due date, in its history) or reject with a reason."""
    current = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if current.state != ExtensionRequest.State.PENDING:
        raise ReportingRefused(
            _("This request was already decided: %(state)s.")
            % {"state": current.get_state_display()}
        )
    if not approve and not note.strip():
        raise ReportingRefused(_("Say why the request is rejected."))
    if approve:
        measure = Measure.objects.select_for_update().get(pk=current.measure_id)
        stranded = measure.milestones.filter(due_date__gt=current.requested_due_date)
        if stranded.exists():
            raise ReportingRefused(
                _("These milestones would fall after the new due date: %(names)s. Move them first.")
                % {"names": "、".join(m.title for m in stranded)}
            )
        measure.due_date = current.requested_due_date
        try:
            measure.full_clean()
        except ValidationError as error:
            raise ReportingRefused("；".join(error.messages)) from None
        measure.save_versioned(expected_version=measure.version)
    current.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
    current.decided_by, current.decided_at = by, clock.now()
    current.decision_note = note.strip()
    current.save()
    return current


def latest_report(measure: Measure) -> ProgressReport | None:
    return measure.reports.order_by("-period", "-submitted_at").first()


def closing_blocker(measure: Measure, latest: ProgressReport | None) -> str | None:
    """Why the measure cannot be closed (销号) now, or None when it can."""
    if measure.closed_on:
        return _("This measure was closed on %(date)s.") % {"date": measure.closed_on.isoformat()}
    if measure.status != Measure.Status.DONE:
        return _("Only a completed measure can be closed; this one is %(status)s.") % {
            "status": measure.get_status_display()
        }
    if latest is None:
        return _(
            "There is no progress report yet: a measure is closed after its final report has "
            "been reviewed."
        )
    if latest.review_state != ReviewState.ACCEPTED:
        return _("The latest report (%(period)s) is %(state)s: review and accept it first.") % {
            "period": latest.period,
            "state": latest.get_review_state_display(),
        }
    return None


@transaction.atomic
def close_measure(*, measure: Measure, by: AbstractBaseUser, today: date) -> Measure:
    """销号: the office closes a completed measure whose latest report it accepted."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    blocker = closing_blocker(measure, latest_report(measure))
    if blocker:
        raise ReportingRefused(blocker)
    measure.closed_on, measure.closed_by = today, by
    measure.full_clean()
    measure.save_versioned(expected_version=measure.version)
    return measure


# -- reminders ----------------------------------------------------------------------------------


@dataclass
class Reminder:
    """What one person is reminded of today, grouped as the e-mail shows it."""

    user: AbstractBaseUser
    overdue: list[Measure] = field(default_factory=list)
    due_soon: list[Measure] = field(default_factory=list)
    reports_late: list[Row] = field(default_factory=list)
    reports_due: list[Row] = field(default_factory=list)
    reports_returned: list[Row] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)

    @property
    def count(self) -> int:
        return len(self._seen)

    def add(self, kind: str, item: Measure | Row) -> None:
        if isinstance(item, Measure):
            key = (kind, item.pk, "")
        else:
            key = (kind, item.measure.pk, str(item.period))
        if key not in self._seen:
            self._seen.add(key)
            getattr(self, kind).append(item)


@dataclass
class RemindersPlan:
    today: date
    period: Period
    previous: Period
    reminders: list[Reminder]


def reminders_due(*, today: date) -> RemindersPlan:
    """Who is reminded of what today, each person once:

    - measures overdue or due within TASKS_DUE_SOON_DAYS: their owner and the liaisons of their
      lead body;
    - reports the liaisons of a lead body still owe: for the period being collected once its
      deadline is within TASKS_DUE_SOON_DAYS days, late ones of the period before it, and
      returned reports of either awaiting correction.
    """
    people: dict[int, Reminder] = {}

    def remind(user: AbstractBaseUser | None, kind: str, item: Measure | Row) -> None:
        if user is not None and user.is_active:
            people.setdefault(user.pk, Reminder(user)).add(kind, item)

    horizon = today + timedelta(days=settings.TASKS_DUE_SOON_DAYS)
    measures = (
        Measure.objects.open()
        .filter(due_date__lte=horizon, closed_on__isnull=True)
        .select_related("lead_body", "owner")
        .prefetch_related(liaisons_prefetch())
        .order_by("due_date", "rank")
    )
    for measure in measures:
        kind = "overdue" if measure.due_date < today else "due_soon"
        remind(measure.owner, kind, measure)
        for liaison in getattr(measure.lead_body, "liaisons", []):
            remind(liaison, kind, measure)

    period = current_period(today)
    previous = period.previous()
    if (deadline_of(period) - today).days <= settings.TASKS_DUE_SOON_DAYS:
        for row in period_rows(period, today):
            kind = {ReportState.MISSING: "reports_due", ReportState.RETURNED: "reports_returned"}
            if row.state in kind:
                for liaison in row.liaisons:
                    remind(liaison, kind[row.state], row)
    for row in period_rows(previous, today):
        kind = {ReportState.LATE: "reports_late", ReportState.RETURNED: "reports_returned"}
        if row.state in kind:
            for liaison in row.liaisons:
                remind(liaison, kind[row.state], row)
    reminders = sorted(people.values(), key=lambda r: r.user.get_username())
    return RemindersPlan(today=today, period=period, previous=previous, reminders=reminders)


def reminder_message(
    reminder: Reminder, *, plan: RemindersPlan, base_url: str = ""
) -> EmailMessage:
    """The e-mail, in the site's language (users have no language of their own)."""
    base = base_url.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reminder": reminder,
            "user": reminder.user,
            "today": plan.today,
            "period": plan.period,
            "deadline": deadline_of(plan.period),
            "previous": plan.previous,
            "previous_deadline": deadline_of(plan.previous),
            "base": base,
            "reports_url": base + reverse("tasks:report_list"),
        }
        subject = " ".join(render_to_string("email/reminder_subject.txt", context).split())
        body = render_to_string("email/reminder.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
    )


def already_reminded(*, today: date) -> set[int]:
    return set(ReminderLog.objects.filter(sent_on=today).values_list("user_id", flat=True))


def send_reminder(*, reminder: Reminder, plan: RemindersPlan, base_url: str = "") -> bool:
    """Send one person's e-mail unless they had one today: False if they had.

    The log row is written first, in the same transaction as the sending: a second run the same
    day (even at the same moment) finds it and sends nothing; a failed sending leaves no row."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    user=reminder.user, sent_on=plan.today, items=reminder.count
                )
        except IntegrityError:
            return False
        message = reminder_message(reminder, plan=plan, base_url=base_url)
        mailers.default.send_messages([message])
    return True

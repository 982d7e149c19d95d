"""Where a measure stands for a period, and the reporting calendar: which period is being
collected, when its reports are due, which measures owe one.

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

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import (
    Exists,
    OuterRef,
    Q,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import (
    Measure,
    ProgressReport,
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

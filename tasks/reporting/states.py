"""Where a measure stands for a period. Which measures owe a report for a period is the
models' (`Measure.objects.owing_report(period)`, `tasks.models.plan.owes_report`); when
reports are due is `tasks.schedule`'s.

A measure's state for a period: the review state of its report when one was filed (已报, 已退回,
已通过); otherwise, when it owes one, 未报 up to and including the deadline day and 逾期未报 from
the day after; when it owes none, 无需报送.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tasks.models import ProgressReport, plan
from tasks.periods import Period
from tasks.schedule import deadline_of

ReviewState = ProgressReport.ReviewState


class ReportState(models.TextChoices):
    """Where a measure stands for a period: 未报, 已报, 已退回, 已通过, 逾期未报 or 无需报送."""

    MISSING = "missing", gettext_lazy("Not reported")
    SUBMITTED = ReviewState.SUBMITTED.value, ReviewState.SUBMITTED.label
    RETURNED = ReviewState.RETURNED.value, ReviewState.RETURNED.label
    ACCEPTED = ReviewState.ACCEPTED.value, ReviewState.ACCEPTED.label
    LATE = "late", gettext_lazy("Overdue, not reported")
    NOT_OWED = "not_owed", gettext_lazy("No report owed")


def owes_report(period: Period) -> Q:
    """The condition on measures that owe a report for `period` (`plan.owes_report`)."""
    return plan.owes_report(period)


def state_for(
    review_state: str | None, *, period: Period, today: date, owes: bool = True
) -> ReportState:
    """A filed report's review state; else, if one is owed, 逾期未报 after the deadline day and
    未报 until then; else 无需报送."""
    if review_state:
        return ReportState(review_state)
    if not owes:
        return ReportState.NOT_OWED
    return ReportState.LATE if today > deadline_of(period) else ReportState.MISSING


def state_of(
    report: ProgressReport | None, *, period: Period, today: date, owes: bool = True
) -> ReportState:
    return state_for(report.review_state if report else None, period=period, today=today, owes=owes)

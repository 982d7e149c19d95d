"""When reports are due, as the settings say: the kind of period (month or quarter), each
period's deadline, the period being collected on a day, a period as a user writes it.

Below the models (which check a report's period with it) and the reporting cycle; it knows no
model. The periods themselves are `tasks.periods` (pure Python).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.periods import QUARTER, Period, PeriodError, collecting_period


def period_kind() -> str:
    return settings.TASKS_REPORT_PERIOD


def deadline_of(period: Period) -> date:
    return period.deadline(settings.TASKS_REPORT_DEADLINE_DAY)


def current_period(today: date) -> Period:
    """The period whose reports are being collected today (before or on its deadline)."""
    return collecting_period(today, period_kind(), settings.TASKS_REPORT_DEADLINE_DAY)


def period_of(day: date) -> Period:
    """The reporting period a day falls in."""
    return Period.containing(day, period_kind())


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


def end_of(period: Period) -> datetime:
    """The first instant after the period, in the site's time zone."""
    return timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))


def periods_before(period: Period) -> Q:
    """Reports of periods that ended before `period` began, written by month or by quarter."""
    quarter = Period.containing(period.start, QUARTER)
    return Q(period__contains="-", period__lt=f"{period.start:%Y-%m}") | Q(
        period__contains="Q", period__lt=str(quarter)
    )


def periods_after(period: Period) -> Q:
    """Reports of periods that begin after `period` ended, written by month or by quarter."""
    quarter = Period.containing(period.end, QUARTER)
    return Q(period__contains="-", period__gt=f"{period.end:%Y-%m}") | Q(
        period__contains="Q", period__gt=str(quarter)
    )

"""Reporting periods: a month ("2026-11") or a quarter ("2026Q4"), and when each report is due.

Pure Python (no Django import), so the rules can be tested at their edges on their own. A
period's report is due on a set day of the month after the period ends (the 5th by default):
the report for 2026-11 by 2026-12-05, for 2026Q4 by 2027-01-05.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH, QUARTER = "month", "quarter"
# How a period is written: a month (2026-11) or a quarter (2026Q4). The database field checks
# the same pattern (tasks.models.reporting).
PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$|^\d{4}Q[1-4]$"
_MATCHES = re.compile(PATTERN)


class PeriodError(ValueError):
    """Not a period: write a month as 2026-11 or a quarter as 2026Q4."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int  # 1..12
    months: int  # 1 for a month, 3 for a quarter

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text.strip()
        if not _MATCHES.match(text):
            raise PeriodError(text)
        year, rest = int(text[:4]), text[4:]
        if rest.startswith("-"):
            return cls(year, int(rest[1:]), 1)
        return cls(year, (int(rest[1:]) - 1) * 3 + 1, 3)

    @classmethod
    def containing(cls, day: date, kind: str = MONTH) -> Period:
        if kind == QUARTER:
            return cls(day.year, (day.month - 1) // 3 * 3 + 1, 3)
        return cls(day.year, day.month, 1)

    @property
    def kind(self) -> str:
        return QUARTER if self.months == 3 else MONTH

    def __str__(self) -> str:
        if self.months == 3:
            return f"{self.year}Q{(self.first_month - 1) // 3 + 1}"
        return f"{self.year}-{self.first_month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        index = self.year * 12 + self.first_month - 1 + self.months
        return Period(index // 12, index % 12 + 1, self.months)

    def previous(self) -> Period:
        index = self.year * 12 + self.first_month - 1 - self.months
        return Period(index // 12, index % 12 + 1, self.months)

    def deadline(self, day_of_month: int) -> date:
        """The day the report is due: `day_of_month` of the month after the period (clamped)."""
        following = self.next().start
        last = (following.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return following.replace(day=min(max(day_of_month, 1), last.day))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def collecting_period(today: date, kind: str, deadline_day: int) -> Period:
    """The period whose reports are being collected today: the earliest one still before its
    deadline (on 3 December, November — due the 5th; on 6 December, December)."""
    previous = Period.containing(today, kind).previous()
    return previous if today <= previous.deadline(deadline_day) else previous.next()

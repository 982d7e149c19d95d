"""Reporting periods and their deadlines, at the edges."""

from datetime import date

import pytest

from tasks.periods import MONTH, QUARTER, Period, PeriodError, collecting_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2027Q1", date(2027, 1, 1), date(2027, 3, 31)),
    ],
)
def test_periods_read_and_span(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end, str(period)) == (start, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "2026Q5", "26Q1", "2026/11", "", "Q4"])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_next_and_previous_cross_years():
    assert str(Period.parse("2026-12").next()) == "2027-01"
    assert str(Period.parse("2027Q1").previous()) == "2026Q4"
    assert Period.containing(date(2026, 11, 24), QUARTER) == Period.parse("2026Q4")


def test_deadline_is_a_day_of_the_following_month():
    assert Period.parse("2026-11").deadline(5) == date(2026, 12, 5)
    assert Period.parse("2026Q4").deadline(5) == date(2027, 1, 5)
    assert Period.parse("2027-01").deadline(31) == date(2027, 2, 28)  # clamped


@pytest.mark.parametrize(
    ("today", "kind", "expected"),
    [
        (date(2026, 11, 24), MONTH, "2026-11"),
        (date(2026, 12, 5), MONTH, "2026-11"),  # the deadline day itself
        (date(2026, 12, 6), MONTH, "2026-12"),
        (date(2027, 1, 5), QUARTER, "2026Q4"),
        (date(2027, 1, 6), QUARTER, "2027Q1"),
    ],
)
def test_the_period_being_collected(today, kind, expected):
    assert str(collecting_period(today, kind, 5)) == expected

"""Roll-up (DESIGN §7): a measure with measures below it — sub-measures of its own plan, or the
measures it was handed down as — takes its figures from them.

- progress: their weighted mean (each one's `weight`; 1 each by default: the mean);
- status: completed when all of them are; in progress once any has started (a measure under
  way is never set back to not started; a completed one reopens when one below reopens);
- light: the worst of its own and theirs. A light depends on the day, so what is kept is the
  first day on which any measure below turns red (`below_red_from`) or yellow
  (`below_yellow_from`); `MeasureQuerySet.with_light` compares them with today in the
  database, for every list at once.

The figures are kept in the measure's own columns and brought up to date in the transaction of
each change below it (`Measure.save` calls `Measure.roll_up`, which uses `figures`), one level
after the other up to the root: every page reads them as plain columns, never computing a tree
per row. A closed (销号) measure keeps its figures. This module computes; it reads and writes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings

# Measure.Status values (this module reads rows, not models)
NOT_STARTED, IN_PROGRESS, DONE, SUSPENDED = "not_started", "in_progress", "done", "suspended"
CLOSED = (DONE, SUSPENDED)
# What is read of each measure below: these fields, then below_red_from and below_yellow_from.
FIELDS = ("progress", "status", "start_date", "due_date", "weight")


def own_red_from(status: str, progress: int, start: date | None, due: date | None) -> date | None:
    """The first day a measure turns red by its own figures (see `with_light`), or None."""
    if status in CLOSED or due is None:
        return None
    first = due + timedelta(days=1)
    span = (due - start).days if start else 0
    if span > 0:
        behind = start + timedelta(days=span * (progress + settings.TASKS_BEHIND_MARGIN) // 100 + 1)
        first = min(first, behind)
    return first


def own_yellow_from(status: str, due: date | None) -> date | None:
    if status in CLOSED or due is None:
        return None
    return due - timedelta(days=settings.TASKS_DUE_SOON_DAYS)


def _earliest(*days: date | None) -> date | None:
    found = [day for day in days if day is not None]
    return min(found) if found else None


def figures(rows: Iterable[tuple], *, status: str) -> dict[str, object]:
    """What a measure takes from the measures below it (`rows`: their FIELDS and below_*
    values); `status` is its own, kept when it is suspended."""
    rows = list(rows)
    result: dict[str, object] = {"below_red_from": None, "below_yellow_from": None}
    if not rows:
        return result
    total = sum(row[4] for row in rows)
    if total:
        weighted = sum(row[0] * row[4] for row in rows)
        progress = (2 * weighted + total) // (2 * total)
    else:
        progress = (2 * sum(row[0] for row in rows) + len(rows)) // (2 * len(rows))
    result["progress"] = progress
    statuses = {row[1] for row in rows}
    if status != SUSPENDED:
        if statuses == {DONE}:
            result["status"], result["progress"] = DONE, 100
        elif status == DONE or progress or statuses & {IN_PROGRESS, DONE}:
            result["status"] = IN_PROGRESS
        else:
            result["status"] = status  # not started, or under way by its own account
    for row in rows:
        progress_, status_, start, due, _weight, red, yellow = row
        result["below_red_from"] = _earliest(
            result["below_red_from"], own_red_from(status_, progress_, start, due), red
        )
        result["below_yellow_from"] = _earliest(
            result["below_yellow_from"], own_yellow_from(status_, due), yellow
        )
    return result

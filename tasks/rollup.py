"""Roll-up (DESIGN §7): a measure with measures below it — sub-measures of its own plan, or the
measures it was handed down as — takes its figures from them.

- progress: their weighted mean (each one's `weight`; 1 each by default: the mean);
- status: completed when all of them are; in progress once any has started;
- light: the worst of its own and theirs. A light depends on the day, so what is kept is the
  first day on which any measure below turns red (`below_red_from`) or yellow
  (`below_yellow_from`); `MeasureQuerySet.with_light` compares them with today in the
  database, for every list at once.

The figures are kept in the measure's own columns and brought up to date in the transaction of
each change below it (`Measure.save` calls `above`), one level after the other up to the root:
every page reads them as plain columns, never computing a tree per row. A closed (销号)
measure keeps its figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from tasks.models import CLOSED_STATUSES, Measure

FIELDS = ("progress", "status", "start_date", "due_date", "weight")


def own_red_from(status: str, progress: int, start: date | None, due: date | None) -> date | None:
    """The first day a measure turns red by its own figures (see `with_light`), or None."""
    if status in CLOSED_STATUSES or due is None:
        return None
    first = due + timedelta(days=1)
    span = (due - start).days if start else 0
    if span > 0:
        behind = start + timedelta(days=span * (progress + settings.TASKS_BEHIND_MARGIN) // 100 + 1)
        first = min(first, behind)
    return first


def own_yellow_from(status: str, due: date | None) -> date | None:
    if status in CLOSED_STATUSES or due is None:
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
    if status != Measure.Status.SUSPENDED:
        if statuses == {Measure.Status.DONE}:
            result["status"], result["progress"] = Measure.Status.DONE, 100
        elif progress or statuses & {Measure.Status.IN_PROGRESS, Measure.Status.DONE}:
            result["status"] = Measure.Status.IN_PROGRESS
        else:
            result["status"] = Measure.Status.NOT_STARTED
    for row in rows:
        progress_, status_, start, due, _weight, red, yellow = row
        result["below_red_from"] = _earliest(
            result["below_red_from"], own_red_from(status_, progress_, start, due), red
        )
        result["below_yellow_from"] = _earliest(
            result["below_yellow_from"], own_yellow_from(status_, due), yellow
        )
    return result


def refresh(measure_id: int) -> None:
    """Bring a measure's rolled-up figures up to date with the measures below it; a change
    rolls on to the measure above it (through `Measure.save`)."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update().filter(pk=measure_id).first()
        if measure is None:
            return
        rows = Measure.objects.filter(parent_id=measure_id).values_list(
            *FIELDS, "below_red_from", "below_yellow_from"
        )
        wanted = figures(rows, status=measure.status)
        if measure.closed_on:
            wanted = {key: value for key, value in wanted.items() if key.startswith("below_")}
        changed = [name for name, value in wanted.items() if getattr(measure, name) != value]
        if not changed:
            return
        for name in changed:
            setattr(measure, name, wanted[name])
        measure.version += 1
        measure.save(update_fields=[*changed, "version", "updated_at"])


def above(measure: Measure) -> None:
    """After a change to `measure`: its parent (and so on up) rolls it up."""
    if measure.parent_id:
        refresh(measure.parent_id)
    loaded_parent = getattr(measure, "_loaded", {}).get("parent_id")
    if loaded_parent and loaded_parent != measure.parent_id:
        refresh(loaded_parent)


def rebuild(measure_ids: Iterable[int] | None = None) -> int:
    """Recompute every measure with measures below it, the deepest first (after rows were
    written without `save`: the demo generator); how many changed is not counted, the number
    of parents is returned."""
    parents = set(
        Measure.objects.filter(parent__isnull=False).values_list("parent_id", flat=True)
    )
    if measure_ids is not None:
        parents &= set(measure_ids)
    parent_of = dict(Measure.objects.filter(pk__in=parents).values_list("pk", "parent_id"))

    def depth(pk: int) -> int:
        count, current = 0, parent_of.get(pk)
        while current is not None and count < 100:
            count, current = count + 1, parent_of.get(current)
        return count

    for pk in sorted(parents, key=depth, reverse=True):
        refresh(pk)
    return len(parents)

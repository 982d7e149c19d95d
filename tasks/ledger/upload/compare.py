"""Telling a cell left as exported from one the office changed.

A ledger comes back with every cell the export wrote. A cell counts as changed only when it
differs from what the measure holds; the comparison is made on the meaning, not the text
(2026/12/31 is the date 2026-12-31, 张三 is the owner whose full name that is, 45% is 45), so an
untouched export changes nothing, whatever the measures hold.

- `State`: what the upload can change on a measure, now (`State.of`) or at the version a sheet
  was exported at (`states_then`, from the history), and `matches(key, cell, state)`.
- `exported_values`: the columns the upload does not change, as the export writes them today
  (in every language of the site: a sheet exported in English reads back in Chinese), so that
  a read-only cell is mentioned only when it differs.
- `READ_ONLY`: why each of those columns is not read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tasks import clock
from tasks.filters import filtered_measures
from tasks.ledger import MeasureRow, ledger_queryset, ledger_rows
from tasks.ledger.upload.cells import (
    _CellError,
    _squash,
    _text,
    _whole,
    names_user,
    parse_date,
    parse_priority,
    parse_progress,
)
from tasks.models import Measure

LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass(frozen=True)
class State:
    """What the upload reads of a measure (and the read-only fields a history holds too)."""

    version: int
    owner: AbstractBaseUser | None
    lead_body: int | None
    cooperating: frozenset[int]
    start_date: date | None
    due_date: date | None
    deadline_note: str
    priority: int
    progress: int
    status: str
    rank: int

    @classmethod
    def of(cls, measure: Measure) -> State:
        """The measure as it is (its owner and cooperating bodies fetched with it)."""
        return cls(
            version=measure.version,
            owner=measure.owner,
            lead_body=measure.lead_body_id,
            cooperating=frozenset(b.pk for b in measure.cooperating_bodies.all()),
            start_date=measure.start_date,
            due_date=measure.due_date,
            deadline_note=measure.deadline_note,
            priority=measure.priority,
            progress=measure.progress,
            status=measure.status,
            rank=measure.rank,
        )


def states_then(versions: dict[int, int]) -> dict[int, State]:
    """Each measure (id → version) as it was saved at that version, from its history; a
    measure whose history does not reach back to it (made in bulk) is left out."""
    if not versions:
        return {}
    History = Measure.history.model
    records: dict[int, object] = {}
    for record in History.objects.filter(
        id__in=list(versions), version__in=set(versions.values())
    ).order_by("history_id"):
        if versions.get(record.id) == record.version:
            records[record.id] = record  # the last record of that version wins
    return _states(records)


def states_before(measure_ids: Iterable[int], day: date) -> dict[int, State]:
    """Each measure as it was at the end of the day before `day` (the last version saved
    before it began); those made on or after it are left out."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    History = Measure.history.model
    last = (
        History.objects.filter(id__in=list(measure_ids), history_date__lt=start)
        .values("id")
        .annotate(last=Max("history_id"))
        .values_list("last", flat=True)
    )
    return _states({r.id: r for r in History.objects.filter(history_id__in=list(last))})


def _states(records: dict[int, object]) -> dict[int, State]:
    if not records:
        return {}
    by_history = {record.history_id: pk for pk, record in records.items()}
    cooperating: dict[int, set[int]] = {pk: set() for pk in records}
    through = Measure.history.model._meta.get_field(
        "historicalmeasure_cooperating_bodies"
    ).related_model
    for history_id, body in through.objects.filter(history_id__in=list(by_history)).values_list(
        "history_id", "responsiblebody_id"
    ):
        cooperating[by_history[history_id]].add(body)
    owners = get_user_model().objects.in_bulk({r.owner_id for r in records.values() if r.owner_id})
    return {
        pk: State(
            version=r.version,
            owner=owners.get(r.owner_id),
            lead_body=r.lead_body_id,
            cooperating=frozenset(cooperating[pk]),
            start_date=r.start_date,
            due_date=r.due_date,
            deadline_note=r.deadline_note,
            priority=r.priority,
            progress=r.progress,
            status=r.status,
            rank=r.rank,
        )
        for pk, r in records.items()
    }


def _names(text: str) -> set[str]:
    return {n.strip() for n in LIST_SEPARATORS.split(text) if n.strip()}


def matches(
    key: str, value: object, state: State, *, body_names: dict[int, str], number_format: str = ""
) -> bool:
    """Does the cell of column `key` say what `state` holds? (An untouched cell does.)"""
    text = _text(value)
    try:
        if key == "owner":
            return names_user(text, state.owner)
        if key == "lead_body":
            name = body_names.get(state.lead_body, "") if state.lead_body else ""
            return _squash(text) == _squash(name)
        if key == "cooperating":
            return _names(text) == {body_names.get(pk, "") for pk in state.cooperating}
        if key == "start_date":
            return parse_date(value) == state.start_date
        if key == "due_date":
            return deadline_matches(value, state)
        if key == "priority":
            return parse_priority(value) == state.priority
        if key == "progress":
            return parse_progress(value, number_format) == state.progress
    except _CellError:
        return False
    if key == "rank":
        return _whole(value) == state.rank
    if key == "status":
        return _squash(text) in {_squash(label) for label in choice_labels(state.status)}
    return False


def deadline_matches(value: object, state: State) -> bool:
    """完成时限 as exported: the date, or the note (a measure may hold both, 6月底前 and its
    day: the export writes one of them), or nothing when it holds neither."""
    text = _text(value)
    if not text:
        return state.due_date is None and not state.deadline_note
    if state.deadline_note and _squash(text) == _squash(state.deadline_note):
        return True
    try:
        return state.due_date is not None and parse_date(value) == state.due_date
    except _CellError:
        return False


def choice_labels(status: str) -> set[str]:
    """A status's label in every language of the site, and its value."""
    labels = {status}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(str(dict(Measure.Status.choices).get(status, status)))
    return labels


def exported_values(measure_ids: Iterable[int]) -> dict[int, list[dict[str, object]]]:
    """What the export writes today for these measures, row value by column key, once in each
    language of the site (the ledger's own query and rows: a column the export adds is
    compared too)."""
    ids = list(measure_ids)
    found: dict[int, list[dict[str, object]]] = {}
    if not ids:
        return found
    day = clock.today()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            measures = ledger_queryset(filtered_measures(None, day), None).filter(pk__in=ids)
            for row in ledger_rows(measures):
                if isinstance(row, MeasureRow):
                    found.setdefault(row.values["id"], []).append(row.values)
    return found


# -- the columns the upload does not change ----------------------------------------------------


def read_only_reason(key: str) -> str:
    """Why a column is not read back, for the preview: where that value is changed instead."""
    reasons = {
        "number": _("The ledger numbers its rows itself: ignored."),
        "area": _("A measure's reform area is changed in the admin: ignored."),
        "rank": _("The priority order is changed on the priority order page: ignored."),
        "status": _(
            "The status is changed through progress reports (or by the office on the measure "
            "page): ignored."
        ),
        "light": _("The traffic light is computed from the dates and the progress: ignored."),
    }
    reports = _("Progress, problems and next steps are filed on the report page: ignored.")
    reasons |= dict.fromkeys(("latest_progress", "problems", "next_steps"), reports)
    if key in reasons:
        return reasons[key]
    if "milestone" in key:
        return _("Milestones are changed on the measure page: ignored.")
    if "extension" in key:
        return _("An extension is asked for and decided on the measure page: ignored.")
    if "clos" in key:
        return _("A measure is closed (销号) on its page: ignored.")
    return _("The export writes this column for reading; an upload does not change it: ignored.")

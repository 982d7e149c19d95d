"""The preview: each row matched to its measure, checked, and compared with the database."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from tasks.ledger import LEDGER_COLUMNS, SEPARATOR
from tasks.ledger.upload.cells import (
    _body,
    _CellError,
    _norm,
    _People,
    _text,
    _whole,
    parse_date,
    parse_deadline,
    parse_priority,
    parse_progress,
)
from tasks.ledger.upload.sheet import UploadError, _Row, _sheet_rows
from tasks.models import Measure, ResponsibleBody
from tasks.models.versioning import person

# The columns an upload changes, and the measure fields each one sets.
READ_COLUMNS = {
    "lead_body": ("lead_body",),
    "cooperating": ("cooperating_bodies",),
    "owner": ("owner",),
    "start_date": ("start_date",),
    "due_date": ("due_date", "deadline_note"),
    "priority": ("priority",),
    "progress": ("progress",),
}
FIELD_ORDER = (
    "owner",
    "lead_body",
    "cooperating_bodies",
    "start_date",
    "due_date",
    "deadline_note",
    "priority",
    "progress",
)
_LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class RowChange:
    """A row that changes its measure: what it changes, and the new values to apply."""

    row: int
    measure_id: int
    version: int
    rank: int
    title: str
    changes: list[FieldChange]
    values: dict[str, object]  # field name → new value, ready for JSON (pks, ISO dates)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Preview:
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0
    columns: list[str] = field(default_factory=list)  # the headers read, as written

    @property
    def ok(self) -> bool:
        return not self.errors


def _same_title(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


class _Problems:
    """The problems of one row, each with its column's header."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.found: list[RowError] = []
        self.labels = {c.key: str(c.label) for c in LEDGER_COLUMNS}

    def add(self, key: str, message: str) -> None:
        self.found.append(RowError(self.row, self.labels.get(key, key), message))


def read_ledger(file: IO[bytes]) -> Preview:
    """Read an edited ledger and say what it would change; write nothing.

    Raises UploadError when the file as a whole cannot be used."""
    header, written, rows = _sheet_rows(file)
    readable = [key for key in READ_COLUMNS if key in header]
    if not readable:
        labels = {c.key: str(c.label) for c in LEDGER_COLUMNS}
        raise UploadError(
            _("The header row has none of the columns an upload changes: %(columns)s.")
            % {"columns": "、".join(labels[key] for key in READ_COLUMNS)}
        )
    if not rows:
        raise UploadError(_("The file has no measure rows under its header row: nothing to do."))

    ids = {n for row in rows if (n := _whole(row.cells.get("id"))) is not None}
    ranks = {n for row in rows if (n := _whole(row.cells.get("rank"))) is not None}
    measures = list(
        Measure.objects.filter(Q(pk__in=ids) | Q(rank__in=ranks))
        .select_related("lead_body", "owner")
        .prefetch_related("cooperating_bodies", "milestones")
    )
    by_id = {m.pk: m for m in measures}
    by_rank = {m.rank: m for m in measures}
    bodies = dict(ResponsibleBody.objects.values_list("name", "pk"))
    body_names = {pk: name for name, pk in bodies.items()}
    people = _People()

    preview = Preview(rows=len(rows), columns=written)
    seen: dict[int, int] = {}
    for row in rows:
        problems = _Problems(row.number)
        _unreadable_cells(row, readable, problems)
        if problems.found:
            preview.errors.extend(problems.found)
            continue
        measure = _match(row, by_id, by_rank, problems)
        if measure is not None and measure.pk in seen:
            problems.add(
                "title",
                _("“%(title)s” is already on row %(row)d.")
                % {"title": measure.title, "row": seen[measure.pk]},
            )
        if problems.found:
            preview.errors.extend(problems.found)
            continue
        seen[measure.pk] = row.number
        new: dict[str, object] = {}
        for key in readable:
            try:
                new.update(_read_cell(key, row, bodies, people))
            except _CellError as error:
                problems.add(key, str(error))
        if problems.found:
            preview.errors.extend(problems.found)
            continue
        changes, values = _differences(measure, new, body_names, people)
        if not changes:
            preview.unchanged += 1
            continue
        _check(measure, new, problems)
        if problems.found:
            preview.errors.extend(problems.found)
            continue
        preview.changes.append(
            RowChange(
                row=row.number,
                measure_id=measure.pk,
                version=measure.version,
                rank=measure.rank,
                title=measure.title,
                changes=changes,
                values=values,
            )
        )
    return preview


# The columns that say which measure a row is about.
MATCH_COLUMNS = ("id", "rank", "title")


def _unreadable_cells(row: _Row, readable: list[str], problems: _Problems) -> None:
    """A cell the upload reads that holds a formula never calculated is not empty: the row is
    refused, naming the cell, rather than clear the field."""
    for key, cell in row.unreadable.items():
        if key in readable or key in MATCH_COLUMNS:
            problems.add(
                key,
                _(
                    "Cell %(cell)s holds a formula whose value was never calculated, so it "
                    "cannot be read. Type the value into the cell, or open the file in Excel "
                    "or WPS and save it (which calculates the formulas), then upload it again."
                )
                % {"cell": cell},
            )


def _match(row: _Row, by_id: dict, by_rank: dict, problems: _Problems) -> Measure | None:
    """The measure a row is about: by its ID (and the title must agree), else by rank and title."""
    title = _text(row.cells.get("title"))
    raw_id = _text(row.cells.get("id"))
    if raw_id:
        pk = _whole(raw_id)
        measure = by_id.get(pk) if pk is not None else None
        if measure is None:
            problems.add(
                "id", _("No measure has the ID %(id)s: it may have been deleted.") % {"id": raw_id}
            )
        elif title and not _same_title(title, measure.title):
            problems.add(
                "title",
                _(
                    "The ID %(id)s belongs to “%(actual)s”, but this row says “%(title)s”: the "
                    "rows and the ID column may have been sorted apart. Export the ledger again "
                    "and copy your changes into it."
                )
                % {"id": pk, "actual": measure.title, "title": title},
            )
            measure = None
        return measure
    raw_rank = _text(row.cells.get("rank"))
    if not raw_rank or not title:
        problems.add(
            "rank",
            _("This row has no ID, and not both a rank and a title: it cannot be matched."),
        )
        return None
    measure = by_rank.get(_whole(raw_rank))
    if measure is None or not _same_title(title, measure.title):
        problems.add(
            "title",
            _(
                "No measure ranked %(rank)s is titled “%(title)s”. Rows without an ID are "
                "matched by rank and title together."
            )
            % {"rank": raw_rank, "title": title},
        )
        return None
    return measure


def _read_cell(key: str, row: _Row, bodies: dict[str, int], people: _People) -> dict:
    value = row.cells.get(key)
    text = _text(value)
    if key == "lead_body":
        return {"lead_body": _body(bodies, text) if text else None}
    if key == "cooperating":
        names = [n.strip() for n in _LIST_SEPARATORS.split(text) if n.strip()]
        unknown = [n for n in names if n not in bodies]
        if unknown:
            raise _CellError(
                _("No responsible body is named “%(name)s”.") % {"name": "”、“".join(unknown)}
            )
        return {"cooperating_bodies": sorted({bodies[n] for n in names})}
    if key == "owner":
        return {"owner": people.find(text).pk if text else None}
    if key == "start_date":
        return {"start_date": parse_date(value)}
    if key == "due_date":
        due, note = parse_deadline(value)
        return {"due_date": due, "deadline_note": note}
    if key == "priority":
        return {"priority": parse_priority(value)}
    if key == "progress":
        return {"progress": parse_progress(value, row.formats.get(key, ""))}
    raise KeyError(key)


# Where a rule's refusal is shown: the column that holds the field.
RULE_COLUMNS = {"deadline_note": "due_date", NON_FIELD_ERRORS: "title"}


def edited(measure: Measure, new: dict[str, object]) -> Measure:
    """A copy of the measure with a row's values (ids for people and bodies), not saved; it
    shares what the measure fetched (its milestones) and what it was read as."""
    row = copy.copy(measure)
    for name, value in new.items():
        if name != "cooperating_bodies":
            setattr(row, f"{name}_id" if name in {"owner", "lead_body"} else name, value)
    return row


def _check(measure: Measure, new: dict[str, object], problems: _Problems) -> None:
    """The measure's own rules (`Measure.clean`) on the row's values: what the measure page
    refuses, the upload refuses, with the same words."""
    try:
        edited(measure, new).clean()
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {"title": error.messages}
        for field, messages in by_field.items():
            for message in messages:
                problems.add(RULE_COLUMNS.get(field, field), message)


def _show(value: object) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _differences(measure: Measure, new: dict, body_names: dict[int, str], people: _People):
    """The fields `new` changes on `measure`: (label, before, after) shown, and the values."""
    current = {
        "owner": measure.owner_id,
        "lead_body": measure.lead_body_id,
        "cooperating_bodies": sorted(b.pk for b in measure.cooperating_bodies.all()),
        "start_date": measure.start_date,
        "due_date": measure.due_date,
        "deadline_note": measure.deadline_note,
        "priority": measure.priority,
        "progress": measure.progress,
    }
    priorities = dict(Measure.Priority.choices)

    def shown(name: str, value: object) -> str:
        if name == "owner":
            if value == measure.owner_id and measure.owner:
                return person(measure.owner)
            return person(people.by_pk.get(value)) if value else "—"
        if name == "lead_body":
            return body_names.get(value, "—") if value else "—"
        if name == "cooperating_bodies":
            return SEPARATOR.join(sorted(body_names.get(pk, "?") for pk in value)) or "—"
        if name == "priority":
            return str(priorities.get(value, value))
        if name == "progress":
            return f"{value}%"
        return _show(value)

    changes, values = [], {}
    for name in FIELD_ORDER:
        if name not in new or new[name] == current[name]:
            continue
        label = str(Measure._meta.get_field(name).verbose_name)
        changes.append(FieldChange(label, shown(name, current[name]), shown(name, new[name])))
        value = new[name]
        values[name] = value.isoformat() if isinstance(value, date) else value
    return changes, values

"""The preview: each row matched to its measure, checked, and compared with the database.

Every cell of a row ends in one of four places: a change (a column the upload applies, whose
cell says something else than the measure holds), an error (the row cannot be used), a note
that it is ignored (a column the upload does not change, whose cell differs from what the
export writes there; a column the ledger does not have), or nowhere, because it says what the
measure holds. Nothing typed is dropped without a word.

A row is stale when its measure was saved after the sheet was exported (the sheet's hidden
VERSION is older than the measure's). Its cells that still hold the values of that version
are the newer values' predecessors, not edits: the newer values are kept. What else it
changes is shown with what changed in between and by whom, and applied only when the office
ticks the row.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.ledger import LEDGER_COLUMNS, SEPARATOR
from tasks.ledger.upload.cells import (
    _body,
    _CellError,
    _norm,
    _People,
    _squash,
    _text,
    _whole,
    parse_date,
    parse_deadline,
    parse_priority,
    parse_progress,
    same_cell,
)
from tasks.ledger.upload.compare import (
    LIST_SEPARATORS,
    State,
    exported_values,
    matches,
    read_only_reason,
    states_before,
    states_then,
)
from tasks.ledger.upload.sheet import Sheet, UploadError, _Row, read_sheet
from tasks.models import Measure, ResponsibleBody
from tasks.models.versioning import ChangesSince, changes_since, history_from, person

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
# The columns that say which measure a row is about, and at which version it was exported.
MATCH_COLUMNS = ("id", "rank", "title", "version")
# Of those, the ones that must say what the measure holds (a rank can be edited beside an ID)
IDENTITY_COLUMNS = ("id", "title", "version")
SHOWN_LENGTH = 80  # characters of an ignored cell shown in the preview


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    name: str = ""  # the measure's field
    # for scripts (import_ledger --format json): progress a number, the rest as shown, empty None
    old: object = None
    new: object = None


@dataclass
class Staleness:
    """A row exported before its measure was last saved: what changed since, and by whom.

    Listed in the preview whether or not the row changes anything: its cells that still hold
    the older values (`kept`) keep the newer ones; what else it changes (`change`) is applied
    only when the office ticks the row."""

    row: int
    measure_id: int
    rank: int
    title: str
    exported_version: int | None  # the sheet's VERSION; None when it has none
    current_version: int
    exported_on: date | None  # the day the sheet's title names (a sheet without VERSION)
    since: ChangesSince | None = None  # filled for all stale rows at once (one query)
    kept: list[str] = field(default_factory=list)  # columns that held the older value
    change: RowChange | None = None

    @property
    def summary(self) -> str:
        since = self.since
        values = {
            "people": since.people if since else _("someone"),
            "when": since.when if since else "—",
            "detail": since.detail if since else _("no field you can see"),
        }
        if self.exported_version is not None:
            return _(
                "Changed in the task book after this sheet was exported (version %(then)d, "
                "now %(now)d) by %(people)s, last at %(when)s: %(detail)s."
            ) % {**values, "then": self.exported_version, "now": self.current_version}
        if self.exported_on is not None:
            return _(
                "The sheet has no VERSION column; it was exported on %(day)s, and the measure "
                "was changed on or after that day by %(people)s, last at %(when)s: %(detail)s."
            ) % {**values, "day": self.exported_on.isoformat()}
        return (
            _(
                "The sheet does not say when it was made (no VERSION column, no date in its "
                "title); the measure was last changed by %(people)s at %(when)s: %(detail)s."
            )
            % values
        )


@dataclass
class RowChange:
    """A row that changes its measure: what it changes, and the new values to apply."""

    row: int
    measure_id: int
    version: int  # the measure's version now: the confirmation applies against it
    rank: int
    title: str
    changes: list[FieldChange]
    values: dict[str, object]  # field name → new value, ready for JSON (pks, ISO dates)
    stale: Staleness | None = None  # applied only when the office ticks it


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Ignored:
    """A cell the upload does not read, though it differs from what the export writes."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class Preview:
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    unchanged: int = 0  # rows that change nothing
    # every row whose measure was saved after the sheet was exported, changing or not
    stale_rows: list[Staleness] = field(default_factory=list)
    rows: int = 0
    columns: list[str] = field(default_factory=list)  # the headers read, as written
    versioned: bool = True  # the sheet has the VERSION column
    exported_on: date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def fresh(self) -> list[RowChange]:
        return [change for change in self.changes if change.stale is None]

    @property
    def stale(self) -> list[RowChange]:
        """The changes of stale rows: applied only when ticked."""
        return [change for change in self.changes if change.stale is not None]

    @property
    def outdated(self) -> int:
        """Stale rows that change nothing: their newer values are kept."""
        return sum(1 for row in self.stale_rows if row.change is None)


def _same_title(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


class _Problems:
    """The problems of one row, each with its column's header."""

    def __init__(self, row: int, headers: dict[str, str]) -> None:
        self.row = row
        self.found: list[RowError] = []
        self.labels = {c.key: str(c.label) for c in LEDGER_COLUMNS} | headers

    def add(self, key: str, message: str) -> None:
        self.found.append(RowError(self.row, self.labels.get(key, key), message))


def read_ledger(file: IO[bytes], plan: int | None = None) -> Preview:
    """Read an edited ledger of a federation's plan (`plan`: its id; None: the only plan) and
    say what it would change; write nothing. A row of another federation's measure is an
    error: each office uploads its own plan's ledger.

    Raises UploadError when the file as a whole cannot be used."""
    sheet = read_sheet(file)
    readable = [key for key in READ_COLUMNS if key in sheet.header]
    if not readable:
        labels = {c.key: str(c.label) for c in LEDGER_COLUMNS}
        raise UploadError(
            _("The header row has none of the columns an upload changes: %(columns)s.")
            % {"columns": "、".join(labels[key] for key in READ_COLUMNS)}
        )
    if not sheet.rows:
        raise UploadError(_("The file has no measure rows under its header row: nothing to do."))
    return _Reading(sheet, readable, plan).preview()


class _Reading:
    """One sheet read against the database: rows matched first, then compared in bulk."""

    def __init__(self, sheet: Sheet, readable: list[str], plan: int | None) -> None:
        self.sheet, self.readable, self.plan = sheet, readable, plan
        rows = sheet.rows
        ids = {n for row in rows if (n := _whole(row.cells.get("id"))) is not None}
        ranks = {n for row in rows if (n := _whole(row.cells.get("rank"))) is not None}
        in_plan = Q() if plan is None else Q(federation_id=plan)
        measures = list(
            Measure.objects.filter(Q(pk__in=ids) | (Q(rank__in=ranks) & in_plan))
            .select_related("lead_body", "owner", "area")
            .prefetch_related("cooperating_bodies", "milestones")
        )
        self.by_id = {m.pk: m for m in measures}
        self.by_rank = {m.rank: m for m in measures}
        self.bodies = dict(ResponsibleBody.objects.values_list("name", "pk"))
        self.body_names = {pk: name for name, pk in self.bodies.items()}
        self.people = _People()
        self.stale_since: dict[int, tuple[Measure, int]] = {}  # measure id → (it, version)
        # each column's name as the sheet writes it (else as the export does), once
        self.labels = {c.key: str(c.label) for c in LEDGER_COLUMNS} | sheet.headers
        self.result = Preview(
            rows=len(rows),
            columns=sheet.written,
            versioned="version" in sheet.header,
            exported_on=sheet.exported_on,
        )

    def preview(self) -> Preview:
        matched = self._match_rows()
        self.exported = exported_values(measure.pk for _row, measure, _v in matched)
        self.then = self._states_then(matched)
        numbers = _numbering(self.sheet.rows)
        for row, measure, version in matched:
            self._read_row(row, measure, version, numbers.get(row.number, ()))
        self._describe_stale()
        self.result.ignored.extend(_unknown_columns(self.sheet))
        self.result.ignored.sort(key=lambda ignored: ignored.row)
        return self.result

    # -- which measure, at which version -------------------------------------------------------

    def _match_rows(self) -> list[tuple[_Row, Measure, int | None]]:
        matched, seen = [], {}
        for row in self.sheet.rows:
            problems = _Problems(row.number, self.sheet.headers)
            _unreadable_cells(row, self.readable, problems)
            measure = None if problems.found else _match(row, self.by_id, self.by_rank, problems)
            if measure is not None and self.plan is not None and measure.federation_id != self.plan:
                problems.add(
                    "id",
                    _(
                        "“%(title)s” is in another federation's plan: its own reform office "
                        "uploads its ledger."
                    )
                    % {"title": measure.title},
                )
                measure = None
            if measure is not None and measure.pk in seen:
                problems.add(
                    "title",
                    _("“%(title)s” is already on row %(row)d.")
                    % {"title": measure.title, "row": seen[measure.pk]},
                )
            version = _version(row, measure, problems) if measure and not problems.found else None
            if problems.found:
                self.result.errors.extend(problems.found)
                continue
            seen[measure.pk] = row.number
            matched.append((row, measure, version))
        return matched

    def _is_stale(self, measure: Measure, version: int | None) -> bool:
        if version is not None:
            return version < measure.version
        if self.sheet.exported_on is not None:  # an export without VERSION: its day
            return timezone.localdate(measure.updated_at) >= self.sheet.exported_on
        return measure.version > 1  # typed by hand: any measure saved since it was made

    def _states_then(self, matched: list) -> dict[int, State]:
        """The stale rows' measures as the sheet was exported from (when the history knows)."""
        stale = [(m, v) for _row, m, v in matched if self._is_stale(m, v)]
        then = states_then({m.pk: v for m, v in stale if v is not None})
        if self.sheet.exported_on is not None:
            then |= states_before([m.pk for m, v in stale if v is None], self.sheet.exported_on)
        return then

    # -- one row -------------------------------------------------------------------------------

    def _read_row(self, row: _Row, measure: Measure, version: int | None, numbers) -> None:
        problems = _Problems(row.number, self.sheet.headers)
        stale = self._is_stale(measure, version)
        now = State.of(measure)
        then = self.then.get(measure.pk) if stale else None
        exported = self.exported.get(measure.pk, [])
        labels = self.labels
        new: dict[str, object] = {}
        staleness = self._stale_row(row, measure, version, then) if stale else None
        kept = staleness.kept if staleness else []
        for key in self.readable:
            value, fmt = row.cells.get(key), row.formats.get(key, "")
            if matches(key, value, now, body_names=self.body_names, number_format=fmt):
                if key == "due_date" and exported and measure.deadline_note and measure.due_date:
                    self._note_kept(row, labels[key], value, measure, exported)
                continue
            if then and matches(key, value, then, body_names=self.body_names, number_format=fmt):
                kept.append(labels[key])  # the value before the newer change: that one stays
                continue
            try:
                new.update(self._read_cell(key, row, measure, new))
            except _CellError as error:
                problems.add(key, str(error))
        self._read_only_cells(row, measure, exported, then, numbers, labels)
        if problems.found:
            self.result.errors.extend(problems.found)
            return
        changes, values = _differences(measure, new, self.body_names, self.people)
        if not changes:
            self.result.unchanged += 1
            return
        _check(measure, new, problems)
        if problems.found:
            self.result.errors.extend(problems.found)
            return
        change = RowChange(
            row=row.number,
            measure_id=measure.pk,
            version=measure.version,
            rank=measure.rank,
            title=measure.title,
            changes=changes,
            values=values,
            stale=staleness,
        )
        self.result.changes.append(change)
        if staleness is not None:
            staleness.change = change

    def _read_cell(self, key: str, row: _Row, measure: Measure, new: dict) -> dict:
        value = row.cells.get(key)
        text = _text(value)
        if key == "lead_body":
            return {"lead_body": _body(self.bodies, text) if text else None}
        if key == "cooperating":
            names = [n.strip() for n in LIST_SEPARATORS.split(text) if n.strip()]
            unknown = [n for n in names if n not in self.bodies]
            if unknown:
                raise _CellError(
                    _("No responsible body is named “%(name)s”.") % {"name": "”、“".join(unknown)}
                )
            return {"cooperating_bodies": sorted({self.bodies[n] for n in names})}
        if key == "owner":
            return {"owner": self.people.find(text).pk if text else None}
        if key == "start_date":
            return {"start_date": parse_date(value)}
        if key == "due_date":
            # 6月底前 falls in the plan's year: the row's start date, if it changes it
            year = edited(measure, new).plan_year()
            due, note = parse_deadline(value, year=year)
            return {"due_date": due, "deadline_note": note}
        if key == "priority":
            return {"priority": parse_priority(value)}
        if key == "progress":
            return {"progress": parse_progress(value, row.formats.get(key, ""))}
        raise KeyError(key)

    def _note_kept(self, row: _Row, label: str, value, measure: Measure, exported) -> None:
        """The date of a note written where the export writes the note: the note stays."""
        if any(same_cell(value, values.get("due_date")) for values in exported):
            return
        self.result.ignored.append(
            Ignored(
                row.number,
                label,
                _shown(value),
                _(
                    "This is the day the note “%(note)s” gives: the note and its day are kept "
                    "(a note is dropped on the measure page)."
                )
                % {"note": measure.deadline_note},
            )
        )

    def _read_only_cells(self, row, measure, exported, then, numbers, labels) -> None:
        """The cells of the columns the upload does not change: a word on each that differs
        from what the export writes there (or wrote, for a stale row)."""
        if not exported:
            return
        for key, value in row.cells.items():
            if key in READ_COLUMNS or key in IDENTITY_COLUMNS:
                continue
            if key == "number":
                same = _whole(value) in numbers or any(
                    same_cell(value, values.get(key)) for values in exported
                )
            elif key == "area":
                same = _same_area(value, measure, exported)
            else:
                same = any(same_cell(value, values.get(key)) for values in exported)
                if not same and then is not None and key in {"rank", "status"}:
                    same = matches(key, value, then, body_names=self.body_names)
            if not same:
                self.result.ignored.append(
                    Ignored(row.number, labels.get(key, key), _shown(value), read_only_reason(key))
                )

    def _stale_row(
        self, row: _Row, measure: Measure, version: int | None, then: State | None
    ) -> Staleness:
        """A stale row, listed (what changed since is filled in for all of them at once)."""
        since = version if version is not None else then.version if then else measure.version - 1
        staleness = Staleness(
            row=row.number,
            measure_id=measure.pk,
            rank=measure.rank,
            title=measure.title,
            exported_version=version,
            current_version=measure.version,
            exported_on=self.sheet.exported_on if version is None else None,
        )
        self.result.stale_rows.append(staleness)
        self.stale_since[measure.pk] = (measure, since)
        return staleness

    def _describe_stale(self) -> None:
        """What changed on each stale row's measure since the sheet's version, and by whom:
        the history of all of them in one query."""
        records = history_from(Measure, {pk: since for pk, (_m, since) in self.stale_since.items()})
        for staleness in self.result.stale_rows:
            measure, since = self.stale_since[staleness.measure_id]
            staleness.since = changes_since(measure, since, records.get(measure.pk, []))


def _shown(value: object) -> str:
    text = _text(value)
    if not text:
        return "—"
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _same_area(value: object, measure: Measure, exported: list[dict]) -> bool:
    """改革领域 names the measure's area: as the export writes it (一、第一 坚持…), or the area
    itself without the export's numbering (a filtered export numbers its areas afresh)."""
    text = _squash(_text(value))
    if any(same_cell(value, values.get("area")) for values in exported):
        return True
    area = _squash(str(measure.area))
    return bool(text) and (text.endswith(area) or text.endswith(_squash(measure.area.title)))


def _numbering(rows: list[_Row]) -> dict[int, tuple[int, ...]]:
    """The 序号 the export gives each row of this sheet: 1, 2, 3… under each area, restarting
    at each group row (or where the area changes); also the running count of the sheet."""
    numbers: dict[int, tuple[int, ...]] = {}
    block, count = None, defaultdict(int)
    for overall, row in enumerate(rows, start=1):
        here = (row.block, _squash(_text(row.cells.get("area"))))
        if here != block:
            block = here
        count[block] += 1
        numbers[row.number] = (count[block], overall)
    return numbers


def _unknown_columns(sheet: Sheet) -> list[Ignored]:
    """A column the ledger does not have, once, at its header: it is not read."""
    filled: dict[int, list[int]] = {}
    for row in sheet.rows:
        for index in row.extra:
            filled.setdefault(index, []).append(row.number)
    found = []
    for index in sorted(set(sheet.unknown) | set(sheet.repeated) | set(filled)):
        rows = filled.get(index, [])
        if index in sheet.repeated:
            reason = _("A second column with this header: only the first is read.")
        elif index in sheet.unknown:
            reason = _("Not a column of the ledger: the upload does not read it.")
        else:
            reason = _("A column without a header: the upload does not read it.")
        if rows:
            shown = "、".join(str(n) for n in rows[:10]) + ("…" if len(rows) > 10 else "")
            reason += " " + _("Filled on rows %(rows)s, ignored.") % {"rows": shown}
        found.append(Ignored(sheet.header_row, sheet.column_name(index), "", reason))
    return found


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


def _version(row: _Row, measure: Measure, problems: _Problems) -> int | None:
    """The version the row was exported at (None: the sheet does not say)."""
    raw = _text(row.cells.get("version"))
    if not raw:
        return None
    version = _whole(row.cells.get("version"))
    if version is None or version < 1:
        problems.add(
            "version",
            _("“%(value)s” is not a version: leave the hidden VERSION column as exported.")
            % {"value": raw},
        )
    elif version > measure.version:
        problems.add(
            "version",
            _(
                "The sheet says version %(sheet)d of this measure, but the task book holds "
                "version %(now)d: the file was not exported from this site. Export the ledger "
                "again and copy your changes into it."
            )
            % {"sheet": version, "now": measure.version},
        )
    return version


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
        for name, messages in by_field.items():
            for message in messages:
                problems.add(RULE_COLUMNS.get(name, name), message)


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
        before, after = shown(name, current[name]), shown(name, new[name])
        changes.append(
            FieldChange(
                label,
                before,
                after,
                name=name,
                old=_data(name, current[name], before),
                new=_data(name, new[name], after),
            )
        )
        value = new[name]
        values[name] = value.isoformat() if isinstance(value, date) else value
    return changes, values


def _data(name: str, value: object, shown: str) -> object:
    if name == "progress":
        return value
    return None if value in (None, "", []) else shown


# -- the preview as data, for scripts ------------------------------------------------------------


def _changes_data(change: RowChange) -> list[dict[str, object]]:
    return [
        {
            "id": change.measure_id,
            "row": change.row,
            "field": field_change.name,
            "label": field_change.label,
            "old": field_change.old,
            "new": field_change.new,
        }
        for field_change in change.changes
    ]


def preview_data(preview: Preview, *, include_stale: bool = False) -> dict[str, object]:
    """The preview as JSON-ready data: `changes` (what confirming applies: the fresh rows', and
    the stale rows' too when `include_stale`), `stale` (every stale row: who changed its
    measure since the export, which fields, and what the row would change), `ignored` and
    `errors`."""
    applied = preview.changes if include_stale else preview.fresh
    return {
        "rows": preview.rows,
        "unchanged": preview.unchanged,
        "changes": [item for change in applied for item in _changes_data(change)],
        "stale": [
            {
                "id": stale.measure_id,
                "row": stale.row,
                "changed_by": list(stale.since.names) if stale.since else [],
                "fields": list(stale.since.fields) if stale.since else [],
                "exported_version": stale.exported_version,
                "version": stale.current_version,
                "summary": stale.summary,
                "kept": stale.kept,
                "changes": _changes_data(stale.change) if stale.change else [],
            }
            for stale in preview.stale_rows
        ],
        "ignored": [
            {"row": cell.row, "column": cell.column, "value": cell.value, "reason": cell.reason}
            for cell in preview.ignored
        ],
        "errors": [
            {"row": error.row, "column": error.column, "message": error.message}
            for error in preview.errors
        ],
    }

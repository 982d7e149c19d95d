"""The round trip: an edited ledger (XLSX) read back, previewed, then applied all at once.

The office exports the ledger, edits it in Excel or WPS and uploads it; the columns read are
牵头单位, 配合单位, 责任人, 开始时间, 完成时限, 优先级 and 进度 (the other columns are the
ledger's own and are ignored). Two steps:

1. `read_ledger(file)` reads the first sheet with a ledger header row and returns a `Preview`
   (plain data): for each row that differs from the database, every field's old → new value;
   for each row that cannot be used, the row number and why. Nothing is written.
2. `apply_ledger(changes=…)` writes the previewed changes in one transaction, each through the
   measure's versioned save: if any measure was changed by someone since the preview (its
   version moved on), or a body or user named has gone, nothing is written and
   `LedgerRefused` says which. Unchanged rows are not saved at all: no new version, no history.

Matching rows to measures: by the hidden `ID` column the export writes (the measure's id),
checked against the row's title, so a sheet whose rows were sorted apart from that column is
caught instead of applied to the wrong measure. A ledger without the ID column (typed by hand,
or the column deleted) is matched by 优先序 (rank) and title together: both must name the same
measure. Ranks move when the priority order changes, so an old ledger without IDs may no
longer match; the preview says so row by row.

Carrying the preview to the confirmation: the changes (measure id, the version previewed, the
new values — a few numbers and dates a measure) are signed with the site's secret key
(`django.core.signing`, bound to the user, valid for two hours) and sent back as a hidden form
field. Nothing is kept on the server between the two requests, so any app server can take the
confirmation, and a tampered or stale form is refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

import openpyxl
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.exports import ID_HEADER, LEDGER_COLUMNS, SEPARATOR, person
from tasks.models import Measure, ResponsibleBody, StaleEdit

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
HEADER_SCAN_ROWS = 20
MAX_BLANK_ROWS = 1_000  # this many rows without a measure in a row end the sheet
TOKEN_SALT = "tasks.ledger_upload"
TOKEN_MAX_AGE = 2 * 60 * 60  # seconds

# The ledger's usual Chinese headers: recognised whatever the language of the export.
CHINESE_HEADERS = {
    "number": ("序号",),
    "area": ("改革领域", "重点任务"),
    "title": ("具体举措", "举措", "改革举措"),
    "lead_body": ("牵头单位", "牵头部门"),
    "cooperating": ("配合单位", "配合部门"),
    "owner": ("责任人",),
    "start_date": ("开始时间", "开始日期"),
    "due_date": ("完成时限", "完成时间", "完成期限"),
    "priority": ("优先级",),
    "rank": ("优先序",),
    "status": ("状态",),
    "light": ("红黄绿灯",),
    "progress": ("进度",),
    "latest_progress": ("最新进展",),
    "problems": ("存在问题",),
    "next_steps": ("下步计划",),
}
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
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_LOOKS_LIKE_DATE = re.compile(r"^\d{4}\s*[-/.年]\s*\d")
DATE_FIELDS = frozenset({"start_date", "due_date"})
_LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")


class UploadError(Exception):
    """The file as a whole cannot be used (not a workbook, no header row, no rows)."""


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Edited ledger (.xlsx)"),
        help_text=gettext_lazy("An Excel workbook of at most 5 MB, exported from the task book."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _(
                    "“%(name)s” is not an Excel workbook (.xlsx). Save the ledger as .xlsx in "
                    "Excel or WPS and upload that file."
                )
                % {"name": upload.name}
            )
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s MB; a ledger may be at most %(limit)s MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
            )
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise ValidationError(_unreadable())
        return upload


def _unreadable() -> str:
    return _(
        "The file could not be read as an Excel workbook (.xlsx): it may be damaged, protected "
        "by a password, or saved in another format. Open it in Excel or WPS, save it again as "
        ".xlsx and upload it."
    )


# -- the preview, as plain data ----------------------------------------------------------------


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


class _CellError(Exception):
    pass


def _norm(text: object) -> str:
    value = re.sub(r"\s+", "", str(text or "")).lower()
    return re.sub(r"[(（]%[)）]$", "", value)


def _header_keys() -> dict[str, str]:
    """Header text (normalised) → column key, in Chinese and in every language of the site."""
    names = {_norm(alias): key for key, aliases in CHINESE_HEADERS.items() for alias in aliases}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in LEDGER_COLUMNS:
                names.setdefault(_norm(str(column.label)), column.key)
    names[_norm(ID_HEADER)] = "id"
    return names


def _headers_hint() -> str:
    return " | ".join(str(column.label) for column in LEDGER_COLUMNS if not column.hidden)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


def _same_title(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


# -- reading cells -----------------------------------------------------------------------------


def parse_date(value: object) -> date | None:
    """A date cell, or text written as 2026-12-31, 2026/12/31, 2026.12.31 or 2026年12月31日."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise _CellError(
        _("“%(value)s” is not a date: write it as 2026-12-31 or 2026/12/31.") % {"value": text}
    )


def parse_deadline(value: object) -> tuple[date | None, str]:
    """完成时限: a date, or a note (长期坚持, 持续推进, 6月底前) when the plan gives none."""
    text = _text(value)
    if isinstance(value, date | datetime) or _LOOKS_LIKE_DATE.match(text):
        return parse_date(value), ""
    note_length = Measure._meta.get_field("deadline_note").max_length
    if len(text) > note_length:
        raise _CellError(
            _("A deadline without a date is a short note (at most %(n)d characters).")
            % {"n": note_length}
        )
    return None, text


@functools.cache
def _priority_levels() -> dict[str, int]:
    """高/中/低, 1/2/3, and the labels in every language of the site."""
    levels = {"高": 1, "中": 2, "低": 3, "1": 1, "2": 2, "3": 3}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for level, label in Measure.Priority.choices:
                levels.setdefault(_norm(label), level)
    return levels


def parse_priority(value: object) -> int:
    text = _norm(_text(value))
    levels = _priority_levels()
    if text in levels:
        return levels[text]
    labels = "、".join(str(label) for _level, label in Measure.Priority.choices)
    raise _CellError(
        _("“%(value)s” is not a priority: write one of %(labels)s.")
        % {"value": _text(value), "labels": labels}
    )


def parse_progress(value: object, number_format: str = "General") -> int:
    """进度: 0–100, as a number (40), a percentage cell (40% is 0.4) or text (40, 40%)."""
    unquoted = re.sub(r'"[^"]*"', "", number_format or "")
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value * 100 if "%" in unquoted else value
    else:
        text = _text(value).rstrip("%％").strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
    if number is not None and 0 <= number <= 100 and float(number).is_integer():
        return int(number)
    if number is not None and 0 <= number <= 100:
        return round(number)
    raise _CellError(
        _(
            "“%(value)s” is not a progress: write a whole number from 0 to 100, or a "
            "percentage such as 40%%."
        )
        % {"value": _text(value)}
    )


class _People:
    """Active users by username, and by full name when that name is unique."""

    def __init__(self) -> None:
        self.by_pk: dict[int, AbstractBaseUser] = {}
        self.by_username: dict[str, AbstractBaseUser] = {}
        self.by_name: dict[str, list[AbstractBaseUser]] = {}
        for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
            self.by_pk[user.pk] = user
            self.by_username[user.get_username()] = user
            first, last = user.first_name.strip(), user.last_name.strip()
            names = {f"{first} {last}", f"{last} {first}", f"{last}{first}", f"{first}{last}"}
            for name in {_norm(n) for n in names if n.strip()}:
                self.by_name.setdefault(name, []).append(user)

    def find(self, text: str) -> AbstractBaseUser:
        if text in self.by_username:
            return self.by_username[text]
        found = self.by_name.get(_norm(text), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise _CellError(
                _("Several users are named “%(name)s” (%(usernames)s): write the username.")
                % {"name": text, "usernames": "、".join(u.get_username() for u in found)}
            )
        raise _CellError(_("No active user has the username or name “%(name)s”.") % {"name": text})


def _body(names: dict[str, int], name: str) -> int:
    if name not in names:
        raise _CellError(_("No responsible body is named “%(name)s”.") % {"name": name})
    return names[name]


# -- the preview -------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int  # as Excel counts rows, from 1
    cells: dict[str, object]  # column key → value
    formats: dict[str, str]  # column key → number format


class _Problems:
    """The problems of one row, each with its column's header."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.found: list[RowError] = []
        self.labels = {c.key: str(c.label) for c in LEDGER_COLUMNS}

    def add(self, key: str, message: str) -> None:
        self.found.append(RowError(self.row, self.labels.get(key, key), message))


def _find_header(rows: Iterator[tuple], keys: dict[str, str]) -> tuple[dict[str, int], list, int]:
    """The header row among the first rows: column key → index, the headers as written, and
    its row number (`rows` is left just under it)."""
    for number, cells in enumerate(rows, start=1):
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = keys.get(_norm(cell.value)) if cell.value is not None else None
            if key and key not in found:
                found[key] = index
        if "title" in found and ({"id", "rank"} & found.keys()):
            return found, [_text(c.value) for c in cells if c.value is not None], number
        if number >= HEADER_SCAN_ROWS:
            break
    return {}, [], 0


def _data_rows(rows: Iterable[tuple], header: dict[str, int], first: int) -> list[_Row]:
    data, blank = [], 0
    for number, cells in enumerate(rows, start=first):
        present = {key: i for key, i in header.items() if i < len(cells)}
        values = {key: cells[i].value for key, i in present.items()}
        if not any(_text(values.get(key)) for key in ("title", "id", "rank")):
            blank += 1  # an empty row, an area's group row, a note or the total line
            if blank > MAX_BLANK_ROWS:
                break  # the ledger has ended; what follows is formatting only
            continue
        blank = 0
        if len(data) >= MAX_ROWS:
            raise UploadError(
                _("The file has more than %(n)d rows; upload at most %(n)d at a time.")
                % {"n": MAX_ROWS}
            )
        formats = {key: getattr(cells[i], "number_format", "") for key, i in present.items()}
        data.append(_Row(number, values, formats))
    return data


def _sheet_rows(file: IO[bytes]) -> tuple[dict[str, int], list[str], list[_Row]]:
    """The first sheet with a ledger header: the header (key → column index), the headers as
    written, and the data rows under it."""
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        raise UploadError(_unreadable()) from None
    try:
        keys = _header_keys()
        for sheet in book.worksheets:
            if not hasattr(sheet, "reset_dimensions"):
                continue  # a chart sheet
            sheet.reset_dimensions()  # some programs record a wrong size: read every row
            rows = sheet.iter_rows()
            header, written, number = _find_header(rows, keys)
            if header:
                return header, written, _data_rows(rows, header, number + 1)
    except UploadError:
        raise
    except Exception:  # a damaged sheet inside a readable zip
        raise UploadError(_unreadable()) from None
    finally:
        book.close()
    raise UploadError(
        _(
            "No header row of the ledger was found in the first %(n)d rows. The ledger needs the "
            "columns of an export (%(headers)s), at least 具体举措 with 优先序 or the ID column. "
            "Export the ledger from the task book, edit that file and upload it."
        )
        % {"n": HEADER_SCAN_ROWS, "headers": _headers_hint()}
    )


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
        if not problems.found:
            _check(measure, new, problems)
        if problems.found:
            preview.errors.extend(problems.found)
            continue
        changes, values = _differences(measure, new, body_names, people)
        if not changes:
            preview.unchanged += 1
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


def _check(measure: Measure, new: dict[str, object], problems: _Problems) -> None:
    """The rules an edit on the measure page obeys: dates in order, milestones within them,
    a completed measure at 100%."""
    start = new.get("start_date", measure.start_date)
    due = new.get("due_date", measure.due_date)
    if start and due and due < start:
        problems.add("due_date", _("The due date cannot be before the start date."))
    elif ("start_date" in new and start != measure.start_date) or (
        "due_date" in new and due != measure.due_date
    ):
        outside = [
            m
            for m in measure.milestones.all()
            if (start and m.due_date < start) or (due and m.due_date > due)
        ]
        if outside:
            names = "、".join(f"{m.title}（{m.due_date:%Y-%m-%d}）" for m in outside)
            problems.add(
                "due_date" if due else "start_date",
                _(
                    "These milestones would fall outside the measure's dates: %(names)s. "
                    "Move them first, or choose other dates."
                )
                % {"names": names},
            )
    progress = new.get("progress", measure.progress)
    if measure.status == Measure.Status.DONE and progress not in {100, measure.progress}:
        problems.add("progress", _("A completed measure stands at 100%. Set the progress to 100."))


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


# -- carrying the preview to the confirmation --------------------------------------------------


@dataclass(frozen=True)
class PlannedChange:
    measure_id: int
    version: int
    row: int
    title: str
    values: dict[str, object]


def preview_token(preview: Preview, user: AbstractBaseUser) -> str:
    """The preview's changes, signed for this user, to send back with the confirmation."""
    changes = [[c.measure_id, c.version, c.row, c.title, c.values] for c in preview.changes]
    return signing.dumps({"user": user.pk, "changes": changes}, salt=TOKEN_SALT, compress=True)


def planned_changes(token: str, user: AbstractBaseUser) -> list[PlannedChange]:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise UploadError(
            _("This preview is more than two hours old. Upload the file again.")
        ) from None
    except signing.BadSignature:
        raise UploadError(_("This preview could not be read. Upload the file again.")) from None
    if data.get("user") != user.pk:
        raise UploadError(_("This preview was made for another account. Upload the file again."))
    return [PlannedChange(*change) for change in data["changes"]]


# -- applying ----------------------------------------------------------------------------------


class LedgerRefused(Exception):
    """Some previewed change can no longer be made: nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


def _where(change: PlannedChange) -> str:
    return _("Row %(row)d, “%(title)s”") % {"row": change.row, "title": change.title}


def _stale(change: PlannedChange, current: Measure) -> str:
    changed, later = current.changes_since(change.version)
    people = sorted({person(r.history_user) or _("the system") for r in later})
    when = max((r.history_date for r in later), default=None)
    detail = "；".join(
        f"{label}: {_show(before)} → {_show(after)}" for label, before, after in changed
    )
    return _("%(where)s: changed by %(people)s at %(when)s, after the preview (%(detail)s).") % {
        "where": _where(change),
        "people": "、".join(people) or _("someone"),
        "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "—",
        "detail": detail or _("no field you can see"),
    }


def _ids(changes: Iterable[PlannedChange], name: str) -> set[int]:
    found: set[int] = set()
    for change in changes:
        value = change.values.get(name)
        if isinstance(value, list):
            found.update(value)
        elif value:
            found.add(value)
    return found


@transaction.atomic
def apply_ledger(*, changes: list[PlannedChange]) -> int:
    """Write the previewed changes, all of them or none; returns how many measures changed.

    Each measure is saved only if its version is still the one previewed (a conditional
    UPDATE, so a save racing this one is caught too); a body or user that has gone since the
    preview, or a rule broken meanwhile, refuses the lot (LedgerRefused lists why)."""
    measures = {
        m.pk: m
        for m in Measure.objects.filter(pk__in=[c.measure_id for c in changes]).prefetch_related(
            "milestones"
        )
    }
    bodies = ResponsibleBody.objects.in_bulk(
        _ids(changes, "lead_body") | _ids(changes, "cooperating_bodies")
    )
    users = get_user_model().objects.filter(is_active=True).in_bulk(_ids(changes, "owner"))
    problems: list[str] = []
    for change in changes:
        measure = measures.get(change.measure_id)
        if measure is None:
            problems.append(
                _("%(where)s: the measure has been deleted.") % {"where": _where(change)}
            )
            continue
        if measure.version != change.version:
            problems.append(_stale(change, measure))
            continue
        new = {
            name: date.fromisoformat(value) if name in DATE_FIELDS and value else value
            for name, value in change.values.items()
        }
        named = [new.get("lead_body"), *new.get("cooperating_bodies", [])]
        gone_body = any(pk not in bodies for pk in named if pk)
        gone_user = bool(new.get("owner")) and new["owner"] not in users
        if gone_body or gone_user:
            problems.append(
                _("%(where)s: a responsible body or user named in it no longer exists.")
                % {"where": _where(change)}
            )
            continue
        found = _Problems(change.row)
        _check(measure, new, found)
        cooperating = new.pop("cooperating_bodies", None)
        for name, value in new.items():
            setattr(measure, f"{name}_id" if name in {"owner", "lead_body"} else name, value)
        try:
            # relations were checked above; the database enforces the rest
            measure.clean_fields(
                exclude=[f.name for f in Measure._meta.fields if f.name not in new or f.is_relation]
            )
        except ValidationError as error:
            found.found.extend(RowError(change.row, "", m) for m in error.messages)
        if found.found:
            messages = "；".join(error.message for error in found.found)
            problems.append(f"{_where(change)}: {messages}")
            continue
        try:
            measure.save_versioned(expected_version=change.version)
        except StaleEdit as stale:
            problems.append(_stale(change, stale.current))
            continue
        if cooperating is not None:
            measure.cooperating_bodies.set([bodies[pk] for pk in cooperating])
    if problems:
        raise LedgerRefused(problems)
    return len(changes)

"""Finding the ledger in an uploaded workbook: its header row and the data rows under it."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from tasks import archives
from tasks.ledger import ID_HEADER, LEDGER_COLUMNS
from tasks.ledger.columns import VERSION_HEADER
from tasks.ledger.upload.cells import _norm, _text

MAX_ROWS = 5_000
HEADER_SCAN_ROWS = 20
MAX_BLANK_ROWS = 1_000  # this many rows without a measure in a row end the sheet

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


class UploadError(Exception):
    """The file as a whole cannot be used (not a workbook, no header row, no rows)."""


def _unreadable() -> str:
    return _(
        "The file could not be read as an Excel workbook (.xlsx): it may be damaged, protected "
        "by a password, or saved in another format. Open it in Excel or WPS, save it again as "
        ".xlsx and upload it."
    )


def _archive_refusal(error: archives.ArchiveError) -> str:
    """What is wrong with a workbook the archive check refused, and what to do."""
    params = error.params
    if error.code == "too_many_members":
        return _(
            "The file holds %(members)d parts; a workbook has a few dozen at most (this site "
            "reads up to %(limit)d). It is not a ledger, or it was made to overload the site. "
            "Export the ledger from the task book, copy your changes into it and upload that."
        ) % {"members": params["members"], "limit": params["limit"]}
    if error.code == "too_large":
        return _(
            "The file unpacks to %(size)s MB, more than the %(limit)s MB this site reads: far "
            "more than a ledger holds. Export the ledger from the task book, copy your changes "
            "into it and upload that."
        ) % {"size": _megabytes(params["size"], up=True), "limit": _megabytes(params["limit"])}
    if error.code == "member_too_large":
        return _(
            "Part “%(member)s” of the file unpacks to %(size)s MB, more than the %(limit)s MB "
            "this site reads: far more than a ledger holds. Export the ledger from the task "
            "book, copy your changes into it and upload that."
        ) % {
            "member": params["member"],
            "size": _megabytes(params["size"], up=True),
            "limit": _megabytes(params["limit"]),
        }
    if error.code == "ratio":
        return _(
            "Part “%(member)s” of the file unpacks to %(size)s MB, %(ratio)d times its packed "
            "size; a workbook packs at most %(limit)d to 1. The file is damaged or was made to "
            "overload the site: export the ledger again, copy your changes into it and upload "
            "that."
        ) % {
            "member": params["member"],
            "size": _megabytes(params["size"], up=True),
            "ratio": params["ratio"],
            "limit": params["limit"],
        }
    if error.code == "lies":
        return _(
            "Part “%(member)s” of the file unpacks to more than the size it states: the file "
            "is damaged or was made to overload the site. Export the ledger again, copy your "
            "changes into it and upload that."
        ) % {"member": params["member"]}
    return _unreadable()  # not a zip, damaged, encrypted, packed in a way Excel never writes


def _megabytes(size: int | str, *, up: bool = False) -> str:
    """Bytes in MB with one decimal (a limit of whole megabytes without): a size rounds up, so
    that one just over the limit never shows as the limit."""
    size = int(size)
    if not up and size % archives.MB == 0:
        return str(size // archives.MB)
    tenths = size * 10 / archives.MB
    return f"{(math.ceil(tenths) if up else math.floor(tenths)) / 10:.1f}"


# A formula element in a part's XML (<f>, <f t="shared" …/>, or with a namespace prefix).
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


class _Formulas:
    """Watches the parts as the archive check reads them: does any hold a formula? (Then, and
    only then, the workbook is read a second time for its formulas.)"""

    def __init__(self) -> None:
        self.found = False
        self._tails: dict[str, bytes] = {}  # each part's last bytes: a tag cut between pieces

    def __call__(self, member: str, piece: bytes) -> None:
        if self.found:
            return
        data = self._tails.get(member, b"") + piece
        self.found = _FORMULA.search(data) is not None
        self._tails[member] = data[-16:]


def _header_keys() -> dict[str, str]:
    """Header text (normalised) → column key, in Chinese and in every language of the site.

    Every column the export writes is known here (its label in each language): a column the
    export adds is recognised, and read only, without a change to the upload."""
    names = {_norm(alias): key for key, aliases in CHINESE_HEADERS.items() for alias in aliases}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in LEDGER_COLUMNS:
                names.setdefault(_norm(str(column.label)), column.key)
    names[_norm(ID_HEADER)] = "id"
    names[_norm(VERSION_HEADER)] = "version"
    return names


def _headers_hint() -> str:
    return " | ".join(str(column.label) for column in LEDGER_COLUMNS if not column.hidden)


@dataclass
class _Row:
    number: int  # as Excel counts rows, from 1
    cells: dict[str, object]  # column key → value
    formats: dict[str, str]  # column key → number format
    # column key → the cell ("H7") holding a formula whose value was never calculated: it is
    # not empty, it cannot be read
    unreadable: dict[str, str] = field(default_factory=dict)
    # what is written in columns the ledger does not have (column index → value)
    extra: dict[int, object] = field(default_factory=dict)
    block: int = 0  # group rows (an area's 一、…) above it: the numbering restarts under each


@dataclass
class Sheet:
    """The ledger found in a workbook: its header, its rows, what stands above them."""

    header: dict[str, int]  # column key → index
    headers: dict[str, str]  # column key → its header as written
    written: list[str]  # every header as written, in order
    header_row: int  # as Excel counts rows
    # the other filled header cells: columns the ledger does not have, and a column repeated
    unknown: dict[int, str] = field(default_factory=dict)
    repeated: dict[int, str] = field(default_factory=dict)
    exported_on: date | None = None  # the day the title above the header names, if any
    rows: list[_Row] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        """A column the ledger does not have, as a reader finds it: its header, else its letter."""
        return self.unknown.get(index) or self.repeated.get(index) or get_column_letter(index + 1)


# A row as read: its cells, and the cells (by index → "H7") whose formula has no value.
_Cells = tuple[tuple[Any, ...], dict[int, str]]

_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _day_in(texts: Iterable[str]) -> date | None:
    """The first day written as 2026-11-24 in these texts: the export's title names the day
    it was made (工会改革任务台账（截至 2026-11-24）)."""
    for text in texts:
        for found in _DAY.finditer(text):
            try:
                return date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                continue
    return None


def _find_header(rows: Iterator[_Cells], keys: dict[str, str]) -> Sheet | None:
    """The header row among the first rows (`rows` is left just under it), or None."""
    above: list[str] = []
    for number, (cells, _unread) in enumerate(rows, start=1):
        found: dict[str, int] = {}
        others: dict[int, str] = {}
        repeated: dict[int, str] = {}
        for index, cell in enumerate(cells):
            text = _text(cell.value)
            if not text:
                continue
            key = keys.get(_norm(text))
            if key is None:
                others[index] = text
            elif key in found:
                repeated[index] = text
            else:
                found[key] = index
        if "title" in found and ({"id", "rank"} & found.keys()):
            return Sheet(
                header=found,
                headers={key: _text(cells[index].value) for key, index in found.items()},
                written=[_text(c.value) for c in cells if c.value is not None],
                header_row=number,
                unknown=others,
                repeated=repeated,
                exported_on=_day_in(above),
            )
        above.extend(_text(cell.value) for cell in cells if cell.value is not None)
        if number >= HEADER_SCAN_ROWS:
            break
    return None


def _data_rows(rows: Iterable[_Cells], header: dict[str, int], first: int) -> list[_Row]:
    data, blank, block = [], 0, 0
    known = set(header.values())
    for number, (cells, unread) in enumerate(rows, start=first):
        present = {key: i for key, i in header.items() if i < len(cells)}
        values = {key: cells[i].value for key, i in present.items()}
        unreadable = {key: unread[i] for key, i in present.items() if i in unread}
        if not any(_text(values.get(key)) or key in unreadable for key in ("title", "id", "rank")):
            blank += 1  # an empty row, an area's group row, a note or the total line
            if blank > MAX_BLANK_ROWS:
                break  # the ledger has ended; what follows is formatting only
            if any(_text(cell.value) for cell in cells):
                block += 1  # a group row, or a line of text: the numbering starts again
            continue
        blank = 0
        if len(data) >= MAX_ROWS:
            raise UploadError(
                _("The file has more than %(n)d rows; upload at most %(n)d at a time.")
                % {"n": MAX_ROWS}
            )
        formats = {key: getattr(cells[i], "number_format", "") for key, i in present.items()}
        extra = {
            index: cell.value
            for index, cell in enumerate(cells)
            if index not in known and _text(cell.value)
        }
        data.append(_Row(number, values, formats, unreadable, extra, block))
    return data


def _rows(sheet: Any, formulas: Any | None) -> Iterator[_Cells]:
    """The sheet's rows (formulas as last calculated), each with those of its cells whose
    formula has no value: a program that does not calculate (a script) writes none. `formulas`
    is the same sheet read for its formulas, or None when the file has no formula."""
    if formulas is None:
        for cells in sheet.iter_rows():
            yield cells, {}
        return
    for cells, written in zip(sheet.iter_rows(), formulas.iter_rows(), strict=False):
        yield (
            cells,
            {
                index: formula.coordinate
                for index, (cell, formula) in enumerate(zip(cells, written, strict=False))
                # a value of "" calculated is kept as a string cell with no value: that is read
                if formula.data_type == "f" and cell.value is None and cell.data_type != "str"
            },
        )


def read_sheet(file: IO[bytes]) -> Sheet:
    """The first sheet with a ledger header: its header and the data rows under it.

    The archive is checked (tasks.archives) before openpyxl opens it: a zip bomb is refused
    before it is unpacked. openpyxl reads it in read-only mode, a row at a time; a second time,
    for its formulas, only when a part holds one (see `_rows`)."""
    formulas = _Formulas()
    try:
        archives.verify(file, watch=formulas)
    except archives.ArchiveError as error:
        raise UploadError(_archive_refusal(error)) from None
    books = []
    try:
        books.append(openpyxl.load_workbook(file, read_only=True, data_only=True))
        if formulas.found:
            books.append(openpyxl.load_workbook(file, read_only=True, data_only=False))
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        for book in books:
            book.close()
        raise UploadError(_unreadable()) from None
    try:
        keys = _header_keys()
        sheets = zip(*(book.worksheets for book in books), strict=True)
        for sheet, *written in sheets:
            if not hasattr(sheet, "reset_dimensions"):
                continue  # a chart sheet
            for each in (sheet, *written):
                each.reset_dimensions()  # some programs record a wrong size: read every row
            rows = _rows(sheet, written[0] if written else None)
            found = _find_header(rows, keys)
            if found is not None:
                found.rows = _data_rows(rows, found.header, found.header_row + 1)
                return found
    except UploadError:
        raise
    except Exception:  # a damaged sheet inside a readable zip
        raise UploadError(_unreadable()) from None
    finally:
        for book in books:
            book.close()
    raise UploadError(
        _(
            "No header row of the ledger was found in the first %(n)d rows. The ledger needs the "
            "columns of an export (%(headers)s), at least 具体举措 with 优先序 or the ID column. "
            "Export the ledger from the task book, edit that file and upload it."
        )
        % {"n": HEADER_SCAN_ROWS, "headers": _headers_hint()}
    )

"""Finding the ledger in an uploaded workbook: its header row and the data rows under it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import openpyxl
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from tasks.ledger import ID_HEADER, LEDGER_COLUMNS
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


@dataclass
class _Row:
    number: int  # as Excel counts rows, from 1
    cells: dict[str, object]  # column key → value
    formats: dict[str, str]  # column key → number format


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

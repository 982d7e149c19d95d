"""The XLSX and CSV writers: ledger-like rows to a workbook or to CSV lines."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO

import xlsxwriter

from tasks.ledger.columns import AreaRow, Column, MeasureRow, Row
from tasks.ledger.period_report import LATE, NOT_REPORTED
from tasks.models import Light, ProgressReport

XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_width(text: str) -> int:
    """How wide a text is in Excel's character units: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_LIGHT_COLOURS = {
    Light.RED: ("#FFC7CE", "#9C0006"),
    Light.YELLOW: ("#FFEB9C", "#9C5700"),
    Light.GREEN: ("#C6EFCE", "#006100"),
    Light.GREY: ("#EDEDED", "#595959"),
}
_STATE_COLOURS = {
    LATE: ("#FFC7CE", "#9C0006"),
    NOT_REPORTED: ("#FFEB9C", "#9C5700"),
    ProgressReport.ReviewState.RETURNED: ("#FCE4D6", "#833C0B"),
    ProgressReport.ReviewState.ACCEPTED: ("#C6EFCE", "#006100"),
}
BODY_FONT = {"font_name": "宋体", "font_size": 10}


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        def make(**props: object) -> object:
            return book.add_format({**BODY_FONT, **props})

        cell = {"border": 1, "valign": "top"}
        self.title = make(font_name="黑体", font_size=16, bold=True, align="center")
        self.subtitle = make(align="left", valign="vcenter", font_color="#404040", text_wrap=True)
        self.header = make(
            bold=True,
            border=1,
            align="center",
            valign="vcenter",
            text_wrap=True,
            bg_color="#D9E1F2",
        )
        self.group = make(bold=True, border=1, valign="vcenter", bg_color="#F2F2F2")
        self.text = make(**cell, text_wrap=True)
        self.plain = make(**cell)
        self.centre = make(**cell, align="center")
        self.number = make(**cell, align="center", num_format="0")
        self.percent = make(**cell, align="center", num_format='0"%"')
        self.date = make(**cell, align="center", num_format="yyyy-mm-dd")
        self.datetime = make(**cell, align="center", num_format="yyyy-mm-dd hh:mm")
        self.total = make(bold=True)
        self.tones = {
            key: make(**cell, align="center", bg_color=bg, font_color=fg)
            for key, (bg, fg) in {**_LIGHT_COLOURS, **_STATE_COLOURS}.items()
        }


def write_xlsx(
    out: IO[bytes],
    *,
    columns: tuple[Column, ...],
    rows: Iterable[Row],
    title: str,
    subtitle: str,
    sheet_name: str,
    total_label: str = "",
) -> int:
    """Write a ledger-like sheet to `out`: title, subtitle, header (frozen, repeated on every
    printed page), area group rows merged across, measure rows; landscape A3, fit to width.

    Rows are written in order and flushed as they go (constant memory). Returns the number of
    measure rows."""
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    book.set_properties({"title": title, "comments": subtitle})
    formats = _Formats(book)
    sheet = book.add_worksheet(sheet_name[:31])
    last = len([c for c in columns if not c.hidden]) - 1
    widths = [max(c.min_width, text_width(str(c.label)) + 2) for c in columns]

    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, title, formats.title)
    sheet.set_row(1, 20)
    sheet.merge_range(1, 0, 1, last, subtitle, formats.subtitle)
    header = 2
    sheet.set_row(header, 32)
    for index, column in enumerate(columns):
        sheet.write_string(header, index, str(column.label), formats.header)

    row_index, count = header, 0
    for row in rows:
        row_index += 1
        if isinstance(row, AreaRow):
            sheet.set_row(row_index, 22)
            sheet.merge_range(row_index, 0, row_index, last, row.label, formats.group)
            continue
        count += 1
        for index, column in enumerate(columns):
            value = row.values.get(column.key)
            fmt = _cell_format(formats, column, row)
            if value is None or value == "":
                sheet.write_blank(row_index, index, None, fmt)
            elif column.kind in {"date", "deadline"} and isinstance(value, date):
                sheet.write_datetime(row_index, index, value, formats.date)
            elif column.kind == "datetime" and isinstance(value, datetime):
                naive = value.replace(tzinfo=None)
                sheet.write_datetime(row_index, index, naive, formats.datetime)
            elif column.kind in {"number", "percent"} and isinstance(value, int):
                sheet.write_number(row_index, index, value, fmt)
            else:
                text = str(value)[:XLSX_MAX_CELL]
                sheet.write_string(row_index, index, text, fmt)
                longest = max((text_width(line) for line in text.splitlines()), default=0)
                widths[index] = max(widths[index], min(longest + 2, column.max_width))
    if total_label:
        sheet.write_string(row_index + 1, 0, total_label % {"count": count}, formats.total)

    for index, column in enumerate(columns):
        width = min(max(widths[index], column.min_width), max(column.max_width, column.min_width))
        sheet.set_column(index, index, width, None, {"hidden": column.hidden})
    sheet.freeze_panes(header + 1, 0)
    sheet.repeat_rows(header)
    sheet.set_landscape()
    sheet.set_paper(8)  # A3
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C&P / &N")
    sheet.print_area(0, 0, max(row_index, header), last)
    book.close()
    return count


def _cell_format(formats: _Formats, column: Column, row: MeasureRow) -> object:
    if column.key == "light" and row.light in formats.tones:
        return formats.tones[row.light]
    if column.key == "state" and row.state in formats.tones:
        return formats.tones[row.state]
    if column.kind == "percent":
        return formats.percent
    if column.kind == "number":
        return formats.number
    if column.kind in {"date", "deadline", "datetime"}:
        return formats.centre
    return formats.text if column.wrap else formats.centre


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, text: str) -> str:
        return text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # a spreadsheet must not run it as a formula
    if isinstance(value, date | datetime):
        return _cell_text(value)
    return "" if value is None else value


def write_csv(out: IO[bytes], columns: tuple[Column, ...], rows: Iterable[Row]) -> int:
    """Write the CSV to a binary file; returns the number of measure rows."""
    count = 0
    for line in csv_lines(columns, rows):
        out.write(line.encode("utf-8"))
        count += 1
    return count - 1  # the header line


def csv_lines(columns: tuple[Column, ...], rows: Iterable[Row]) -> Iterator[str]:
    """The rows as CSV lines (group rows left out: the area is a column), a BOM first, so that
    Excel and WPS read UTF-8 without mojibake."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([str(column.label) for column in columns])
    for row in rows:
        if isinstance(row, MeasureRow):
            yield writer.writerow([_csv_cell(row.values.get(c.key)) for c in columns])

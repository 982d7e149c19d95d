"""The XLSX and CSV writers: ledger-like rows to a workbook or to CSV lines.

A workbook is written a row at a time (XlsxWriter's `constant_memory` mode), so nothing it
writes can be measured afterwards: each row's height is estimated from its texts and the fixed
widths of its columns (`row_height`) before the row is written, which is what keeps wrapped
text inside its row in Excel, WPS and LibreOffice alike (none of them grows a row whose height
the file sets, and without a height some show every row one line high).

Printing: A3 landscape at 10 pt, one page wide, as many pages tall as it takes, the header on
every page. The visible columns fit the page at 100 % in Excel (and at about 98 % in
LibreOffice, whose units come out a little wider), so fitting never shrinks the text below 9 pt.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from tasks.ledger.columns import MILESTONE_COLUMNS, AreaRow, Column, MeasureRow, Row
from tasks.ledger.period_report import LATE, NOT_REPORTED
from tasks.models import Light, ProgressReport

XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

BODY_FONT = {"font_name": "宋体", "font_size": 10}
LINE_HEIGHT = 13.5  # points: one line of 宋体 10 pt, as Excel sets a row of it
ROW_PADDING = 3  # points: above and below a cell's text
MAX_ROW_HEIGHT = 409  # points: the most Excel allows a row


def text_width(text: str) -> int:
    """How wide a text is in Excel's character units: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a wrapped cell `width` units wide: each line of its own
    (explicit breaks) takes as many as its characters fill (a Chinese character full-width,
    two units). Two units of the width are kept back: the cell's padding, and the slack a
    line break leaves (a word, or a 。 that may not begin a line, moves down whole); so the
    estimate errs towards a line too many, never too few."""
    room = max(width - 2, 1)
    lines = text.splitlines() or [""]
    return sum(max(1, math.ceil(text_width(line) / room)) for line in lines)


def row_height(cells: Iterable[tuple[str, float]]) -> float:
    """The height (points) of a row of wrapped cells, each given as (text, column width): that
    of its tallest cell, at most what Excel allows."""
    lines = max((text_lines(text, width) for text, width in cells), default=1)
    return min(lines * LINE_HEIGHT + ROW_PADDING, MAX_ROW_HEIGHT)


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
        self.group = make(bold=True, border=1, valign="vcenter", text_wrap=True, bg_color="#F2F2F2")
        self.text = make(**cell, text_wrap=True)
        self.centre = make(**cell, align="center", text_wrap=True)
        self.number = make(**cell, align="center", num_format="0")
        self.percent = make(**cell, align="center", num_format='0"%"')
        self.date = make(**cell, align="center", num_format="yyyy-mm-dd")
        self.datetime = make(**cell, align="center", num_format="yyyy-mm-dd hh:mm")
        self.total = make(bold=True)
        self.tones = {
            key: make(**cell, align="center", text_wrap=True, bg_color=bg, font_color=fg)
            for key, (bg, fg) in {**_LIGHT_COLOURS, **_STATE_COLOURS}.items()
        }

    def of(self, column: Column, *, light: str = "", state: str = "") -> object:
        """A cell's format: a light or a report state in its colours, else by its column."""
        if column.key == "light" and light in self.tones:
            return self.tones[light]
        if column.key == "state" and state in self.tones:
            return self.tones[state]
        if column.kind == "percent":
            return self.percent
        if column.kind == "number":
            return self.number
        if column.kind in {"date", "deadline", "datetime"}:
            return self.centre
        return self.text if column.wrap else self.centre


HEADER_ROW = 2  # under the title and the subtitle


class _SheetWriter:
    """One sheet of ledger-like rows, written top to bottom: title, subtitle, header (frozen,
    repeated on every printed page), area group rows merged across the visible columns (the
    hidden ones come last), measure rows each as tall as its text."""

    def __init__(self, sheet: Worksheet, formats: _Formats, columns: tuple[Column, ...]) -> None:
        self.sheet, self.formats, self.columns = sheet, formats, columns
        self.visible = tuple(column for column in columns if not column.hidden)
        self.last = len(self.visible) - 1
        self.width = sum(column.width for column in self.visible)
        self.row = HEADER_ROW

    def start(self, title: str, subtitle: str) -> None:
        sheet, formats = self.sheet, self.formats
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width, None, {"hidden": column.hidden})
        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, self.last, title, formats.title)
        sheet.set_row(1, row_height([(subtitle, self.width)]))
        sheet.merge_range(1, 0, 1, self.last, subtitle, formats.subtitle)
        sheet.set_row(HEADER_ROW, row_height((str(c.label), c.width) for c in self.visible))
        for index, column in enumerate(self.columns):
            sheet.write_string(HEADER_ROW, index, str(column.label), formats.header)

    def group(self, label: str) -> None:
        """An area's group row, merged across the visible columns."""
        self.row += 1
        self.sheet.set_row(self.row, row_height([(label, self.width)]))
        self.sheet.merge_range(self.row, 0, self.row, self.last, label, self.formats.group)

    def write(self, values: dict[str, object], *, light: str = "", state: str = "") -> None:
        """A row of values by column key, as tall as the text of its tallest cell."""
        self.row += 1
        texts = {c.key: _cell_text(values.get(c.key))[:XLSX_MAX_CELL] for c in self.columns}
        self.sheet.set_row(self.row, row_height((texts[c.key], c.width) for c in self.visible))
        for index, column in enumerate(self.columns):
            self._cell(index, column, values.get(column.key), texts[column.key], light, state)

    def _cell(
        self, index: int, column: Column, value: object, text: str, light: str, state: str
    ) -> None:
        sheet, row, fmt = self.sheet, self.row, self.formats.of(column, light=light, state=state)
        if value is None or value == "":
            sheet.write_blank(row, index, None, fmt)
        elif column.kind in {"date", "deadline"} and isinstance(value, date):
            sheet.write_datetime(row, index, value, self.formats.date)
        elif column.kind == "datetime" and isinstance(value, datetime):
            sheet.write_datetime(row, index, value.replace(tzinfo=None), self.formats.datetime)
        elif column.kind in {"number", "percent"} and isinstance(value, int):
            sheet.write_number(row, index, value, fmt)
        else:
            sheet.write_string(row, index, text, fmt)

    def finish(self, total: str = "") -> None:
        """The total under the rows; the print setup: A3 landscape, one page wide (fit to
        width only: the pages run down as far as the rows go), the header on every page."""
        sheet = self.sheet
        if total:
            self.row += 1
            sheet.write_string(self.row, 0, total, self.formats.total)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        sheet.repeat_rows(HEADER_ROW)
        sheet.set_landscape()
        sheet.set_paper(8)  # A3
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
        sheet.center_horizontally()
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.set_footer("&C&P / &N")
        sheet.print_area(0, 0, self.row, self.last)


class _MilestoneSheet:
    """The ledger's second sheet (时间节点): each measure's milestones, one a row, under its
    area's group row; an area none of whose measures has a milestone is left out."""

    def __init__(self, writer: _SheetWriter) -> None:
        self.writer, self.pending_area = writer, ""

    def area(self, label: str) -> None:
        self.pending_area = label

    def measure(self, row: MeasureRow) -> None:
        """The measure's milestones; its title on the first only, as a merged cell would."""
        for index, milestone in enumerate(row.milestones):
            if self.pending_area:
                self.writer.group(self.pending_area)
                self.pending_area = ""
            values = {
                "number": row.values.get("number"),
                "milestone_measure": "" if index else row.values.get("title"),
                "milestone": milestone.title,
                "milestone_due": milestone.due_date,
                "milestone_done": milestone.done_on,
            }
            self.writer.write(values)


def write_xlsx(
    out: IO[bytes],
    *,
    columns: tuple[Column, ...],
    rows: Iterable[Row],
    title: str,
    subtitle: str,
    sheet_name: str,
    total_label: str = "",
    milestone_sheet_name: str = "",
) -> int:
    """Write a ledger-like sheet to `out` (see `_SheetWriter`), and with `milestone_sheet_name`
    a second sheet of the rows' milestones.

    Rows are written in order and flushed as they go (constant memory, both sheets at once).
    Returns the number of measure rows."""
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    book.set_properties({"title": title, "comments": subtitle})
    formats = _Formats(book)
    ledger = _SheetWriter(book.add_worksheet(sheet_name[:31]), formats, columns)
    ledger.start(title, subtitle)
    milestones = None
    if milestone_sheet_name:
        sheet = book.add_worksheet(milestone_sheet_name[:31])
        milestones = _MilestoneSheet(_SheetWriter(sheet, formats, MILESTONE_COLUMNS))
        milestones.writer.start(title, subtitle)
    count = 0
    for row in rows:
        if isinstance(row, AreaRow):
            ledger.group(row.label)
            if milestones:
                milestones.area(row.label)
            continue
        count += 1
        ledger.write(row.values, light=row.light, state=row.state)
        if milestones:
            milestones.measure(row)
    ledger.finish(total_label % {"count": count} if total_label else "")
    if milestones:
        milestones.writer.finish()
    book.close()
    return count


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

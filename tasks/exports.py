"""台账: the ledger and the period report as plain rows, and the XLSX and CSV writers for them.

The ledger follows the task book's filters and order: one group row per reform area (numbered
一、二、三…), its measures numbered 1, 2, 3… within it. Each measure row carries the latest
progress report's text (最新进展, 存在问题, 下步计划) and the measure's id, in a hidden column
`ID` that lets an edited ledger be uploaded back (`tasks.ledger_upload`).

Memory and queries stay flat however large the plan: the measures come from one query, read
with `.iterator()` (the co-operating bodies and the latest report are annotations, not
prefetches), and the XLSX is written row by row in XlsxWriter's `constant_memory` mode.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

import xlsxwriter
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, FilteredRelation, OuterRef, Q, QuerySet, StringAgg, Subquery, Value
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from tasks import permissions
from tasks.filters import MeasureFilter
from tasks.models import Light, Measure, ProgressReport
from tasks.periods import Period
from tasks.reporting import ReportState, owes_report, state_for

CHUNK_SIZE = 1000  # measures read from the database at a time
SEPARATOR = "、"  # between co-operating bodies, in the ledger and in an uploaded one
_AGG_SEPARATOR = "\x1f"  # inside the database aggregate; never part of a body's name
XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_HEADER = "ID"  # the hidden id column: the same in every language, so uploads find it


@dataclass(frozen=True)
class Column:
    """One column of an export: its key in a row's values, its header and how it is written."""

    key: str
    label: Promise | str
    kind: str = "text"  # text | number | percent | date | datetime | deadline
    min_width: int = 6  # in Excel's character units (a Chinese character counts two)
    max_width: int = 40
    wrap: bool = True
    hidden: bool = False


# 序号 | 改革领域 | 具体举措 | 牵头单位 | 配合单位 | 责任人 | 开始时间 | 完成时限 |
# 优先级 | 优先序 | 状态 | 红黄绿灯 | 进度 | 最新进展 | 存在问题 | 下步计划, and the hidden ID.
LEDGER_COLUMNS: tuple[Column, ...] = (
    Column(
        "number",
        pgettext_lazy("ledger column", "No."),
        kind="number",
        min_width=5,
        max_width=6,
        wrap=False,
    ),
    Column("area", pgettext_lazy("ledger column", "Reform area"), min_width=12, max_width=24),
    Column("title", pgettext_lazy("ledger column", "Measure"), min_width=24, max_width=50),
    Column("lead_body", pgettext_lazy("ledger column", "Lead body"), min_width=10, max_width=20),
    Column(
        "cooperating",
        pgettext_lazy("ledger column", "Cooperating bodies"),
        min_width=12,
        max_width=30,
    ),
    Column(
        "owner", pgettext_lazy("ledger column", "Person responsible"), min_width=8, max_width=14
    ),
    Column(
        "start_date",
        pgettext_lazy("ledger column", "Start date"),
        kind="date",
        min_width=11,
        max_width=11,
        wrap=False,
    ),
    Column(
        "due_date",
        pgettext_lazy("ledger column", "Due date"),
        kind="deadline",
        min_width=11,
        max_width=14,
    ),
    Column(
        "priority", pgettext_lazy("ledger column", "Priority"), min_width=6, max_width=8, wrap=False
    ),
    Column(
        "rank",
        pgettext_lazy("ledger column", "Rank"),
        kind="number",
        min_width=6,
        max_width=8,
        wrap=False,
    ),
    Column(
        "status", pgettext_lazy("ledger column", "Status"), min_width=8, max_width=10, wrap=False
    ),
    Column(
        "light",
        pgettext_lazy("ledger column", "Traffic light"),
        min_width=8,
        max_width=10,
        wrap=False,
    ),
    Column(
        "progress",
        pgettext_lazy("ledger column", "Progress"),
        kind="percent",
        min_width=6,
        max_width=8,
        wrap=False,
    ),
    Column(
        "latest_progress",
        pgettext_lazy("ledger column", "Latest progress"),
        min_width=20,
        max_width=50,
    ),
    Column("problems", pgettext_lazy("ledger column", "Problems"), min_width=16, max_width=40),
    Column("next_steps", pgettext_lazy("ledger column", "Next steps"), min_width=16, max_width=40),
    Column("id", ID_HEADER, kind="number", min_width=6, max_width=8, wrap=False, hidden=True),
)


@dataclass(frozen=True)
class AreaRow:
    """A reform area's group row: 一、第一 坚持党的领导…"""

    label: str


@dataclass(frozen=True)
class MeasureRow:
    """One measure: its values by column key, its traffic light and (in a period report) the
    state of its report, for the writers to colour."""

    values: dict[str, object]
    light: str = ""
    state: str = ""


Row = AreaRow | MeasureRow


# -- numbering ----------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for 1 ≤ n < 10000)."""
    if not 0 < n < 10_000:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    text, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            text += ("零" if zero and text else "") + _DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return text


def area_label(number: int, area: object) -> str:
    """一、第五 深化产业工人队伍建设改革 (the export's own numbering, then the area as written)."""
    return f"{chinese_number(number)}、{area}"


def person(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# -- the ledger ---------------------------------------------------------------------------------


def _cooperating_names() -> Subquery:
    links = (
        Measure.cooperating_bodies.through.objects.filter(measure=OuterRef("pk"))
        .order_by()
        .values("measure")
        .annotate(
            names=StringAgg("responsiblebody__name", delimiter=Value(_AGG_SEPARATOR)),
        )
        .values("names")
    )
    return Subquery(links)


def _latest_report(field_name: str) -> Subquery:
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-period", "-pk")
    return Subquery(latest.values(field_name)[:1])


def _names(aggregated: str | None) -> str:
    return SEPARATOR.join(sorted(filter(None, (aggregated or "").split(_AGG_SEPARATOR))))


def ledger_queryset(filters: MeasureFilter, user: AbstractBaseUser | None) -> QuerySet[Measure]:
    """The task book's measures (its filters and sort, grouped by area) that `user` may see
    (None: the server itself, as in a management command), with everything a ledger row
    shows, in one query."""
    measures = filters.qs
    if user is not None:
        measures = measures & permissions.visible_measures(user)
    return (
        measures.prefetch_related(None)
        .annotate(
            cooperating_names=_cooperating_names(),
            latest_done=_latest_report("done_text"),
            latest_problems=_latest_report("problems"),
            latest_next=_latest_report("next_steps"),
        )
        .order_by("area__order", "area_id", *filters.ordering)
    )


def ledger_rows(measures: QuerySet[Measure]) -> Iterator[Row]:
    """The ledger as plain rows: a group row per area, then its measures numbered from 1.

    `measures` comes from `ledger_queryset`; it is read in chunks, never held whole."""
    priorities, statuses = dict(Measure.Priority.choices), dict(Measure.Status.choices)
    lights = dict(Light.choices)
    area_id, area_count, number, label = None, 0, 0, ""
    for measure in measures.iterator(chunk_size=CHUNK_SIZE):
        if measure.area_id != area_id:
            area_id, area_count, number = measure.area_id, area_count + 1, 0
            label = area_label(area_count, measure.area)
            yield AreaRow(label)
        number += 1
        yield MeasureRow(
            {
                "number": number,
                "area": label,
                "title": measure.title,
                "lead_body": measure.lead_body.name if measure.lead_body else "",
                "cooperating": _names(measure.cooperating_names),
                "owner": person(measure.owner),
                "start_date": measure.start_date,
                "due_date": measure.due_date or measure.deadline_note,
                "priority": str(priorities.get(measure.priority, measure.priority)),
                "rank": measure.rank,
                "status": str(statuses.get(measure.status, measure.status)),
                "light": str(lights.get(measure.light, "")),
                "progress": measure.progress,
                "latest_progress": measure.latest_done or "",
                "problems": measure.latest_problems or "",
                "next_steps": measure.latest_next or "",
                "id": measure.pk,
            },
            light=measure.light,
        )


def describe_filters(filters: MeasureFilter) -> str:
    """The filters in force, in words (改革领域：第一 …；状态：推进中); invalid ones left out."""
    filters.is_valid()
    cleaned = getattr(filters.form, "cleaned_data", {})
    parts = []
    for name, form_field in filters.form.fields.items():
        value = cleaned.get(name)
        if name == "sort" or value in (None, "", []):
            continue
        if isinstance(value, slice):
            if value.start is None and value.stop is None:
                continue
            shown = f"{value.start or '…'} – {value.stop or '…'}"
        elif isinstance(value, AbstractBaseUser):
            shown = person(value)
        elif hasattr(value, "pk"):
            shown = str(value)
        elif isinstance(form_field, forms.ChoiceField):
            shown = str(dict(form_field.choices).get(value, value))
        else:
            shown = str(value)
        parts.append(f"{form_field.label}：{shown}")
    if not parts:
        return _("All measures")
    return _("Filters: %(filters)s") % {"filters": "；".join(parts)}


def ledger_title(day: date) -> str:
    return _("Union reform task ledger (as of %(day)s)") % {"day": day.isoformat()}


def ledger_file_name(day: date, extension: str) -> str:
    name = pgettext("file name", "union-reform-ledger")
    return f"{name}-{day:%Y%m%d}.{extension}"


# -- the period report --------------------------------------------------------------------------

# The states, and which measures owe a report, are the reporting cycle's: the period report
# and /reports/ never disagree.
NOT_REPORTED, LATE = ReportState.MISSING.value, ReportState.LATE.value
REPORT_STATES: tuple[tuple[str, Promise], ...] = (
    (NOT_REPORTED, ReportState.MISSING.label),
    (LATE, ReportState.LATE.label),
    *ProgressReport.ReviewState.choices,
)

PERIOD_COLUMNS: tuple[Column, ...] = (
    Column(
        "number",
        pgettext_lazy("ledger column", "No."),
        kind="number",
        min_width=5,
        max_width=6,
        wrap=False,
    ),
    Column("title", pgettext_lazy("ledger column", "Measure"), min_width=24, max_width=50),
    Column("lead_body", pgettext_lazy("ledger column", "Lead body"), min_width=10, max_width=20),
    Column(
        "owner", pgettext_lazy("ledger column", "Person responsible"), min_width=8, max_width=14
    ),
    Column(
        "due_date",
        pgettext_lazy("ledger column", "Due date"),
        kind="deadline",
        min_width=11,
        max_width=14,
    ),
    Column(
        "light",
        pgettext_lazy("ledger column", "Traffic light"),
        min_width=8,
        max_width=10,
        wrap=False,
    ),
    Column(
        "state",
        pgettext_lazy("ledger column", "Report state"),
        min_width=10,
        max_width=14,
        wrap=False,
    ),
    Column(
        "progress",
        pgettext_lazy("ledger column", "Progress"),
        kind="percent",
        min_width=6,
        max_width=8,
        wrap=False,
    ),
    Column(
        "done_text", pgettext_lazy("ledger column", "Progress made"), min_width=24, max_width=50
    ),
    Column("problems", pgettext_lazy("ledger column", "Problems"), min_width=16, max_width=40),
    Column("next_steps", pgettext_lazy("ledger column", "Next steps"), min_width=16, max_width=40),
    Column(
        "submitted_at",
        pgettext_lazy("ledger column", "Submitted at"),
        kind="datetime",
        min_width=16,
        max_width=16,
        wrap=False,
    ),
)


def report_state(*, filed: str | None, period: Period, day: date) -> str:
    """未报 / 逾期未报 before and after the deadline; a filed report's review state otherwise."""
    return state_for(filed, period=period, today=day).value


@dataclass
class PeriodReport:
    """Everything the period report shows: the counts, the charts' geometry and the rows."""

    period: Period
    deadline: date
    day: date
    rows: list[Row] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)
    lights: list[dict] = field(default_factory=list)
    areas: list[dict] = field(default_factory=list)
    total: int = 0

    @property
    def title(self) -> str:
        return _("Progress report for %(period)s") % {"period": self.period}

    @property
    def subtitle(self) -> str:
        return _("Reports due by %(deadline)s; as of %(day)s.") % {
            "deadline": self.deadline.isoformat(),
            "day": self.day.isoformat(),
        }

    @property
    def file_name(self) -> str:
        name = pgettext("file name", "progress-report")
        return f"{name}-{self.period}.xlsx"

    def summary_line(self) -> str:
        counts = "；".join(f"{row['label']} {row['n']}" for row in self.states)
        return _("%(total)d measures: %(counts)s") % {"total": self.total, "counts": counts}


def _shares(counts: dict[str, int], choices: Iterable[tuple[str, object]], width: int) -> list:
    """Each choice with its count and its part of a bar `width` long (for an SVG stack)."""
    total, x, result = sum(counts.values()) or 1, 0.0, []
    for value, label in choices:
        n = counts.get(value, 0)
        part = n * width / total
        result.append({"value": value, "label": str(label), "n": n, "x": x, "width": part})
        x += part
    return result


def period_report(
    period: Period, *, day: date, deadline_day: int, bar_width: int = 300
) -> PeriodReport:
    """The measures that owe a report for `period` (the reporting cycle's rule) or filed one,
    with their report and its state. One query."""
    deadline = period.deadline(deadline_day)
    key = str(period)
    measures = (
        Measure.objects.with_light(day)
        .select_related("area", "lead_body", "owner")
        .annotate(filed=FilteredRelation("reports", condition=Q(reports__period=key)))
        .filter(owes_report(period) | Q(filed__isnull=False))
        .annotate(
            r_state=F("filed__review_state"),
            r_progress=F("filed__progress"),
            r_done=F("filed__done_text"),
            r_problems=F("filed__problems"),
            r_next=F("filed__next_steps"),
            r_submitted=F("filed__submitted_at"),
        )
        .order_by("area__order", "area_id", "rank")
    )
    report = PeriodReport(period=period, deadline=deadline, day=day)
    labels, lights = dict(REPORT_STATES), dict(Light.choices)
    state_counts: dict[str, int] = {}
    light_counts: dict[str, int] = {}
    area_id, area_count, number, area = None, 0, 0, None
    for measure in measures:
        if measure.area_id != area_id:
            area_id, area_count, number = measure.area_id, area_count + 1, 0
            area = {"label": area_label(area_count, measure.area), "owed": 0, "filed": 0}
            report.areas.append(area)
            report.rows.append(AreaRow(area["label"]))
        number += 1
        state = report_state(filed=measure.r_state, period=period, day=day)
        state_counts[state] = state_counts.get(state, 0) + 1
        light_counts[measure.light] = light_counts.get(measure.light, 0) + 1
        area["owed"] += 1
        area["filed"] += bool(measure.r_state)
        submitted = measure.r_submitted
        report.rows.append(
            MeasureRow(
                {
                    "number": number,
                    "title": measure.title,
                    "lead_body": measure.lead_body.name if measure.lead_body else "",
                    "owner": person(measure.owner),
                    "due_date": measure.due_date or measure.deadline_note,
                    "light": str(lights.get(measure.light, "")),
                    "state": str(labels[state]),
                    "progress": measure.r_progress if measure.r_state else measure.progress,
                    "done_text": measure.r_done or "",
                    "problems": measure.r_problems or "",
                    "next_steps": measure.r_next or "",
                    "submitted_at": timezone.localtime(submitted) if submitted else None,
                    "id": measure.pk,
                },
                light=measure.light,
                state=state,
            )
        )
    report.total = sum(state_counts.values())
    report.states = _shares(state_counts, REPORT_STATES, bar_width)
    report.lights = _shares(light_counts, Light.choices, bar_width)
    for area in report.areas:
        area["bar"] = area["filed"] * bar_width / (area["owed"] or 1)
        area["share"] = round(area["filed"] * 100 / (area["owed"] or 1))
    return report


# -- writers ------------------------------------------------------------------------------------


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

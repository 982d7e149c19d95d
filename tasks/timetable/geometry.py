"""时间表: the geometry of the timetable — a month axis and one row per measure — as plain data.

The page draws it as server-side SVG from these numbers, so it reads the same in a browser, in a
screenshot and on paper. No Django import: dates in, coordinates out (SVG user units, rounded
to 0.1). Text is left to the template, which translates it; only the truncation of long titles
is done here, because it depends on the width of the label column.

The page shows one screen page of a list (the task book's page size), its axis spanning the
whole list's dates; each part of it of at most ROWS_PER_PAGE rows (one printed landscape page) is
an SVG of its own: a label column of LABEL_WIDTH, then the plot, `Timetable.width` wide. Inside a
page, the axis takes the top AXIS_HEIGHT (a band of years over a band of months or quarters), rows
follow, ROW_HEIGHT each, and the last FOOTER_HEIGHT carries the label of today's line.

What a row shows, by the dates the measure has:

- start and due date: a bar from start to due (`kind == "bar"`); overdue bars also get the
  overrun from the due date to today;
- no due date, but a start or a deadline note (长期坚持, 持续推进): an open-ended bar from the
  start (or the axis start) to the right edge, with an arrow and the note (`"open"`);
- a due date and no start: a deadline mark at the due date (`"deadline"`);
- neither: nothing on the axis (`"unscheduled"`).

Milestones are marks on their measure's row; those outside the axis are left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

ZOOMS = ("month", "quarter")
SCALE = {"month": 64, "quarter": 22}  # units per month; the quarter zoom fits three years
MIN_MONTHS = {"month": 12, "quarter": 24}  # never an axis narrower than this
MAX_MONTHS = 72  # never an axis wider than six years: the rest is clipped, today kept in view
ROWS_PER_PAGE = 30  # one printed landscape page
A4_WIDTH = 1220  # a chart up to this wide prints at 87 % or more on A4 landscape; wider: on A3

LABEL_WIDTH = 320  # rank, ordinal and title
RANK_WIDTH = 36  # the rank, right-aligned in the first RANK_WIDTH units of the label column
ROW_HEIGHT = 22
BAR_HEIGHT = 12
AXIS_HEIGHT = 40  # years over months (or quarters), 20 each
FOOTER_HEIGHT = 20  # today's label
FONT_SIZE = 12  # of the titles; a wide (CJK) character is one FONT_SIZE wide
NOTE_FONT_SIZE = 11
MIN_BAR = 3.0  # a measure that starts and ends on the same day still shows
ARROW = 8.0  # the arrow head of an open bar, at the right edge


class MilestoneLike(Protocol):
    measure_id: int
    title: str
    due_date: date
    done_on: date | None


class MeasureLike(Protocol):
    pk: int
    rank: int
    ordinal: str
    title: str
    start_date: date | None
    due_date: date | None
    deadline_note: str
    progress: int
    light: str


@dataclass(frozen=True)
class Tick:
    """A month or quarter (or, in the year band, a year) of the axis."""

    day: date  # its first day
    x: float
    width: float
    quarter: int  # 1–4, for quarter labels
    year_start: bool  # the first tick of a year: a stronger grid line


@dataclass(frozen=True)
class Mark:
    """A milestone on its measure's row."""

    title: str
    due: date
    done_on: date | None
    x: float
    late: bool  # not done and its date has passed

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass
class Row:
    measure: MeasureLike
    number: int  # 1-based position in the whole list
    y: float  # top of the row, within its page
    label: str  # ordinal and title, cut to fit the label column ("…" when cut)
    truncated: bool
    kind: str  # "bar", "open", "deadline" or "unscheduled"
    x1: float | None = None  # a bar from x1 to x2; a deadline mark stands at x1 (== x2)
    x2: float | None = None  # an open bar stops here, its arrow runs on to the right edge
    progress_x: float | None = None  # the done part of a dated bar ends here
    overdue: bool = False
    overrun_x: float | None = None  # an overdue bar's overrun runs from x2 to here (today)
    text_x: float | None = None  # the note of an open bar, or the date of a deadline mark
    text_anchor: str = "start"
    marks: list[Mark] = field(default_factory=list)

    @property
    def width(self) -> float:
        return round(self.x2 - self.x1, 1) if self.x1 is not None and self.x2 is not None else 0.0

    @property
    def progress_width(self) -> float:
        return round(self.progress_x - self.x1, 1) if self.progress_x is not None else 0.0

    @property
    def overrun_width(self) -> float:
        return round(self.overrun_x - self.x2, 1) if self.overrun_x is not None else 0.0

    @property
    def odd(self) -> bool:
        return self.number % 2 == 1


@dataclass
class Page:
    """At most ROWS_PER_PAGE rows: one SVG, one printed page."""

    rows: list[Row]
    number: int
    first: int
    last: int
    height: float

    @property
    def rows_bottom(self) -> float:
        return AXIS_HEIGHT + len(self.rows) * ROW_HEIGHT

    @property
    def today_line_end(self) -> float:
        return self.rows_bottom + 4

    @property
    def today_label_y(self) -> float:
        return self.rows_bottom + 15


@dataclass
class Timetable:
    start: date
    end: date  # first day after the axis
    zoom: str
    width: float  # of the plot, without the label column
    today: date
    today_x: float | None  # None when today is off the axis
    today_anchor: str
    years: list[Tick]
    ticks: list[Tick]
    pages: list[Page]
    clipped: bool  # the dates ran past MAX_MONTHS; bars are cut at the edges
    count: int

    @property
    def total_width(self) -> float:
        return LABEL_WIDTH + self.width

    @property
    def paper(self) -> str:
        """The landscape paper it prints on: A4, or A3 when the chart is too wide to read on A4."""
        return "A4" if self.total_width <= A4_WIDTH else "A3"

    # for the template, which cannot do sums: the layout, in SVG units
    label_width = LABEL_WIDTH
    rank_width = RANK_WIDTH
    title_x = RANK_WIDTH + 8
    row_height = ROW_HEIGHT
    bar_height = BAR_HEIGHT
    bar_top = (ROW_HEIGHT - BAR_HEIGHT) / 2
    progress_y = (ROW_HEIGHT + BAR_HEIGHT) / 2 - 4  # the done part: a strip along the bottom
    row_mid = ROW_HEIGHT / 2
    text_y = round(ROW_HEIGHT / 2 + FONT_SIZE * 0.36, 1)  # baseline of a row's text
    axis_height = AXIS_HEIGHT


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A fair estimate of how wide `text` is drawn: CJK one em, the rest about half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.55 for c in text)


def truncate(text: str, width: float, size: float = FONT_SIZE) -> tuple[str, bool]:
    """`text` cut (with "…") to fit `width`, and whether it was cut."""
    if text_width(text, size) <= width:
        return text, False
    room = width - size  # the ellipsis
    used, kept = 0.0, []
    for char in text:
        used += text_width(char, size)
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…", True


class Axis:
    """Months from `start` (a first of month), `months` long, `SCALE[zoom]` units each."""

    def __init__(self, start: date, months: int, zoom: str) -> None:
        self.start = start
        self.months = months
        self.end = add_months(start, months)
        self.zoom = zoom
        self.scale = SCALE[zoom]
        self.width = float(months * self.scale)

    def x(self, day: date) -> float:
        """Where a day begins, clamped to the axis."""
        if day <= self.start:
            return 0.0
        if day >= self.end:
            return self.width
        month = months_between(self.start, day)
        first = add_months(self.start, month)
        days_in_month = (add_months(first, 1) - first).days
        return round((month + (day - first).days / days_in_month) * self.scale, 1)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def ticks(self) -> list[Tick]:
        step = 1 if self.zoom == "month" else 3
        ticks = []
        for offset in range(0, self.months, step):
            day = add_months(self.start, offset)
            ticks.append(
                Tick(
                    day=day,
                    x=self.x(day),
                    width=float(self.scale * step),
                    quarter=(day.month - 1) // 3 + 1,
                    year_start=day.month == 1,
                )
            )
        return ticks

    def years(self) -> list[Tick]:
        years = []
        day = self.start
        while day < self.end:
            following = min(date(day.year + 1, 1, 1), self.end)
            x = self.x(day)
            years.append(Tick(day, x, round(self.x(following) - x, 1), 1, True))
            day = following
        return years


def span(days: Iterable[date], today: date, zoom: str) -> tuple[date, int, bool]:
    """The axis for these dates and today: its first month, its length, and whether clipped.

    From the first month of the earliest date (the first month of its quarter in the quarter
    zoom) to one month past the latest; at least MIN_MONTHS, at most MAX_MONTHS (keeping the
    twelve months before today in view when the dates run longer than that).
    """
    days = [today, *days]
    first, last = month_start(min(days)), month_start(max(days))
    if zoom == "quarter":
        first = quarter_start(first)
    months = max(months_between(first, last) + 2, MIN_MONTHS[zoom])
    clipped = months > MAX_MONTHS
    if clipped:
        first = max(first, add_months(today, -12))
        if zoom == "quarter":
            first = quarter_start(first)
        months = MAX_MONTHS
    if zoom == "quarter":
        months += -months % 3
    return first, months, clipped


def _row(
    measure: MeasureLike,
    marks: list[MilestoneLike],
    axis: Axis,
    today: date,
    number: int,
    y: float,
) -> Row:
    label, truncated = truncate(
        f"{measure.ordinal} {measure.title}".strip(), LABEL_WIDTH - RANK_WIDTH - 14
    )
    row = Row(measure=measure, number=number, y=y, label=label, truncated=truncated, kind="")
    start, due = measure.start_date, measure.due_date
    if start and due:
        row.kind = "bar"
        row.x1 = axis.x(start)
        row.x2 = max(axis.x(due), min(row.x1 + MIN_BAR, axis.width))
        done = (row.x2 - row.x1) * min(max(measure.progress, 0), 100) / 100
        row.progress_x = round(row.x1 + done, 1) if done else None
        row.overdue = measure.light == "red" and due < today
        if row.overdue:
            row.overrun_x = axis.x(today)
    elif start or (not due and measure.deadline_note):
        row.kind = "open"
        row.x1 = min(axis.x(start), axis.width - ARROW) if start else 0.0
        row.x2 = axis.width - ARROW
        note_width = text_width(measure.deadline_note, NOTE_FONT_SIZE)
        if row.x2 - row.x1 < note_width + 8:
            row.text_x, row.text_anchor = row.x1 - 4, "end"  # no room inside: before the bar
        else:
            row.text_x, row.text_anchor = row.x2 - 4, "end"  # inside, by the arrow
    elif due:
        row.kind = "deadline"
        row.x1 = row.x2 = axis.x(due)
        row.overdue = measure.light == "red" and due < today
        if axis.width - row.x1 < 90:
            row.text_x, row.text_anchor = row.x1 - 10, "end"
        else:
            row.text_x, row.text_anchor = row.x1 + 10, "start"
    else:
        row.kind = "unscheduled"
        row.text_x = 6.0
    row.marks = [
        Mark(
            title=m.title,
            due=m.due_date,
            done_on=m.done_on,
            x=axis.x(m.due_date),
            late=m.done_on is None and m.due_date < today,
        )
        for m in sorted(marks, key=lambda m: m.due_date)
        if axis.contains(m.due_date)
    ]
    return row


def build(
    measures: Iterable[MeasureLike],
    milestones: Iterable[MilestoneLike],
    *,
    today: date,
    zoom: str = "month",
    extent: Iterable[date | None] = (),
    first_number: int = 1,
    count: int | None = None,
) -> Timetable:
    """Lay out the measures (in the order given) and their milestones on a month or quarter axis.

    The measures are one screen page of a longer list: `first_number` is the position of the
    first of them in that list, `count` the list's length (these measures alone if not given),
    and `extent` the earliest and latest dates of the whole list (None for none), so that the
    axis is the same on every page of it. An unknown zoom is taken as "month" (the caller
    tells the user).
    """
    if zoom not in ZOOMS:
        zoom = "month"
    measures = list(measures)
    by_measure: dict[int, list[MilestoneLike]] = {}
    for milestone in milestones:
        by_measure.setdefault(milestone.measure_id, []).append(milestone)
    dates = [d for m in measures for d in (m.start_date, m.due_date) if d]
    dates += [ms.due_date for m in measures for ms in by_measure.get(m.pk, ())]
    dates += [d for d in extent if d]
    first, months, clipped = span(dates, today, zoom)
    axis = Axis(first, months, zoom)

    pages = []
    for offset in range(0, len(measures), ROWS_PER_PAGE):
        chunk = measures[offset : offset + ROWS_PER_PAGE]
        start = first_number + offset
        rows = [
            _row(
                measure,
                by_measure.get(measure.pk, []),
                axis,
                today,
                number=start + i,
                y=AXIS_HEIGHT + i * ROW_HEIGHT,
            )
            for i, measure in enumerate(chunk)
        ]
        pages.append(
            Page(
                rows=rows,
                number=len(pages) + 1,
                first=start,
                last=start + len(rows) - 1,
                height=AXIS_HEIGHT + len(rows) * ROW_HEIGHT + FOOTER_HEIGHT,
            )
        )

    today_x = axis.x(today) if axis.contains(today) else None
    anchor = "middle"
    if today_x is not None and today_x < 60:
        anchor = "start"
    elif today_x is not None and today_x > axis.width - 60:
        anchor = "end"
    return Timetable(
        start=axis.start,
        end=axis.end,
        zoom=zoom,
        width=axis.width,
        today=today,
        today_x=today_x,
        today_anchor=anchor,
        years=axis.years(),
        ticks=axis.ticks(),
        pages=pages,
        clipped=clipped,
        count=len(measures) if count is None else count,
    )

"""Deadlines as plans write them. Pure Python, no Django import.

A plan's 完成时限 is a date (2027-06-30, 2027年6月30日), or words: some name a time —
2027年6月底前, 6月底前 (in the plan's year), 年底前, 上半年, 第三季度 — and mean the last day of
it; some name none — 长期坚持, 持续推进, 常态化 — and the measure then has no due date. One
reader for the measure page, the ledger upload and the document import: `parse(text, year=…)`
gives the note as written (kept for the reader) and the date it means (for the traffic light
and the overdue lists).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from tasks import numerals

_OPEN_ENDED = re.compile(r"长期|持续|常态|经常|久久为功|不定期")
_NAMES_A_TIME = re.compile(r"\d|年|月|季度|[上下]半年|旬")

_NUMBER = r"(\d{1,4}|[〇零一二三四五六七八九十]{1,3})"
# a plain date, nothing else: 2027-06-30, 2027/6/30, 2027.6.30, 2027年6月30日
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
# a month written as a date: 2018.09, 2018-9, 2018/09 (a 任务清单's 完成时限 column)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*$")
_YEAR = re.compile(r"(\d{4})\s*年")
_DAY = re.compile(_NUMBER + r"\s*月\s*" + _NUMBER + r"\s*[日号]")
_MONTH = re.compile(_NUMBER + r"\s*月\s*(底|末|中旬|上旬|下旬|份)?\s*(前|以前|之前)?")
_QUARTER = re.compile(r"(?:第\s*)?([一二三四1-4])\s*季度|Q([1-4])", re.IGNORECASE)
_HALF = re.compile(r"([上下])半年")
# 全年 alone (throughout the year) names no end; 2026年全年 ends with that year
_YEAR_END = re.compile(r"年底|年末|年内|年度")


@dataclass(frozen=True)
class Deadline:
    """A 完成时限 as written: `note` (the words; empty for a plain date) and `due`, the date it
    means (None when it names no time)."""

    note: str
    due: date | None

    @property
    def open_ended(self) -> bool:
        return bool(self.note) and is_open_ended(self.note)


def is_open_ended(note: str) -> bool:
    """Does the note say the work has no end date (长期坚持, 持续推进, 常态化…)?"""
    return bool(_OPEN_ENDED.search(note)) and not _NAMES_A_TIME.search(note)


def parse(text: str, *, year: int) -> Deadline:
    """The deadline `text` writes; `year` is the plan's, for words that name no year (6月底前).

    A plain date gives that date and no note; words give themselves as the note and the last
    day of the time they name (月底/末 and 月 alone: that month's last day; 上旬 the 10th, 中旬
    the 20th; X月前 the last day before that month; a quarter or a half year its last day;
    年底, 年内 the 31st of December); words that name no time give no date."""
    written = " ".join(text.split())
    plain = _DATE.match(written)
    if plain:
        return Deadline("", _valid(*map(int, plain.groups())))
    month = _YEAR_MONTH.match(written)
    if month:
        year, number = map(int, month.groups())
        return Deadline(written, _last_day(year, number) if 1 <= number <= 12 else None)
    if not written or is_open_ended(written):
        return Deadline(written, None)
    return Deadline(written, _meant(written, year))


def _meant(text: str, plan_year: int) -> date | None:
    found = _YEAR.search(text)
    year = int(found.group(1)) if found else plan_year
    rest = text[found.end() :] if found else text
    day = _DAY.search(rest)
    if day:
        month, number = numerals.parse(day.group(1)), numerals.parse(day.group(2))
        return _valid(year, month, number) if month and number else None
    month = _MONTH.search(rest)
    if month:
        number = numerals.parse(month.group(1))
        if not number or not 1 <= number <= 12:
            return None
        part, before = month.group(2) or "", month.group(3)
        if before and not part:  # 10月前: before October begins
            return _last_day(year - (number == 1), 12 if number == 1 else number - 1)
        if part == "上旬":
            return date(year, number, 10)
        if part == "中旬":
            return date(year, number, 20)
        return _last_day(year, number)
    quarter = _QUARTER.search(rest)
    if quarter:
        which = numerals.parse(quarter.group(1) or quarter.group(2))
        return _last_day(year, which * 3) if which else None
    half = _HALF.search(rest)
    if half:
        return _last_day(year, 6 if half.group(1) == "上" else 12)
    if found or _YEAR_END.search(rest):
        return date(year, 12, 31)
    return None


def _last_day(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None

"""The ledger's columns and its rows as plain data, and the numbering every export shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tasks import numerals
from tasks.outline.markers import marker_at

ID_HEADER = "ID"  # the hidden id column: the same in every language, so uploads find it
VERSION_HEADER = "VERSION"  # beside it, hidden: the measure's version when it was exported


@dataclass(frozen=True)
class Column:
    """One column of an export: its key in a row's values, its header and how it is written.

    The width is fixed, not measured from the data: a row's height is set from the width
    before the row is written (the workbook is written a row at a time), and the widths of
    a sheet's visible columns are chosen to fit A3 landscape without shrinking the print."""

    key: str
    label: Promise | str
    kind: str = "text"  # text | number | percent | date | datetime | deadline
    width: float = 10  # in Excel's character units (a Chinese character counts two)
    wrap: bool = True  # long text, left-aligned; else a short value, centred (both may wrap)
    hidden: bool = False


# Every column a ledger or a period report may have, defined once. The ledger sheet's visible
# widths add up to 196 units: A3 landscape at 100 % in Excel (7 pixels a unit) at 10 pt, and
# no less than 95 % in LibreOffice, whose units come out a little wider.
_COLUMNS: tuple[Column, ...] = (
    Column("number", pgettext_lazy("ledger column", "No."), width=4, kind="number", wrap=False),
    Column("area", pgettext_lazy("ledger column", "Reform area"), width=20),
    Column("title", pgettext_lazy("ledger column", "Measure"), width=24),
    Column("lead_body", pgettext_lazy("ledger column", "Lead body"), width=10),
    Column("cooperating", pgettext_lazy("ledger column", "Cooperating bodies"), width=11),
    Column("owner", pgettext_lazy("ledger column", "Person responsible"), width=7),
    Column(
        "start_date",
        pgettext_lazy("ledger column", "Start date"),
        width=12,
        kind="date",
        wrap=False,
    ),
    Column("due_date", pgettext_lazy("ledger column", "Due date"), width=12, kind="deadline"),
    # 时间节点, 延期, 销号: what the office that follows the plan up (督办) asks about first
    Column("next_milestone", pgettext_lazy("ledger column", "Next milestone"), width=13),
    Column("extension", pgettext_lazy("ledger column", "Extension"), width=15),
    Column("priority", pgettext_lazy("ledger column", "Priority"), width=4, wrap=False),
    Column("rank", pgettext_lazy("ledger column", "Rank"), width=4, kind="number", wrap=False),
    Column("status", pgettext_lazy("ledger column", "Status"), width=6, wrap=False),
    Column("light", pgettext_lazy("ledger column", "Traffic light"), width=4, wrap=False),
    Column(
        "progress", pgettext_lazy("ledger column", "Progress"), width=6, kind="percent", wrap=False
    ),
    Column(
        "closed_on", pgettext_lazy("ledger column", "Closed on"), width=12, kind="date", wrap=False
    ),
    Column("latest_progress", pgettext_lazy("ledger column", "Latest progress"), width=22),
    Column("problems", pgettext_lazy("ledger column", "Problems"), width=15),
    Column("next_steps", pgettext_lazy("ledger column", "Next steps"), width=15),
    Column("id", ID_HEADER, kind="number", width=8, wrap=False, hidden=True),
    # what the row was exported from: a later upload tells a row that is stale (its measure
    # changed since) from one the cadre changed
    Column("version", VERSION_HEADER, kind="number", width=8, wrap=False, hidden=True),
    Column("state", pgettext_lazy("ledger column", "Report state"), width=8, wrap=False),
    Column("done_text", pgettext_lazy("ledger column", "Progress made"), width=44),
    Column(
        "submitted_at",
        pgettext_lazy("ledger column", "Submitted at"),
        width=18,
        kind="datetime",
        wrap=False,
    ),
    # the ledger's second sheet: each measure's milestones (its measure's title has room there)
    Column("milestone_measure", pgettext_lazy("ledger column", "Measure"), width=44),
    Column("milestone", pgettext_lazy("ledger column", "Milestone"), width=40),
    Column(
        "milestone_due",
        pgettext_lazy("ledger column", "Milestone date"),
        width=12,
        kind="date",
        wrap=False,
    ),
    Column(
        "milestone_done",
        pgettext_lazy("ledger column", "Done on"),
        width=12,
        kind="date",
        wrap=False,
    ),
)
COLUMNS: dict[str, Column] = {column.key: column for column in _COLUMNS}


def columns(*keys: str) -> tuple[Column, ...]:
    return tuple(COLUMNS[key] for key in keys)


# Every column of the ledger, as the CSV writes it and as an upload recognises its headers:
# 序号 | 改革领域 | 具体举措 | 牵头单位 | 配合单位 | 责任人 | 开始时间 | 完成时限 |
# 下一时间节点 | 延期 | 优先级 | 优先序 | 状态 | 红黄绿灯 | 进度 | 销号日期 |
# 最新进展 | 存在问题 | 下步计划, and the hidden ID and VERSION.
LEDGER_COLUMNS = columns(
    "number",
    "area",
    "title",
    "lead_body",
    "cooperating",
    "owner",
    "start_date",
    "due_date",
    "next_milestone",
    "extension",
    "priority",
    "rank",
    "status",
    "light",
    "progress",
    "closed_on",
    "latest_progress",
    "problems",
    "next_steps",
    "id",
    "version",
)
# The ledger's workbook: the same without 改革领域, which its merged group row says once above
# the area's measures. (A CSV has no group rows: each of its lines names its area.)
LEDGER_SHEET_COLUMNS = tuple(column for column in LEDGER_COLUMNS if column.key != "area")
# The workbook's second sheet, 时间节点: every milestone of the ledger's measures.
MILESTONE_COLUMNS = columns(
    "number", "milestone_measure", "milestone", "milestone_due", "milestone_done"
)


@dataclass(frozen=True)
class MilestoneLine:
    """One milestone of a measure, as the ledger's milestone sheet lists it."""

    title: str
    due_date: date
    done_on: date | None = None


@dataclass(frozen=True)
class AreaRow:
    """A reform area's group row: 第一 坚持党的领导…, or 二、健全工会组织体系."""

    label: str


@dataclass(frozen=True)
class MeasureRow:
    """One measure: its values by column key, its traffic light and (in a period report) the
    state of its report, for the writers to colour; in the ledger, its milestones."""

    values: dict[str, object]
    light: str = ""
    state: str = ""
    milestones: tuple[MilestoneLine, ...] = ()


Row = AreaRow | MeasureRow


# -- numbering ----------------------------------------------------------------------------------


class Area(Protocol):
    ordinal: str
    title: str


# Punctuation that ends an ordinal as written (一、 （一） 1．): the title follows it directly.
_CLOSING = "、，,．.：:）)"


def area_label(number: int, area: Area) -> str:
    """An area's group row, numbered once: by its own ordinal as the plan wrote it (第一 坚持…,
    一、健全…), else by an ordinal its title starts with, else by the export's 一、二、三…
    (`number`, its place in the export) — never both (no 一、第一 or 一、一、)."""
    ordinal, title = area.ordinal.strip(), area.title.strip()
    if ordinal:
        return f"{ordinal}{title}" if ordinal.endswith(tuple(_CLOSING)) else f"{ordinal} {title}"
    if marker_at(title, 0) is not None:
        return title
    return f"{numerals.number(number)}、{title}"

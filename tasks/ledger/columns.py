"""The ledger's columns and its rows as plain data, and the numbering both exports share."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tasks import numerals

ID_HEADER = "ID"  # the hidden id column: the same in every language, so uploads find it
VERSION_HEADER = "VERSION"  # beside it, hidden: the measure's version when it was exported


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


# Every column a ledger or a period report may have, defined once.
_COLUMNS: tuple[Column, ...] = (
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
    # what the row was exported from: a later upload tells a row that is stale (its measure
    # changed since) from one the cadre changed
    Column(
        "version", VERSION_HEADER, kind="number", min_width=6, max_width=8, wrap=False, hidden=True
    ),
    Column(
        "state",
        pgettext_lazy("ledger column", "Report state"),
        min_width=10,
        max_width=14,
        wrap=False,
    ),
    Column(
        "done_text", pgettext_lazy("ledger column", "Progress made"), min_width=24, max_width=50
    ),
    Column(
        "submitted_at",
        pgettext_lazy("ledger column", "Submitted at"),
        kind="datetime",
        min_width=16,
        max_width=16,
        wrap=False,
    ),
)
COLUMNS: dict[str, Column] = {column.key: column for column in _COLUMNS}


def columns(*keys: str) -> tuple[Column, ...]:
    return tuple(COLUMNS[key] for key in keys)


# 序号 | 改革领域 | 具体举措 | 牵头单位 | 配合单位 | 责任人 | 开始时间 | 完成时限 |
# 优先级 | 优先序 | 状态 | 红黄绿灯 | 进度 | 最新进展 | 存在问题 | 下步计划, and the hidden ID and
# VERSION.
LEDGER_COLUMNS = columns(
    "number",
    "area",
    "title",
    "lead_body",
    "cooperating",
    "owner",
    "start_date",
    "due_date",
    "priority",
    "rank",
    "status",
    "light",
    "progress",
    "latest_progress",
    "problems",
    "next_steps",
    "id",
    "version",
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


def area_label(number: int, area: object) -> str:
    """一、第五 深化产业工人队伍建设改革 (the export's own numbering, then the area as written)."""
    return f"{numerals.number(number)}、{area}"

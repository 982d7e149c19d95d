"""Task tables flattened to text: a 分工方案 or 任务清单 as tab-separated rows, or one cell a line.

A table is found by its header row (序号 and columns named 内容/任务/事项, 牵头单位, 完成时限 …);
each row below it is one item: its number, the cell that names the task, the lead and
cooperating bodies of the columns that say so, the deadline of the time column, and the row
as written (its excerpt, a slice of the text). Pure Python, linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBER, TITLE, WHEN, LEAD, HELPING, PERSON, OTHER = (
    "number",
    "title",
    "when",
    "lead",
    "helping",
    "person",
    "other",
)
# A header cell is short and names what its column holds.
HEADER_CELL_MAX = 14
_HEADER_WORD = re.compile(
    r"序号|编号|时间|时限|日期|内容|任务|措施|事项|项目|目标|单位|部门|处室|科室|责任人|负责人|"
    r"联系人|备注|对标|牵头|配合|协办|进度"
)
# The cell naming the task, by the first of these its header says.
_TITLE_WORDS = ("内容", "事项", "项目", "任务", "措施", "目标")
# A header one cell a line is looked for this many lines down from 序号 (a table has no more
# columns), which keeps a text of many 序号 lines linear.
HEADER_LINES_MAX = 25
_PERSON = re.compile(r"^[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}$")
_TIME_CELL = re.compile(
    r"^\d{4}\s*[.\-/年]\s*\d{1,2}|\d{1,2}\s*月|年底|年内|季度|半年|长期|持续|常态|寒假|暑假|学期|期间"
    r"|^(?:全年|每年|每季度?|每月|每半年|常年|按月|按季度?)"
)
_CONTINUED = re.compile(
    r"^[（(][^（）()]*[）)]$"
)  # "(含阶段性重点工作)": the header cell above goes on
_NAMES = re.compile(r"[、，,；;及和]|以及")
# The body a whole list belongs to: "单位（盖章）：区总工会", "填报单位：…"
_LIST_BODY = re.compile(
    r"^(?:填报|责任|牵头)?单位\s*(?:[（(]\s*盖章\s*[）)])?\s*[:：]\s*(?P<name>[^\s:：]{2,30})$"
)


# A row across the whole table that heads the rows below it: "一、提升思想政治素质", "（二）…".
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]{1,3}部分)"
    r"[^。，,；;：:\t]{2,34}$"
)


def is_section(line: str) -> bool:
    return bool(_SECTION.match(line.strip()))


@dataclass
class Row:
    ordinal: str
    title: str  # the text of the cell that names the task
    excerpt: str  # the row as written
    when: str = ""
    leads: list[str] = field(default_factory=list)
    helping: list[str] = field(default_factory=list)
    start: int = 0  # where the row begins in the text
    section: str = ""  # the section row above it, as written ("" before any)


@dataclass
class Table:
    start: int  # where the header begins in the text
    end: int  # where the last row ends
    rows: list[Row]
    list_body: str = ""  # the body a "单位：…" line above the table names


def _role(header: str) -> str:
    if re.search(r"序号|编号", header):
        return NUMBER
    if re.search(r"责任人|负责人|联系人", header):
        return PERSON
    if re.search(r"时限|时间|日期|进度", header):
        return WHEN
    if re.search(r"配合|协办|参与", header):
        return HELPING
    if re.search(r"牵头|负责|主办|责任|单位|部门|处室|科室", header) and not re.search(
        "对标", header
    ):
        return LEAD
    return OTHER


def _columns(headers: list[str]) -> list[str]:
    roles = [_role(header) for header in headers]
    for word in _TITLE_WORDS:
        for index, header in enumerate(headers):
            if roles[index] == OTHER and word in header:
                roles[index] = TITLE
                return roles
    return roles


def _is_header(cells: list[str]) -> bool:
    named = [c for c in cells if len(c) <= HEADER_CELL_MAX and _HEADER_WORD.search(c)]
    return len(cells) >= 3 and len(named) * 3 >= len(cells) * 2 and TITLE in _columns(cells)


def _names(cell: str) -> list[str]:
    return [name.strip() for name in _NAMES.split(cell) if 2 <= len(name.strip()) <= 30]


def _row(roles: list[str], cells: list[str], excerpt: str, start: int) -> Row | None:
    values: dict[str, list[str]] = {}
    for role, cell in zip(roles, cells, strict=False):
        values.setdefault(role, []).append(cell)
    title = " ".join(values.get(TITLE, [])).strip()
    if not title:
        return None
    return Row(
        ordinal=(values.get(NUMBER) or [""])[0],
        title=title,
        excerpt=excerpt,
        when=" ".join(values.get(WHEN, [])).strip(),
        leads=[name for cell in values.get(LEAD, []) for name in _names(cell)],
        helping=[name for cell in values.get(HELPING, []) for name in _names(cell)],
        start=start,
    )


def _lines(text: str) -> list[tuple[int, str]]:
    """(where it begins, the line without its line break) for every line of the text."""
    result, at = [], 0
    for line in text.split("\n"):
        result.append((at, line))
        at += len(line) + 1
    return result


def _tab_table(text: str, lines: list[tuple[int, str]]) -> Table | None:
    for index, (start, line) in enumerate(lines):
        if "\t" not in line:
            continue
        headers = [cell.strip() for cell in line.split("\t")]
        if not _is_header(headers):
            continue
        roles = _columns(headers)
        rows: list[Row] = []
        end = start + len(line)
        section = ""
        for row_start, row_line in lines[index + 1 :]:
            if not row_line.strip():
                continue
            cells = [cell.strip() for cell in row_line.rstrip().split("\t")]
            cells = [cell for cell in cells if cell] if is_section(cells[0]) else cells
            if len(cells) == 1 and is_section(cells[0]):
                section = cells[0]  # a section row: one cell across the table
                continue
            if "\t" not in row_line:
                break
            row = _row(
                roles, cells, row_line.strip(), row_start + len(row_line) - len(row_line.lstrip())
            )
            if row:
                row.section = section
                rows.append(row)
            end = row_start + len(row_line.rstrip())
        if rows:
            return Table(start, end, rows)
    return None


def _is_time(cell: str) -> bool:
    return bool(_TIME_CELL.search(cell)) and len(cell) <= 30


def _cell_table(text: str, lines: list[tuple[int, str]]) -> Table | None:
    """One cell a line: 序号 and the other headers, then 1, its cells, 2, its cells …"""
    stripped = [(start, line.strip()) for start, line in lines]
    for index, (start, line) in enumerate(stripped):
        if line not in ("序号", "编号"):
            continue
        headers: list[str] = []
        section = ""
        at = index
        while at < len(stripped) and stripped[at][1] != "1" and at - index < HEADER_LINES_MAX:
            cell = stripped[at][1]
            if is_section(cell):
                section = cell  # the first section row, over row 1
            elif cell and _CONTINUED.match(cell) and headers:
                headers[-1] += cell
            elif cell:
                headers.append(cell)
            at += 1
        if at >= len(stripped) or not _is_header(headers) or len(headers) > 20:
            continue
        roles = _columns(headers)[1:]  # the number is the line that begins each row
        rows: list[Row] = []
        number, end = 1, start
        while at < len(stripped) and stripped[at][1] == str(number):
            row_start = stripped[at][0]
            cells: list[str] = []
            below = ""  # a section row after this row's cells heads the next rows
            at += 1
            while at < len(stripped) and stripped[at][1] != str(number + 1):
                cell = stripped[at][1]
                if cell and cells and is_section(cell):
                    below = cell
                elif cell and not below:
                    cells.append(cell)
                    end = stripped[at][0] + len(lines[at][1].rstrip())
                elif cell:
                    break  # text after a section row that begins no row: the table ended
                at += 1
            excerpt = text[row_start:end].strip()
            row = _row([NUMBER, *_fit(roles, cells)], [str(number), *cells], excerpt, row_start)
            if row:
                row.section = section
                rows.append(row)
            section = below or section
            number += 1
        if rows:
            list_body = ""
            for _start, above in stripped[max(0, index - 5) : index]:
                found = _LIST_BODY.match(above)
                if found:
                    list_body = found["name"]
            return Table(start, end, rows, list_body)
    return None


def _fit(roles: list[str], cells: list[str]) -> list[str]:
    """The role of each cell of a row whose cells do not match the columns one to one: a
    merged cell left out at the start, a cell of names on two lines. The time and the people
    are told by their look, from the end; the other cells fill the columns from the right."""
    roles, cells = list(roles), list(cells)
    tail: list[str] = []
    if roles and roles[-1] == WHEN:  # a row cut short, or an empty cell, has none
        roles.pop()
        if cells and _is_time(cells[-1]):
            cells.pop()
            tail.insert(0, WHEN)
    if roles and roles[-1] == PERSON:
        roles.pop()
        while cells and _PERSON.match(cells[-1]) and len(cells) > 1:
            cells.pop()
            tail.insert(0, PERSON)
    if len(cells) <= len(roles):
        head = roles[len(roles) - len(cells) :]
    else:
        head = roles + [roles[-1] if roles else OTHER] * (len(cells) - len(roles))
    return [*head, *tail]


def find_table(text: str) -> Table | None:
    """The task table of a text flattened to lines, or None."""
    lines = _lines(text)
    return _tab_table(text, lines) or _cell_table(text, lines)

"""Reading one cell of an edited ledger: dates, deadlines, priorities, progress, people, bodies;
and telling a cell left as the export wrote it from one changed."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import translation
from django.utils.translation import gettext as _

from tasks import deadlines
from tasks.ledger.writers import XLSX_MAX_CELL
from tasks.models import Measure

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# words that name a time (a month, a quarter, a half year, a year's end): a note holding them
# that gives no day names a time that does not exist (13月底前)
_NAMES_A_TIME = re.compile(r"\d|[〇零一二三四五六七八九十]\s*月|季度|半年|年底|年末|年内")


class _CellError(Exception):
    pass


def _norm(text: object) -> str:
    value = re.sub(r"\s+", "", str(text or "")).lower()
    return re.sub(r"[(（]%[)）]$", "", value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


def parse_date(value: object) -> date | None:
    """A date cell, or text written as 2026-12-31, 2026/12/31, 2026.12.31 or 2026年12月31日."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise _CellError(
        _("“%(value)s” is not a date: write it as 2026-12-31 or 2026/12/31.") % {"value": text}
    )


def parse_deadline(value: object, *, year: int) -> tuple[date | None, str]:
    """完成时限, read as `tasks.deadlines.parse` reads it (`year`: the plan's, for 6月底前):
    a date (and no note); a note kept as written, with the day it names (2027年6月底前,
    第三季度 …) or none (长期坚持, 持续推进); or nothing."""
    if isinstance(value, date | datetime):
        return parse_date(value), ""
    text = " ".join(_text(value).split())
    if not text:
        return None, ""
    deadline = deadlines.parse(text, year=year)
    if not deadline.note:  # written as a date: it must be one
        if deadline.due is None:
            raise _CellError(
                _("“%(value)s” is not a date: write it as 2026-12-31 or 2026/12/31.")
                % {"value": text}
            )
        return deadline.due, ""
    note_length = Measure._meta.get_field("deadline_note").max_length
    if len(deadline.note) > note_length:
        raise _CellError(
            _("A deadline written in words is a short note (at most %(n)d characters).")
            % {"n": note_length}
        )
    if deadline.due is None and not deadline.open_ended and _NAMES_A_TIME.search(text):
        raise _CellError(
            _(
                "“%(value)s” names no day that exists. Write a date (2027-06-30), a time "
                "(2027年6月底前, 第三季度) or a note without one (长期坚持, 持续推进)."
            )
            % {"value": text}
        )
    return deadline.due, deadline.note


@functools.cache
def _priority_levels() -> dict[str, int]:
    """高/中/低, 1/2/3, and the labels in every language of the site."""
    levels = {"高": 1, "中": 2, "低": 3, "1": 1, "2": 2, "3": 3}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for level, label in Measure.Priority.choices:
                levels.setdefault(_norm(label), level)
    return levels


def parse_priority(value: object) -> int:
    text = _norm(_text(value))
    levels = _priority_levels()
    if text in levels:
        return levels[text]
    labels = "、".join(str(label) for _level, label in Measure.Priority.choices)
    raise _CellError(
        _("“%(value)s” is not a priority: write one of %(labels)s.")
        % {"value": _text(value), "labels": labels}
    )


def parse_progress(value: object, number_format: str = "General") -> int:
    """进度: 0–100, as a number (40), a percentage cell (40% is 0.4) or text (40, 40%)."""
    # a "%" in quotes ("0"%"", as the export writes it) or escaped (0\%, as LibreOffice saves
    # it again) is a literal sign after the number; a bare % makes the cell a percentage
    unquoted = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format or "")
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value * 100 if "%" in unquoted else value
    else:
        text = _text(value).rstrip("%％").strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
    if number is not None and 0 <= number <= 100 and float(number).is_integer():
        return int(number)
    if number is not None and 0 <= number <= 100:
        return round(number)
    raise _CellError(
        _(
            "“%(value)s” is not a progress: write a whole number from 0 to 100, or a "
            "percentage such as 40%%."
        )
        % {"value": _text(value)}
    )


def name_forms(user: AbstractBaseUser) -> set[str]:
    """The ways a cell may write a user's full name (normalised): 张三, 三 张, Zhang San …"""
    first, last = user.first_name.strip(), user.last_name.strip()
    names = {f"{first} {last}", f"{last} {first}", f"{last}{first}", f"{first}{last}"}
    return {_norm(n) for n in names if n.strip()}


def names_user(text: str, user: AbstractBaseUser | None) -> bool:
    """Does the cell name this user (by login name or full name)? An empty cell names nobody."""
    if user is None:
        return not text
    return text == user.get_username() or _norm(text) in name_forms(user)


class _People:
    """Active users by username, and by full name when that name is unique."""

    def __init__(self) -> None:
        self.by_pk: dict[int, AbstractBaseUser] = {}
        self.by_username: dict[str, AbstractBaseUser] = {}
        self.by_name: dict[str, list[AbstractBaseUser]] = {}
        for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
            self.by_pk[user.pk] = user
            self.by_username[user.get_username()] = user
            for name in name_forms(user):
                self.by_name.setdefault(name, []).append(user)

    def find(self, text: str) -> AbstractBaseUser:
        if text in self.by_username:
            return self.by_username[text]
        found = self.by_name.get(_norm(text), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise _CellError(
                _("Several users are named “%(name)s” (%(usernames)s): write the username.")
                % {"name": text, "usernames": "、".join(u.get_username() for u in found)}
            )
        raise _CellError(_("No active user has the username or name “%(name)s”.") % {"name": text})


def _body(names: dict[str, int], name: str) -> int:
    if name not in names:
        raise _CellError(_("No responsible body is named “%(name)s”.") % {"name": name})
    return names[name]


# -- a cell as the export wrote it -------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def same_cell(value: object, exported: object) -> bool:
    """Does the cell hold what the export wrote there (`exported`: a row value of
    `tasks.ledger.ledger_rows`), whatever way a spreadsheet kept it (a date as a date cell, a
    number as 12.0, text with its line breaks)?"""
    if exported is None or exported == "":
        return _text(value) == ""
    if isinstance(exported, datetime):
        if isinstance(value, datetime):
            return value.replace(tzinfo=None, second=0, microsecond=0) == exported.replace(
                tzinfo=None, second=0, microsecond=0
            )
        return _squash(_text(value)) == _squash(exported.strftime("%Y-%m-%d%H:%M"))
    if isinstance(exported, date):
        try:
            return parse_date(value) == exported
        except _CellError:
            return False
    if isinstance(exported, int | float) and not isinstance(exported, bool):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value) == float(exported)
        return _squash(_text(value)) == _squash(_text(exported))
    return _squash(_text(value)) == _squash(str(exported)[:XLSX_MAX_CELL])

"""Enumeration markers as Chinese documents write them: 第一，其一，一是，一、（一）1．（1）首先."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks import numerals

_CN = "[一二三四五六七八九十]{1,3}"
_SEQUENCE_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": 99}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Families of markers, each a regular expression anchored at a sentence start. The ordinal as
# written is group "ordinal"; the number is group "n".
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("di", re.compile(rf"(?P<ordinal>第(?P<n>{_CN}))[，、,：:．.\s]")),
    ("qi", re.compile(rf"(?P<ordinal>其(?P<n>{_CN}))[，、,：:\s]")),
    ("shi", re.compile(rf"(?P<ordinal>(?P<n>{_CN})是)(?=[^，,。\s])")),
    # 一要…二要… (a speech asking for action): only where the list goes on (see find_markers)
    ("yao", re.compile(rf"(?P<ordinal>(?P<n>{_CN})要)(?=[^，,。\s是])")),
    ("dun", re.compile(rf"(?P<ordinal>(?P<n>{_CN})、)")),
    ("paren_cn", re.compile(rf"(?P<ordinal>[（(](?P<n>{_CN})[）)])")),
    ("paren_ar", re.compile(r"(?P<ordinal>[（(](?P<n>\d{1,2})[）)])")),
    ("circled", re.compile(rf"(?P<ordinal>(?P<n>[{_CIRCLED}]))")),
    # 1.  1．  1、  1 .  — but not a decimal such as 1.5 (a date after the point is fine:
    # 1．2025年…, 1．3月底前…)
    ("arabic", re.compile(r"(?P<ordinal>(?P<n>\d{1,2})\s?[.．、])(?!\d{1,2}(?:[^\d年月]|$))")),
    ("sequence", re.compile(r"(?P<ordinal>(?P<n>首先|其次|再次|最后))[，,]")),
]
# Families whose items end with their paragraph; the others run on until the next marker.
INLINE_FAMILIES = frozenset({"shi", "yao", "circled", "sequence"})
# Families of a list run into a sentence: "会议提出，一是…。二是…" — after a comma too, where
# the list goes on in the same paragraph (一是 with a 二是 after it).
_RUN_ON_FAMILIES = frozenset({"shi", "yao", "qi"})

# Where a marker may stand: at the start of a paragraph, after a sentence, a colon or a space.
_SENTENCE_START = re.compile(r"(?:^|(?<=[。！？；!?;：:])|(?<=\s))\s*")
# A bracketed or Arabic number may also follow a heading run into its first item on one line
# ("二、主要任务（一）加强…", "二、深化改革１．完善…"), when it is the next number of its list
# and a word follows it; not after these words.
_INSIDE = re.compile(r"[（(]|(?<![\d.．])\d")
_AFTER_COMMA = re.compile(r"(?<=[，,])\s*")
_INSIDE_FAMILIES = frozenset({"paren_cn", "paren_ar", "arabic"})
_CITING = ("第", "见", "附件", "表", "图", "式", "款", "项", "条", "号", "之")


@dataclass(frozen=True)
class Marker:
    family: str
    number: int
    ordinal: str  # as written, without the punctuation after it: 第一, 一是, （一）, 1．
    start: int  # where the marker begins in its paragraph
    end: int  # where the text after it begins


def ordinal_for(family: str, number: int) -> str:
    """The marker a family would write for a number: ('di', 4) → 第四."""
    cn = numerals.number(number)
    return {
        "di": f"第{cn}",
        "qi": f"其{cn}",
        "shi": f"{cn}是",
        "yao": f"{cn}要",
        "dun": f"{cn}、",
        "paren_cn": f"（{cn}）",
        "paren_ar": f"（{number}）",
        "circled": _CIRCLED[number - 1] if 0 < number <= len(_CIRCLED) else str(number),
        "arabic": f"{number}.",
    }.get(family, str(number))


def _number(family: str, raw: str) -> int | None:
    if family == "sequence":
        return _SEQUENCE_WORDS[raw]
    if family == "circled":
        return _CIRCLED.index(raw) + 1
    return numerals.parse(raw)


def marker_at(text: str, position: int) -> Marker | None:
    for family, pattern in _FAMILIES:
        match = pattern.match(text, position)
        if match:
            number = _number(family, match["n"])
            if number is None or number == 0:
                continue
            end = match.end()
            while end < len(text) and text[end] in "，,、：: \u3000":
                end += 1
            ordinal = match["ordinal"].rstrip()
            return Marker(family, number, ordinal, match.start(), end)
    return None


def find_markers(paragraph: str) -> list[Marker]:
    """Every marker in a paragraph that stands at a sentence start (not "统一、规范").

    A bracketed or Arabic number inside a sentence counts only when it continues its list:
    （一） with none open yet, or the one after the last.
    """
    candidates: dict[int, tuple[Marker, bool]] = {}
    for start in _SENTENCE_START.finditer(paragraph):
        marker = marker_at(paragraph, start.end())
        if marker:
            candidates.setdefault(marker.start, (marker, True))
    for inside in _INSIDE.finditer(paragraph):
        if inside.start() in candidates or paragraph.endswith(_CITING, 0, inside.start()):
            continue
        marker = marker_at(paragraph, inside.start())
        if (
            marker
            and marker.family in _INSIDE_FAMILIES
            and marker.end < len(paragraph)
            and not paragraph[marker.end].isdigit()
        ):
            candidates[marker.start] = (marker, False)
    for comma in _AFTER_COMMA.finditer(paragraph):
        if comma.end() in candidates:
            continue
        marker = marker_at(paragraph, comma.end())
        if marker and marker.family in _RUN_ON_FAMILIES:
            candidates[marker.start] = (marker, False)
    # 一要 and a list begun after a comma are a list only where it goes on: a 二 after the 一
    going_on = {
        family
        for family in _RUN_ON_FAMILIES
        if {1, 2} <= {m.number for m, _ in candidates.values() if m.family == family}
    }
    markers: list[Marker] = []
    last: dict[str, int] = {}
    for _, (marker, at_start) in sorted(candidates.items()):
        alone = marker.family in _RUN_ON_FAMILIES and marker.family not in going_on
        if alone and (marker.family == "yao" or not at_start):
            continue
        if marker.end >= len(paragraph):
            continue
        if not at_start and marker.number not in {1, last.get(marker.family, 0) + 1}:
            continue
        if not at_start and marker.number == 1 and marker.family in last:
            continue
        markers.append(marker)
        last[marker.family] = marker.number
    return markers

"""The deadline an item writes, as written: where it stands in the item and what it says.

Plans put an item's 完成时限 in many places: leading (1．2025年底前，…); in a sentence of its
own after the task or its responsibility note (…（市人社局牵头）2026年6月底前出台实施细则。,
长期坚持。); in a trailing aside (（2026年6月底前完成）); at the head of a clause
(11月底前，每个支部组织…); or inside a sentence (力争在年底前交付使用). `find` returns the
words as written — what tasks.deadlines reads into a date — or "" when the item names none.
Pure Python, linear.
"""

from __future__ import annotations

import re

from tasks.outline.bodies import without_notes
from tasks.outline.text import clauses, sentences

_YEAR = r"\d{4}\s*年\s*"
_MONTH = r"\d{1,2}\s*月\s*(?:\d{1,2}\s*[日号]|底|末|上旬|中旬|下旬|份)?"
_QUARTER = r"(?:第\s*)?[一二三四1-4]\s*季度\s*末?"
# A time a task can be due by: 2026年6月底, 6月底, 1月15日, 2023年1月上旬, 年底, 第三季度, 上半年.
_TIME = (
    rf"(?:{_YEAR})?(?:{_MONTH}|{_QUARTER}|[上下]半年(?:末)?)"
    rf"|(?:{_YEAR})?(?:年底|年末)|{_YEAR}(?:底|末|内)?|年内"
)
_BEFORE = r"(?:前|之前|以前)"
# Words that say the work never ends: a deadline of their own (no date).
_OPEN = r"长期坚持|持续推进|长期推进|常态化推进|长期开展|持续开展"

# A clause or sentence that is only a time (and 完成): "2023年1月上旬", "11月底前", "长期坚持"
_WHOLE = re.compile(rf"^(?:到|至|于|在)?(?P<when>(?:{_TIME})\s*{_BEFORE}?(?:完成)?|{_OPEN})$")
# A sentence that opens with its time: "2026年6月底前出台实施细则。"
_OPENING = re.compile(rf"^(?:到|至|于|在)?(?P<when>(?:{_TIME})\s*{_BEFORE}|{_OPEN}(?=[。；;]?$))")
# A time with 前 anywhere: "力争在年底前交付使用"
_DUE_BEFORE = re.compile(rf"(?P<when>(?:{_TIME})\s*{_BEFORE})")
# A date the work runs until: "实施期限至2022年12月31日"
_UNTIL = re.compile(r"(?:至|到|截至)(?P<when>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_ASIDE = re.compile(r"[（(](?P<inside>[^（）()]{2,30})[）)]")
# A labelled time, as written: "完成时间：2025年1月20日前", "完成时限：长期坚持", "时限：每季度".
_LABELLED = re.compile(
    r"(?:完成|办结|截止|落实)?(?:时间|时限|期限)(?:要求|节点)?\s*[:：]\s*"
    r"(?P<when>[^。；;，,\n（）()]{2,24}?)\s*(?=[。；;，,\n（）()]|$)"
)
# An item's text is looked at this far (a deadline is not in the 5,000th character of an item).
LOOK_MAX = 3000


def find(text: str) -> str:
    """The deadline `text` (an item's own text, marker excluded) writes, as written; "" if none."""
    text = text[:LOOK_MAX]
    given = labelled(text)
    if given:
        return given
    for aside in _ASIDE.finditer(text):  # （2026年6月底前完成）
        whole = _WHOLE.match(aside["inside"].strip())
        if whole:
            return whole["when"]
    plain = without_notes(text)
    said = sentences(plain)
    for sentence in reversed(said[1:]):  # a sentence of its own after the task
        opening = _OPENING.match(sentence.lstrip("（(）) "))
        if opening:
            return opening["when"]
    for sentence in said:
        for clause in clauses(sentence)[:-1] if len(clauses(sentence)) > 1 else []:
            whole = _WHOLE.match(clause)
            if whole:  # "11月底前，每个支部组织１次集中学习"
                return whole["when"]
    for pattern in (_DUE_BEFORE, _UNTIL):
        found = pattern.search(plain)
        if found:
            return found["when"]
    return ""


def labelled(text: str) -> str:
    """The time a label gives ("完成时间：2025年1月20日前" → "2025年1月20日前"), or ""."""
    found = _LABELLED.search(text[:LOOK_MAX])
    return found["when"] if found else ""


def is_note(sentence: str) -> bool:
    """A sentence that only says when: "（完成时间：2025年1月20日前）", "完成时限：长期坚持。"."""
    text = sentence.strip().strip("（()）。；; ")
    found = _LABELLED.match(text)
    return bool(found) and found.end() >= len(text)

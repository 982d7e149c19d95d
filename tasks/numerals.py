"""Chinese numerals, both ways: 12 → 十二 (the ledger's 一、二、…, the demo's ordinals, Word's list
numbering) and 十二 → 12 (the parser's markers). Pure Python, no Django import.
"""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
UNITS = ("", "十", "百", "千")
LEGAL_SIMPLIFIED = "零壹贰叁肆伍陆柒捌玖"  # 大写数字
LEGAL_TRADITIONAL = "零壹貳參肆伍陸柒捌玖"
LEGAL_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿")
_VALUES = {digit: value for value, digit in enumerate(DIGITS)}


def chinese(
    n: int, digits: str = DIGITS, units: tuple[str, ...] = UNITS, *, ten: bool = False
) -> str | None:
    """n in Chinese numerals: 一, 十, 十二, 二十一, 一百零五, 一万零一十 (〇 for 0; None below 0
    or from 10¹² on). 一十一 instead of 十一 only with `ten` (as 大写 writes 壹拾壹)."""
    if not 0 < n < 10**12:
        return "〇" if n == 0 else None
    groups = []  # of four digits, the lowest first
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    text = ""
    zero = False  # a zero is pending: written before the next digit that is not one
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = zero or bool(text)
            continue
        for position in (3, 2, 1, 0):
            digit = group // 10**position % 10
            if digit == 0:
                zero = zero or bool(text)
                continue
            if zero:
                text += digits[0]
                zero = False
            text += digits[digit] + units[position]
        text += _GROUPS[index]
    if not ten and text.startswith(digits[1] + units[1]):
        text = text[1:]
    return text


def number(n: int) -> str:
    """n in Chinese numerals for a label (一、二、…), Arabic digits where there are none."""
    return chinese(n) or str(n)


def parse(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 99 → 99; None for a character that is none."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _VALUES.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    tens_value = _VALUES.get(tens, 0) if tens else 1
    ones_value = _VALUES.get(ones, 0) if ones else 0
    return tens_value * 10 + ones_value

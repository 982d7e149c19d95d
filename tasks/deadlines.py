"""Deadlines as plans write them. Pure Python, no Django import.

A note such as 长期坚持 or 持续推进 names no time: the measure has no due date, and a due date
beside it would contradict it. A note such as 6月底前 or 2027年底前 names a time, and may stand
beside the date it means.
"""

from __future__ import annotations

import re

_OPEN_ENDED = re.compile(r"长期|持续|常态|经常|久久为功|不定期")
_NAMES_A_TIME = re.compile(r"\d|年|月|季度|[上下]半年|旬")


def is_open_ended(note: str) -> bool:
    """Does the note say the work has no end date (长期坚持, 持续推进, 常态化…)?"""
    return bool(_OPEN_ENDED.search(note)) and not _NAMES_A_TIME.search(note)

"""Text mechanics: paragraphs with page breaks mended, page furniture, sentences, author notes."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

# A paragraph that ends in one of these is finished; one that does not was cut by the layout.
TERMINAL = "。！？；!?;：:”」』）)"
SENTENCE_END = "。！？；!?;"
# Longest line that can still be a bare heading (推动工匠人才技能要素的持续积累 is 15).
HEADING_MAX = 36
OPENERS = "《“「『（("
CLOSERS = "》”」』）)"
# A full line of a hard-wrapped text may fall this many columns short (a word kept whole).
WRAP_SLACK = 3
# A quotation mark or bracket still open this many characters later was never closed.
UNBALANCED_AFTER = 160

COLUMN_LABELS = frozenset(
    {
        "观点",
        "热点思考",
        "前沿观察",
        "评论",
        "时评",
        "视点",
        "言论",
        "论坛",
        "理论",
        "声音",
        "学习园地",
        "工会论坛",
        "理论周刊",
        "专家视点",
        "一线调研",
        "深度",
        "关注",
    }
)
_ELLIPSIS = re.compile(r"\.{3,}|…+|。{3,}")
_PAGE_NUMBER = re.compile(r"^[\s\-—–·]*(第\s*\d+\s*[版页]|\d{1,3})[\s\-—–·]*$")
_AUTHOR_NOTE = re.compile(
    r"[（(]\s*作者(?:为|系|是|单位[:：]?|简介[:：]?|[:：])\s*(?P<affiliation>[^（）()]+?)\s*[）)]\s*$"
)
_MARKER_START = re.compile(
    r"^(第[一二三四五六七八九十]+[，、,：:]|其[一二三四五六七八九十]+[，、,：:]|[一二三四五六七八九十]+[是、]"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s?[.．、])"
)


def is_furniture(paragraph: str) -> bool:
    """Page furniture: column labels, page numbers, teaser headlines of other articles."""
    text = paragraph.strip()
    if text in COLUMN_LABELS or _PAGE_NUMBER.match(text):
        return True
    # "我国首个基本医保参保长效机制来了... 完善政策措施... 优化管理服务..." — a teaser strip.
    return len(_ELLIPSIS.findall(text)) >= 2 and "。" not in _ELLIPSIS.sub("", text)


def looks_like_heading(paragraph: str) -> bool:
    """A bare heading: short, no sentence punctuation, not a numbered item."""
    text = paragraph.strip()
    return (
        0 < len(text) <= HEADING_MAX
        and not any(mark in text for mark in "。，,；;！？!?：:")
        and not _MARKER_START.match(text)
        and not is_furniture(text)
    )


def display_width(line: str) -> int:
    """Columns a line takes when printed: a Chinese character or full-width mark counts two."""
    return sum(2 if ord(char) >= 0x2E80 or 0x2010 <= ord(char) <= 0x206F else 1 for char in line)


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped document was cut at (every line of a paragraph full but its last).

    None for a document whose lines are paragraphs: it needs at least three lines of the same
    width (within a half-width character or two), a third of its longer lines.
    """
    widths = [display_width(line) for line in lines if display_width(line) >= 24]
    if len(widths) < 3:
        return None
    counts = Counter(widths)
    best = max(
        counts, key=lambda width: (sum(counts[w] for w in range(width - 2, width + 1)), width)
    )
    full = sum(counts[w] for w in range(best - 2, best + 1))
    return best if full >= 3 and full * 3 >= len(widths) else None


def _is_cut(previous: str, following: str, full_line: bool = False) -> bool:
    """Did a page or line break cut `previous` in the middle of a sentence?

    `full_line`: the line before was a full line of a hard-wrapped paragraph, which goes on in
    the next line — unless its sentence ended and a numbered item begins.
    """
    if is_furniture(following):
        return False
    finished = previous.endswith(tuple(TERMINAL))
    if not finished and full_line:
        return True  # cut mid-sentence, even before "一、规范" that only looks like a marker
    if not finished and len(previous) > HEADING_MAX:
        # a long sentence left open goes on, unless a bare heading follows
        return not looks_like_heading(following) or following.endswith(tuple(SENTENCE_END))
    if _MARKER_START.match(following):
        return False
    return full_line


def _glue(previous: str, following: str) -> str:
    if (
        previous[-1:].isascii()
        and previous[-1:].isalnum()
        and following[:1].isascii()
        and following[:1].isalpha()
    ):
        return previous + " " + following
    return previous + following


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs and mend the ones the layout cut ("切\\n\\n入点" → "切入点")."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [raw.strip() for raw in text.split("\n")]
    width = wrap_width([line for line in lines if line])
    result: list[str] = []
    full = False  # the line before was a full line of a hard-wrapped paragraph, no blank after
    for line in lines:
        if not line:
            full = False
            continue
        if result and _is_cut(result[-1], line, full):
            result[-1] = _glue(result[-1], line)
        else:
            result.append(line)
        full = width is not None and display_width(line) >= width - WRAP_SLACK
    return result


def split_author_note(paragraph: str) -> tuple[str, str] | None:
    """'…服务。（作者单位：中国劳动关系学院）' → ('…服务。', '中国劳动关系学院')."""
    match = _AUTHOR_NOTE.search(paragraph)
    if not match:
        return None
    return paragraph[: match.start()].rstrip(), match["affiliation"].strip()


def _split(text: str, stops: str, *, keep_stop: bool) -> list[str]:
    """Cut text at the `stops` that stand outside quotation marks and brackets."""
    pieces = []
    start = depth = opened = 0
    for index, char in enumerate(text):
        if char in OPENERS:
            depth, opened = depth + 1, (index if depth == 0 else opened)
        elif char in CLOSERS and depth:
            depth -= 1
        elif char in stops and (depth == 0 or index - opened > UNBALANCED_AFTER):
            depth = 0  # a mark still open this long was never closed
            end = index + 1
            while keep_stop and end < len(text) and text[end] in CLOSERS:
                end += 1
            pieces.append(text[start : end if keep_stop else index])
            start = end
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def sentences(text: str) -> list[str]:
    """Split at sentence ends, keeping each sentence verbatim with its closing punctuation."""
    return _split(text, SENTENCE_END, keep_stop=True)


def clauses(sentence: str) -> list[str]:
    """The comma-separated clauses of a sentence, outside quotation marks and brackets."""
    return _split(sentence, "，,；;。！？!?：:", keep_stop=False)


class Locator:
    """Find passages of the parsed (mended) text in the text as it was given, verbatim.

    The parser joins lines a layout cut and drops page furniture; an excerpt must still be a
    slice of the original. Passages are compared without whitespace, so "切\\n\\n入点" is found
    for "切入点", and searched from where the previous one was found, so a repeated passage
    maps to its own place.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = [i for i, char in enumerate(text) if not _skippable(char)]
        self.compact = "".join(text[i] for i in self.positions)
        self.cursor = 0

    def _span(self, piece: str) -> tuple[int, int] | None:
        compact = "".join(char for char in piece if not _skippable(char))
        if not compact:
            return None
        at = self.compact.find(compact, self.cursor)
        if at < 0:
            at = self.compact.find(compact)
        if at < 0:
            return None
        return self.positions[at], self.positions[at + len(compact) - 1] + 1

    def find(self, parts: list[str]) -> str:
        """The original slice from the first part to the last ("" when none is found)."""
        spans = [span for span in map(self._span, parts) if span]
        if not spans:
            return ""
        start, end = spans[0][0], max(span[1] for span in spans)
        if end <= start:
            start, end = spans[0]
        self.cursor = bisect_left(self.positions, start)
        return self.text[start:end]


def _skippable(char: str) -> bool:
    return char.isspace() or char == "\ufeff"

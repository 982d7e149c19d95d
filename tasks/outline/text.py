"""Text mechanics: paragraphs with page breaks mended, page furniture, sentences, author notes."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import cache

# A paragraph that ends in one of these is finished; one that does not was cut by the layout.
TERMINAL = "。！？；!?;：:”」』）)"
SENTENCE_END = "。！？；!?;"
# Longest line that can still be a bare heading (推动工匠人才技能要素的持续积累 is 15).
HEADING_MAX = 36
OPENERS = "《“「『（(〔［"
CLOSERS = "》”」』）)〕］"
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


# Characters a line printer gives two columns: Chinese, full-width marks, dashes and quotes.
_WIDE = re.compile("[\u2010-\u206f\u2e80-\U0010ffff]")


def display_width(line: str) -> int:
    """Columns a line takes when printed: a Chinese character or full-width mark counts two."""
    return len(line) + len(_WIDE.findall(line))


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped document was cut at (every line of a paragraph full but its last).

    None for a document whose lines are paragraphs: it needs at least three lines of the same
    width (within a half-width character or two), a third of its longer lines.
    """
    widths = [width for width in map(display_width, lines) if width >= 24]
    if len(widths) < 3:
        return None
    counts = Counter(widths)
    best = max(
        counts, key=lambda width: (sum(counts[w] for w in range(width - 2, width + 1)), width)
    )
    full = sum(counts[w] for w in range(best - 2, best + 1))
    return best if full >= 3 and full * 3 >= len(widths) else None


def _is_cut(previous: _Paragraph, following: str, full_line: bool = False) -> bool:
    """Did a page or line break cut `previous` in the middle of a sentence?

    `full_line`: the line before was a full line of a hard-wrapped paragraph, which goes on in
    the next line — unless its sentence ended and a numbered item begins.
    """
    if is_furniture(following):
        return False
    finished = previous.pieces[-1].endswith(tuple(TERMINAL))
    if not finished and full_line:
        return True  # cut mid-sentence, even before "一、规范" that only looks like a marker
    if not finished and (
        _DOCUMENT_NUMBER_START.match(following) or previous.pieces[-1].endswith(_TITLE_ENDS)
    ):
        return False  # a title over its 文号 ("…的通知" / "鞍立政发〔2023〕2号…"): two lines
    if not finished and previous.length > HEADING_MAX:
        # a long sentence left open goes on, unless a bare heading follows
        return not looks_like_heading(following) or following.endswith(tuple(SENTENCE_END))
    if _MARKER_START.match(following):
        return False
    return full_line


# A line opening with a 文号 (鞍立政发〔2023〕2号) begins a line of a header of its own.
_DOCUMENT_NUMBER_START = re.compile(r"^\S{1,12}[〔［\[]\s*(?:19|20)\d{2}\s*[〕］\]]\s*\d{1,4}\s*号")
# A line ending in what a document is (…的通知, …实施方案) is a title, finished as it stands.
_TITLE_ENDS = ("的通知", "的意见", "实施方案", "工作要点", "分工方案", "的讲话", "的决定")


def _glue(previous: str, following: str) -> str:
    """What joins two pieces of a cut paragraph: a space between two English words, else none."""
    if (
        previous[-1:].isascii()
        and previous[-1:].isalnum()
        and following[:1].isascii()
        and following[:1].isalpha()
    ):
        return " "
    return ""


class _Paragraph:
    """A paragraph being mended, kept as its pieces: joining them once at the end keeps a
    hard-wrapped text of any length linear (adding line after line to one string is not)."""

    def __init__(self, line: str) -> None:
        self.pieces = [line]  # its lines (never empty), and a space where two English words meet
        self.length = len(line)

    def add(self, line: str) -> None:
        glue = _glue(self.pieces[-1], line)
        if glue:
            self.pieces.append(glue)
        self.pieces.append(line)
        self.length += len(glue) + len(line)

    def text(self) -> str:
        return "".join(self.pieces)


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs and mend the ones the layout cut ("切\\n\\n入点" → "切入点")."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [raw.strip() for raw in text.split("\n")]
    width = wrap_width([line for line in lines if line])
    result: list[_Paragraph] = []
    full = False  # the line before was a full line of a hard-wrapped paragraph, no blank after
    for line in lines:
        if not line:
            full = False
            continue
        if result and _is_cut(result[-1], line, full):
            result[-1].add(line)
        else:
            result.append(_Paragraph(line))
        full = width is not None and display_width(line) >= width - WRAP_SLACK
    return [paragraph.text() for paragraph in result]


def split_author_note(paragraph: str) -> tuple[str, str] | None:
    """'…服务。（作者单位：中国劳动关系学院）' → ('…服务。', '中国劳动关系学院')."""
    match = _AUTHOR_NOTE.search(paragraph)
    if not match:
        return None
    return paragraph[: match.start()].rstrip(), match["affiliation"].strip()


@cache
def _marks(stops: str) -> re.Pattern[str]:
    """The characters _split looks at: the others it passes over (at the regex's speed)."""
    return re.compile(f"[{re.escape(OPENERS + CLOSERS + stops)}]")


def _split(text: str, stops: str, *, keep_stop: bool) -> list[str]:
    """Cut text at the `stops` that stand outside quotation marks and brackets."""
    pieces = []
    start = depth = opened = 0
    for mark in _marks(stops).finditer(text):
        index, char = mark.start(), mark[0]
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


def list_items(text: str) -> list[str]:
    """The items of a list joined by 、，, outside brackets: 市总工会、各县（市、区）总工会 →
    two."""
    return _split(text, "、，,", keep_stop=False)


def clauses(sentence: str) -> list[str]:
    """The comma-separated clauses of a sentence, outside quotation marks and brackets."""
    return _split(sentence, "，,；;。！？!?：:", keep_stop=False)


# The parts of a passage looked for from the cursor, each on its own: more than any passage of
# the test documents or the seed page has (15 at most); the next ones are looked for from the
# part before them, which keeps finding a passage of thousands of paragraphs linear.
PARTS_FROM_CURSOR = 64
# Taken out before passages are compared (str.isspace() and the byte-order mark).
_SKIPPABLE = re.compile("[\\s\ufeff]+")


class Locator:
    """Find passages of the parsed (mended) text in the text as it was given, verbatim.

    The parser joins lines a layout cut and drops page furniture; an excerpt must still be a
    slice of the original. Passages are compared without whitespace, so "切\\n\\n入点" is found
    for "切入点", and searched from where the previous one was found, so a repeated passage
    maps to its own place (see PARTS_FROM_CURSOR for the parts of a long one).

    The text without whitespace is kept with where each run of whitespace was taken out (not
    a position per character), so a 5 MB text costs a few copies of itself, not ten.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.compact = _SKIPPABLE.sub("", text)
        # For each run of whitespace taken out: where it was in the compact text, and how many
        # characters had been taken out up to its end.
        self._runs: list[int] = []
        self._skipped: list[int] = []
        skipped = 0
        for run in _SKIPPABLE.finditer(text):
            skipped += run.end() - run.start()
            self._runs.append(run.start() - (skipped - (run.end() - run.start())))
            self._skipped.append(skipped)
        self.cursor = 0  # in the compact text

    def _original(self, at: int) -> int:
        """Where the compact text's character `at` stands in the text."""
        runs = bisect_right(self._runs, at)
        return at + (self._skipped[runs - 1] if runs else 0)

    def _find(self, piece: str, *starts: int) -> int | None:
        """Where `piece` (compact) is in the compact text: from the first of `starts` where it
        is found, else anywhere."""
        for start in (*starts, 0):
            at = self.compact.find(piece, start)
            if at >= 0:
                return at
        return None

    def find(self, parts: list[str]) -> str:
        """The original slice from the first part to the last ("" when none is found)."""
        spans: list[tuple[int, int]] = []  # in the compact text
        for number, part in enumerate(parts):
            piece = _SKIPPABLE.sub("", part)
            # The first parts from the cursor; then from the part before (the parts of a long
            # passage, each looked for from the cursor, would each be looked for over all of it).
            near = number < PARTS_FROM_CURSOR or not spans
            starts = (self.cursor,) if near else (spans[-1][0], self.cursor)
            at = self._find(piece, *starts) if piece else None
            if at is not None:
                spans.append((at, at + len(piece)))
        if not spans:
            return ""
        first, end = spans[0][0], max(span[1] for span in spans)
        self.cursor = first
        return self.text[self._original(first) : self._original(end - 1) + 1]

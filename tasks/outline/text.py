"""Text mechanics: paragraphs with page breaks mended, page furniture, sentences, author notes."""

from __future__ import annotations

import re

# A paragraph that ends in one of these is finished; one that does not was cut by the layout.
TERMINAL = "。！？；!?;：:”」』）)"
SENTENCE_END = "。！？；!?;"
# Longest line that can still be a bare heading (推动工匠人才技能要素的持续积累 is 15).
HEADING_MAX = 36
OPENERS = "《“「『（("
CLOSERS = "》”」』）)"
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


def _is_cut(previous: str, following: str) -> bool:
    """Did a page or line break cut `previous` in the middle of a sentence?"""
    if previous.endswith(tuple(TERMINAL)) or len(previous) <= HEADING_MAX:
        return False
    if _MARKER_START.match(following) or is_furniture(following):
        return False
    return not looks_like_heading(following) or following.endswith(tuple(SENTENCE_END))


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
    result: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if result and _is_cut(result[-1], line):
            result[-1] = _glue(result[-1], line)
        else:
            result.append(line)
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

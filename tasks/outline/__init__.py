"""Turn the text of a policy document into an outline: areas → measures (→ sub-measures).

Pure Python, no Django: a string goes in, plain data comes out, so the parser can be tested
and reused on its own (the seed import, the upload preview, the command line).

How a document is read:
1. Paragraphs, with the words a page break cut in two joined again; page furniture dropped.
2. Enumeration markers at sentence starts (第一，其一，一是，一、（一）1．（1）首先…) and bare
   headings build a tree; a family of markers already open is a sibling, a new one a child.
3. Each section is an action list (measures) or an analysis list (context), by its heading words
   and by whether its items open with a task verb. Areas without numbered items are broken into
   their action sentences; framing sentences ("法治是…重要保障") are not measures.
4. Repeated passages are imported once, skipped numbers noted: both become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tasks.outline import lexicon
from tasks.outline.bodies import BodyMention, find_bodies, without_notes
from tasks.outline.markers import marker_at
from tasks.outline.text import (
    Locator,
    clauses,
    is_furniture,
    paragraphs,
    sentences,
    split_author_note,
)
from tasks.outline.tree import Node, build_tree, check_numbering, mark_repeats, own_sentences

__all__ = [
    "Area",
    "BodyMention",
    "Item",
    "Outline",
    "OutlineError",
    "parse_article",
    "parse_document",
    "split_page",
    "title_of",
]

TITLE_MAX = 40
# Families that number the sections of an article or a plan: 第一, 其一, 一、
SECTION_FAMILIES = frozenset({"di", "qi", "dun"})


class OutlineError(ValueError):
    """A document the parser cannot read; `code` and `params` say why, for a translated message."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class Item:
    """A measure (or a context item): its ordinal as written, a title, the verbatim excerpt."""

    ordinal: str
    title: str
    excerpt: str
    description: str = ""
    bodies: list[BodyMention] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)
    deadline: str = ""  # when the text says so at its start: "2025年底前"


@dataclass
class Area:
    ordinal: str
    title: str
    summary: str = ""
    measures: list[Item] = field(default_factory=list)
    excerpt: str = ""  # its own text as written: the heading line, the numbered paragraph


@dataclass
class Outline:
    title: str = ""
    subtitle: str = ""
    author: str = ""
    affiliation: str = ""
    published_on: str = ""  # ISO date, when the document prints one
    standfirst: str = ""
    text: str = ""
    preamble: str = ""
    areas: list[Area] = field(default_factory=list)
    context: list[Item] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def all_measures(self) -> Iterable[Item]:
        for area in self.areas:
            yield from _walk(area.measures)

    def excerpts(self) -> Iterable[str]:
        """Every excerpt of the outline: areas, measures at every depth, then context."""
        yield from (area.excerpt for area in self.areas)
        yield from (item.excerpt for item in self.all_measures())
        yield from (item.excerpt for item in self.context)


def split_page(text: str, starts: Sequence[str]) -> list[str]:
    """Cut a page holding several articles at the lines that begin them."""
    lines = text.replace("\ufeff", "").replace("\r\n", "\n").split("\n")
    positions = []
    for start in starts:
        found = [index for index, line in enumerate(lines) if line.strip().startswith(start)]
        if not found:
            raise OutlineError("start_not_found", start=start)
        if len(found) > 1:
            raise OutlineError("start_ambiguous", start=start)
        positions.append(found[0])
    if positions != sorted(positions):
        raise OutlineError("starts_out_of_order", start=starts[0])
    ends = [*positions[1:], len(lines)]
    return ["\n".join(lines[begin:end]) for begin, end in zip(positions, ends, strict=True)]


def parse_article(
    text: str, *, title: str = "", author: str = "", ignore: Iterable[str] = ()
) -> Outline:
    """Read one document (an article, a work plan) into an outline.

    `author` splits the header (title lines, column labels, standfirst) from the body; the lines
    in `ignore` (the title as printed, a page banner) are dropped wherever they stand.
    """
    ignored = {line.strip() for line in ignore if line.strip()} | {title.strip()} - {""}
    kept = [p for p in paragraphs(text) if p not in ignored and not is_furniture(p)]
    if not kept:
        raise OutlineError("empty")
    outline = Outline(title=title, author=author)

    if author and author in kept:
        at = kept.index(author)
        outline.standfirst = "\n\n".join(kept[:at])
        kept = kept[at + 1 :]

    _read_body(outline, kept)
    return outline


def _read_body(outline: Outline, kept: list[str], *, whole: bool = False) -> None:
    """The outline of the body paragraphs; the author's note at the end gives the affiliation.

    An article's note ends it (what follows belongs to the page); in a `whole` document the
    reading goes on past it (a page of several articles uploaded as one).
    """
    body: list[str] = []
    for paragraph in kept:
        note = split_author_note(paragraph)
        if note:
            before, affiliation = note
            outline.affiliation = outline.affiliation or affiliation
            if before:
                body.append(before)
            if not whole:
                break
            continue
        if whole and _BYLINE.match(paragraph):
            continue  # an author's name over an article of the page, not a heading
        body.append(paragraph)
    outline.text = "\n\n".join(body)

    root = build_tree(body)
    outline.preamble = "\n\n".join(root.parts)
    mark_repeats(root, outline.warnings)
    check_numbering(root, outline.warnings)
    _collect(root, outline)


_DATE_LINE = re.compile(
    r"^[（(]?\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*[）)]?$"
)
_PERSON_LINE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_BYLINE = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
_ORG_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{3,30}(总工会|工会|委员会|办公室|办公厅|领导小组|厅|局|委|政府|学院|大学|协会)$"
)
_TITLE_GOES_ON = ("的", "和", "与", "及", "关于", "暨")
HEADER_MAX = 60


def _date(line: str) -> str:
    match = _DATE_LINE.match(line)
    if not match:
        return ""
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _is_header_line(line: str) -> bool:
    return len(line) <= HEADER_MAX and not any(mark in line for mark in "。；;！？!?，,")


def _read_header(outline: Outline, kept: list[str]) -> list[str]:
    """Take the title, subtitle (——…), speaker or author, issuing body and date off the top
    (and a signature block of issuing body and date off the bottom); return the body."""
    at = 0
    first = kept[0] if kept else ""
    if (
        _is_header_line(first)
        and not _date(first)
        and not first.startswith(("—", "-"))
        and marker_at(first, 0) is None
    ):
        outline.title, at = first, 1
    elif first:
        # a document on one line: its title runs up to the first space ("关于…的方案　为…")
        parts = re.split(r"\s+", first, maxsplit=1)
        if (
            len(parts) == 2
            and len(parts[0]) >= 4
            and _is_header_line(parts[0])
            and marker_at(parts[0], 0) is None
        ):
            outline.title = parts[0]
            kept = [parts[1], *kept[1:]]
    while at < len(kept) and _is_header_line(kept[at]):
        line = kept[at]
        compact = re.sub(r"\s+", "", line)
        if _date(line) and not outline.published_on:
            outline.published_on = _date(line)
        elif line.startswith(("——", "—", "--")) and not outline.subtitle:
            outline.subtitle = line.lstrip("—- ").strip()
        elif _PERSON_LINE.match(compact) and not outline.author:
            outline.author = compact
        elif _ORG_LINE.match(compact) and not outline.affiliation:
            outline.affiliation = compact
        elif outline.title.endswith(_TITLE_GOES_ON) and at == 1:
            outline.title += line
        else:
            break
        at += 1
    body = kept[at:]
    while body and _is_header_line(body[-1]) and len(body) > 1:
        line = re.sub(r"\s+", "", body[-1])
        if _date(line):
            outline.published_on = outline.published_on or _date(line)
        elif _ORG_LINE.match(line):
            outline.affiliation = outline.affiliation or line
        else:
            break
        body.pop()
    return body


def parse_document(text: str, *, name: str = "") -> Outline:
    """Read a whole document as it was uploaded: header, then outline. Never raises.

    Unlike a page of articles (parse_article), the header is read off the document itself and
    every excerpt is a verbatim slice of `text` (line breaks of the layout included), which is
    also the outline's text. `name` (a file name) gives the title when the document has none.
    """
    outline = Outline()
    kept = [p for p in paragraphs(text) if not is_furniture(p)]
    body = _read_header(outline, kept)
    _read_body(outline, body, whole=True)
    outline.text = text
    if not outline.title:
        outline.title = name.rsplit(".", 1)[0].strip()[:TITLE_MAX] if name else ""
    locator = Locator(text)
    for area in outline.areas:
        area.excerpt = locator.find(area.excerpt.split("\n\n"))
        for item in _walk(area.measures):
            item.excerpt = locator.find(item.excerpt.split("\n\n"))
    for item in outline.context:
        item.excerpt = locator.find(item.excerpt.split("\n\n"))
    return outline


def _walk(items: list[Item]) -> Iterable[Item]:
    for item in items:
        yield item
        yield from _walk(item.children)


def title_of(text: str) -> str:
    """The title the parser would give an item with this text."""
    return _title(_deadline(text)[1])


def _title(text: str) -> str:
    text = text.split("\n\n", 1)[0]  # its first paragraph: a heading with text below it
    first = without_notes((sentences(text) or [text])[0]).rstrip("。；;！!？?，,")
    if len(first) <= TITLE_MAX:
        return first
    clause = (clauses(first) or [first])[0]
    return clause if len(clause) >= 4 else first[:TITLE_MAX]


def _deadline(text: str) -> tuple[str, str]:
    """Split a leading "2025年底前，" off an item: (the deadline as written, the rest)."""
    first = (clauses(text) or [""])[0]
    if first != text.strip() and lexicon.DEADLINE.match(first):
        return first, text[text.index(first) + len(first) :].lstrip("，,：: ")
    return "", text


def _rest(text: str, title: str) -> str:
    return text[len(title) :].lstrip("。；;，,！!？?：: \n") if text.startswith(title) else text


def _is_framing(sentence: str) -> bool:
    """'法治是中国式现代化的重要保障。' — a statement of why, not a task."""
    return any(lexicon.COPULA.search(clause) for clause in clauses(sentence)[:2])


def _action_title(sentence: str) -> str | None:
    """The clause that names the task of an action sentence, or None for a framing sentence."""
    if _is_framing(sentence):
        return None
    actions = [c for c in clauses(sentence) if lexicon.opens_with_action(c)]
    if not actions:
        return None
    chosen = next((c for c in actions if "《" in c), actions[0])
    for subject in lexicon.SUBJECTS:
        if chosen.startswith(subject):
            chosen = chosen[len(subject) :]
            break
    for modal in lexicon.MODALS:
        if chosen.startswith(modal):
            chosen = chosen[len(modal) :]
            break
    return chosen


def _sentence_measures(node: Node, text: str) -> tuple[list[Item], str]:
    """Break an area's running text into one measure per action sentence."""
    measures: list[Item] = []
    framing: list[str] = []
    for sentence in sentences(text):
        if sentence in node.repeats:
            continue
        title = _action_title(sentence)
        if title is None:
            if not measures:
                framing.append(sentence)
            continue
        measures.append(Item("", title, sentence, bodies=find_bodies(sentence)))
    return measures, "".join(framing)


def _measure(node: Node, outline: Outline) -> Item | None:
    if node.marker is None:
        return None
    own = [sentence for sentence in own_sentences(node) if without_notes(sentence)]
    if own and all(sentence in node.repeats for sentence in own):
        return None
    excerpt = "\n\n".join(node.parts)
    deadline, body = _deadline(node.body)
    title = _title(body)
    children = _measures(node.children, outline)
    return Item(
        node.marker.ordinal,
        title,
        excerpt,
        _rest(body, title),
        find_bodies(excerpt),
        children,
        deadline,
    )


def _measures(nodes: list[Node], outline: Outline) -> list[Item]:
    """The measures of a list of items; a list that describes (problems, effects) is context."""
    numbered = [node for node in nodes if node.marker]
    if numbered and _describes(numbered):
        for node in numbered:
            outline.context.extend(_context(node))
        return []
    return [m for m in (_measure(node, outline) for node in nodes) if m]


def _describes(items: list[Node]) -> bool:
    """Most items state what is (问题/影响), not what to do."""
    descriptive = sum(lexicon.is_descriptive(_title(_deadline(item.body)[1])) for item in items)
    return descriptive * 2 > len(items)


def _context(node: Node) -> list[Item]:
    items = []
    if node.kind == "heading":
        items.append(Item("", node.title, "\n\n".join(node.parts) or node.title))
    elif node.marker:
        items.append(Item(node.marker.ordinal, _title(node.body), "\n\n".join(node.parts)))
    for child in node.children:
        items.extend(_context(child))
    return items


def _is_analysis(heading: str, items: list[Node], text: str) -> bool:
    if lexicon.GUIDING_HEADING.search(heading):
        return True
    if lexicon.ACTION_HEADING.search(heading):
        return False
    if lexicon.ANALYSIS_HEADING.search(heading):
        return True
    if items:
        return _describes(items)
    return not any(_action_title(sentence) for sentence in sentences(text))


def _is_context_heading(title: str, item: Node) -> bool:
    """An item heading a section of guidance (总体要求) or of analysis (存在的问题)."""
    if lexicon.GUIDING_HEADING.search(title):
        return True
    return (
        bool(item.children)
        and not lexicon.ACTION_HEADING.search(title)
        and bool(lexicon.ANALYSIS_HEADING.search(title))
    )


def _collect(root: Node, outline: Outline) -> None:
    run: list[Node] = []
    for child in root.children:
        if child.kind == "heading":
            _collect_items(run, outline)
            run = []
            _collect_heading(child, outline)
        else:
            run.append(child)
    _collect_items(run, outline)


def _collect_heading(heading: Node, outline: Outline) -> None:
    intro = "\n\n".join(heading.parts)
    if _is_analysis(heading.title, heading.children, intro):
        outline.context.extend(_context(heading))
        return
    if _is_container(heading.children):
        _collect_items(heading.children, outline)
        return
    area = Area("", heading.title, intro, excerpt="\n\n".join([heading.title, *heading.parts]))
    if heading.children:
        area.measures = _measures(heading.children, outline)
    else:
        area.measures, area.summary = _sentence_measures(heading, intro)
    if not area.measures:  # a heading over text with no task in it (a title, a standfirst)
        outline.context.append(Item("", heading.title, area.excerpt))
        return
    outline.areas.append(area)


def _collect_items(items: list[Node], outline: Outline) -> None:
    """Lists of numbered items with no heading above them, each list read on its own."""
    group: list[Node] = []
    for item in items:
        if (
            group
            and item.marker
            and group[-1].marker
            and item.marker.family != group[-1].marker.family
        ):
            _collect_list(group, outline)
            group = []
        group.append(item)
    _collect_list(group, outline)


def _is_container(nodes: list[Node]) -> bool:
    """A heading over sections (第一…, 其一…, 一、… with items of their own, or long ones):
    the sections are the areas, the heading only a title."""
    if not nodes or nodes[0].marker is None or nodes[0].marker.family not in SECTION_FAMILIES:
        return False
    long_items = sum(len(sentences(node.body)) for node in nodes) >= 3 * len(nodes)
    return long_items or any(node.children for node in nodes)


def _collect_list(items: list[Node], outline: Outline) -> None:
    """One list of numbered items with no heading above them: areas, measures or context."""
    if not items:
        return
    long_items = sum(len(sentences(item.body)) for item in items) >= 3 * len(items)
    sections = any(item.children for item in items)
    if not sections and _describes(items):
        for item in items:
            outline.context.extend(_context(item))
        return
    if sections or long_items:
        for item in items:
            title = _title(item.body)
            if _is_context_heading(title, item):
                outline.context.extend(_context(item))
                continue
            area = Area(
                item.marker.ordinal if item.marker else "", title, excerpt="\n\n".join(item.parts)
            )
            rest = _rest(item.body, title)
            if item.children:
                area.summary = rest
                area.measures = _measures(item.children, outline)
                if not area.measures:
                    continue  # its items describe (a list of problems): they went to context
            else:
                area.measures, area.summary = _sentence_measures(item, rest)
            outline.areas.append(area)
        return
    area = Area("", outline.title or "全部举措")
    area.measures = _measures(items, outline)
    outline.areas.append(area)

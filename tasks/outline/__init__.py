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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tasks.outline import lexicon
from tasks.outline.bodies import BodyMention, find_bodies
from tasks.outline.text import clauses, is_furniture, paragraphs, sentences, split_author_note
from tasks.outline.tree import Node, build_tree, check_numbering, mark_repeats, own_sentences

__all__ = ["Area", "BodyMention", "Item", "Outline", "OutlineError", "parse_article", "split_page"]

TITLE_MAX = 40


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


@dataclass
class Area:
    ordinal: str
    title: str
    summary: str = ""
    measures: list[Item] = field(default_factory=list)


@dataclass
class Outline:
    title: str = ""
    author: str = ""
    affiliation: str = ""
    standfirst: str = ""
    text: str = ""
    preamble: str = ""
    areas: list[Area] = field(default_factory=list)
    context: list[Item] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def all_measures(self) -> Iterable[Item]:
        def walk(items: list[Item]) -> Iterable[Item]:
            for item in items:
                yield item
                yield from walk(item.children)

        for area in self.areas:
            yield from walk(area.measures)


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

    body: list[str] = []
    for paragraph in kept:
        note = split_author_note(paragraph)
        if note:
            before, outline.affiliation = note
            if before:
                body.append(before)
            break  # the author's note ends the article; what follows belongs to the page
        body.append(paragraph)
    outline.text = "\n\n".join(body)

    root = build_tree(body)
    outline.preamble = "\n\n".join(root.parts)
    mark_repeats(root, outline.warnings)
    check_numbering(root, outline.warnings)
    _collect(root, outline)
    return outline


def _title(text: str) -> str:
    first = (sentences(text) or [text])[0].rstrip("。；;！!？?")
    if len(first) <= TITLE_MAX:
        return first
    clause = (clauses(first) or [first])[0]
    return clause if len(clause) >= 4 else first[:TITLE_MAX]


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


def _measure(node: Node) -> Item | None:
    if node.marker is None:
        return None
    own = own_sentences(node)
    if own and all(sentence in node.repeats for sentence in own):
        return None
    excerpt = "\n\n".join(node.parts)
    title = _title(node.body)
    children = [m for m in (_measure(child) for child in node.children) if m]
    return Item(
        node.marker.ordinal, title, excerpt, _rest(node.body, title), find_bodies(excerpt), children
    )


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
    if lexicon.ACTION_HEADING.search(heading):
        return False
    if lexicon.ANALYSIS_HEADING.search(heading):
        return True
    if items:
        descriptive = sum(lexicon.is_descriptive(_title(item.body)) for item in items)
        return descriptive * 2 > len(items)
    return not any(_action_title(sentence) for sentence in sentences(text))


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
    area = Area("", heading.title, intro)
    if heading.children:
        area.measures = [m for m in map(_measure, heading.children) if m]
    else:
        area.measures, area.summary = _sentence_measures(heading, intro)
    outline.areas.append(area)


def _collect_items(items: list[Node], outline: Outline) -> None:
    """A list of numbered items with no heading above them: areas, measures or context."""
    if not items:
        return
    titles = [_title(item.body) for item in items]
    if sum(map(lexicon.is_descriptive, titles)) * 2 > len(items):
        for item in items:
            outline.context.extend(_context(item))
        return
    long_items = sum(len(sentences(item.body)) for item in items) >= 3 * len(items)
    if any(item.children for item in items) or long_items:
        for item, title in zip(items, titles, strict=True):
            area = Area(item.marker.ordinal if item.marker else "", title)
            rest = _rest(item.body, title)
            if item.children:
                area.summary = rest
                area.measures = [m for m in map(_measure, item.children) if m]
            else:
                area.measures, area.summary = _sentence_measures(item, rest)
            outline.areas.append(area)
        return
    area = Area("", outline.title or "全部举措")
    area.measures = [m for m in map(_measure, items) if m]
    outline.areas.append(area)

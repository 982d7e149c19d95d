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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tasks.outline import documents, lexicon, tables, when
from tasks.outline.bodies import (
    COOPERATING,
    LEAD,
    MENTIONED,
    BodyMention,
    find_bodies,
    kind_of,
    without_notes,
)
from tasks.outline.markers import find_markers, marker_at
from tasks.outline.text import (
    Locator,
    clauses,
    is_furniture,
    looks_like_heading,
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
    year: int | None = None  # the plan's year, for deadlines written without one (6月底前)

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
# A speaker under a speech's title, with the offices held: "市委常委、市总工会主席 王建华"
_SPEAKER_LINE = re.compile(
    r"^[\u4e00-\u9fff、，,]{2,40}(?:主席|书记|部长|局长|厅长|市长|县长|区长|主任|组长|委员|同志)"
    r"\s+(?P<name>[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3})$"
)
_ORG_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{3,30}(总工会|工会|委员会|办公室|办公厅|领导小组|厅|局|委|政府|学院|大学|协会"
    r"|党组|党委|中学|小学|学校|支部|管委会|办事处|研究院|集团|公司|联合会|中心)$"
)
_TITLE_GOES_ON = ("的", "和", "与", "及", "关于", "暨")
HEADER_MAX = 60


def _date(line: str) -> str:
    match = _DATE_LINE.match(line)
    if not match:
        return ""
    return _iso(int(match["y"]), int(match["m"]), int(match["d"]))


def _iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _is_header_line(line: str) -> bool:
    return len(line) <= HEADER_MAX and not any(mark in line for mark in "。；;！？!?，,")


def _read_header(outline: Outline, kept: list[str]) -> list[str]:
    """Take the title, subtitle (——…), speaker or author, issuing body and date off the top
    (and a signature block of issuing body and date off the bottom); return the body.

    A red-head header is read too: the issuer's "…文件" line, the 文号, the title printed again
    or over two lines, a note such as (此件公开发布), and the 主送 (background)."""
    at = 0
    first = kept[0] if kept else ""
    if first and documents.is_issuer_file(first) and len(kept) > 1:
        outline.affiliation = documents.compact(first)[: -len("文件")]
        at = 1
        while at < len(kept) and documents.is_document_number(kept[at]):
            at += 1
        first = kept[at] if at < len(kept) else ""
    if (
        _is_header_line(first)
        and _ORG_LINE.match(re.sub(r"\s+", "", first))
        and at + 1 < len(kept)
        and _is_header_line(kept[at + 1])
        and documents.looks_like_title(kept[at + 1])
    ):  # the issuer over the title: "中共某某县总工会党组" / "关于…的方案"
        outline.affiliation = outline.affiliation or re.sub(r"\s+", "", first)
        at += 1
        first = kept[at]
    if (
        _is_header_line(first)
        and not _date(first)
        and not first.startswith(("—", "-"))
        and marker_at(first, 0) is None
    ):
        outline.title, at = first.strip(" |｜\u3000"), at + 1
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
            kept = [*kept[:at], parts[1], *kept[at + 1 :]]
    title = documents.compact(outline.title)
    while at < len(kept) and _is_header_line(kept[at]):
        line = kept[at]
        compact = re.sub(r"\s+", "", line)
        bare = documents.compact(documents.DOCUMENT_NUMBER.sub("", line))
        if _date(line) and not outline.published_on:
            outline.published_on = _date(line)
        elif line.startswith(("——", "—", "--")) and not outline.subtitle:
            outline.subtitle = line.lstrip("—- ").strip()
        elif title and len(bare) >= 4 and bare in title:
            pass  # the title printed again, or a line of it
        elif documents.is_document_number(line) or documents.is_document_note(line):
            dated = documents.note_date(line)
            if dated and not outline.published_on:
                outline.published_on = _iso(*dated)
        elif documents.is_addressees(line):
            outline.context.append(Item("", line.rstrip("：: "), line))
        elif _PERSON_LINE.match(compact) and not outline.author:
            outline.author = compact
        elif _SPEAKER_LINE.match(line.strip()) and not outline.author:
            speaker = _SPEAKER_LINE.match(line.strip())
            outline.author = re.sub(r"\s+", "", speaker["name"])
            # the body of the last office named: 市委常委、市总工会主席 → 市总工会
            office = re.split(r"[、，,]", line.strip()[: speaker.start("name")].strip())[-1]
            body = documents.union_named(office)
            outline.affiliation = outline.affiliation or body
        elif _ORG_LINE.match(compact) and not outline.affiliation:
            outline.affiliation = compact
        elif outline.title.endswith(_TITLE_GOES_ON) and at == 1:
            outline.title += line
        else:
            break
        at += 1
    body = kept[at:]
    body = _read_front(outline, body)
    while body and _is_header_line(body[-1]) and len(body) > 1:
        line = re.sub(r"\s+", "", body[-1])
        if _date(line):
            outline.published_on = outline.published_on or _date(line)
        elif _ORG_LINE.match(line):
            outline.affiliation = outline.affiliation or line
        elif _ATTACHMENT.match(line):
            outline.context.append(Item("", line, body[-1]))
        else:
            break
        body.pop()
    return body


_ATTACHMENT = re.compile(r"^附件\s*[一二三四五六七八九十\d]*\s*[:：．.、]")
# The notice wrapping a plan ends with its signature within this many paragraphs.
FRONT_MAX = 15


def _starts_numbered(paragraph: str) -> bool:
    markers = find_markers(paragraph)
    return bool(markers) and markers[0].start == 0


def _read_front(outline: Outline, body: list[str]) -> list[str]:
    """The notice a plan comes wrapped in (主送, "现将…印发给你们", signature and date), or the
    front page of a speech (a note, its title, the speaker, the date), up to the plan itself:
    background, with the plan's title after it; then a 主送 opening the body."""
    signed = None
    for index, paragraph in enumerate(body[:FRONT_MAX]):
        if _starts_numbered(paragraph):
            break
        if _date(re.sub(r"\s+", "", paragraph)):
            signed = index
    if signed is not None and signed + 1 < len(body):
        notice: list[str] = []
        for paragraph in body[: signed + 1]:
            compact = re.sub(r"\s+", "", paragraph)
            if _date(compact):
                outline.published_on = outline.published_on or _date(compact)
            elif _is_header_line(paragraph) and _PERSON_LINE.match(compact) and not outline.author:
                outline.author = compact
            elif _is_header_line(paragraph) and _ORG_LINE.match(compact):
                outline.affiliation = outline.affiliation or compact
            elif documents.is_addressees(paragraph):
                outline.context.append(Item("", paragraph.rstrip("：: "), paragraph))
            elif _is_header_line(paragraph) and not outline.subtitle and not notice:
                outline.subtitle = paragraph
            else:
                notice.append(paragraph)
        if notice:
            outline.context.append(Item("", _title(notice[0]), "\n\n".join(notice)))
        body = body[signed + 1 :]
        while body and (_date(re.sub(r"\s+", "", body[0])) or documents.is_document_note(body[0])):
            body = body[1:]
        plan_title: list[str] = []
        while (
            len(body) > 1
            and len(plan_title) < 2
            and _is_header_line(body[0])
            and not _starts_numbered(body[0])
            and not documents.is_addressees(body[0])
        ):
            plan_title.append(body.pop(0).strip())
        if plan_title and (not outline.title or outline.title.endswith(_NOTICE_WORDS)):
            outline.subtitle = outline.subtitle or outline.title
            outline.title = "".join(plan_title)
    if body and documents.is_addressees(body[0]):
        outline.context.append(Item("", body[0].rstrip("：: "), body[0]))
        body = body[1:]
    elif body:
        to = documents.addressees_run_on(body[0])
        if to:
            outline.context.append(Item("", to.rstrip("：: "), to))
            body = [body[0][len(to) :].lstrip(), *body[1:]]
    return body


_NOTICE_WORDS = ("通知", "通报", "函", "的讲话》", "讲话")


def parse_document(text: str, *, name: str = "") -> Outline:
    """Read a whole document as it was uploaded: header, then outline. Never raises.

    Unlike a page of articles (parse_article), the header is read off the document itself and
    every excerpt is a verbatim slice of `text` (line breaks of the layout included), which is
    also the outline's text. `name` (a file name) gives the title when the document has none.
    A task table flattened to text (tab-separated, or one cell a line) gives one measure a row.
    """
    outline = Outline()
    table = tables.find_table(text)
    above = text[: table.start] if table else text
    # web-page chrome goes before the lines are mended, or a title takes the line after it
    above = "\n".join(_header_line(line) for line in above.split("\n"))
    kept = [p for p in paragraphs(above) if not is_furniture(p)]
    body = _read_header(outline, kept)
    if table:
        _read_table(outline, table, body, text[table.end :])
    else:
        _read_body(outline, body, whole=True)
        _read_document_body(outline, body)
    outline.text = text
    if not outline.title:
        outline.title = name.rsplit(".", 1)[0].strip()[:TITLE_MAX] if name else ""
    outline.year = documents.year_of(outline.published_on, outline.title, text[:2000])
    _give_actor(
        outline,
        " ".join(
            [
                outline.title,
                outline.affiliation,
                outline.preamble,
                *(c.excerpt for c in outline.context),
            ]
        ),
    )
    locator = Locator(text)
    for area in outline.areas:
        area.excerpt = locator.find(area.excerpt.split("\n\n"))
        for item in _walk(area.measures):
            item.excerpt = locator.find(item.excerpt.split("\n\n"))
    for item in outline.context:
        item.excerpt = locator.find(item.excerpt.split("\n\n"))
    outline.context = [item for item in outline.context if item.excerpt]
    return outline


def _header_line(line: str) -> str:
    """A raw line before its paragraph is mended: web-page chrome goes, and a line that stands
    alone in a header (文号, 主送, a date) is kept from joining the title above it."""
    if documents.is_chrome(line):
        return ""
    stripped = line.strip()
    if stripped and (
        documents.is_document_number(stripped)
        or documents.is_addressees(stripped)
        or _date(re.sub(r"\s+", "", stripped))
    ):
        return f"\n{line}\n"
    return line


def _read_table(outline: Outline, table: tables.Table, above: list[str], below: str) -> None:
    """A task table: one measure a row; what stands above and below it is background."""
    area = None
    for row in table.rows:
        if area is None or (row.section and row.section != area.excerpt):
            # a section row heads the rows below it: an area of the plan
            marker = marker_at(row.section, 0) if row.section else None
            title = row.section[marker.end :].strip() if marker else row.section
            area = Area(
                marker.ordinal if marker else "",
                title or outline.title or "全部举措",
                excerpt=row.section,
            )
            outline.areas.append(area)
        bodies = [BodyMention(n, _kind(n), LEAD) for n in row.leads]
        bodies += [BodyMention(n, _kind(n), COOPERATING) for n in row.helping]
        if not bodies and table.list_body:
            bodies = [BodyMention(table.list_body, _kind(table.list_body), LEAD)]
        item = Item(row.ordinal, _title(row.title), row.excerpt, bodies=bodies, deadline=row.when)
        area.measures.append(item)
    for paragraph in above:
        if not tables._LIST_BODY.match(paragraph.strip()):
            outline.context.append(Item("", _title(paragraph), paragraph))
    for paragraph in paragraphs(below):
        if not is_furniture(paragraph) and not documents.is_chrome(paragraph):
            outline.context.append(Item("", _title(paragraph), paragraph))
    counts = Counter(row.ordinal for row in table.rows)
    for number in sorted(n for n, times in counts.items() if times > 1):
        outline.warnings.append({"code": "number_out_of_order", "found": number})


def _kind(name: str) -> str:
    return kind_of(name)


def _read_document_body(outline: Outline, body: list[str]) -> None:
    """What a real document needs beyond the outline of its items: lists named with their
    count in running text, the preamble as background, a text cut off."""
    parts = outline.preamble.split("\n\n") if outline.preamble else []
    counted = [(label, items, p) for p in parts for label, items in documents.counted_lists(p)]
    for label, items, paragraph in counted:
        area = Area("", label, excerpt=paragraph)
        area.measures = [Item("", item, item, bodies=find_bodies(item)) for item in items]
        outline.areas.append(area)
    # the preamble is background, but for the plan's purpose (为…，制定本方案), its preamble,
    # which is background only where the document has no other
    background = [p for p in parts if not documents.is_purpose(p)]
    if not background and not outline.context:
        background = parts  # …unless nothing else says what the plan is for
    if background and any(outline.all_measures()):
        outline.context.insert(0, Item("", _title(background[0]), "\n\n".join(background)))
    if body and documents.seems_cut_off(body[-1]):
        outline.warnings.append({"code": "text_cut_off", "ends": body[-1].rstrip()[-12:]})


def _give_actor(outline: Outline, around: str) -> None:
    """Measures that name no body are the work of the body the whole text speaks of: the union
    it names as actor, or its issuer."""
    measures = [item for item in outline.all_measures() if not item.bodies]
    if not measures:
        return
    actor = documents.union_named(around) or outline.affiliation
    if not actor or len(actor) > 30:
        return
    for item in measures:
        item.bodies = [BodyMention(actor, _kind(actor), MENTIONED)]


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
        deadline or when.find(body),
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
    """Most items state what is (问题/影响), not what to do. A section is judged by its items;
    an item that gives someone the work (牵头单位：…, （…牵头）) asks for action."""
    descriptive = sum(_item_describes(item) for item in items)
    return descriptive * 2 > len(items)


def _item_describes(item: Node) -> bool:
    if _assigns(item):
        return False
    numbered = [child for child in item.children if child.marker]
    if numbered:
        return _describes(numbered)
    body = _deadline(item.body)[1]
    title = _title(body)
    if not lexicon.is_descriptive(title):
        return False
    if len(title) <= LABEL_MAX:  # "五星三名。对标…落实整改…": a label, then the task
        return not any(_action_title(s) for s in sentences(_rest(body, title))[:2])
    return True


# A title this short that names no task is a label (五星三名): the sentence after it tells.
LABEL_MAX = 6


def _assigns(item: Node) -> bool:
    """Does the item's own text name a lead or a responsible body?"""
    text = "\n\n".join(item.parts)
    return any(mention.role != MENTIONED for mention in find_bodies(text))


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
    if _subtree_assigns(item):
        return False  # a 分工方案 gives even its targets (主要预期目标) to a lead body
    if lexicon.GUIDING_HEADING.search(title):
        return True
    numbered = [child for child in item.children if child.marker]
    return (
        bool(item.children)
        and not lexicon.ACTION_HEADING.search(title)
        and bool(lexicon.ANALYSIS_HEADING.search(title))
        and (not numbered or _describes(numbered))  # 补强五块学校短板 over five tasks: an area
    )


def _subtree_assigns(node: Node) -> bool:
    return any(_assigns(child) for child in node.children)


def _lifted(items: list[Node]) -> list[Node]:
    """A section that only gathers the areas of the plan ("二、重点任务" over （一）…（四）, each
    with its numbered measures and nothing deeper): its sections are the areas."""
    result: list[Node] = []
    for item in items:
        title = _title(item.body)
        grandchildren = [g for child in item.children for g in child.children]
        if (
            len(title) <= GATHERING_TITLE_MAX
            and lexicon.ACTION_HEADING.search(title)
            and len(item.children) > 1
            and all(child.marker and child.children for child in item.children)
            and not any(g.children for g in grandchildren)
            and _runs_on(grandchildren)
        ):
            result.extend(item.children)
        else:
            result.append(item)
    return result


def _runs_on(items: list[Node]) -> bool:
    """Numbers that run on from one section to the next (1．2． / 3．4．5．): one list of the
    plan's measures, gathered into sections."""
    numbers = [item.marker.number for item in items if item.marker]
    return len(numbers) == len(items) and numbers == list(range(1, len(numbers) + 1))


# "重点任务", "主要任务和措施": a heading that only gathers the plan's areas is this short.
GATHERING_TITLE_MAX = 8


def _headed_items(items: list[Node]) -> bool:
    """Items written as a heading line over a paragraph of their own, none with numbered items
    below (一、全覆盖开展一次集中学习宣传 / its paragraph): each is one measure."""
    return all(
        item.marker
        and item.marker.family in HEADED_FAMILIES
        and not item.children
        and len(item.parts) > 1
        and looks_like_heading(item.parts[0][item.marker.end - item.marker.start :])
        for item in items
    )


HEADED_FAMILIES = frozenset({"dun", "paren_cn", "arabic", "paren_ar"})


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
        if intro:  # what the heading says before its sections is background
            outline.context.append(
                Item("", heading.title, "\n\n".join([heading.title, *heading.parts]))
            )
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


def _given_out(items: list[Node]) -> bool:
    """Items of a notice that each give their work out (责任单位：…, （…牵头）, 完成时间：…):
    each is one task however many sentences it has, not a section to break into sentences."""
    given = sum(_assigns(item) or bool(when.labelled(item.body)) for item in items)
    return given * 2 >= len(items)


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
    items = _lifted(items)
    long_items = sum(len(sentences(item.body)) for item in items) >= 3 * len(items)
    sections = any(item.children for item in items)
    if not sections and len(items) > 1 and _headed_items(items):
        area = Area("", outline.title or "全部举措")
        area.measures = [m for m in (_measure(item, outline) for item in items) if m]
        outline.areas.append(area)
        return
    if not sections and len(items) > 1 and _given_out(items):
        area = Area("", outline.title or "全部举措")
        area.measures = [m for m in (_measure(item, outline) for item in items) if m]
        outline.areas.append(area)
        return
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

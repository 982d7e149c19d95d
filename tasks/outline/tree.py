"""The outline tree: markers and bare headings nest into sections, items and sub-items.

Also the checks that walk it: repeated passages and skipped or backward numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from operator import itemgetter

from tasks.outline import when
from tasks.outline.bodies import is_assignment
from tasks.outline.markers import INLINE_FAMILIES, Marker, find_markers, ordinal_for
from tasks.outline.text import looks_like_heading, sentences

REPEAT_MIN_LENGTH = 12
REPEAT_COVERAGE = 0.85
# Bounds that keep the search for repeats linear (see mark_repeats). The test documents and the
# seed page reach none (at most 25 sentences share a piece there, at most 3 candidates share
# half the pieces of a sentence), so there the search finds what an exhaustive one would.
POSTINGS_MAX = 64
EXAMINED_MAX = 16
REPEAT_MAX_LENGTH = 1000


@dataclass
class Node:
    """A bare heading, a numbered item, or the document itself (the root)."""

    kind: str  # "root", "heading" or "item"
    marker: Marker | None = None
    title: str = ""
    parts: list[str] = field(default_factory=list)  # its own text, verbatim, marker included
    children: list[Node] = field(default_factory=list)
    repeats: set[str] = field(default_factory=set)  # its sentences that repeat earlier text

    @property
    def inline(self) -> bool:
        """An item that lives inside its paragraph: 一是…二是…, or one begun mid-paragraph
        ("存在的问题。其一，…；其二，…"). The next paragraph ends it unless it goes on with
        the same list."""
        return bool(self.marker) and (
            self.marker.family in INLINE_FAMILIES or self.marker.start > 0
        )

    @property
    def label(self) -> str:
        if self.marker:
            return self.marker.ordinal
        return self.title[:16]

    @property
    def body(self) -> str:
        """Its own text without the marker."""
        text = "\n\n".join(self.parts)
        if self.marker:
            return text[self.marker.end - self.marker.start :].strip()
        return text


def build_tree(body: list[str]) -> Node:
    """Nest the paragraphs: a marker family already open is a sibling, a new one a child."""
    root = Node("root")
    stack = [root]
    found = [find_markers(paragraph) for paragraph in body]
    following = _next_markers(found)
    for index, paragraph in enumerate(body):
        markers = found[index]
        lead = paragraph[: markers[0].start].strip() if markers else paragraph
        if not markers and looks_like_heading(paragraph) and not _goes_on(stack, following[index]):
            heading = Node("heading", title=paragraph)
            root.children.append(heading)
            stack = [root, heading]
            continue
        # A new paragraph ends the items that live inside one paragraph (一是…二是…), unless
        # it goes straight on with their list.
        going_on = markers and not lead and markers[0].family in _families(stack)
        while stack[-1].inline and not going_on:
            stack.pop()
        # Text after a node's items is a conclusion: it stays in the full text only.
        if lead and not stack[-1].children:
            stack[-1].parts.append(lead)
        for index, marker in enumerate(markers):
            end = markers[index + 1].start if index + 1 < len(markers) else len(paragraph)
            siblings = [
                i
                for i, node in enumerate(stack)
                if node.marker and node.marker.family == marker.family
            ]
            if siblings:
                del stack[siblings[-1] :]
            node = Node("item", marker=marker, parts=[paragraph[marker.start : end].strip()])
            stack[-1].children.append(node)
            stack.append(node)
    return root


def _next_markers(found: list[list[Marker]]) -> list[Marker | None]:
    """For each paragraph, the first marker of the paragraphs after it (one pass, backwards)."""
    result: list[Marker | None] = [None] * len(found)
    upcoming: Marker | None = None
    for index in range(len(found) - 1, -1, -1):
        result[index] = upcoming
        if found[index]:
            upcoming = found[index][0]
    return result


def _goes_on(stack: list[Node], upcoming: Marker | None) -> bool:
    """Does the next numbered item go on with a list open above (（四） after （三））? Then a
    short line before it is a line of the open item (a slogan, a motto), not a heading."""
    if upcoming is None or upcoming.start:
        return False
    return any(
        node.marker
        and node.marker.family == upcoming.family
        and node.marker.number + 1 == upcoming.number
        for node in stack
    )


def _families(stack: list[Node]) -> set[str]:
    return {node.marker.family for node in stack if node.marker}


def own_sentences(node: Node) -> list[str]:
    return [s for part in ([node.body] if node.marker else node.parts) for s in sentences(part)]


def _walk(node: Node) -> Iterable[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


class _Sentences:
    """The earlier sentences, each text once, found by their 4-character pieces.

    A piece met in POSTINGS_MAX earlier sentences is a stock phrase of the document
    (按职责分工负责, 坚持问题导向): no more sentences are listed under it, so looking a sentence up
    costs at most POSTINGS_MAX per piece however long the document is.
    """

    def __init__(self) -> None:
        self.texts: list[str] = []  # each text once, in the order first met
        self.nodes: list[Node] = []  # the node each text was first met in
        self.first: dict[str, int] = {}  # text → its place in `texts`
        self.postings: dict[str, list[int]] = {}  # piece → the first texts holding it

    def add(self, sentence: str, node: Node, grams: set[str]) -> None:
        if sentence in self.first:
            return  # said again in its own item: the first time is the one to find
        at = len(self.texts)
        self.first[sentence] = at
        self.texts.append(sentence)
        self.nodes.append(node)
        for gram in grams:
            listed = self.postings.setdefault(gram, [])
            if len(listed) < POSTINGS_MAX:
                listed.append(at)

    def original(self, sentence: str, node: Node, grams: set[str]) -> Node | None:
        """The node of the earlier sentence (in another node) this one repeats: of the
        EXAMINED_MAX that share the most of its pieces, the earliest that shares at least half
        of them and whose blocks in common cover REPEAT_COVERAGE of it; None if none does."""
        shared: Counter[int] = Counter()
        stock: set[str] = set()  # pieces whose list is full: compared one by one below
        for gram in grams:
            listed = self.postings.get(gram, ())
            if len(listed) >= POSTINGS_MAX:
                stock.add(gram)
            else:
                shared.update(listed)
        same = self.first.get(sentence)
        if same is not None:
            shared[same] += 0  # a verbatim copy is a candidate whatever its pieces
        needed = (len(grams) + 1) // 2  # shares at least half: count * 2 >= len(grams)
        floor = needed - len(stock)  # fewer pieces than this, even with every stock one: no
        least = REPEAT_COVERAGE * len(sentence)  # an earlier one shorter than this cannot cover it
        # The most pieces shared first, then the earliest (two sorts, the second stable).
        ranked = sorted(shared.items())
        ranked.sort(key=itemgetter(1), reverse=True)
        candidates: list[tuple[int, int]] = []
        for at, count in ranked:
            if count < floor or len(candidates) == EXAMINED_MAX:
                break
            if self.nodes[at] is not node and len(self.texts[at]) >= least:
                candidates.append((at, count))  # (a sentence said twice in one item is no repeat)
        characters = Counter(sentence)
        matcher: SequenceMatcher[str] | None = None
        for at, count in sorted(candidates):
            earlier = self.texts[at]
            # The sentence's characters that `earlier` lacks are in no block it shares: that
            # count turns most candidates down before anything dearer is done.
            lacking = sum(characters[char] for char in characters.keys() - set(earlier))
            if len(sentence) - lacking < least:
                continue
            if count < needed:
                count += sum(1 for gram in stock if gram in earlier)
                if count < needed:
                    continue
            if matcher is None:  # compared with each candidate, the sentence is indexed once
                matcher = SequenceMatcher(None, "", sentence, autojunk=False)
            matcher.set_seq1(earlier)
            if sum(block.size for block in matcher.get_matching_blocks()) >= least:
                return self.nodes[at]
        if same is not None and self.nodes[same] is not node:
            return self.nodes[same]  # a verbatim copy beyond the ones examined
        return None


def _grams(sentence: str) -> set[str]:
    return {sentence[i : i + 4] for i in range(len(sentence) - 3)}


def mark_repeats(root: Node, warnings: list[dict[str, str]]) -> None:
    """Find sentences that repeat earlier text almost word for word (第五 repeating 第三).

    A sentence repeats an earlier one (in another item) when it shares at least half of its
    4-character pieces with it and the blocks they share cover REPEAT_COVERAGE of it. Earlier
    sentences are found by their pieces (see _Sentences), and each sentence is compared with
    at most EXAMINED_MAX of them (those sharing the most pieces), so the work is linear in the
    document: a 5 MB plan of stock phrases is read in seconds. A verbatim copy is always found;
    what the limits can miss is a near copy among very many near copies, or made of nothing
    but stock phrases. A "sentence" longer than REPEAT_MAX_LENGTH (text with no full stop) is
    only looked up as a verbatim copy.
    """
    earlier = _Sentences()
    for node in _walk(root):
        if node is root:
            continue
        run: list[tuple[str, Node]] = []
        for sentence in own_sentences(node):
            if is_assignment(sentence) or when.is_note(sentence):
                continue  # notes repeat by nature: （省总工会牵头，各市配合）, （完成时间：…）
            original = None
            if len(sentence) > REPEAT_MAX_LENGTH:
                grams: set[str] = set()
                at = earlier.first.get(sentence)
                if at is not None and earlier.nodes[at] is not node:
                    original = earlier.nodes[at]
            else:
                grams = _grams(sentence)
                if len(sentence) >= REPEAT_MIN_LENGTH:
                    original = earlier.original(sentence, node, grams)
            if original is not None:
                node.repeats.add(sentence)
                run.append((sentence, original))
            else:
                _warn_repeat(node, run, warnings)
                run = []
                earlier.add(sentence, node, grams)
        _warn_repeat(node, run, warnings)


def _warn_repeat(node: Node, run: list[tuple[str, Node]], warnings: list[dict[str, str]]) -> None:
    if not run:
        return
    first, last = run[0][0], run[-1][0]
    warnings.append(
        {
            "code": "repeated_passage",
            "where": node.label,
            "original": run[0][1].label,
            "begins": first[:12],
            "ends": last[-8:],
        }
    )


def check_numbering(root: Node, warnings: list[dict[str, str]]) -> None:
    """Skipped numbers (第三 then 第五), repeated or backward ones, within each list."""
    last_in_document: dict[str, int] = {}
    for node in _walk(root):
        last_here: dict[str, int] = {}
        for child in node.children:
            marker = child.marker
            if marker is None or marker.family == "sequence":
                continue
            previous = last_here.get(marker.family)
            if previous is None:
                runs_on = last_in_document.get(marker.family, 0) + 1 == marker.number
                if marker.number != 1 and not runs_on:
                    warnings.append({"code": "numbering_starts_late", "found": marker.ordinal})
            elif marker.number > previous + 1:
                for missing in range(previous + 1, marker.number):
                    warnings.append(
                        {
                            "code": "skipped_number",
                            "missing": ordinal_for(marker.family, missing),
                            "found": marker.ordinal,
                        }
                    )
            elif marker.number == 1 and marker.family in INLINE_FAMILIES:
                pass  # 一是… again in a paragraph of its own: a new list, as speeches write
            elif marker.number <= previous:
                warnings.append({"code": "number_out_of_order", "found": marker.ordinal})
            last_here[marker.family] = marker.number
            last_in_document[marker.family] = marker.number

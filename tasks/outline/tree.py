"""The outline tree: markers and bare headings nest into sections, items and sub-items.

Also the checks that walk it: repeated passages and skipped or backward numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from tasks.outline.bodies import without_notes
from tasks.outline.markers import INLINE_FAMILIES, Marker, find_markers, ordinal_for
from tasks.outline.text import looks_like_heading, sentences

REPEAT_MIN_LENGTH = 12
REPEAT_COVERAGE = 0.85


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
    for paragraph in body:
        markers = find_markers(paragraph)
        lead = paragraph[: markers[0].start].strip() if markers else paragraph
        if not markers and looks_like_heading(paragraph):
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


def _families(stack: list[Node]) -> set[str]:
    return {node.marker.family for node in stack if node.marker}


def own_sentences(node: Node) -> list[str]:
    return [s for part in ([node.body] if node.marker else node.parts) for s in sentences(part)]


def _walk(node: Node) -> Iterable[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _covered(sentence: str, earlier: str) -> bool:
    matcher = SequenceMatcher(None, earlier, sentence, autojunk=False)
    shared = sum(block.size for block in matcher.get_matching_blocks())
    return shared >= REPEAT_COVERAGE * len(sentence)


def mark_repeats(root: Node, warnings: list[dict[str, str]]) -> None:
    """Find sentences that repeat earlier text almost word for word (第五 repeating 第三).

    Earlier sentences are indexed by their 4-character pieces, so each sentence is compared
    only with those sharing at least half of its pieces: linear in the document, not quadratic.
    """
    seen: list[tuple[str, Node]] = []  # sentence, its node
    index: dict[str, list[int]] = {}  # 4-gram → the earlier sentences holding it
    for node in _walk(root):
        if node is root:
            continue
        run: list[tuple[str, Node]] = []
        for sentence in own_sentences(node):
            if not without_notes(sentence):
                continue  # responsibility notes repeat by nature: （省总工会牵头，各市配合）
            grams = {sentence[i : i + 4] for i in range(len(sentence) - 3)}
            original = None
            if len(sentence) >= REPEAT_MIN_LENGTH:
                shared = Counter(at for gram in grams for at in index.get(gram, ()))
                for at, count in sorted(shared.items()):
                    earlier, earlier_node = seen[at]
                    if earlier_node is node:
                        continue  # a sentence said twice in one item is not a repeated passage
                    if count * 2 >= len(grams) and _covered(sentence, earlier):
                        original = earlier_node
                        break
            if original is not None:
                node.repeats.add(sentence)
                run.append((sentence, original))
            else:
                _warn_repeat(node, run, warnings)
                run = []
                for gram in grams:
                    index.setdefault(gram, []).append(len(seen))
                seen.append((sentence, node))
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
            elif marker.number <= previous:
                warnings.append({"code": "number_out_of_order", "found": marker.ordinal})
            last_here[marker.family] = marker.number
            last_in_document[marker.family] = marker.number

"""The proposed breakdown of an uploaded document, as the cadre edits it before confirming.

A proposal is a flat list of nodes in document order, each with a depth: depth 0 is a reform
area, depth 1 a measure, deeper a sub-measure of the node above it. A node flagged `context`
(analysis, a list of problems) is shown but not imported as a measure; a `dropped` one is left
out. Every edit (rename, merge, split, drop, move, indent, turn into context and back) is a
small operation on that list, so the proposal lives in the session as plain data until the
cadre confirms, and nothing is written before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from tasks import clock, deadlines, notices
from tasks.outline import Area, BodyMention, Item, Outline, title_of
from tasks.outline.bodies import COOPERATING, LEAD, MENTIONED, find_bodies
from tasks.outline.text import clauses, sentences

TITLE_MAX = 300
# what a source's details hold (Source's fields)
SOURCE_MAX = {"title": 300, "author": 100, "affiliation": 300}
_ROLE_ORDER = {LEAD: 0, COOPERATING: 1, MENTIONED: 2}


class EditRefused(ValueError):
    """An edit that cannot be made to this node; the message says why."""


@dataclass
class Node:
    key: int
    depth: int
    ordinal: str
    title: str
    excerpt: str = ""
    bodies: list[dict[str, str]] = field(default_factory=list)  # name, kind, role
    deadline: str = ""
    context: bool = False
    dropped: bool = False

    @property
    def is_area(self) -> bool:
        return self.depth == 0 and not self.context


@dataclass
class Proposal:
    """The source's metadata and text, its nodes, and the parser's warnings."""

    source: dict[str, str]
    nodes: list[Node]
    warnings: list[dict[str, str]] = field(default_factory=list)

    # ---- building and storing ------------------------------------------------------------

    @classmethod
    def from_outline(cls, outline: Outline, *, file_name: str = "") -> Proposal:
        nodes: list[Node] = []

        def add(item: Item, depth: int, context: bool) -> None:
            nodes.append(
                Node(
                    len(nodes) + 1,
                    depth,
                    item.ordinal,
                    item.title,
                    item.excerpt,
                    [asdict(mention) for mention in item.bodies],
                    item.deadline,
                    context,
                )
            )
            for child in item.children:
                add(child, depth + 1, context)

        # Areas (with their measures) and background items in the order the document has them.
        blocks: list[tuple[int, Area | Item]] = [
            *zip(
                _positions(outline.text, map(_excerpt_of, outline.areas)),
                outline.areas,
                strict=True,
            ),
            *zip(
                _positions(outline.text, (i.excerpt for i in outline.context)),
                outline.context,
                strict=True,
            ),
        ]
        for _at, block in sorted(blocks, key=lambda pair: pair[0]):
            if isinstance(block, Area):
                nodes.append(Node(len(nodes) + 1, 0, block.ordinal, block.title, block.excerpt))
                for item in block.measures:
                    add(item, 1, False)
            else:
                add(block, 0, True)
        source = {
            "title": outline.title,
            "subtitle": outline.subtitle,
            "author": outline.author,
            "affiliation": outline.affiliation,
            "published_on": outline.published_on,
            "year": outline.year,
            "file_name": file_name,
            "text": outline.text,
            "content_hash": content_hash(outline.text),
        }
        return cls(source, nodes, list(outline.warnings))

    def to_data(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "nodes": [asdict(node) for node in self.nodes],
            "warnings": self.warnings,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Proposal:
        return cls(data["source"], [Node(**node) for node in data["nodes"]], data["warnings"])

    def to_outline(self) -> Outline:
        """The kept nodes as an outline (areas → measures → sub-measures, context)."""
        outline = Outline(
            title=self.source["title"],
            subtitle=self.source.get("subtitle", ""),
            author=self.source["author"],
            affiliation=self.source["affiliation"],
            published_on=self.source.get("published_on", ""),
            text=self.source["text"],
            warnings=list(self.warnings),
            year=self.source.get("year"),
        )
        stack: list[Item] = []
        for node in self.kept():
            item = Item(
                node.ordinal,
                node.title.strip(),
                node.excerpt,
                bodies=[BodyMention(**mention) for mention in node.bodies],
                deadline=node.deadline,
            )
            if node.context:
                outline.context.append(item)
            elif node.depth == 0:
                outline.areas.append(
                    Area(node.ordinal, node.title.strip(), node.excerpt, excerpt=node.excerpt)
                )
                stack = []
            else:
                del stack[node.depth - 1 :]
                (stack[-1].children if stack else outline.areas[-1].measures).append(item)
                stack.append(item)
        return outline

    # ---- reading ------------------------------------------------------------------------

    def kept(self) -> list[Node]:
        """The nodes to import: neither dropped nor under a dropped one."""
        kept, dropped_at = [], None  # the depth of the dropped node whose subtree we are in
        for node in self.nodes:
            if dropped_at is not None and node.depth > dropped_at:
                continue
            dropped_at = node.depth if node.dropped else None
            if not node.dropped:
                kept.append(node)
        return kept

    def _under_dropped(self) -> list[bool]:
        """For each node, whether an item above it in the tree is dropped: one pass, keeping
        the chain of ancestors (a walk back from every node was quadratic)."""
        under: list[bool] = []
        ancestors: list[Node] = []
        dropped = 0  # dropped nodes among the ancestors
        for node in self.nodes:
            while ancestors and ancestors[-1].depth >= node.depth:
                dropped -= ancestors.pop().dropped
            under.append(dropped > 0)
            ancestors.append(node)
            dropped += node.dropped
        return under

    def counts(self) -> dict[str, int]:
        kept = [node for node in self.kept() if not node.context]
        return {
            "areas": sum(node.depth == 0 for node in kept),
            "measures": sum(node.depth > 0 for node in kept),
            "context": sum(node.context for node in self.kept()),
            "dropped": sum(node.dropped for node in self.nodes),
        }

    def possible(self) -> dict[int, set[str]]:
        """The edits each node can take, so the page offers no button that can only fail."""
        result: dict[int, set[str]] = {}
        under_dropped = self._under_dropped()
        for index, node in enumerate(self.nodes):
            if under_dropped[index]:
                result[node.key] = set()  # restore the item above first
                continue
            edits = {"drop", "context"}
            before = self._sibling_before(index)
            if before is not None:
                edits.add("up")
                target = self.nodes[before]
                if not target.dropped and target.context == node.context:
                    edits |= {"merge", "indent"}
            end = self._block_end(index)
            if end < len(self.nodes) and self.nodes[end].depth == node.depth:
                edits.add("down")
            if node.depth > 0:
                edits.add("outdent")
            if len(sentences(node.excerpt)) > 1 or len(clauses(node.excerpt)) > 1:
                edits.add("split")
            result[node.key] = edits
        return result

    def problems(self) -> dict[int, str]:
        """What stops the proposal from being imported, by node key (0: the whole)."""
        problems: dict[int, str] = {}
        if not self.source["title"].strip():
            problems[0] = _("Give the document a title.")
        too_long = self.source_too_long()
        if too_long:
            problems[0] = too_long
        for node in self.kept():
            title = node.title.strip()
            if not title:
                problems[node.key] = _("Give this item a title, or drop it.")
            elif len(title) > TITLE_MAX:
                problems[node.key] = _("This title is longer than %(max)d characters.") % {
                    "max": TITLE_MAX
                }
        if not self.counts()["measures"]:
            problems.setdefault(
                0,
                _(
                    "Nothing would be imported: no measure is left. Restore or add measures, "
                    "or turn context back into measures."
                ),
            )
        return problems

    def source_too_long(self) -> str | None:
        """Why the document's title, author or issuer cannot be kept as it is: longer than its
        field holds. Never cut without a word: the preview asks for a shorter one."""
        labels = {
            "title": _("The title"),
            "author": _("The author or speaker"),
            "affiliation": _("The issuer or affiliation"),
        }
        for name, limit in SOURCE_MAX.items():
            value = (self.source.get(name) or "").strip()
            if len(value) > limit:
                return _(
                    "%(field)s has %(length)d characters; at most %(limit)d are kept. Shorten "
                    "it above, then confirm."
                ) % {"field": labels[name], "length": len(value), "limit": limit}
        return None

    # ---- editing ------------------------------------------------------------------------

    def _index(self, key: int) -> int:
        for index, node in enumerate(self.nodes):
            if node.key == key:
                return index
        raise EditRefused(_("That item is no longer in the proposal; reload the page."))

    def _block_end(self, index: int) -> int:
        """The index after the node's subtree."""
        depth = self.nodes[index].depth
        end = index + 1
        while end < len(self.nodes) and self.nodes[end].depth > depth:
            end += 1
        return end

    def _sibling_before(self, index: int) -> int | None:
        depth = self.nodes[index].depth
        for before in range(index - 1, -1, -1):
            if self.nodes[before].depth < depth:
                return None
            if self.nodes[before].depth == depth:
                return before
        return None

    def _next_key(self) -> int:
        return max((node.key for node in self.nodes), default=0) + 1

    def rename(self, titles: dict[int, str]) -> None:
        for node in self.nodes:
            if node.key in titles:
                node.title = titles[node.key].strip()

    def drop(self, key: int) -> None:
        """Leave the node and everything below it out (or put them back)."""
        index = self._index(key)
        dropped = not self.nodes[index].dropped
        for node in self.nodes[index : self._block_end(index)]:
            node.dropped = dropped

    def toggle_context(self, key: int) -> None:
        """A measure becomes context (and its sub-measures with it), or context a measure."""
        index = self._index(key)
        context = not self.nodes[index].context
        for node in self.nodes[index : self._block_end(index)]:
            node.context = context
        self.normalise()

    def merge(self, key: int) -> None:
        """Join the node to the one before it at its level: one measure, both passages."""
        index = self._index(key)
        before = self._sibling_before(index)
        if before is None:
            raise EditRefused(_("There is no item before this one at its level to merge with."))
        node, target = self.nodes[index], self.nodes[before]
        if target.dropped:
            raise EditRefused(_("The item above is dropped: restore it first."))
        if target.context != node.context:
            raise EditRefused(_("A measure and a background item cannot be merged."))
        target.excerpt = self._joined(target.excerpt, node.excerpt)
        target.bodies = _merged_bodies(target.bodies, node.bodies)
        target.deadline = target.deadline or node.deadline
        del self.nodes[index]  # its sub-measures follow the target's: they become the target's

    def _joined(self, first: str, second: str) -> str:
        """The source text from the first passage to the end of the second, verbatim."""
        text = self.source["text"]
        spans = [
            (at, at + len(part))
            for part in (first, second)
            if part and (at := text.find(part)) >= 0
        ]
        if len(spans) == len([part for part in (first, second) if part]) and spans:
            # whichever comes first in the document (the item above may have been moved up)
            return text[min(a for a, _ in spans) : max(b for _, b in spans)]
        return "\n\n".join(part for part in (first, second) if part)

    def split(self, key: int) -> None:
        """Cut the node's passage after its first sentence (or clause): two items."""
        index = self._index(key)
        node = self.nodes[index]
        pieces = sentences(node.excerpt)
        if len(pieces) < 2:
            pieces = clauses(node.excerpt)
        if len(pieces) < 2:
            raise EditRefused(_("This item has a single sentence; there is nothing to split."))
        cut = node.excerpt.index(pieces[1], len(pieces[0]) - 1 if pieces[0] else 0)
        first, rest = node.excerpt[:cut].rstrip(), node.excerpt[cut:]
        node.excerpt = first
        node.bodies = _mentions(first)
        new = Node(
            self._next_key(),
            node.depth,
            "",
            title_of(rest),
            rest,
            _mentions(rest),
            context=node.context,
        )
        self.nodes.insert(self._block_end(index), new)

    def move(self, key: int, direction: str) -> None:
        """Up or down past a sibling; into the next or previous area at the edges."""
        index = self._index(key)
        end = self._block_end(index)
        block = self.nodes[index:end]
        depth = block[0].depth
        if direction == "up":
            before = self._sibling_before(index)
            if before is None:
                raise EditRefused(_("This item is already the first at its level."))
            self.nodes[index:end] = []
            self.nodes[before:before] = block
        else:
            if end >= len(self.nodes) or self.nodes[end].depth != depth:
                raise EditRefused(_("This item is already the last at its level."))
            after_end = self._block_end(end)
            self.nodes[index:end] = []
            at = after_end - len(block)
            self.nodes[at:at] = block

    def indent(self, key: int) -> None:
        """Make the node a sub-item of the one before it (an area becomes a measure)."""
        index = self._index(key)
        before = self._sibling_before(index)
        if before is None:
            raise EditRefused(
                _("Only an item with another item before it at its level can go under it.")
            )
        if self.nodes[before].dropped:
            raise EditRefused(_("The item above is dropped: restore it first."))
        if self.nodes[before].context != self.nodes[index].context:
            raise EditRefused(_("A measure cannot go under a background item."))
        for node in self.nodes[index : self._block_end(index)]:
            node.depth += 1

    def outdent(self, key: int) -> None:
        """Lift the node one level, after its parent's items (a measure becomes an area) and
        after the items lifted out before it that the document writes before it: lifting
        （一）…（四） one by one, top-down, keeps them in the document's order."""
        index = self._index(key)
        node = self.nodes[index]
        if node.depth == 0:
            raise EditRefused(_("An area is already at the top level."))
        parent = index - 1
        while self.nodes[parent].depth >= node.depth:
            parent -= 1
        end = self._block_end(index)
        block = self.nodes[index:end]
        for moved in block:
            moved.depth -= 1
        self.nodes[index:end] = []
        at = self._block_end(parent)
        while (  # keys number the items in the order the document writes them
            at < len(self.nodes)
            and self.nodes[at].depth == node.depth
            and self.nodes[at].key < node.key
        ):
            at = self._block_end(at)
        self.nodes[at:at] = block

    def normalise(self) -> None:
        """No measure without an area above it, no level skipped. A background item ends the
        levels at and below its own: a measure after a background area (one of its items made
        a measure again) becomes an area, never a measure of the area before."""
        previous = -1
        for node in self.nodes:
            if node.context:
                previous = min(previous, node.depth - 1)
                continue
            node.depth = min(node.depth, previous + 1)
            previous = node.depth

    def apply(self, operation: str, key: int) -> None:
        actions = {
            "drop": self.drop,
            "context": self.toggle_context,
            "merge": self.merge,
            "split": self.split,
            "up": lambda k: self.move(k, "up"),
            "down": lambda k: self.move(k, "down"),
            "indent": self.indent,
            "outdent": self.outdent,
        }
        if operation not in actions:
            raise EditRefused(_("Unknown change; reload the page."))
        if self._under_dropped()[self._index(key)]:
            raise EditRefused(_("An item above this one is dropped: restore that one first."))
        actions[operation](key)
        self.normalise()


# A deadline without a year (1月15日前) that falls this long before the document's date is
# next year's: a plan dated in December sets January's work.
EARLIER_THAN_THE_PLAN = timedelta(days=62)
_A_YEAR = re.compile(r"\d{4}|[今明去]年")


def deadline_of(note: str, outline: Outline) -> deadlines.Deadline:
    """The deadline an item writes, read by tasks.deadlines in the plan's year (the year of
    its date, title or 文号; this year when it names none)."""
    published = date.fromisoformat(outline.published_on) if outline.published_on else None
    year = outline.year or (published.year if published else clock.today().year)
    found = deadlines.parse(note, year=year)
    if (
        found.due
        and published
        and not _A_YEAR.search(note)
        and found.due < published - EARLIER_THAN_THE_PLAN
    ):
        return deadlines.parse(note, year=year + 1)
    return found


# In a schedule, a deadline without a year this long before the one above it is next year's
# (12月底前 … 1月15日前 in a plan for the winter).
BACK_IN_A_SCHEDULE = timedelta(days=183)


def due_dates(outline: Outline) -> dict[int, date | None]:
    """The day each measure's deadline means (by id of the item), read in document order: a
    deadline without a year that falls half a year before the one above it is next year's."""
    dues: dict[int, date | None] = {}
    previous: date | None = None
    for measure in outline.all_measures():
        if not measure.deadline:
            continue
        found = deadline_of(measure.deadline, outline)
        due = found.due
        written_without_year = not _A_YEAR.search(measure.deadline)
        if due and previous and written_without_year and due < previous - BACK_IN_A_SCHEDULE:
            due = deadlines.parse(measure.deadline, year=due.year + 1).due
        dues[id(measure)] = due
        previous = due or previous
    return dues


def outline_json(outline: Outline) -> dict[str, Any]:
    """The outline as `import_document --format json` prints it."""
    dues = due_dates(outline)

    def item(measure: Item) -> dict[str, Any]:
        due = dues.get(id(measure))
        return {
            "ordinal": measure.ordinal,
            "title": measure.title,
            "excerpt": measure.excerpt,
            "bodies": [{"name": body.name, "role": body.role} for body in measure.bodies],
            "deadline": {
                "date": due.isoformat() if due else None,
                "note": measure.deadline,
            },
            "measures": [item(child) for child in measure.children],
        }

    return {
        "source": {
            "title": outline.title,
            "author": outline.author,
            "affiliation": outline.affiliation,
        },
        "areas": [
            {
                "ordinal": area.ordinal,
                "title": area.title,
                "excerpt": area.excerpt,
                "measures": [item(measure) for measure in area.measures],
            }
            for area in outline.areas
        ],
        "context": [
            {"ordinal": entry.ordinal, "title": entry.title, "excerpt": entry.excerpt}
            for entry in outline.context
        ],
        "warnings": [notices.describe(warning) for warning in outline.warnings],
    }


def _positions(text: str, excerpts: Iterable[str]) -> list[int]:
    """Where each of a run of excerpts (in document order) stands: each found after the last."""
    positions, cursor = [], 0
    for excerpt in excerpts:
        at = text.find(excerpt, cursor) if excerpt else -1
        if at < 0 and excerpt:
            at = text.find(excerpt)
        positions.append(at if at >= 0 else cursor)
        cursor = max(cursor, at)
    return positions


def _excerpt_of(area: Area) -> str:
    return area.excerpt or (area.measures[0].excerpt if area.measures else "")


def content_hash(text: str) -> str:
    """The document's fingerprint: the same text uploaded again is recognised."""
    normalised = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n"))
    return hashlib.sha256(normalised.strip().encode()).hexdigest()


def _mentions(text: str) -> list[dict[str, str]]:
    return [asdict(mention) for mention in find_bodies(text)]


def _merged_bodies(first: list[dict[str, str]], second: list[dict[str, str]]) -> list[dict]:
    merged: dict[str, dict[str, str]] = {}
    for mention in [*first, *second]:
        known = merged.get(mention["name"])
        if known is None or _ROLE_ORDER[mention["role"]] < _ROLE_ORDER[known["role"]]:
            merged[mention["name"]] = mention
    return sorted(merged.values(), key=lambda mention: _ROLE_ORDER[mention["role"]])

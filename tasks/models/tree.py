"""The organisation tree as far as federations are concerned (DESIGN §7), walked in memory.

A federation is the root federation (省总工会, say: the body marked `is_root_federation`) or a
body of kind 工会 below it in the organisation tree (市总工会, 县区总工会). A body that is not a
federation (a department, a parentless body) belongs to the nearest federation above it, else
to the root. `ResponsibleBody.objects.tree()` reads the whole tree in one query: a province has
a few thousand bodies at most, and a deep tree costs no more queries than a shallow one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

UNION = "union"  # ResponsibleBody.Kind.UNION


@dataclass
class Tree:
    """The organisation tree as far as federations are concerned, read in one query."""

    root_id: int | None
    parent: dict[int, int | None]
    kind: dict[int, str]
    names: dict[int, str]
    federations: frozenset[int] = field(init=False)
    _children: dict[int, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._children = {}
        for pk, parent in self.parent.items():
            if parent is not None:
                self._children.setdefault(parent, []).append(pk)
        found: set[int] = set()
        if self.root_id is not None:
            found.add(self.root_id)
            for pk in self._walk_down(self.root_id):
                if self.kind.get(pk) == UNION:
                    found.add(pk)
        self.federations = frozenset(found)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int | None, str, str, bool]]) -> Tree:
        """From (pk, parent id, kind, name, is root federation) of every body."""
        parent: dict[int, int | None] = {}
        kind: dict[int, str] = {}
        names: dict[int, str] = {}
        root = None
        for pk, parent_id, body_kind, name, is_root in rows:
            parent[pk], kind[pk], names[pk] = parent_id, body_kind, name
            if is_root:
                root = pk
        return cls(root_id=root, parent=parent, kind=kind, names=names)

    def _walk_down(self, pk: int) -> Iterator[int]:
        todo = list(self._children.get(pk, ()))
        seen: set[int] = set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            yield current
            todo.extend(self._children.get(current, ()))

    def federation_of(self, body_id: int | None) -> int | None:
        """The federation a body belongs to: itself if it is one, else the nearest above it,
        else the root."""
        seen: set[int] = set()
        current = body_id
        while current is not None and current not in seen:
            if current in self.federations:
                return current
            seen.add(current)
            current = self.parent.get(current)
        return self.root_id

    def federation_above(self, federation_id: int) -> int | None:
        """The federation directly above this one (None for the root)."""
        if federation_id == self.root_id:
            return None
        return self.federation_of(self.parent.get(federation_id))

    def below(self, federation_id: int | None) -> list[int]:
        """The federations directly below this one, in the order they were entered (a
        province lists its cities in its own order, not by character code)."""
        if federation_id is None:
            return []
        found = [
            pk
            for pk in self.federations
            if pk != self.root_id and self.federation_above(pk) == federation_id
        ]
        return sorted(found)

    def subtree(self, federation_id: int | None) -> frozenset[int]:
        """This federation and every federation below it."""
        if federation_id is None:
            return frozenset()
        return frozenset(pk for pk in self._walk_down(federation_id) if pk in self.federations) | {
            federation_id
        }

    def path(self, federation_id: int) -> list[int]:
        """From the root down to this federation."""
        found = [federation_id]
        while (above := self.federation_above(found[-1])) is not None and above not in found:
            found.append(above)
        return found[::-1]

    def depth(self, federation_id: int) -> int:
        return len(self.path(federation_id)) - 1

    def highest(self, federation_ids: Iterable[int]) -> int | None:
        """Of these federations, the one nearest the root (then by id)."""
        ids = list(federation_ids)
        return min(ids, key=lambda pk: (self.depth(pk), pk)) if ids else None

    def bodies_of(self, federation_id: int | None) -> list[int]:
        """The bodies that belong to this federation (itself included)."""
        return [pk for pk in self.parent if self.federation_of(pk) == federation_id]

    def is_single(self) -> bool:
        """One federation only (or none yet): the install works as one office's plan."""
        return len(self.federations) <= 1

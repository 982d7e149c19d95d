"""层层分解: the tree of federations (DESIGN §7).

A federation is the root federation (省总工会, say: the body marked `is_root_federation`) or a
body of kind 工会 below it in the organisation tree (市总工会, 县区总工会). Every source, area and
measure belongs to one federation's plan. A body that is not a federation (a department, a
parentless body) belongs to the nearest federation above it, else to the root.

The whole tree is read in one query (`Tree.load`) and walked in memory: a province has a few
thousand bodies at most, and a deep tree costs no more queries than a shallow one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from tasks.models.plan import ResponsibleBody


def root() -> ResponsibleBody:
    """The root federation, chosen the first time a plan needs one: the body marked so; else
    the root of the organisation tree (the parentless 工会 with the most bodies below it); else
    a new body named by DJANGO_ROOT_FEDERATION (总工会)."""
    found = ResponsibleBody.objects.filter(is_root_federation=True).first()
    if found is not None:
        return found
    unions = ResponsibleBody.objects.filter(parent=None, kind=ResponsibleBody.Kind.UNION)
    chosen = unions.annotate(below=Count("children")).order_by("-below", "pk").first()
    try:
        with transaction.atomic():
            if chosen is None:
                chosen, _ = ResponsibleBody.objects.get_or_create(
                    name=settings.TASKS_ROOT_FEDERATION,
                    defaults={"kind": ResponsibleBody.Kind.UNION},
                )
            ResponsibleBody.objects.filter(pk=chosen.pk).update(is_root_federation=True)
    except IntegrityError:  # another request chose at the same time: theirs stands
        pass
    return ResponsibleBody.objects.get(is_root_federation=True)


def root_id() -> int | None:
    """The root federation's id, without choosing one: None while nothing is planned yet."""
    return (
        ResponsibleBody.objects.filter(is_root_federation=True).values_list("pk", flat=True).first()
    )


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
                if self.kind.get(pk) == ResponsibleBody.Kind.UNION:
                    found.add(pk)
        self.federations = frozenset(found)

    @classmethod
    def load(cls) -> Tree:
        parent: dict[int, int | None] = {}
        kind: dict[int, str] = {}
        names: dict[int, str] = {}
        root = None
        rows = ResponsibleBody.objects.values_list(
            "pk", "parent_id", "kind", "name", "is_root_federation"
        )
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
        return frozenset(
            pk for pk in self._walk_down(federation_id) if pk in self.federations
        ) | {federation_id}

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


def office(federation_id: int | None, role: str) -> QuerySet:
    """The active users of a role (改革办, 领导) who act for this federation: members of it or of
    a body belonging to it; for the root (or None: the only plan), those of no body too."""
    User = get_user_model()
    people = User.objects.filter(is_active=True, groups__name=role)
    if federation_id is None:
        return people
    tree = Tree.load()
    acting = Q(bodies__in=tree.bodies_of(federation_id))
    if federation_id == tree.root_id:
        acting |= Q(bodies__isnull=True)
    return people.filter(acting).distinct()

"""层层分解: the federations (DESIGN §7) — the root, the tree (`tasks.models.tree.Tree`), and
who acts for each. Every source, area and measure belongs to one federation's plan.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tasks import roles
from tasks.models.plan import ResponsibleBody
from tasks.models.tree import Tree

__all__ = ["Tree", "find", "load", "office", "root", "root_id"]


def root() -> ResponsibleBody:
    """The root federation (`ResponsibleBodyQuerySet.root_federation`: chosen when first
    needed)."""
    return ResponsibleBody.objects.root_federation()


def load() -> Tree:
    """The whole tree, in one query."""
    return ResponsibleBody.objects.tree()


def find(text: object) -> int | None:
    """The federation named by its id or its full name (a command's option), or None."""
    tree = load()
    text = str(text).strip()
    found = [pk for pk in tree.federations if str(pk) == text or tree.names.get(pk) == text]
    return found[0] if found else None


def root_id() -> int | None:
    """The root federation's id, without choosing one: None while nothing is planned yet."""
    return (
        ResponsibleBody.objects.filter(is_root_federation=True).values_list("pk", flat=True).first()
    )


def office(federation_id: int | None, role: str) -> QuerySet:
    """The active users of a role (改革办, 领导) who act for this federation: members of it or of
    a body belonging to it; for the root (or None: the only plan), those of no body too."""
    people = roles.people(role)
    if federation_id is None:
        return people
    tree = load()
    acting = Q(bodies__in=tree.bodies_of(federation_id))
    if federation_id == tree.root_id:
        acting |= Q(bodies__isnull=True)
    return people.filter(acting).distinct()

"""优先序: the total order of each federation's measures (rank 1 comes first; DESIGN §7: each
level ranks its own plan), and the only ways to change it.

Every change runs in one transaction that

1. locks every measure of the plan, in primary-key order, so two reorders (or a reorder and a
   renumbering after a deletion) queue one behind the other instead of deadlocking, and reads
   the ranks as they are once locked — on PostgreSQL the second of two simultaneous reorders
   waits for the first to commit, then starts from the order the first left;
2. computes the new order as a list of measures, first first;
3. writes it in two statements so the unique rank constraint holds after each of them: the
   measures whose rank changes are first lifted above the highest rank in use, then given
   their final ranks. Ranks end 1..N, without gaps or ties.

Each measure whose rank changed gets a new version (an edit form loaded before the move is
then refused, see ``Versioned``) and a history record naming the user who made the change.
On SQLite the transaction takes the write lock when it begins (``transaction_mode=IMMEDIATE``),
which serialises reorders just the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tasks import clock
from tasks.models import Measure

# (pk, rank, version) of every measure, locked, in rank order.
Rows = list[tuple[int, int, int]]


@dataclass(frozen=True)
class Move:
    """What a move did: where the measure was and is now (positions 1..count)."""

    measure: Measure
    old_position: int
    new_position: int
    count: int
    renumbered: int  # measures whose rank changed, this one included; 0 when nothing changed

    @property
    def changed(self) -> bool:
        return self.renumbered > 0


def lock_ranks(federation_id: int | None = None) -> Rows:
    """Lock every measure of a federation's plan (of every plan: None) until the transaction
    ends; their (pk, rank, version) in rank order.

    Call it first in a transaction that deletes measures and then calls `close_rank_gaps`, so
    that it takes the locks in the same order as a reorder does.
    """
    measures = Measure.objects.locked()
    if federation_id is not None:
        measures = measures.filter(federation_id=federation_id)
    rows = list(measures.values_list("pk", "rank", "version"))
    rows.sort(key=lambda row: (row[1], row[0]))
    return rows


def _plan_of(measure_id: int) -> int | None:
    return Measure.objects.filter(pk=measure_id).values_list("federation_id", flat=True).first()


@transaction.atomic
def move_measure(*, measure_id: int, position: int, user: AbstractBaseUser | None) -> Move:
    """Put a measure at `position` (1..N) of the priority order; the others close up around it.

    Raises ValidationError (nothing changed) when there is no such measure or no such position.
    """

    def target(current: int, count: int) -> int:
        if not 1 <= position <= count:
            raise ValidationError(
                _("There is no position %(position)s: enter a number from 1 to %(count)s.")
                % {"position": position, "count": count},
                code="position_out_of_range",
            )
        return position

    return _move(measure_id, target, user)


@transaction.atomic
def step_measure(*, measure_id: int, steps: int, user: AbstractBaseUser | None) -> Move:
    """Move a measure `steps` places down (positive) or up (negative), stopping at either end.

    The steps count from where the measure is once the order is locked, so "up one" from two
    people at once moves it up twice. Raises ValidationError when there is no such measure.
    """

    def target(current: int, count: int) -> int:
        return min(max(current + steps, 1), count)

    return _move(measure_id, target, user)


@transaction.atomic
def reorder(*, order: list[int], user: AbstractBaseUser | None) -> int:
    """Put the measures in this order (their pks, first first): ranks 1..N, in the same two
    statements as a move, each changed measure once in its history; how many changed.

    For a whole new order at once (the demo plan sorts by priority level): moving the measures
    one by one would renumber those in between again and again. Raises ValueError when `order`
    does not name every measure of one plan exactly once."""
    rows = lock_ranks(_plan_of(order[0])) if order else []
    if sorted(order) != sorted(pk for pk, _rank, _version in rows):
        raise ValueError("the order must name every measure exactly once")
    return _write_order(order, rows, user=user)


@transaction.atomic
def close_rank_gaps(*, user: AbstractBaseUser | None = None) -> int:
    """Renumber each plan's measures 1..N in their present order (after deletions); how many
    changed."""
    lock_ranks()
    changed = 0
    plans = Measure.objects.values_list("federation_id", flat=True).distinct().order_by()
    for federation_id in sorted(plans):
        rows = sorted(
            Measure.objects.filter(federation_id=federation_id).values_list(
                "pk", "rank", "version"
            ),
            key=lambda row: (row[1], row[0]),
        )
        changed += _write_order([pk for pk, _rank, _version in rows], rows, user=user)
    return changed


def _move(
    measure_id: int, target: Callable[[int, int], int], user: AbstractBaseUser | None
) -> Move:
    plan = _plan_of(measure_id)
    rows = lock_ranks(plan) if plan is not None else []
    order = [pk for pk, _rank, _version in rows]
    try:
        old_index = order.index(measure_id)
    except ValueError:
        raise ValidationError(
            _("Measure no. %(id)s does not exist; it may have been deleted.") % {"id": measure_id},
            code="unknown_measure",
        ) from None
    new_position = target(old_index + 1, len(order))
    order.insert(new_position - 1, order.pop(old_index))
    renumbered = _write_order(order, rows, user=user)
    return Move(
        measure=Measure.objects.get(pk=measure_id),
        old_position=old_index + 1,
        new_position=new_position,
        count=len(order),
        renumbered=renumbered,
    )


def _write_order(order: list[int], rows: Rows, *, user: AbstractBaseUser | None) -> int:
    """Give the measures of `order` (pks, first first) the ranks 1..N; how many changed."""
    current = {pk: (rank, version) for pk, rank, version in rows}
    final = {pk: position for position, pk in enumerate(order, start=1)}
    changed = [pk for pk in order if current[pk][0] != final[pk]]
    if not changed:
        return 0
    # Every changed measure goes above the highest rank in use, where no other measure is;
    # then to its final rank, which no other measure holds any longer.
    lift = max(rank for rank, _version in current.values()) + 1
    Measure.objects.filter(pk__in=changed).update(rank=F("rank") + lift)
    now = clock.now()
    measures = Measure.objects.in_bulk(changed)
    for pk in changed:
        measure = measures[pk]
        measure.rank = final[pk]
        measure.version = current[pk][1] + 1
        measure.updated_at = now
    moved = [measures[pk] for pk in changed]
    Measure.objects.bulk_update(moved, ["rank", "version", "updated_at"])
    records = Measure.history.bulk_history_create(
        moved,
        update=True,
        default_user=user if user is not None and user.is_authenticated else None,
        default_change_reason=_("Priority order changed"),
        default_date=now,
    )
    _record_cooperating_bodies(records, changed)
    return len(moved)


def _record_cooperating_bodies(records: list, measure_ids: list[int]) -> None:
    """Copy each measure's cooperating bodies into its new history record.

    A save records them itself; a bulk update does not, and without them the history would
    read as if the bodies had been removed.
    """
    history_model = Measure.history.model
    link_history = history_model._meta.get_field("historicalmeasure_cooperating_bodies")
    links: dict[int, list[tuple[int, int]]] = {}
    through = Measure.cooperating_bodies.through
    for link_id, measure_id, body_id in through.objects.filter(
        measure_id__in=measure_ids
    ).values_list("pk", "measure_id", "responsiblebody_id"):
        links.setdefault(measure_id, []).append((link_id, body_id))
    link_history.related_model.objects.bulk_create(
        link_history.related_model(
            history=record, id=link_id, measure_id=record.id, responsiblebody_id=body_id
        )
        for record in records
        for link_id, body_id in links.get(record.id, [])
    )

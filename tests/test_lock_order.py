"""Several measures changed at once are locked in one order — by id — on every path, so that
two such changes queue instead of deadlocking (PostgreSQL; SQLite has one writer at a time).

Two kinds of test: a deterministic one per path (while another connection holds the lowest
measure, the path must not have taken any other yet: it waits at the first lock in id order),
and a storm of reorders against bulk edits and ledger confirmations, which deadlocked before.
"""

import threading
from datetime import date

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client

from tasks import ranking
from tasks.ledger.upload.apply import PlannedChange, apply_ledger
from tasks.models import Measure
from tests.factories import MeasureFactory, ReformAreaFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two simultaneous writers need a server database; CI runs this on PostgreSQL",
    ),
]


def _in_thread(target, errors: list[BaseException]) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def _taken_by_others(pks: list[int]) -> list[int]:
    """Which of these measures another connection holds a lock on (asked with NOWAIT)."""
    taken = []
    for pk in pks:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM tasks_measure WHERE id = %s FOR UPDATE NOWAIT", [pk])
        except OperationalError:
            taken.append(pk)
    return taken


def _first_lock_in_id_order(change) -> None:  # type: ignore[no-untyped-def]
    """Hold the lowest of the measures, start `change` (which touches the highest first in its
    own order), and check that while it waits it holds nothing else."""
    pks = sorted(Measure.objects.values_list("pk", flat=True))
    holder_has_it, release, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        with transaction.atomic():
            list(Measure.objects.filter(pk=pks[0]).select_for_update())
            holder_has_it.set()
            assert release.wait(timeout=20)

    def changer() -> None:
        assert holder_has_it.wait(timeout=10)
        change()
        done.set()

    threads = [_in_thread(holder, errors), _in_thread(changer, errors)]
    for thread in threads:
        thread.start()
    assert holder_has_it.wait(timeout=10)
    threading.Event().wait(0.7)  # the change runs until it waits for the first lock
    try:
        assert not done.is_set()  # it waits for the measure the holder has
        assert _taken_by_others(pks[1:]) == []  # and has taken nothing before it
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert done.is_set()


@pytest.fixture
def plan() -> list[Measure]:
    area = ReformAreaFactory()
    # ranks run against ids: the list's order (by rank) is the reverse of the lock order
    return [MeasureFactory(area=area, rank=10 - n, start_date=date(2026, 1, 1)) for n in range(6)]


def test_a_bulk_edit_locks_in_id_order(plan):
    chosen = Measure.objects.filter(pk__in=[m.pk for m in plan])
    versions = {m.pk: m.version for m in plan}
    _first_lock_in_id_order(lambda: chosen.assign(field="priority", value=1, versions=versions))


def test_a_ledger_confirmation_locks_in_id_order(plan):
    changes = [
        PlannedChange(m.pk, m.version, row, m.title, {"priority": 1})
        for row, m in enumerate(sorted(plan, key=lambda m: -m.pk), start=4)  # sheet: highest first
    ]
    _first_lock_in_id_order(lambda: apply_ledger(changes=changes))


def test_a_reorder_locks_in_id_order(plan):
    last = max(plan, key=lambda m: m.rank)
    _first_lock_in_id_order(lambda: ranking.move_measure(measure_id=last.pk, position=1, user=None))


def test_a_list_edit_in_the_admin_locks_in_id_order(plan):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    rows = sorted(plan, key=lambda m: m.rank)  # the list's order
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "保存"}
    for n, m in enumerate(rows):
        data |= {
            f"form-{n}-id": m.pk,
            f"form-{n}-owner": "",
            f"form-{n}-due_date": "",
            f"form-{n}-priority": 1,
            f"form-{n}-status": m.status,
            f"form-{n}-loaded_version": m.version,
        }

    def post() -> None:
        response = client.post("/admin/tasks/measure/", data)
        assert response.status_code == 302, response.content.decode()[:500]

    _first_lock_in_id_order(post)
    assert set(Measure.objects.values_list("priority", flat=True)) == {1}


def test_reorders_against_bulk_edits_and_ledger_confirmations_never_deadlock(plan):
    """The mix that deadlocked: moves, bulk edits and ledger confirmations at once."""
    user = UserFactory(username="mover")
    pks = [m.pk for m in plan]
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def mover(n: int):  # type: ignore[no-untyped-def]
        def run() -> None:
            start.wait(timeout=10)
            for step in range(8):
                ranking.move_measure(
                    measure_id=pks[(n + step) % len(pks)], position=1 + step % 6, user=user
                )

        return run

    def bulk_editor(n: int):  # type: ignore[no-untyped-def]
        def run() -> None:
            start.wait(timeout=10)
            for step in range(8):
                chosen = Measure.objects.filter(pk__in=pks)
                versions = dict(chosen.values_list("pk", "version"))
                try:
                    chosen.assign(field="priority", value=1 + (n + step) % 3, versions=versions)
                except Exception as refused:  # a stale row (someone moved it): a refusal
                    if type(refused).__name__ != "BulkEditRefused":
                        raise

        return run

    def ledger(n: int):  # type: ignore[no-untyped-def]
        def run() -> None:
            start.wait(timeout=10)
            for step in range(8):
                rows = Measure.objects.filter(pk__in=pks).order_by("-pk")
                changes = [
                    PlannedChange(m.pk, m.version, row, m.title, {"priority": 1 + step % 3})
                    for row, m in enumerate(rows, start=4)
                ]
                try:
                    apply_ledger(changes=changes)
                except Exception as refused:  # a stale row: refused whole, as it should be
                    if type(refused).__name__ != "LedgerRefused":
                        raise

        return run

    workers = [mover(0), mover(3), bulk_editor(0), bulk_editor(1), ledger(0), ledger(1)]
    threads = [_in_thread(work, errors) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [repr(error) for error in errors] == []
    assert sorted(Measure.objects.values_list("rank", flat=True)) == list(range(1, 7))

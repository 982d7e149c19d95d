"""优先序: the ranked list, moving measures, and ranks that stay 1..N whoever moves what."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from tasks import ranking
from tasks.history import measure_timeline
from tasks.models import Measure, StaleEdit
from tests.factories import MeasureFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("tasks:priority_list")
MOVE_URL = reverse("tasks:priority_move")


def order() -> list[int]:
    """The measures' pks, first first."""
    return list(Measure.objects.order_by("rank").values_list("pk", flat=True))


def assert_dense() -> None:
    """Ranks are exactly 1..N: no gaps, no ties."""
    ranks = list(Measure.objects.order_by("rank").values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranks) + 1))


def moved(pks: list[int], pk: int, position: int) -> list[int]:
    """What moving `pk` to `position` should give, worked out by hand."""
    rest = [other for other in pks if other != pk]
    return rest[: position - 1] + [pk] + rest[position - 1 :]


def snapshot() -> list[tuple[int, int, int, int]]:
    """Every measure's pk, rank and version, and its number of history records."""
    return [(m.pk, m.rank, m.version, m.history.count()) for m in Measure.objects.order_by("pk")]


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def five(db) -> list[int]:
    return [MeasureFactory(rank=rank).pk for rank in range(1, 6)]


def post_move(client, **data):
    # English, whatever the catalogue says: these tests read the messages.
    return client.post(MOVE_URL, data, HTTP_ACCEPT_LANGUAGE="en")


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_positions_titles_area_level_light_and_status(viewer, client):
    today_late = MeasureFactory(
        rank=1, title="建立产业工人培训体系", priority=Measure.Priority.HIGH, due_date="2020-01-01"
    )
    MeasureFactory(rank=2, title="完善工匠评价", status=Measure.Status.DONE, progress=100)
    client.force_login(viewer)
    response = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("建立产业工人培训体系") < html.index("完善工匠评价")
    assert reverse("tasks:measure_detail", args=[today_late.pk]) in html
    assert str(today_late.area) in html
    assert 'class="priority priority-1">High<' in html
    assert 'class="light light-red">Red<' in html
    assert 'class="light light-grey">Grey<' in html
    assert 'class="status status-done">Completed<' in html
    assert "priorities.css" in html


def test_positions_are_1_to_n_even_when_ranks_have_gaps(viewer, client):
    for rank in (3, 10, 11, 40):
        MeasureFactory(rank=rank)
    client.force_login(viewer)
    page = client.get(LIST_URL).context["page"]
    assert [m.position for m in page] == [1, 2, 3, 4]


def test_positions_continue_across_pages(viewer, client, settings):
    settings.TASKS_PAGE_SIZE = 3
    pks = [MeasureFactory(rank=rank).pk for rank in range(1, 8)]
    client.force_login(viewer)
    page = client.get(LIST_URL, {"page": 2}).context["page"]
    assert [(m.pk, m.position) for m in page] == [(pks[3], 4), (pks[4], 5), (pks[5], 6)]
    assert 'href="?page=3"' in client.get(LIST_URL, {"page": 2}).content.decode()


def test_empty_plan(viewer, client):
    client.force_login(viewer)
    response = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert "There are no measures yet" in response.content.decode()


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_list_costs_a_fixed_number_of_queries(
    count, role, request, client, django_assert_max_num_queries, settings
):
    settings.TASKS_PAGE_SIZE = 500  # the whole list on one page
    MeasureFactory.create_batch(count)
    client.force_login(request.getfixturevalue(role))
    # session, user, roles, the user's bodies and the federation tree (where they act), count,
    # the page; and the request's savepoint and its release
    with django_assert_max_num_queries(9):
        response = client.get(LIST_URL)
    assert len(response.context["page"]) == count


# --- who may move -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, five):
    before = snapshot()
    for response in (
        client.get(LIST_URL),
        client.post(MOVE_URL, {"measure": five[4], "position": 1}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize("role", ["viewer", "liaison"])
def test_readers_see_no_controls_and_may_not_move(role, request, client, five):
    client.force_login(request.getfixturevalue(role))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert MOVE_URL not in html
    assert "priorities.js" not in html
    assert "drag-handle" not in html
    before = snapshot()
    for data in ({"measure": five[4], "position": 1}, {"measure": five[1], "direction": "up"}):
        response = client.post(MOVE_URL, data)
        assert response.status_code == 403
    assert snapshot() == before


def test_coordinator_sees_the_controls(coordinator_client, five):
    html = coordinator_client.get(LIST_URL).content.decode()
    assert html.count(f'action="{MOVE_URL}"') == 10  # up/down and "move to" on each row
    assert "priorities.js" in html
    assert 'name="position" value="3" min="1" max="5"' in html


def test_superuser_may_move(client, superuser, five):
    client.force_login(superuser)
    assert post_move(client, measure=five[2], position=1).status_code == 302
    assert order() == moved(five, five[2], 1)


def test_move_is_post_only(coordinator_client, five):
    assert coordinator_client.get(MOVE_URL, {"measure": five[0], "position": 2}).status_code == 405


# --- moves through the page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "data", "expected_position"),
    [
        (2, {"direction": "up"}, 2),
        (2, {"direction": "down"}, 4),
        (4, {"position": "1"}, 1),  # last to first
        (0, {"position": "5"}, 5),  # first to last
        (1, {"position": "4"}, 4),
        (3, {"position": "2"}, 2),
    ],
)
def test_moves(coordinator_client, five, index, data, expected_position):
    pk = five[index]
    response = post_move(coordinator_client, measure=pk, page=1, **data)
    assert response.status_code == 302
    assert response.url == f"{LIST_URL}#measure-{pk}"
    assert order() == moved(five, pk, expected_position)
    assert_dense()
    assert messages_of(response) == [
        (
            "success",
            f"“{Measure.objects.get(pk=pk).title}” moved from position {index + 1} "
            f"to {expected_position}.",
        )
    ]


@pytest.mark.parametrize(
    ("index", "data"),
    [
        (0, {"direction": "up"}),  # already first
        (4, {"direction": "down"}),  # already last
        (2, {"position": "3"}),  # where it is
    ],
)
def test_moves_that_change_nothing(coordinator_client, five, index, data):
    before = snapshot()
    response = post_move(coordinator_client, measure=five[index], **data)
    assert response.status_code == 302
    assert snapshot() == before
    [(level, text)] = messages_of(response)
    assert level == "info"
    assert f"is already at position {index + 1}; the order is unchanged." in text


def test_direction_wins_over_a_position_sent_with_it(coordinator_client, five):
    post_move(coordinator_client, measure=five[3], direction="up", position="5")
    assert order() == moved(five, five[3], 3)


def test_redirect_goes_to_the_page_the_measure_lands_on(coordinator_client, settings):
    settings.TASKS_PAGE_SIZE = 3
    pks = [MeasureFactory(rank=rank).pk for rank in range(1, 8)]
    response = post_move(coordinator_client, measure=pks[0], position="7", page="1")
    assert response.url == f"{LIST_URL}?page=3#measure-{pks[0]}"
    response = post_move(coordinator_client, measure=pks[3], direction="up", page="2")
    assert response.url == f"{LIST_URL}#measure-{pks[3]}"  # position 2, on page 1


def test_a_series_of_moves_keeps_ranks_dense(coordinator_client, five):
    expected = list(five)
    for index, position in [(4, 1), (0, 3), (2, 5), (1, 2), (3, 3)]:
        pk = five[index]
        post_move(coordinator_client, measure=pk, position=str(position))
        expected = moved(expected, pk, position)
        assert order() == expected
        assert_dense()


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the measure to move."),
        ({"position": "2"}, "Choose the measure to move."),
        ({"measure": "abc", "position": "2"}, "Choose the measure to move."),
        ({"measure": "{first}"}, "Move a measure up, down or to a position."),
        ({"measure": "{first}", "position": ""}, "Move a measure up, down or to a position."),
        (
            {"measure": "{first}", "direction": "sideways"},
            "Move a measure up, down or to a position.",
        ),
        (
            {"measure": "{first}", "position": "abc"},
            "Enter the new position as a whole number, such as 3.",
        ),
        (
            {"measure": "{first}", "position": "2.5"},
            "Enter the new position as a whole number, such as 3.",
        ),
        (
            {"measure": "{first}", "position": "0"},
            "There is no position 0: enter a number from 1 to 5.",
        ),
        (
            {"measure": "{first}", "position": "6"},
            "There is no position 6: enter a number from 1 to 5.",
        ),
        (
            {"measure": "{first}", "position": "-1"},
            "There is no position -1: enter a number from 1 to 5.",
        ),
        (
            {"measure": "99999", "position": "1"},
            "Measure no. 99999 does not exist; it may have been deleted.",
        ),
        (
            {"measure": "99999", "direction": "up"},
            "Measure no. 99999 does not exist; it may have been deleted.",
        ),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(coordinator_client, five, data, message):
    data = {key: value.replace("{first}", str(five[0])) for key, value in data.items()}
    before = snapshot()
    response = post_move(coordinator_client, **data)
    assert response.status_code == 302
    assert response.url.startswith(LIST_URL)
    assert messages_of(response) == [("error", message)]
    assert snapshot() == before


def test_bad_input_message_is_shown_on_the_list(coordinator_client, five):
    response = coordinator_client.post(
        MOVE_URL, {"measure": five[0], "position": "9"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert response.status_code == 200
    assert "There is no position 9: enter a number from 1 to 5." in response.content.decode()


# --- the service: history, versions, gaps -----------------------------------------------------


def test_move_records_who_moved_each_renumbered_measure(coordinator, five):
    body = ResponsibleBodyFactory(name="市总工会")
    Measure.objects.get(pk=five[1]).cooperating_bodies.add(body)
    histories = {pk: Measure.objects.get(pk=pk).history.count() for pk in five}

    move = ranking.move_measure(measure_id=five[3], position=2, user=coordinator)

    assert (move.old_position, move.new_position, move.count, move.renumbered) == (4, 2, 5, 3)
    renumbered = {five[1], five[2], five[3]}
    for pk in five:
        measure = Measure.objects.get(pk=pk)
        if pk in renumbered:
            assert measure.history.count() == histories[pk] + 1
            latest = measure.history.first()
            assert (latest.history_user, latest.history_type, latest.rank) == (
                coordinator,
                "~",
                measure.rank,
            )
        else:
            assert measure.history.count() == histories[pk]
    # The history reads as a change of rank only, cooperating bodies kept.
    timeline = measure_timeline(Measure.objects.get(pk=five[1]))
    latest = timeline[0]
    assert [(c.before, c.after) for c in latest.changes] == [("2", "3")]
    assert latest.who == coordinator.get_full_name()
    assert list(Measure.objects.get(pk=five[1]).history.first().cooperating_bodies.all())


def test_move_bumps_the_version_so_a_stale_edit_is_refused(coordinator, five):
    stale = Measure.objects.get(pk=five[0])
    untouched = Measure.objects.get(pk=five[4])
    ranking.move_measure(measure_id=five[2], position=1, user=coordinator)

    assert Measure.objects.get(pk=five[0]).version == stale.version + 1
    assert Measure.objects.get(pk=five[4]).version == untouched.version
    stale.title = "用旧表单改的标题"
    with pytest.raises(StaleEdit):
        stale.save_versioned(expected_version=stale.version)
    assert Measure.objects.get(pk=five[0]).rank == 2
    untouched.title = "没有移动的举措照常保存"
    untouched.save_versioned(expected_version=untouched.version)


def test_step_stops_at_the_ends(coordinator, five):
    move = ranking.step_measure(measure_id=five[1], steps=-10, user=coordinator)
    assert (move.new_position, order()) == (1, moved(five, five[1], 1))
    move = ranking.step_measure(measure_id=five[1], steps=10, user=coordinator)
    assert (move.new_position, order()) == (5, moved(five, five[1], 5))
    assert_dense()


def test_move_closes_gaps_it_finds(coordinator):
    pks = [MeasureFactory(rank=rank).pk for rank in (2, 5, 6, 9)]
    ranking.move_measure(measure_id=pks[3], position=2, user=coordinator)
    assert order() == moved(pks, pks[3], 2)
    assert_dense()


def test_close_rank_gaps_after_deletions(coordinator):
    pks = [MeasureFactory(rank=rank).pk for rank in range(1, 8)]
    Measure.objects.filter(pk__in=[pks[0], pks[3], pks[4]]).delete()
    kept = [pks[1], pks[2], pks[5], pks[6]]

    assert ranking.close_rank_gaps(user=coordinator) == 4
    assert order() == kept
    assert_dense()
    assert {Measure.objects.get(pk=pk).history.first().history_user for pk in kept} == {coordinator}
    assert ranking.close_rank_gaps(user=coordinator) == 0  # nothing left to close


def test_close_rank_gaps_without_a_user():
    pks = [MeasureFactory(rank=rank).pk for rank in (4, 8)]
    assert ranking.close_rank_gaps() == 2
    assert order() == pks
    assert Measure.objects.get(pk=pks[0]).history.first().history_user is None


def test_service_refuses_bad_positions_and_unknown_measures(coordinator, five):
    before = snapshot()
    for kwargs in (
        {"measure_id": five[0], "position": 0},
        {"measure_id": five[0], "position": 6},
        {"measure_id": 99999, "position": 1},
    ):
        with pytest.raises(ValidationError):
            ranking.move_measure(user=coordinator, **kwargs)
    assert snapshot() == before


# --- two coordinators at once (PostgreSQL) ----------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two simultaneous writers need a server database; CI runs this on PostgreSQL",
)


def _in_thread(target, errors: list[BaseException]):  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
@needs_postgresql
@pytest.mark.parametrize("round_", range(3))
def test_two_coordinators_reordering_at_the_same_instant(round_):
    pks = [MeasureFactory(rank=rank).pk for rank in range(1, 7)]
    zhang, wang = UserFactory(username="zhang"), UserFactory(username="wang")
    # zhang: the first to position 3; wang: the last to position 1. The order they end in
    # tells which went first; anything else means one move was lost or mixed with the other.
    moves = [(zhang, pks[0], 3), (wang, pks[5], 1)]
    expected = [
        moved(moved(pks, *moves[0][1:]), *moves[1][1:]),
        moved(moved(pks, *moves[1][1:]), *moves[0][1:]),
    ]
    assert expected[0] != expected[1]
    both_ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def mover(user, pk, position):  # type: ignore[no-untyped-def]
        def move() -> None:
            both_ready.wait(timeout=10)
            ranking.move_measure(measure_id=pk, position=position, user=user)

        return move

    threads = [_in_thread(mover(*move), errors) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert order() in expected
    assert_dense()
    assert Measure.history.filter(history_user=zhang).exists()
    assert Measure.history.filter(history_user=wang).exists()


@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_a_second_reorder_waits_for_the_first_and_starts_from_its_order():
    pks = [MeasureFactory(rank=rank).pk for rank in range(1, 7)]
    zhang, wang = UserFactory(username="zhang"), UserFactory(username="wang")
    first_holds_locks = threading.Event()
    log: list[str] = []
    errors: list[BaseException] = []

    def first() -> None:
        with transaction.atomic():
            ranking.move_measure(measure_id=pks[5], position=1, user=zhang)
            first_holds_locks.set()
            time.sleep(0.5)  # still uncommitted: the second must wait, not read the old order
            log.append("first commits")

    def second() -> None:
        assert first_holds_locks.wait(timeout=10)
        # Position 2 once the first move is in: from the old order this would be pks[1].
        move = ranking.move_measure(measure_id=pks[0], position=6, user=wang)
        log.append(f"second moved from {move.old_position}")

    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert log == ["first commits", "second moved from 2"]
    assert order() == moved(moved(pks, pks[5], 1), pks[0], 6)
    assert_dense()

"""The task book: the traffic light at its edges, filters, sorting, paging, bulk assignment."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from tasks.models import Light, Measure
from tests.conftest import queries_for
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
URL = "/measures/"


@pytest.fixture(autouse=True)
def _fixed_rules(settings, clock):
    settings.TASKS_DUE_SOON_DAYS = 14
    settings.TASKS_BEHIND_MARGIN = 25
    clock.move_to(TODAY)


def _light(**fields) -> tuple[str, bool]:
    measure = MeasureFactory(**fields)
    row = Measure.objects.with_light(TODAY).get(pk=measure.pk)
    return row.light, row.is_overdue


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "done", "progress": 100, "due_date": date(2026, 1, 1)}, ("grey", False)),
        ({"status": "suspended", "due_date": date(2026, 6, 14)}, ("grey", False)),
        ({"status": "in_progress", "due_date": date(2026, 6, 14)}, ("red", True)),  # yesterday
        ({"due_date": TODAY}, ("yellow", False)),  # due today: not yet late
        ({"due_date": TODAY + timedelta(days=14)}, ("yellow", False)),
        ({"due_date": TODAY + timedelta(days=15)}, ("green", False)),
        ({"deadline_note": "长期坚持"}, ("green", False)),
        ({}, ("green", False)),
    ],
)
def test_light_by_dates_and_status(fields, expected):
    assert _light(**fields) == expected


# 2026-06-01 → 2026-06-30: 29 days, 14 elapsed on 06-15 (48.3%); behind below 23.3% progress
@pytest.mark.parametrize(("progress", "expected"), [(23, "red"), (24, "green"), (0, "red")])
def test_behind_is_progress_far_below_the_time_elapsed(progress, expected):
    light, overdue = _light(
        start_date=date(2026, 6, 1), due_date=date(2026, 6, 30), progress=progress
    )
    assert (light, overdue) == (expected, False)


def test_not_behind_before_the_start_or_on_a_one_day_measure():
    assert _light(start_date=date(2026, 7, 1), due_date=date(2026, 12, 31))[0] == "green"
    assert _light(start_date=TODAY, due_date=TODAY)[0] == "yellow"


def test_light_labels_are_chinese():
    assert [str(label) for _, label in Light.choices] == ["红灯", "黄灯", "绿灯", "灰灯"]


def _titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(
        r'<a href="/measures/\d+/">(?:<span class="ordinal">[^<]*</span>)?([^<]+)</a>', html
    )


@pytest.fixture
def book():
    city = ResponsibleBodyFactory(name="市总工会")
    county = ResponsibleBodyFactory(name="县总工会", parent=city)
    other = ResponsibleBodyFactory(name="省教育厅")
    owner = UserFactory(username="zhang", first_name="张三")
    first, second = (
        ReformAreaFactory(title="领域甲", order=1),
        ReformAreaFactory(title="领域乙", order=2),
    )
    made = {
        "late": MeasureFactory(
            area=first,
            title="逾期的举措",
            due_date=date(2026, 5, 1),
            status="in_progress",
            lead_body=city,
            priority=1,
        ),
        "soon": MeasureFactory(
            area=first,
            title="快到期的举措",
            due_date=date(2026, 6, 20),
            owner=owner,
            description="建设职工服务阵地",
        ),
        "done": MeasureFactory(
            area=second,
            title="已完成的举措",
            status="done",
            progress=100,
            due_date=date(2026, 3, 1),
            lead_body=other,
        ),
        "long": MeasureFactory(
            area=second,
            title="长期坚持的举措",
            deadline_note="长期坚持",
            excerpt="推动工会+法院诉调对接",
            priority=3,
        ),
    }
    made["soon"].cooperating_bodies.add(county)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["逾期的举措", "快到期的举措", "已完成的举措", "长期坚持的举措"]),
        ("?light=red", ["逾期的举措"]),
        ("?light=yellow", ["快到期的举措"]),
        ("?light=grey", ["已完成的举措"]),
        ("?overdue=yes", ["逾期的举措"]),
        ("?overdue=no", ["快到期的举措", "已完成的举措", "长期坚持的举措"]),
        ("?status=done", ["已完成的举措"]),
        ("?priority=1", ["逾期的举措"]),
        ("?q=法院", ["长期坚持的举措"]),  # the excerpt
        ("?q=职工+阵地", ["快到期的举措"]),  # every word, in title or description
        ("?due_after=2026-04-01&due_before=2026-06-30", ["逾期的举措", "快到期的举措"]),
        ("?sort=-due", ["快到期的举措", "逾期的举措", "已完成的举措", "长期坚持的举措"]),
    ],
)
def test_filters_and_sort(coordinator_client, book, query, expected):
    # sorted within each area; the areas stay in their order
    assert _titles(coordinator_client.get(URL + query)) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("解", ["调解"]),  # one character
        ("诉", ["调解", "热线"]),
        ("诉调", ["调解"]),  # two: the usual Chinese search word
        ("工会诉调对接", ["调解"]),  # the excerpt
        ("12345", ["热线"]),
        ("app", ["热线"]),  # any case: the title says APP
        ("热线办理", []),  # the end of one field and the start of the next are not one text
        ("诉讼", []),
    ],
)
def test_text_filter_words_of_any_length(word, expected):
    MeasureFactory(title="调解", description="多元化解", excerpt="推动工会诉调对接")
    MeasureFactory(title="12345热线", description="办理职工APP诉求")
    found = Measure.objects.containing(word)
    titles = {"调解": "调解", "热线": "12345热线"}
    assert sorted(found.values_list("title", flat=True)) == sorted(titles[t] for t in expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index")
def test_text_filter_is_served_by_its_index_on_postgresql():
    """The expression Django writes is the one indexed by migration 0010 (else: a scan)."""
    MeasureFactory(title="推动工会诉调对接")
    with connection.cursor() as cursor:
        # The table is too small for the planner to bother with an index, and walking the rank
        # index (the model's order) would do as well: what is asked is whether the text filter's
        # own index can serve the expression Django writes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = Measure.objects.containing("诉调").order_by().explain()
    assert "measure_text_grams" in plan
    assert "Seq Scan on tasks_measure" not in plan


def test_filter_by_body_object(coordinator_client, book):
    city = book["late"].lead_body
    assert _titles(coordinator_client.get(f"{URL}?lead_body={city.pk}")) == ["逾期的举措"]
    owner = book["soon"].owner
    assert _titles(coordinator_client.get(f"{URL}?owner={owner.pk}")) == ["快到期的举措"]
    area = book["done"].area
    assert _titles(coordinator_client.get(f"{URL}?area={area.pk}")) == [
        "已完成的举措",
        "长期坚持的举措",
    ]


def test_cooperating_body_includes_the_bodies_below(coordinator_client, book):
    city = book["late"].lead_body  # the 县总工会 under it co-operates on 快到期的举措
    assert _titles(coordinator_client.get(f"{URL}?body={city.pk}")) == ["快到期的举措"]


def test_bad_filter_values_are_explained_not_fatal(coordinator_client, book):
    response = coordinator_client.get(f"{URL}?area=abc&light=purple&due_after=2026-13-45")
    assert response.status_code == 200
    html = response.content.decode()
    assert "部分筛选条件无法使用" in html
    assert len(_titles(response)) == 4


def test_rows_show_light_deadline_note_and_count(coordinator_client, book):
    html = coordinator_client.get(URL).content.decode()
    assert "共 4 项举措" in html
    assert "长期坚持" in html
    assert 'class="light light-red"' in html and "逾期" in html


def test_paging_keeps_the_filters(coordinator_client, settings):
    settings.TASKS_PAGE_SIZE = 2
    for n in range(5):
        MeasureFactory(title=f"举措{n}", priority=1)
    html = coordinator_client.get(f"{URL}?priority=1&sort=rank").content.decode()
    assert "?priority=1&amp;sort=rank&amp;page=2" in html
    second = coordinator_client.get(f"{URL}?priority=1&sort=rank&page=2")
    assert _titles(second) == ["举措2", "举措3"]
    assert coordinator_client.get(f"{URL}?page=abc").status_code == 200


def _many(areas: int, per_area: int) -> None:
    body, owner = ResponsibleBodyFactory(), UserFactory()
    for _ in range(areas):
        area = ReformAreaFactory()
        for _ in range(per_area):
            MeasureFactory(area=area, lead_body=body, owner=owner).cooperating_bodies.add(body)


def test_task_book_query_count_is_fixed(coordinator_client, settings):
    settings.TASKS_PAGE_SIZE = 500
    _many(1, 5)
    small = queries_for(coordinator_client, URL + "?sort=due")
    _many(10, 20)
    response = coordinator_client.get(URL + "?sort=due")
    assert response.content.decode().count('<tr id="measure-') == 205
    # session, user, roles, the user's bodies and the federation tree; count, page, bodies of
    # the page; the savepoint pair (the filters and the bulk form list no body or person:
    # their pickers search as you type)
    assert queries_for(coordinator_client, URL + "?sort=due") == small <= 10


# -- bulk assignment ---------------------------------------------------------------------------


def _bulk(client, measures, **data):
    post = {"bulk-measures": [m.pk for m in measures], "next": "/measures/?priority=2"}
    post |= {f"bulk-{name}": value for name, value in data.items()}
    post.update({f"version-{m.pk}": m.version for m in measures})
    return client.post(reverse("tasks:measure_bulk"), post, follow=True)


def test_bulk_sets_the_lead_body_of_every_ticked_measure(coordinator_client):
    body = ResponsibleBodyFactory(name="市人社局")
    ticked = [MeasureFactory(), MeasureFactory()]
    untouched = MeasureFactory()
    response = _bulk(coordinator_client, ticked, field="lead_body", lead_body=body.pk)
    assert response.redirect_chain[-1][0] == "/measures/?priority=2"
    assert "已修改 2 项举措" in response.content.decode()
    assert [m.lead_body for m in Measure.objects.filter(pk__in=[m.pk for m in ticked])] == [
        body,
        body,
    ]
    untouched.refresh_from_db()
    assert untouched.lead_body is None
    assert all(m.history.count() == 2 for m in ticked)


def test_bulk_is_all_or_nothing(coordinator_client):
    fits = MeasureFactory(start_date=date(2026, 1, 1))
    too_late = MeasureFactory(start_date=date(2026, 9, 1), title="九月才开始的举措")
    with_milestone = MeasureFactory(title="有节点的举措")
    MilestoneFactory(measure=with_milestone, due_date=date(2026, 8, 1))
    response = _bulk(
        coordinator_client,
        [fits, too_late, with_milestone],
        field="due_date",
        due_date="2026-07-31",
    )
    html = response.content.decode()
    assert "未作任何修改" in html
    assert "九月才开始的举措" in html and "有节点的举措" in html
    assert list(Measure.objects.values_list("due_date", flat=True)) == [None, None, None]


def test_bulk_refuses_a_stale_row(coordinator_client):
    measure = MeasureFactory()
    loaded = Measure.objects.get(pk=measure.pk)
    measure.title = "别人刚改过"
    measure.save_versioned(expected_version=1)
    response = _bulk(coordinator_client, [loaded], field="priority", priority=1)
    assert "打开列表之后" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).priority == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"field": "owner"}, "请选择要设置的值"),
        ({"field": "owner", "owner": 999999}, "不存在"),
        ({"field": "nonsense"}, "选择一个有效的选项"),
    ],
)
def test_bulk_bad_input_is_explained(coordinator_client, data, message):
    measure = MeasureFactory()
    html = _bulk(coordinator_client, [measure], **data).content.decode()
    assert "未作任何修改" in html and message in html
    assert Measure.objects.get(pk=measure.pk).version == 1


def test_bulk_needs_ticked_rows(coordinator_client):
    html = _bulk(coordinator_client, [], field="priority", priority=1).content.decode()
    assert "请先在列表中勾选" in html


def test_only_the_office_edits_in_bulk(client, viewer, liaison):
    measure = MeasureFactory()
    for user in (viewer, liaison):
        client.force_login(user)
        assert 'name="measures"' not in client.get(URL).content.decode()
        response = client.post(
            reverse("tasks:measure_bulk"),
            {"measures": [measure.pk], "field": "priority", "priority": 1},
        )
        assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).priority == 2

"""The dashboard: counts, progress by area, late lists, the late bodies, my work."""

from datetime import date

import pytest

from tests.conftest import queries_for
from tests.factories import MeasureFactory, ReformAreaFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today(clock, settings):
    settings.TASKS_DUE_SOON_DAYS = 14
    clock.move_to(TODAY)


@pytest.fixture
def plan(liaison):
    body = liaison.bodies.get()
    other = ResponsibleBodyFactory(name="省教育厅")
    area = ReformAreaFactory(title="深化产改", order=1)
    return {
        "late_a": MeasureFactory(
            area=area, title="逾期甲", due_date=date(2026, 5, 1), lead_body=other, progress=20
        ),
        "late_b": MeasureFactory(
            area=area, title="逾期乙", due_date=date(2026, 6, 1), lead_body=other, progress=40
        ),
        "late_c": MeasureFactory(title="逾期丙", due_date=date(2026, 6, 10), lead_body=body),
        "soon": MeasureFactory(title="将到期", due_date=date(2026, 6, 20), lead_body=body),
        "done": MeasureFactory(area=area, title="已办结", status="done", progress=100),
    }


def test_counts_progress_and_lists(coordinator_client, plan):
    html = coordinator_client.get("/").content.decode()
    assert "共 5 项举措" in html
    assert "红灯 <strong>3</strong>" in html and "灰灯 <strong>1</strong>" in html
    assert "已完成 <strong>1</strong>" in html
    assert "深化产改" in html and "53%" in html and "1/3" in html  # (20+40+100)/3
    late = html.split('id="overdue"')[1].split("</section>")[0]
    assert late.index("逾期甲") < late.index("逾期乙") < late.index("逾期丙")
    assert "将到期" in html.split('id="due-soon"')[1].split("</section>")[0]
    ranking = html.split('id="late-bodies"')[1].split("</section>")[0]
    assert ranking.index("省教育厅") < ranking.index("企业")
    assert "<strong>2</strong>" in ranking


def test_my_work_is_mine_and_my_bodies(client, liaison, plan):
    mine = MeasureFactory(title="我负责的", owner=liaison)
    client.force_login(liaison)
    html = client.get("/").content.decode()
    work = html.split('id="my-work"')[1].split("</section>")[0]
    assert all(title in work for title in ["逾期丙", "将到期", mine.title])
    assert "逾期甲" not in work


def test_empty_plan_reads_well(coordinator_client):
    html = coordinator_client.get("/").content.decode()
    assert "没有逾期的举措" in html and "暂无改革领域" in html


def test_charts_are_svg_without_inline_style(coordinator_client, plan):
    html = coordinator_client.get("/").content.decode()
    assert "<svg" in html and "style=" not in html


def _plan_of(size: int) -> None:
    body, owner = ResponsibleBodyFactory(), UserFactory()
    for n in range(size):
        if n % 10 == 0:
            area = ReformAreaFactory()
        MeasureFactory(area=area, lead_body=body, owner=owner, due_date=date(2026, 1 + n % 12, 1))


def test_dashboard_query_count_is_fixed(coordinator_client):
    _plan_of(5)
    small = queries_for(coordinator_client, "/")
    _plan_of(195)
    assert queries_for(coordinator_client, "/") == small <= 16


def test_plan_figures_are_kept_until_a_measure_changes(coordinator_client, plan):
    first = queries_for(coordinator_client, "/")
    again = queries_for(coordinator_client, "/")
    assert again < first  # the plan-wide figures came from the cache
    assert "逾期甲" in coordinator_client.get("/").content.decode()

    measure = plan["late_a"]
    measure.title = "逾期甲（改）"
    measure.save()  # through the app: a history entry, so the figures are computed again
    html = coordinator_client.get("/").content.decode()
    assert "逾期甲（改）" in html

    MeasureFactory(title="新举措", due_date=date(2026, 6, 2))
    html = coordinator_client.get("/").content.decode()
    assert "新举措" in html


def test_plan_figures_are_kept_no_longer_than_the_setting(coordinator_client, plan, settings):
    settings.TASKS_DASHBOARD_CACHE_SECONDS = 0  # not kept at all
    first = queries_for(coordinator_client, "/")
    assert queries_for(coordinator_client, "/") == first


def test_a_large_plan_shows_the_areas_furthest_behind(coordinator_client, settings):
    areas = [ReformAreaFactory(title=f"领域{n:02d}", order=n) for n in range(25)]
    for n, area in enumerate(areas):
        MeasureFactory(area=area, progress=100 - n * 4)  # the later, the further behind
    html = coordinator_client.get("/").content.decode()
    shown = [f"领域{n:02d}" for n in range(25) if f"领域{n:02d}<" in html]
    assert shown == [f"领域{n:02d}" for n in range(5, 25)]  # 20 areas, in plan order
    assert "25" in html and "/measures/" in html

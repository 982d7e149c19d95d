"""No page grows with the plan: the same size and the same queries at 5 and at 200 measures.

A province's 300 bodies and 200 people stand beside the plan at both sizes; no page lists them
(the pickers search as you type). Lists are paged (one page of TASKS_PAGE_SIZE here: 5) or cut
(the dashboard's), so a page of a plan of 200 differs from one of 5 only in its counts and page
links — a few hundred bytes, where one row or one name per measure would add tens of KB.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import Measure, ReformArea
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MARGIN = 1024  # bytes: counts and page links; one more row or name a measure is far more
# the dashboard's lists (overdue, due soon, bodies with overdue measures: ten each) are not full
# at 5 measures; at 200 they are, and stay so
LIST_MARGIN = 3 * 1024


@pytest.fixture
def province(coordinator):
    bodies = [ResponsibleBodyFactory(name=f"省内第{n:03d}责任单位") for n in range(300)]
    people = [UserFactory(username=f"cadre{n:03d}", first_name=f"科员{n:03d}") for n in range(200)]
    for n, user in enumerate(people):
        bodies[n].members.add(user)
    return {"bodies": bodies, "people": people}


def _plan(province, start: int, count: int) -> None:
    """`count` measures, in two areas, with bodies, owners, dates and a milestone each."""
    areas = list(ReformArea.objects.order_by("pk")[:2]) or ReformAreaFactory.create_batch(2)
    day = date(2026, 1, 1)
    for n in range(start, start + count):
        measure = MeasureFactory(
            area=areas[n % 2],
            rank=n + 1,
            lead_body=province["bodies"][n % 300],
            owner=province["people"][n % 200],
            start_date=day,
            due_date=day + timedelta(days=100 + n % 400),
            status="in_progress",
            progress=n % 90,
        )
        measure.cooperating_bodies.add(province["bodies"][(n + 7) % 300])
        MilestoneFactory(measure=measure, due_date=day + timedelta(days=50))


def _weigh(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(response.content), len(queries)


def _urls(province) -> dict[str, str]:
    first = Measure.objects.get(rank=1)
    body, person = province["bodies"][0].pk, province["people"][0].pk
    return {
        "dashboard": "/",
        "task book": "/measures/",
        "task book, filtered": f"/measures/?lead_body={body}&owner={person}&body={body}",
        "timetable": "/timetable/",
        "timetable, by quarter, filtered": f"/timetable/?zoom=quarter&owner={person}",
        "priorities": "/priorities/",
        "measure page": f"/measures/{first.pk}/",
        "bodies looked up": "/lookup/bodies/?q=责任单位",
        "people looked up": "/lookup/people/?q=科员",
    }


def test_no_page_grows_with_the_plan(coordinator_client, province, settings):
    settings.TASKS_PAGE_SIZE = 5
    _plan(province, 0, 5)
    small = {name: _weigh(coordinator_client, url) for name, url in _urls(province).items()}
    _plan(province, 5, 195)
    large = {name: _weigh(coordinator_client, url) for name, url in _urls(province).items()}
    for name, (size, queries) in small.items():
        assert large[name][1] == queries, f"{name}: {queries} → {large[name][1]} queries"
        margin = LIST_MARGIN if name == "dashboard" else MARGIN
        assert abs(large[name][0] - size) <= margin, f"{name}: {size} → {large[name][0]} bytes"


def test_no_page_lists_the_province(coordinator_client, province, settings):
    _plan(province, 0, 5)
    for url in _urls(province).values():
        if url.startswith("/lookup/"):
            continue
        html = coordinator_client.get(url).content.decode()
        assert "省内第299责任单位" not in html and "科员199" not in html, url
        assert html.count("<option") < 40, url  # the choices of status, priority, light…

"""Django admin: every model editable, with inlines, list editing and history."""

import pytest
from django.urls import reverse

from tasks.models import Measure, Milestone, ProgressReport, ReformArea, ResponsibleBody, Source
from tests.conftest import queries_for
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [Source, ReformArea, Measure, Milestone, ResponsibleBody, ProgressReport]


@pytest.fixture
def admin_client_seeded(client, superuser, seeded):
    measure = Measure.objects.get(rank=1)
    MilestoneFactory(measure=measure)
    ProgressReportFactory(measure=measure)
    client.force_login(superuser)
    return client


def _url(model, view, *args):
    return reverse(f"admin:tasks_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_changelist_add_change_and_history(admin_client_seeded, model):
    obj = model.objects.order_by("pk").first()
    for url in [
        _url(model, "changelist"),
        _url(model, "add"),
        _url(model, "change", obj.pk),
        _url(model, "history", obj.pk),
    ]:
        assert admin_client_seeded.get(url).status_code == 200, url


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_and_filters_work(admin_client_seeded, model):
    response = admin_client_seeded.get(_url(model, "changelist"), {"q": "工匠"})
    assert response.status_code == 200


def test_admin_is_chinese(admin_client_seeded):
    html = admin_client_seeded.get(_url(Measure, "changelist")).content.decode()
    for label in [
        "工会改革任务台账",
        "具体举措",
        "牵头单位",
        "责任人",
        "完成时限",
        "优先级",
        "状态",
    ]:
        assert label in html


def test_measure_changelist_edits_owner_due_priority_status(admin_client_seeded):
    html = admin_client_seeded.get(_url(Measure, "changelist")).content.decode()
    for field in ["owner", "due_date", "priority", "status"]:
        assert f'name="form-0-{field}"' in html


def test_measure_changelist_shows_each_owner_without_a_query_per_row(admin_client_seeded):
    """The editable owner column shows every row's person from the row itself."""
    url = _url(Measure, "changelist")
    first = Measure.objects.get(rank=1)
    first.owner = UserFactory(username="zhang", first_name="张三")
    first.save()
    few = queries_for(admin_client_seeded, url)
    for rank, measure in enumerate(Measure.objects.filter(rank__range=(2, 30)), start=2):
        measure.owner = UserFactory(username=f"owner{rank}")
        measure.save()
    assert queries_for(admin_client_seeded, url) == few
    html = admin_client_seeded.get(url).content.decode()
    for measure in Measure.objects.filter(rank__lte=30).select_related("owner"):
        name = measure.owner.get_full_name()  # people by name, not by login
        assert f'<option value="{measure.owner_id}" selected>{name}</option>' in html


def test_measure_page_has_milestone_and_report_inlines(admin_client_seeded):
    measure = Measure.objects.get(rank=1)
    html = admin_client_seeded.get(_url(Measure, "change", measure.pk)).content.decode()
    assert 'name="milestones-TOTAL_FORMS"' in html
    assert 'name="reports-TOTAL_FORMS"' in html


def test_inlines_cost_the_same_queries_for_few_rows_and_many(admin_client_seeded):
    """An area's measures and a measure's reports: bodies and people come with their rows."""
    area = ReformArea.objects.get(order=1)
    measure = Measure.objects.get(rank=1)
    pages = [_url(ReformArea, "change", area.pk), _url(Measure, "change", measure.pk)]
    for page in pages:
        queries_for(admin_client_seeded, page)  # once first: the caches a first visit fills
    few = [queries_for(admin_client_seeded, page) for page in pages]
    last = Measure.objects.order_by("-rank").first().rank
    for n in range(1, 11):
        body, person = ResponsibleBodyFactory(name=f"单位{n}"), UserFactory(username=f"p{n}")
        MeasureFactory(area=area, rank=last + n, lead_body=body, owner=person)
        ProgressReportFactory(measure=measure, period=f"2025-{n:02}", body=body, author=person)
    assert [queries_for(admin_client_seeded, page) for page in pages] == few


def test_area_page_has_its_measures_inline(admin_client_seeded):
    area = ReformArea.objects.get(order=1)
    html = admin_client_seeded.get(_url(ReformArea, "change", area.pk)).content.decode()
    assert 'name="measures-TOTAL_FORMS" value="' in html
    assert area.measures.first().title in html


def test_source_page_shows_warnings_in_chinese(admin_client_seeded):
    source = Source.objects.order_by("pk").first()
    html = admin_client_seeded.get(_url(Source, "change", source.pk)).content.decode()
    assert "编号缺少“第四”" in html


def test_coordinator_edits_a_measure_and_history_records_who(client, coordinator, seeded):
    client.force_login(coordinator)
    measure = Measure.objects.get(rank=2)
    owner = UserFactory(username="zhangsan")
    data = {
        "area": measure.area_id,
        "ordinal": measure.ordinal,
        "title": "改过的举措标题",
        "description": measure.description,
        "owner": owner.pk,
        "start_date": "2026-01-01",
        "due_date": "2026-06-30",
        "deadline_note": "",
        "priority": 1,
        "rank": measure.rank,
        "status": "in_progress",
        "progress": 30,
        "cooperating_bodies": list(measure.cooperating_bodies.values_list("pk", flat=True)),
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    response = client.post(_url(Measure, "change", measure.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    measure.refresh_from_db()
    assert (measure.title, measure.owner, measure.progress) == ("改过的举措标题", owner, 30)
    latest = measure.history.first()
    assert latest.history_user == coordinator
    history = client.get(_url(Measure, "history", measure.pk)).content.decode()
    assert coordinator.get_full_name() in history and ">coordinator<" not in history


def test_due_before_start_is_refused_in_admin(client, coordinator, seeded):
    client.force_login(coordinator)
    measure = Measure.objects.get(rank=2)
    data = {
        "area": measure.area_id,
        "title": measure.title,
        "start_date": "2026-06-30",
        "due_date": "2026-01-01",
        "priority": 2,
        "rank": measure.rank,
        "status": "not_started",
        "progress": 0,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    response = client.post(_url(Measure, "change", measure.pk), data)
    assert response.status_code == 200
    assert "完成时限不能早于开始时间" in response.content.decode()
    measure.refresh_from_db()
    assert measure.due_date is None


def test_viewer_may_look_but_not_change(client, viewer, seeded):
    client.force_login(viewer)
    measure = Measure.objects.get(rank=1)
    assert client.get(_url(Measure, "changelist")).status_code == 200
    assert client.get(_url(Measure, "change", measure.pk)).status_code == 200
    response = client.post(_url(Measure, "change", measure.pk), {"title": "领导改的"})
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.title != "领导改的"


def test_new_measure_is_offered_the_next_rank(admin_client_seeded):
    html = admin_client_seeded.get(_url(Measure, "add")).content.decode()
    assert f'name="rank" value="{Measure.objects.count() + 1}"' in html

"""The measure page: everything about one measure, and the forms each role may use."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import Measure, Milestone
from tests.conftest import queries_for
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _url(name, pk):
    return reverse(f"tasks:{name}", args=[pk])


@pytest.fixture
def measure(seeded):
    measure = Measure.objects.get(rank=1)
    measure.lead_body = ResponsibleBodyFactory(name="企业")  # the liaison fixture's body
    measure.save()
    return measure


def _assign(measure, **changes):
    data = {
        "owner": "",
        "lead_body": measure.lead_body_id or "",
        "start_date": "",
        "due_date": "",
        "deadline_note": "",
        "priority": measure.priority,
        "loaded_version": Measure.objects.get(pk=measure.pk).version,
    }
    return {**data, **changes}


def test_page_shows_fields_excerpt_milestones_reports_and_history(coordinator_client, measure):
    MilestoneFactory(measure=measure, title="完成调研", due_date=date(2026, 12, 1))
    ProgressReportFactory(measure=measure, period="2026-10", done_text="十月进展")
    ProgressReportFactory(measure=measure, period="2026-11", done_text="十一月进展")
    html = coordinator_client.get(_url("measure_detail", measure.pk)).content.decode()
    assert measure.title in html and "企业" in html
    assert measure.excerpt[:20] in html
    assert f'href="/sources/{measure.area.source_id}/#m-{measure.pk}"' in html
    assert "完成调研" in html
    assert html.index("十一月进展") < html.index("十月进展")  # newest first
    assert "修改记录" in html and "牵头单位" in html  # the history names the change


def test_office_assigns_owner_bodies_dates_and_priority(coordinator_client, measure):
    owner = UserFactory(username="wang", first_name="王科长")
    partner = ResponsibleBodyFactory(name="市人社局")
    response = coordinator_client.post(
        _url("measure_assign", measure.pk),
        _assign(
            measure,
            owner=owner.pk,
            cooperating_bodies=[partner.pk],
            start_date="2026-01-01",
            due_date="2026-12-31",
            priority=1,
        ),
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.owner, measure.priority, str(measure.due_date)) == (owner, 1, "2026-12-31")
    assert list(measure.cooperating_bodies.all()) == [partner]
    history = coordinator_client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "王科长" in history and "市人社局" in history


def test_htmx_assignment_answers_with_the_section_only(coordinator_client, measure):
    response = coordinator_client.post(
        _url("measure_assign", measure.pk),
        _assign(measure, deadline_note="长期坚持"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="panel" id="assignment">')
    assert "长期坚持" in html and "<html" not in html
    assert "分解落实信息已保存" in html  # said in the section, not left for the next page
    later = coordinator_client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "分解落实信息已保存" not in later


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"start_date": "2026-06-30", "due_date": "2026-01-01"}, "完成时限不能早于开始时间"),
        ({"owner": 999999}, "该选项不存在"),
        ({"cooperating_bodies": [999999]}, "所选项中有的已不存在"),
        ({"due_date": "2026-02-30"}, "输入一个有效的日期"),
        ({"priority": 9}, "选择一个有效的选项"),
    ],
)
def test_bad_assignment_is_explained_beside_the_field(
    coordinator_client, measure, changes, field_error
):
    before = Measure.objects.get(pk=measure.pk)
    response = coordinator_client.post(
        _url("measure_assign", measure.pk), _assign(measure, **changes)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error in html and 'class="field-error"' in html
    after = Measure.objects.get(pk=measure.pk)
    assert (after.version, after.due_date, after.owner_id) == (before.version, None, None)


def test_dates_that_would_strand_a_milestone_are_refused(coordinator_client, measure):
    MilestoneFactory(measure=measure, title="年中评估", due_date=date(2026, 7, 1))
    response = coordinator_client.post(
        _url("measure_assign", measure.pk), _assign(measure, due_date="2026-06-30")
    )
    assert "年中评估" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).due_date is None


def test_stale_assignment_is_refused_with_what_changed(coordinator_client, measure):
    data = _assign(measure, priority=1)
    other = Measure.objects.get(pk=measure.pk)
    other.deadline_note = "持续推进"
    other.save_versioned(expected_version=other.version)
    response = coordinator_client.post(_url("measure_assign", measure.pk), data)
    html = response.content.decode()
    assert "您的修改尚未保存" in html and "持续推进" in html
    assert Measure.objects.get(pk=measure.pk).priority == 2


def test_liaison_reports_progress_instead_of_setting_it(client, liaison, measure):
    """A liaison's progress arrives through its report and takes effect when the office
    accepts it: the page offers the report, not the status and progress form."""
    client.force_login(liaison)
    html = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/measures/{measure.pk}/progress"' not in html
    assert f'action="/measures/{measure.pk}/assign"' not in html
    assert f'href="/measures/{measure.pk}/report?period=2026-11"' in html
    version = Measure.objects.get(pk=measure.pk).version
    for name, data in [
        ("measure_progress", {"status": "in_progress", "progress": 40, "loaded_version": version}),
        ("measure_assign", _assign(measure, priority=1)),
    ]:
        assert client.post(_url(name, measure.pk), data).status_code == 403
    assert (Measure.objects.get(pk=measure.pk).progress, measure.priority) == (0, 2)


def test_completed_means_100_percent(coordinator_client, measure):
    response = coordinator_client.post(
        _url("measure_progress", measure.pk),
        {"status": "done", "progress": 80, "loaded_version": measure.version},
    )
    assert "进度应为 100%" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).status == "not_started"


def test_viewer_sees_no_forms_and_may_not_post(client, viewer, measure):
    client.force_login(viewer)
    html = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "<form" not in html.split('<main class="content">')[1]
    for name in ("measure_assign", "measure_progress", "milestone_add"):
        assert client.post(_url(name, measure.pk), {}).status_code == 403


def test_milestones_added_within_the_dates_marked_done_and_deleted(coordinator_client, measure):
    Measure.objects.filter(pk=measure.pk).update(
        start_date=date(2026, 1, 1), due_date=date(2026, 12, 31)
    )
    add = _url("milestone_add", measure.pk)
    outside = coordinator_client.post(add, {"new-title": "太晚", "new-due_date": "2027-01-15"})
    assert "时间节点应在举措的起止时间之内" in outside.content.decode()
    assert not Milestone.objects.exists()
    assert (
        coordinator_client.post(
            add, {"new-title": "中期评估", "new-due_date": "2026-06-30"}
        ).status_code
        == 302
    )
    milestone = Milestone.objects.get()
    prefix = f"m{milestone.pk}"
    done = coordinator_client.post(
        _url("milestone_update", milestone.pk),
        {
            f"{prefix}-title": "中期评估",
            f"{prefix}-due_date": "2026-06-30",
            f"{prefix}-done_on": "2026-06-28",
            f"{prefix}-loaded_version": 1,
        },
    )
    assert done.status_code == 302
    assert str(Milestone.objects.get().done_on) == "2026-06-28"
    assert coordinator_client.post(_url("milestone_delete", milestone.pk)).status_code == 302
    assert not Milestone.objects.exists()


def test_liaison_marks_its_milestone_done_only(client, liaison, measure):
    milestone = MilestoneFactory(measure=measure, title="节点", due_date=date(2026, 12, 1))
    client.force_login(liaison)
    prefix = f"m{milestone.pk}"
    response = client.post(
        _url("milestone_update", milestone.pk),
        {
            f"{prefix}-title": "偷改",
            f"{prefix}-due_date": "2030-01-01",
            f"{prefix}-done_on": "2026-11-20",
            f"{prefix}-loaded_version": 1,
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, str(milestone.due_date), str(milestone.done_on)) == (
        "节点",
        "2026-12-01",
        "2026-11-20",
    )
    assert client.post(_url("milestone_delete", milestone.pk)).status_code == 403
    other = MilestoneFactory(measure=MeasureFactory(rank=1000))
    assert client.post(_url("milestone_update", other.pk), {}).status_code == 403


def test_unknown_measure_is_404(coordinator_client):
    assert coordinator_client.get(_url("measure_detail", 999999)).status_code == 404


def _measure_with_history(length: int) -> Measure:
    measure = MeasureFactory(lead_body=ResponsibleBodyFactory(), owner=UserFactory())
    for n in range(length):
        measure.progress = n
        measure.save()
        measure.cooperating_bodies.add(ResponsibleBodyFactory())
        MilestoneFactory(measure=measure)
        ProgressReportFactory(measure=measure, period=f"20{10 + n}-01")
    return measure


def test_page_query_count_is_fixed(coordinator_client):
    short, long = _measure_with_history(1), _measure_with_history(30)
    counts = [queries_for(coordinator_client, _url("measure_detail", m.pk)) for m in (short, long)]
    assert counts[0] == counts[1] <= 25


def test_source_page_marks_each_measure_passage(client, viewer, seeded):
    measure = Measure.objects.get(rank=5)
    client.force_login(viewer)
    html = client.get(_url("source_detail", measure.area.source_id)).content.decode()
    assert f'id="m-{measure.pk}"' in html
    assert html.count("<mark>") == Measure.objects.filter(area__source=measure.area.source).count()
    assert "编号缺少“第四”" in html  # the import's warnings are shown with the source


def test_anonymous_and_roleless_are_kept_out(measure):
    anonymous = Client()
    assert anonymous.get(_url("measure_detail", measure.pk)).status_code == 302
    roleless = Client()
    roleless.force_login(UserFactory())
    assert roleless.get(_url("measure_detail", measure.pk)).status_code == 403


def test_the_page_shows_the_latest_changes_and_links_to_the_rest(coordinator_client):
    """A long-lived measure's history does not make its page grow without bound."""
    measure = MeasureFactory()
    for n in range(60):
        measure.progress = n + 1
        measure.save()
    url = _url("measure_detail", measure.pk)
    page = coordinator_client.get(url)
    # its creation and 60 changes
    assert len(page.context["timeline"]) == 50 and page.context["older_changes"] == 11
    assert "显示更早的 11 条修改" in page.content.decode()
    assert len(coordinator_client.get(url + "?history=all").context["timeline"]) == 61

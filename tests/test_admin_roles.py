"""What each role sees and may change inside the admin, field by field."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tasks import roles
from tasks.models import Measure, ProgressReport
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    return ResponsibleBodyFactory(name="市总工会")


@pytest.fixture
def liaison_client(client, body):
    user = UserFactory(
        username="li",
        first_name="李联络",
        is_staff=True,
        groups=[Group.objects.get(name=roles.LIAISON)],
    )
    body.members.add(user)
    client.force_login(user)
    client.user = user
    return client


def _change_url(measure):
    return reverse("admin:tasks_measure_change", args=[measure.pk])


def _post_data(measure, **changes):
    data = {
        "status": measure.status,
        "progress": measure.progress,
        "loaded_version": measure.version,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    return {**data, **changes}


def test_liaison_reads_its_measure_in_the_admin_but_changes_nothing_of_it(liaison_client, body):
    """Its progress reaches the measure through its reports, accepted by the office."""
    measure = MeasureFactory(lead_body=body, title="原标题")
    html = liaison_client.get(_change_url(measure)).content.decode()
    assert 'name="status"' not in html and 'name="progress"' not in html
    assert 'name="title"' not in html and 'name="owner"' not in html

    response = liaison_client.post(
        _change_url(measure), _post_data(measure, status="in_progress", progress=60, title="偷改")
    )
    assert response.status_code == 403
    measure.refresh_from_db()
    assert (measure.status, measure.progress, measure.title) == ("not_started", 0, "原标题")


def test_no_report_is_filed_from_the_measures_admin_page(liaison_client, coordinator, body):
    """The measure's reports are shown there, never added or changed: a report is filed on
    its own page, through the reporting rules."""
    measure = MeasureFactory(lead_body=body)
    office = Client()
    office.force_login(coordinator)
    html = office.get(_change_url(measure)).content.decode()
    assert 'id="reports-empty"' not in html  # no blank report form to add from
    data = _post_data(
        measure,
        **{
            "reports-TOTAL_FORMS": 1,
            "reports-0-period": "2027-05",
            "reports-0-progress": 20,
            "reports-0-status": "in_progress",
            "reports-0-done_text": "将来的报告",
        },
    )
    for client in (liaison_client, office):
        client.post(_change_url(measure), data)
    assert not ProgressReport.objects.exists()


def test_liaison_files_a_report_and_cannot_forge_its_review(liaison_client, coordinator, body):
    measure = MeasureFactory(lead_body=body)
    data = {
        "measure": measure.pk,
        "period": "2026-11",
        "progress": 35,
        "status": "in_progress",
        "done_text": "已召开推进会",
        "problems": "经费不足",
        "next_steps": "12月完成验收",
        # the office's review, forged: never read from the form
        "review_state": "accepted",
        "reviewed_by": coordinator.pk,
        "reviewed_at_0": "2026-11-20",
        "reviewed_at_1": "09:00:00",
        "return_reason": "改革办已审核",
    }
    response = liaison_client.post(reverse("admin:tasks_progressreport_add"), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert (report.author, report.body, report.done_text) == (
        liaison_client.user,
        body,
        "已召开推进会",
    )
    assert report.review_state == ProgressReport.ReviewState.SUBMITTED  # the office reviews
    assert (report.reviewed_by, report.reviewed_at, report.return_reason) == (None, None, "")
    assert report.submitted_at is not None


def test_liaison_marks_a_milestone_done_but_cannot_move_it(liaison_client, body):
    milestone = MilestoneFactory(measure=MeasureFactory(lead_body=body), title="完成调研")
    url = reverse("admin:tasks_milestone_change", args=[milestone.pk])
    html = liaison_client.get(url).content.decode()
    assert 'name="done_on"' in html and 'name="due_date"' not in html
    response = liaison_client.post(
        url,
        {
            "done_on": "2026-11-20",
            "due_date": "2030-01-01",
            "loaded_version": milestone.version,
        },
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert str(milestone.done_on) == "2026-11-20" and str(milestone.due_date) != "2030-01-01"


def test_liaison_corrects_its_report_until_it_is_accepted(liaison_client, body):
    report = ProgressReportFactory(measure=MeasureFactory(lead_body=body), done_text="初稿")
    url = reverse("admin:tasks_progressreport_change", args=[report.pk])
    data = {
        "period": "2026-11",
        "progress": 40,
        "status": "in_progress",
        "done_text": "修改稿",
        "loaded_version": report.version,
    }
    assert liaison_client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert report.done_text == "修改稿"
    ProgressReport.objects.filter(pk=report.pk).update(review_state="accepted")
    data["loaded_version"] = report.version
    assert liaison_client.post(url, {**data, "done_text": "再改"}).status_code == 403
    report.refresh_from_db()
    assert report.done_text == "修改稿"


def test_liaison_cannot_file_a_report_for_another_bodys_measure(liaison_client):
    other = MeasureFactory(lead_body=ResponsibleBodyFactory(name="省教育厅"))
    response = liaison_client.post(
        reverse("admin:tasks_progressreport_add"),
        {
            "measure": other.pk,
            "period": "2026-11",
            "progress": 10,
            "status": "in_progress",
        },
    )
    assert response.status_code == 200
    assert "牵头单位的联络员" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_list_editing_is_for_the_office_only(liaison_client, coordinator, body):
    measure = MeasureFactory(lead_body=body)
    changelist = reverse("admin:tasks_measure_changelist")
    assert 'name="form-0-owner"' not in liaison_client.get(changelist).content.decode()
    # a crafted list edit from the liaison changes nothing
    liaison_client.post(
        changelist,
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "_save": "1",
            "form-0-id": measure.pk,
            "form-0-priority": 1,
            "form-0-status": "done",
            "form-0-loaded_version": 1,
        },
    )
    measure.refresh_from_db()
    assert (measure.priority, measure.status) == (2, "not_started")
    office = Client()
    office.force_login(coordinator)
    assert 'name="form-0-owner"' in office.get(changelist).content.decode()


def test_refused_admin_write_explains_in_chinese(client, viewer):
    measure = MeasureFactory()
    client.force_login(viewer)
    response = client.post(_change_url(measure), _post_data(measure, progress=99))
    assert response.status_code == 403
    assert "领导" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).progress == 0


def test_history_cannot_be_reverted_from_the_admin(coordinator_client):
    measure = MeasureFactory(title="旧")
    measure.title = "新"
    measure.save()
    record = measure.history.last()
    url = reverse("admin:tasks_measure_simple_history", args=[measure.pk, record.history_id])
    assert coordinator_client.get(url).status_code == 200  # reading an old version is fine
    response = coordinator_client.post(
        url,
        {
            "title": "旧",
            "area": measure.area_id,
            "rank": 1,
            "priority": 2,
            "status": "not_started",
            "progress": 0,
        },
    )
    assert response.status_code == 403
    assert "历史记录仅供查看" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).title == "新"


def test_office_looks_up_people_to_assign_as_owners(coordinator_client):
    UserFactory(username="zhangsan", first_name="张三")
    response = coordinator_client.get(
        "/admin/autocomplete/",
        {"term": "zhang", "app_label": "tasks", "model_name": "measure", "field_name": "owner"},
    )
    assert response.status_code == 200
    # found by the login name, shown by the name every page shows
    assert [item["text"] for item in response.json()["results"]] == ["张三"]

"""Two cadres edit the same row: the second save is refused and told what the first changed."""

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tasks.models import Measure, StaleEdit
from tests.factories import MeasureFactory, UserFactory

pytestmark = pytest.mark.django_db


def _form_data(measure: Measure, **changes) -> dict:
    data = {
        "area": measure.area_id,
        "ordinal": measure.ordinal,
        "title": measure.title,
        "description": measure.description,
        "priority": measure.priority,
        "rank": measure.rank,
        "status": measure.status,
        "progress": measure.progress,
        "start_date": "",
        "due_date": "",
        "deadline_note": "",
        "loaded_version": measure.version,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    return {**data, **changes}


@pytest.fixture
def two_coordinators(client, coordinator, django_user_model):
    from django.contrib.auth.models import Group
    from django.test import Client

    other = UserFactory(
        username="wang",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name="改革办")],
    )
    client.force_login(coordinator)
    second = Client()
    second.force_login(other)
    return client, second


def test_second_save_in_admin_is_refused_with_what_changed(two_coordinators):
    first, second = two_coordinators
    measure = MeasureFactory(title="原标题", progress=10)
    url = reverse("admin:tasks_measure_change", args=[measure.pk])
    loaded = Measure.objects.get(pk=measure.pk)  # both open the page at version 1
    assert "loaded_version" in second.get(url).content.decode()

    response = second.post(url, _form_data(loaded, due_date="2026-09-30", progress=50))
    assert response.status_code == 302
    response = first.post(url, _form_data(loaded, title="我改的标题"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "王科长" in html
    assert "完成时限" in html and "2026" in html and "进度" in html
    assert "您的修改尚未保存" in html
    assert 'value="我改的标题"' in html  # the user's input is kept in the form
    measure.refresh_from_db()
    assert (measure.title, measure.progress, str(measure.due_date)) == ("原标题", 50, "2026-09-30")
    assert measure.version == 2


def test_fresh_save_after_reload_succeeds(two_coordinators):
    first, _ = two_coordinators
    measure = MeasureFactory()
    url = reverse("admin:tasks_measure_change", args=[measure.pk])
    for title in ["第一次", "第二次"]:
        current = Measure.objects.get(pk=measure.pk)
        assert first.post(url, _form_data(current, title=title)).status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.version) == ("第二次", 3)


def test_stale_list_edit_is_refused(two_coordinators):
    first, second = two_coordinators
    measure = MeasureFactory(priority=2)
    loaded_version = measure.version
    url = reverse("admin:tasks_measure_change", args=[measure.pk])
    assert second.post(url, _form_data(measure, due_date="2026-10-01")).status_code == 302

    changelist = reverse("admin:tasks_measure_changelist")
    assert "form-0-loaded_version" in first.get(changelist).content.decode()
    response = first.post(
        changelist,
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "_save": "保存",
            "form-0-id": measure.pk,
            "form-0-owner": "",
            "form-0-due_date": "",
            "form-0-priority": 1,
            "form-0-status": "not_started",
            "form-0-loaded_version": loaded_version,
        },
    )
    assert response.status_code == 200
    assert "王科长" in response.content.decode()
    measure.refresh_from_db()
    assert (measure.priority, str(measure.due_date)) == (2, "2026-10-01")


def test_model_refuses_a_save_from_a_stale_copy():
    measure = MeasureFactory(title="原标题")
    mine, theirs = Measure.objects.get(pk=measure.pk), Measure.objects.get(pk=measure.pk)
    theirs.title = "他们的"
    theirs.save_versioned(expected_version=1)
    mine.title = "我的"
    with pytest.raises(StaleEdit) as stale:
        mine.save_versioned(expected_version=1)
    assert stale.value.current.title == "他们的"
    assert stale.value.loaded_version == 1
    changes, later = stale.value.current.changes_since(1)
    assert [(field, str(before), str(after)) for field, before, after in changes] == [
        ("标题", "原标题", "他们的")
    ]
    assert len(later) == 1
    assert Measure.objects.get(pk=measure.pk).title == "他们的"
    assert measure.history.count() == 2  # created, then their save; nothing from mine


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two simultaneous writers need a server database; CI runs this on PostgreSQL",
)
def test_two_connections_saving_at_once_on_postgresql():
    measure = MeasureFactory(title="原标题")
    both_loaded = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def edit(title: str) -> None:
        try:
            with transaction.atomic():
                copy = Measure.objects.get(pk=measure.pk)
                both_loaded.wait(timeout=10)
                copy.title = title
                copy.save_versioned(expected_version=copy.version)
            outcome[title] = "saved"
        except StaleEdit:
            outcome[title] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(title,)) for title in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcome.values()) == ["refused", "saved"]
    winner = next(title for title, result in outcome.items() if result == "saved")
    measure.refresh_from_db()
    assert (measure.title, measure.version) == (winner, 2)

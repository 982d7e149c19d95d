"""Limits on what people type, said in the form and refused beyond (nothing saved), and times
shown in the site's zone wherever a message names one."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tasks import reporting
from tasks.intake.proposal import Proposal
from tasks.models import Contribution, ExtensionRequest, Measure, ProgressReport
from tasks.models.reporting import REASON_MAX, REPORT_NOTE_MAX, REPORT_TEXT_MAX
from tasks.models.versioning import conflict_message
from tests.factories import MeasureFactory, ProgressReportFactory, ResponsibleBodyFactory

pytestmark = pytest.mark.django_db

TOO_LONG = "字" * 2_000_000  # what was once stored, and became a 2 MB cell of the ledger


@pytest.fixture
def measure(liaison):
    measure = MeasureFactory(lead_body=liaison.bodies.get(), status="in_progress")
    measure.cooperating_bodies.add(ResponsibleBodyFactory(name="省人社厅"))
    Measure.objects.filter(pk=measure.pk).update(
        created_at=timezone.make_aware(datetime(2026, 1, 5, 9))
    )
    return Measure.objects.get(pk=measure.pk)


def _report(**texts) -> dict:
    return {"progress": 40, "status": "in_progress", "done_text": "召开推进会"} | texts


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("done_text", REPORT_TEXT_MAX),
        ("problems", REPORT_NOTE_MAX),
        ("next_steps", REPORT_NOTE_MAX),
    ],
)
def test_a_report_text_has_its_limit_said_and_kept(client, liaison, measure, field, limit):
    client.force_login(liaison)
    url = reverse("tasks:report_file", args=[measure.pk])
    form = client.get(url).content.decode()
    assert f"最多 {limit} 字" in form and f'maxlength="{limit}"' in form
    response = client.post(url, _report(**{field: "字" * (limit + 1)}))
    assert response.status_code == 200
    assert f"最多 {limit} 个字符" in response.content.decode()
    # two million characters do not even reach the form: the request is too large
    assert client.post(url, _report(**{field: TOO_LONG})).status_code in (400, 413)
    assert not ProgressReport.objects.exists()
    client.post(url, _report(**{field: "字" * limit}))
    assert ProgressReport.objects.get().measure == measure  # the limit itself is fine


def test_the_limit_holds_on_paths_without_a_form(liaison, measure):
    with pytest.raises(ValidationError):
        reporting.file_report(
            measure=measure,
            period=reporting.parse_period("2026-11"),
            by=liaison,
            progress=10,
            status="in_progress",
            done_text=TOO_LONG,
        )
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "limit"),
    [
        ("contribution_save", {"text": "字" * (REPORT_NOTE_MAX + 1)}, REPORT_NOTE_MAX),
        (
            "extension_request",
            {"requested_due_date": "2027-06-30", "reason": "字" * (REASON_MAX + 1)},
            REASON_MAX,
        ),
    ],
)
def test_a_liaisons_other_texts_have_their_limits(client, liaison, measure, name, data, limit):
    if name == "contribution_save":  # the liaison's body co-operates on it
        measure.lead_body = ResponsibleBodyFactory(name="省总工会")
        measure.save()
        measure.cooperating_bodies.add(liaison.bodies.get())
        data = data | {"body": liaison.bodies.get().pk}
    client.force_login(liaison)
    page = client.get(reverse("tasks:measure_detail", args=[measure.pk])).content.decode()
    assert f"最多 {limit} 字" in page
    response = client.post(reverse(f"tasks:{name}", args=[measure.pk]), data)
    assert f"最多 {limit} 个字符" in response.content.decode()
    assert not Contribution.objects.exists() and not ExtensionRequest.objects.exists()


def test_a_return_reason_has_its_limit(coordinator_client, measure, liaison):
    report = ProgressReportFactory(measure=measure, period="2026-11", author=liaison)
    url = reverse("tasks:report_review", args=[report.pk])
    data = {"decision": "return", "reason": "字" * (REASON_MAX + 1), "loaded_version": 1}
    response = coordinator_client.post(url, data)
    assert f"最多 {REASON_MAX} 个字符" in response.content.decode()
    report.refresh_from_db()
    assert report.review_state == "submitted"


def test_a_documents_long_title_is_not_cut_without_a_word():
    proposal = Proposal(nodes=[], source={"title": "标" * 301, "author": "某", "affiliation": ""})
    assert "301" in proposal.source_too_long() and "300" in proposal.source_too_long()
    proposal.source |= {"title": "关于深化工会改革的实施方案", "author": "作" * 101}
    assert "101" in proposal.source_too_long()
    proposal.source["author"] = "省总工会"
    assert proposal.source_too_long() is None


def test_a_conflict_names_times_in_the_sites_zone(clock, liaison, coordinator, measure):
    """The other person's save at 13:53 UTC is 21:53 in Shanghai: the message says 21:53, for
    when it was saved and for the time stamp it changed."""
    report = ProgressReportFactory(measure=measure, period="2026-11", author=liaison)
    loaded = report.version
    clock.move_to(datetime(2026, 11, 24, 13, 53, tzinfo=UTC))
    reporting.file_report(
        measure=measure,
        period=reporting.parse_period("2026-11"),
        by=coordinator,
        progress=50,
        status="in_progress",
        done_text="改革办修改了报告",
        loaded_version=loaded,
    )
    message = conflict_message(ProgressReport.objects.get(pk=report.pk), loaded)
    assert "21:53" in message
    assert "13:53" not in message

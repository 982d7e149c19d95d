"""The reporting cycle: who owes a report, filing, correcting, review, contributions,
attachments, extension requests, closing, and the period's table."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import permissions, roles
from tasks.history import measure_timeline
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    ProgressReport,
)
from tasks.periods import Period, PeriodError
from tasks.reporting import (
    ReportingRefused,
    ReportState,
    current_period,
    parse_period,
    period_rows,
    period_table,
    review_report,
)
from tests.conftest import queries_for
from tests.factories import (
    MeasureFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOV = Period.parse("2026-11")


def _aware(day: date, at: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _created(measure: Measure, day: date, at: time = time(9)) -> Measure:
    Measure.objects.filter(pk=measure.pk).update(created_at=_aware(day, at))
    measure.refresh_from_db()
    return measure


def _measure(**fields) -> Measure:
    fields.setdefault("status", Measure.Status.IN_PROGRESS)
    return _created(MeasureFactory(**fields), date(2026, 1, 1))


def _states(period: Period, today: date) -> dict[int, str]:
    return {row.measure.pk: row.state for row in period_rows(period, today)}


@pytest.fixture
def on(clock):
    """Move the clock to a day (10:00 there)."""

    def set_day(day: date) -> date:
        clock.move_to(day)
        return day

    set_day(date(2026, 11, 24))
    return set_day


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def partner_liaison(db):
    """The liaison of 法院, a body that co-operates on the measure (it does not lead it)."""
    user = UserFactory(username="court", groups=[Group.objects.get(name=roles.LIAISON)])
    ResponsibleBodyFactory(name="法院").members.add(user)
    return user


@pytest.fixture
def measure(liaison, partner_liaison):
    """Led by 企业 (the `liaison`'s body), 法院 co-operating; running all year."""
    measure = _measure(
        lead_body=liaison.bodies.get(),
        start_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        progress=20,
    )
    measure.cooperating_bodies.add(partner_liaison.bodies.get())
    return measure


def _url(name: str, *args, period: str | None = None) -> str:
    url = reverse(f"tasks:{name}", args=args)
    return f"{url}?period={period}" if period else url


def _report_data(**changes) -> dict:
    data = {
        "status": "in_progress",
        "progress": 40,
        "done_text": "走访企业十家",
        "problems": "经费不足",
        "next_steps": "召开推进会",
    }
    return {**data, **changes}


def _file(client, measure, period="2026-11", **changes):
    return client.post(_url("report_file", measure.pk, period=period), _report_data(**changes))


# -- which measures owe a report, and their state at the edges ----------------------------------


def test_not_filed_on_the_deadline_day_late_the_day_after(measure):
    assert _states(NOV, date(2026, 12, 5))[measure.pk] == ReportState.MISSING
    assert _states(NOV, date(2026, 12, 6))[measure.pk] == ReportState.LATE
    assert current_period(date(2026, 12, 5)) == NOV
    assert current_period(date(2026, 12, 6)) == Period.parse("2026-12")


def test_a_quarter_boundary(settings, liaison):
    settings.TASKS_REPORT_PERIOD = "quarter"
    q4 = Period.parse("2026Q4")
    last_day = _created(_measure(lead_body=liaison.bodies.get()), date(2026, 12, 31), time(23, 59))
    next_day = _created(_measure(), date(2027, 1, 1), time(0, 0))
    assert current_period(date(2027, 1, 5)) == q4
    assert current_period(date(2027, 1, 6)) == Period.parse("2027Q1")
    assert _states(q4, date(2027, 1, 5)) == {last_day.pk: ReportState.MISSING}
    assert _states(q4, date(2027, 1, 6)) == {last_day.pk: ReportState.LATE}
    assert next_day.pk in _states(Period.parse("2027Q1"), date(2027, 1, 6))
    assert parse_period("2026Q4") == q4
    with pytest.raises(PeriodError):
        parse_period("2026-11")  # reports are collected by quarter


def test_a_measure_created_mid_period_owes_that_periods_report():
    mid = _created(_measure(), date(2026, 11, 15))
    last_minute = _created(_measure(), date(2026, 11, 30), time(23, 59))
    next_month = _created(_measure(), date(2026, 12, 1), time(0, 0))
    november = _states(NOV, date(2026, 12, 6))
    assert november == {mid.pk: ReportState.LATE, last_minute.pk: ReportState.LATE}
    assert mid.pk not in _states(Period.parse("2026-10"), date(2026, 12, 6))
    assert next_month.pk in _states(Period.parse("2026-12"), date(2026, 12, 6))


def test_suspended_owe_nothing_completed_owe_their_final_report_closed_nothing_after():
    suspended = _measure(status=Measure.Status.SUSPENDED)
    done_unreported = _measure(status=Measure.Status.DONE, progress=100)
    done_reported = _measure(status=Measure.Status.DONE, progress=100)
    ProgressReportFactory(
        measure=done_reported, period="2026-10", status="done", progress=100,
        review_state="accepted",
    )  # fmt: skip
    closed = _measure(status=Measure.Status.DONE, progress=100, closed_on=date(2026, 11, 20))
    october = _states(Period.parse("2026-10"), date(2026, 12, 6))
    november = _states(NOV, date(2026, 12, 6))
    assert suspended.pk not in october and suspended.pk not in november
    assert november[done_unreported.pk] == ReportState.LATE  # the final report is owed
    assert october[done_reported.pk] == ReportState.ACCEPTED  # completed and reported in October
    assert done_reported.pk not in november  # … so nothing is owed after it
    assert october[closed.pk] == ReportState.LATE  # its October report was due before closing
    assert closed.pk not in november  # closed before November's deadline


def test_a_filed_report_shows_its_review_state_and_lateness(measure):
    other = _measure()
    report = ProgressReportFactory(measure=measure, period="2026-11", review_state="returned")
    report.submitted_at = _aware(date(2026, 12, 7))
    report.save()
    table = period_table(period=NOV, today=date(2026, 12, 8))
    rows = {row.measure.pk: row for row in table.page(1)}
    assert rows[measure.pk].state == ReportState.RETURNED and rows[measure.pk].filed_late
    assert rows[other.pk].state == ReportState.LATE
    assert [row.measure.pk for row in table.late] == [other.pk]
    counts = {state: n for state, _label, n in table.counts}
    assert counts == {"missing": 0, "submitted": 0, "returned": 1, "accepted": 0, "late": 1}


# -- filing, correcting, reviewing --------------------------------------------------------------


def test_the_lead_liaison_files_and_corrects_the_same_report(client, liaison, measure, on):
    client.force_login(liaison)
    page = client.get(_url("report_file", measure.pk))  # the period being collected: 2026-11
    assert page.status_code == 200 and 'name="done_text"' in page.content.decode()
    response = _file(client, measure)
    assert response.status_code == 302
    assert response.url == f"/measures/{measure.pk}/?period=2026-11#reporting"
    report = ProgressReport.objects.get()
    assert (report.author, report.body, report.review_state, report.version) == (
        liaison,
        measure.lead_body,
        "submitted",
        1,
    )
    response = _file(client, measure, progress=50, loaded_version=1)
    assert response.status_code == 302
    report = ProgressReport.objects.get()  # still one report for the period
    assert (report.progress, report.version) == (50, 2)
    assert Measure.objects.get(pk=measure.pk).progress == 20  # not before the review


def test_the_report_form_explains_its_mistakes_and_saves_nothing(client, liaison, measure, on):
    client.force_login(liaison)
    html = _file(client, measure, status="done", progress=80, done_text="").content.decode()
    assert _("A completed measure stands at 100%. Set the progress to 100.") in html
    assert _("Write what was done in this period (进展情况).") in html
    assert not ProgressReport.objects.exists()


def test_a_period_not_begun_cannot_be_filed_and_a_bad_one_falls_back(client, liaison, measure, on):
    client.force_login(liaison)
    response = _file(client, measure, period="2026-12")
    assert response.status_code == 302 and response.url.endswith("?period=2026-11")
    assert not ProgressReport.objects.exists()
    page = client.get(_url("report_file", measure.pk, period="2026-13"))
    assert page.status_code == 200 and page.context["period"] == NOV
    assert "2026-13" in page.content.decode()
    assert _file(client, measure, period="nonsense").status_code == 200
    assert not ProgressReport.objects.exists()


def test_who_may_file_contribute_and_review(client, liaison, partner_liaison, viewer, measure, on):
    for user in (partner_liaison, viewer):
        client.force_login(user)
        assert client.get(_url("report_file", measure.pk)).status_code == 403
        assert _file(client, measure).status_code == 403
    assert not ProgressReport.objects.exists()
    client.force_login(viewer)
    contribution = {"body": partner_liaison.bodies.get().pk, "text": "提供司法数据"}
    assert client.post(_url("contribution_save", measure.pk), contribution).status_code == 403
    client.force_login(liaison)
    _file(client, measure)
    report = ProgressReport.objects.get()
    review = {"decision": "accept", "loaded_version": 1}
    for user in (liaison, partner_liaison, viewer):
        client.force_login(user)
        assert client.post(_url("report_review", report.pk), review).status_code == 403
    assert ProgressReport.objects.get().review_state == "submitted"
    client.logout()
    assert client.get(_url("report_file", measure.pk)).status_code == 302  # to the login page


def test_a_cooperating_body_contributes_and_the_lead_report_shows_it(
    client, liaison, partner_liaison, measure, on
):
    client.force_login(partner_liaison)
    court = partner_liaison.bodies.get()
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/measures/{measure.pk}/contribution?period=2026-11"' in page
    assert f'href="/measures/{measure.pk}/report' not in page  # it does not file the report
    data = {"body": court.pk, "text": "提供司法数据"}
    response = client.post(_url("contribution_save", measure.pk, period="2026-11"), data)
    assert response.status_code == 302
    data["text"] = "提供司法数据两批"
    client.post(_url("contribution_save", measure.pk, period="2026-11"), data)
    contribution = Contribution.objects.get()  # written again, it replaces the last
    assert (contribution.text, contribution.author, contribution.period) == (
        "提供司法数据两批",
        partner_liaison,
        "2026-11",
    )
    # not for a body it does not act for
    enterprise = liaison.bodies.get()
    refused = client.post(
        _url("contribution_save", measure.pk), {"body": enterprise.pk, "text": "x"}
    )
    assert refused.status_code == 200 and Contribution.objects.count() == 1
    client.force_login(liaison)
    assert "提供司法数据两批" in client.get(_url("report_file", measure.pk)).content.decode()


def test_returned_corrected_accepted(client, coordinator, liaison, measure, on):
    client.force_login(liaison)
    _file(client, measure, progress=60)
    report = ProgressReport.objects.get()
    client.force_login(coordinator)
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/reports/{report.pk}/review"' in page
    # a return without a reason is explained, and changes nothing
    no_reason = client.post(
        _url("report_review", report.pk), {"decision": "return", "loaded_version": 1}
    )
    assert no_reason.status_code == 200
    assert _("Say why the report is returned, so that it can be corrected.") in (
        no_reason.content.decode()
    )
    assert ProgressReport.objects.get().review_state == "submitted"
    returned = client.post(
        _url("report_review", report.pk),
        {"decision": "return", "reason": "请补充走访企业名单", "loaded_version": 1},
    )
    assert returned.status_code == 302
    report.refresh_from_db()
    assert (report.review_state, report.return_reason, report.reviewed_by) == (
        "returned",
        "请补充走访企业名单",
        coordinator,
    )
    client.force_login(liaison)
    assert "请补充走访企业名单" in client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "请补充走访企业名单" in client.get(_url("report_file", measure.pk)).content.decode()
    _file(client, measure, progress=70, done_text="走访企业十家：甲、乙……", loaded_version=2)
    report.refresh_from_db()
    assert (report.review_state, report.progress) == ("submitted", 70)  # 已报 again
    # a review of the version before the correction is refused
    client.force_login(coordinator)
    stale = client.post(
        _url("report_review", report.pk), {"decision": "accept", "loaded_version": 2}
    )
    assert stale.status_code == 302
    assert ProgressReport.objects.get().review_state == "submitted"
    accepted = client.post(
        _url("report_review", report.pk), {"decision": "accept", "loaded_version": 3}
    )
    assert accepted.status_code == 302
    report.refresh_from_db()
    assert (report.review_state, report.reviewed_by) == ("accepted", coordinator)
    assert report.reviewed_at is not None
    measure.refresh_from_db()
    assert (measure.progress, measure.status) == (70, "in_progress")  # the accepted figures
    # the liaison can no longer change it
    client.force_login(liaison)
    assert client.get(_url("report_file", measure.pk)).status_code == 403
    assert _file(client, measure, progress=99, loaded_version=4).status_code == 403
    assert ProgressReport.objects.get().progress == 70
    # nor can it be reviewed twice
    with pytest.raises(ReportingRefused):
        review_report(report=report, by=coordinator, accept=False, reason="再改")


def test_the_office_corrects_an_accepted_report_and_it_stays_accepted(
    client, coordinator, measure, on
):
    report = ProgressReportFactory(measure=measure, period="2026-11", progress=30)
    review_report(report=report, by=coordinator, accept=True)
    client.force_login(coordinator)
    assert _file(client, measure, progress=35, loaded_version=2).status_code == 302
    report.refresh_from_db()
    assert (report.review_state, report.progress, report.version) == ("accepted", 35, 3)
    assert Measure.objects.get(pk=measure.pk).progress == 35


def test_a_stale_correction_is_refused_with_what_changed(client, coordinator, liaison, measure, on):
    client.force_login(liaison)
    _file(client, measure)
    report = ProgressReport.objects.get()
    report.problems = "场地紧张"  # someone else corrects it meanwhile
    report.save_versioned(expected_version=1)
    html = _file(client, measure, progress=90, loaded_version=1).content.decode()
    assert "场地紧张" in html and 'class="errors"' in html
    assert ProgressReport.objects.get().progress == 40


def test_a_report_filed_while_the_form_was_open_is_not_overwritten(client, liaison, measure, on):
    client.force_login(liaison)
    ProgressReportFactory(measure=measure, period="2026-11", done_text="先报的")
    response = _file(client, measure)  # the form was opened for a new report
    assert response.status_code == 200
    assert ProgressReport.objects.get().done_text == "先报的"


# -- attachments --------------------------------------------------------------------------------


def _upload(name: str, size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size)


def test_attachments_are_stored_and_downloaded_under_their_name(
    client, liaison, viewer, measure, media, on
):
    client.force_login(liaison)
    response = client.post(
        _url("report_file", measure.pk),
        _report_data(attachments=[_upload("走访记录.pdf"), _upload("photo.JPG", 10)]),
    )
    assert response.status_code == 302
    first, second = Attachment.objects.order_by("pk")
    assert (first.name, first.size, first.uploaded_by) == ("走访记录.pdf", 100, liaison)
    assert Path(first.file.path).is_relative_to(media / "reports" / "2026-11" / str(measure.pk))
    client.force_login(viewer)
    download = client.get(_url("attachment_download", first.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"x" * 100
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment") and "%E8%B5%B0%E8%AE%BF" in disposition
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'href="/attachments/{first.pk}/"' in page and "photo.JPG" in page


def test_attachment_removed_while_correcting(
    client, liaison, measure, media, on, django_capture_on_commit_callbacks
):
    client.force_login(liaison)
    client.post(_url("report_file", measure.pk), _report_data(attachments=[_upload("a.pdf")]))
    attachment = Attachment.objects.get()
    stored = Path(attachment.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("report_file", measure.pk),
            _report_data(loaded_version=1, remove_attachments=[attachment.pk]),
        )
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert ProgressReport.objects.get().version == 2
    assert not stored.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            ("setup.exe", 100),
            "“%(name)s” cannot be attached: only these kinds of file are accepted: %(kinds)s.",
        ),
        (("big.pdf", 2048), "“%(name)s” is %(size)s; a file may be at most %(limit)s."),
    ],
)
def test_a_wrong_or_too_big_file_saves_nothing(
    client, liaison, measure, media, settings, on, upload, message
):
    from django.template.defaultfilters import filesizeformat

    from tasks.reporting import allowed_extensions

    settings.TASKS_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(liaison)
    response = client.post(
        _url("report_file", measure.pk), _report_data(attachments=[_upload(*upload)])
    )
    assert response.status_code == 200
    expected = _(message) % {
        "name": upload[0],
        "kinds": "、".join(allowed_extensions()),
        "size": filesizeformat(2048),
        "limit": filesizeformat(1024),
    }
    assert expected in response.content.decode()
    assert not ProgressReport.objects.exists() and not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_attachment_download_needs_a_role(client, liaison, measure, media, on):
    client.force_login(liaison)
    client.post(_url("report_file", measure.pk), _report_data(attachments=[_upload("a.pdf")]))
    attachment = Attachment.objects.get()
    url = _url("attachment_download", attachment.pk)
    client.force_login(UserFactory(username="nobody"))  # logged in, no role
    assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(liaison)
    Path(attachment.file.path).unlink()
    assert client.get(url).status_code == 404
    assert client.get(_url("attachment_download", 999999)).status_code == 404


# -- extension requests -------------------------------------------------------------------------


def _ask(client, measure, day="2027-03-31", reason="调研对象增加"):
    return client.post(
        _url("extension_request", measure.pk), {"requested_due_date": day, "reason": reason}
    )


def test_extension_requested_approved_and_the_history_shows_the_new_date(
    client, coordinator, liaison, measure, on
):
    client.force_login(liaison)
    assert _ask(client, measure).status_code == 302
    extension = ExtensionRequest.objects.get()
    assert (extension.state, extension.current_due_date, extension.requested_by) == (
        "pending",
        date(2026, 12, 31),
        liaison,
    )
    again = _ask(client, measure, day="2027-06-30")
    assert again.status_code == 200 and ExtensionRequest.objects.count() == 1
    client.force_login(coordinator)
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/extensions/{extension.pk}/decide"' in page
    response = client.post(
        _url("extension_decide", extension.pk), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.due_date == date(2027, 3, 31)
    extension.refresh_from_db()
    assert (extension.state, extension.decided_by) == ("approved", coordinator)
    due = str(Measure._meta.get_field("due_date").verbose_name)
    changes = [change for entry in measure_timeline(measure) for change in entry.changes]
    assert any(change.field == due and "2027" in change.after for change in changes)
    html = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "2027-03-31" in html and "调研对象增加" in html
    # decided once
    again = client.post(
        _url("extension_decide", extension.pk), {"decision": "reject", "note": "否"}
    )
    assert again.status_code == 200
    assert ExtensionRequest.objects.get().state == "approved"


def test_extension_rejected_needs_a_reason_and_keeps_the_date(
    client, coordinator, liaison, measure, on
):
    client.force_login(liaison)
    _ask(client, measure)
    extension = ExtensionRequest.objects.get()
    client.force_login(coordinator)
    no_note = client.post(_url("extension_decide", extension.pk), {"decision": "reject"})
    assert no_note.status_code == 200
    assert _("Say why the request is rejected.") in no_note.content.decode()
    assert ExtensionRequest.objects.get().state == "pending"
    client.post(_url("extension_decide", extension.pk), {"decision": "reject", "note": "时限不变"})
    extension.refresh_from_db()
    assert (extension.state, extension.decision_note) == ("rejected", "时限不变")
    assert Measure.objects.get(pk=measure.pk).due_date == date(2026, 12, 31)
    assert "时限不变" in client.get(_url("measure_detail", measure.pk)).content.decode()


def test_extension_dates_and_who_may_ask_or_decide(
    client, coordinator, liaison, partner_liaison, viewer, measure, on
):
    client.force_login(liaison)
    earlier = _ask(client, measure, day="2026-12-01")
    expected = _("Ask for a date after the current due date (%(date)s).") % {"date": "2026-12-31"}
    assert earlier.status_code == 200 and expected in earlier.content.decode()
    assert _ask(client, measure, reason="").status_code == 200
    assert not ExtensionRequest.objects.exists()
    for user in (viewer, coordinator):
        client.force_login(user)
        assert _ask(client, measure).status_code == 403
    client.force_login(partner_liaison)  # a co-operating body may ask too
    assert _ask(client, measure).status_code == 302
    extension = ExtensionRequest.objects.get()
    for user in (liaison, viewer):
        client.force_login(user)
        response = client.post(_url("extension_decide", extension.pk), {"decision": "approve"})
        assert response.status_code == 403
    assert ExtensionRequest.objects.get().state == "pending"


# -- closing (销号) -----------------------------------------------------------------------------


def test_closing_rules(client, coordinator, liaison, measure, on):
    client.force_login(liaison)
    assert client.post(_url("measure_close", measure.pk)).status_code == 403
    client.force_login(coordinator)
    client.post(_url("measure_close", measure.pk))  # not completed
    assert Measure.objects.get(pk=measure.pk).closed_on is None
    Measure.objects.filter(pk=measure.pk).update(status="done", progress=100)
    response = client.post(_url("measure_close", measure.pk), follow=True)
    assert (
        _(
            "There is no progress report yet: a measure is closed after its final report has "
            "been reviewed."
        )
        in response.content.decode()
    )
    report = ProgressReportFactory(
        measure=measure, period="2026-11", status="done", progress=100, review_state="submitted"
    )
    client.post(_url("measure_close", measure.pk))
    assert Measure.objects.get(pk=measure.pk).closed_on is None  # its final report not reviewed
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/measures/{measure.pk}/close"' not in page
    review_report(report=report, by=coordinator, accept=True)
    page = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert f'action="/measures/{measure.pk}/close"' in page
    assert client.post(_url("measure_close", measure.pk)).status_code == 302
    measure.refresh_from_db()
    assert (measure.closed_on, measure.closed_by) == (timezone.localdate(), coordinator)
    assert measure.history.filter(closed_on__isnull=False).exists()
    version = measure.version
    client.post(_url("measure_close", measure.pk))  # closed once
    assert Measure.objects.get(pk=measure.pk).version == version


# -- /reports/ ----------------------------------------------------------------------------------


def _plan(count: int) -> None:
    bodies = [ResponsibleBodyFactory(name=f"单位{n}") for n in range(4)]
    liaison = UserFactory(username="l-0", groups=[Group.objects.get(name=roles.LIAISON)])
    for body in bodies:
        body.members.add(liaison)
    for n in range(count):
        measure = _measure(lead_body=bodies[n % 4], owner=liaison)
        if n % 3 == 0:
            ProgressReportFactory(measure=measure, period="2026-11", author=liaison)


@pytest.mark.parametrize("count", [5, 200])
def test_the_period_table_costs_a_fixed_number_of_queries(
    count, coordinator_client, django_assert_max_num_queries, on
):
    _plan(count)
    on(date(2026, 12, 6))
    # session, user, roles, the user's bodies and the federation tree; the counts by lead body
    # and state; the count of all measures; the first of the late and their liaisons; the
    # page's measures, their reports and liaisons; the bodies' last chases (催报); and the
    # savepoint pair of ATOMIC_REQUESTS
    with django_assert_max_num_queries(15):
        response = coordinator_client.get(_url("report_list", period="2026-11"))
    # every measure is counted; the table shows a page of them
    assert response.context["table"].counts and response.context["table"].total == count
    assert len(response.context["rows"]) == min(count, settings.TASKS_PAGE_SIZE)
    assert response.context["page"].paginator.count == count


def test_the_period_table_same_count_at_5_and_200(client, viewer, on):
    client.force_login(viewer)
    _plan(5)
    few = queries_for(client, _url("report_list", period="2026-11"))
    _plan(200)
    assert queries_for(client, _url("report_list", period="2026-11")) == few


def test_the_table_counts_states_and_bodies_and_lists_the_late(
    client, liaison, coordinator, measure, on
):
    on(date(2026, 12, 6))
    court = measure.cooperating_bodies.get()
    late = _measure(lead_body=court)
    judge = UserFactory(
        username="judge", first_name="赵法官", groups=[Group.objects.get(name=roles.LIAISON)]
    )
    court.members.add(judge)
    ProgressReportFactory(measure=measure, period="2026-11", review_state="submitted")
    client.force_login(coordinator)
    response = client.get(_url("report_list", period="2026-11"))
    html = response.content.decode()
    table = response.context["table"]
    assert {state: n for state, _label, n in table.counts}["late"] == 1
    chase = html.split('id="chase-list"')[1].split("</section>")[0]
    assert late.title in chase and "赵法官" in chase and measure.title not in chase
    bodies = {str(entry.body): entry.counts for entry in table.bodies}
    assert bodies == {"法院": {"late": 1}, "企业": {"submitted": 1}}
    assert f'href="/measures/{measure.pk}/?period=2026-11#reporting"' in html  # review
    only_late = client.get(_url("report_list", period="2026-11") + "&state=late")
    assert [row.measure for row in only_late.context["rows"]] == [late]


def test_a_large_period_shows_the_first_of_the_late_and_the_bodies_furthest_behind(
    client, viewer, on, monkeypatch
):
    monkeypatch.setattr("tasks.reporting.table.LATE_SHOWN", 3)
    monkeypatch.setattr("tasks.reporting.table.BODIES_SHOWN", 2)
    on(date(2026, 12, 6))  # November's reports are late
    bodies = [ResponsibleBodyFactory(name=f"单位{n}") for n in range(4)]
    late = [_measure(lead_body=bodies[n % 4]) for n in range(7)]
    for measure in late[4:6]:  # 单位0 and 单位1 filed one each: 单位2 is furthest behind
        ProgressReportFactory(measure=measure, period="2026-11")
    unassigned = _measure()  # late too, and its line is shown whatever else is cut
    client.force_login(viewer)
    response = client.get(_url("report_list", period="2026-11"))
    table, html = response.context["table"], response.content.decode()
    assert [row.measure for row in table.late] == late[:3] and table.late_total == 6
    assert "全部 6 项逾期未报的举措" in html
    assert [entry.body and entry.body.name for entry in table.bodies] == ["单位2", "单位0", None]
    assert table.more_bodies == 2 and "另有 2 个" in html
    everything = client.get(_url("report_list", period="2026-11") + "&state=late")
    assert [row.measure for row in everything.context["rows"]] == [*late[:4], late[6], unassigned]


def test_before_the_deadline_the_bodies_with_most_reports_outstanding_come_first(
    viewer, on, monkeypatch
):
    monkeypatch.setattr("tasks.reporting.table.BODIES_SHOWN", 1)
    first, second = ResponsibleBodyFactory(name="甲单位"), ResponsibleBodyFactory(name="乙单位")
    _measure(lead_body=first)
    _measure(lead_body=second)
    _measure(lead_body=second)
    table = period_table(period=NOV, today=date(2026, 12, 1))  # collecting: nothing is late yet
    assert [entry.body for entry in table.bodies] == [second] and table.more_bodies == 1


def test_liaisons_get_file_links_for_their_own_measures_only(client, liaison, measure, on):
    other = _measure()
    client.force_login(liaison)
    html = client.get(_url("report_list")).content.decode()
    assert f'href="/measures/{measure.pk}/report?period=2026-11"' in html
    assert f'href="/measures/{other.pk}/report' not in html


@pytest.mark.parametrize("bad", ["2026-13", "2026Q4", "<script>", "0000-01", "9999-12"])
def test_a_bad_period_is_reported_and_the_current_one_shown(client, viewer, bad, on):
    client.force_login(viewer)
    response = client.get(reverse("tasks:report_list"), {"period": bad})
    assert response.status_code == 200
    assert response.context["table"].period == NOV
    assert 'class="message error"' in response.content.decode()
    assert "<script>" not in response.content.decode().split('<main class="content">')[1]


def test_a_bad_state_filter_is_reported(client, viewer, on):
    client.force_login(viewer)
    response = client.get(reverse("tasks:report_list"), {"state": "nonsense"})
    assert response.status_code == 200
    assert _("There is no such report state; all measures are shown.") in (
        response.content.decode()
    )


def test_the_table_needs_a_role(client):
    assert client.get(reverse("tasks:report_list")).status_code == 302
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("tasks:report_list")).status_code == 403


# -- the measure page's panel -------------------------------------------------------------------


def test_the_panel_shows_the_state_and_the_right_controls(
    client, liaison, viewer, coordinator, measure, on
):
    client.force_login(liaison)
    html = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert str(ReportState.MISSING.label) in html
    assert f'href="/measures/{measure.pk}/report?period=2026-11"' in html
    assert f'action="/measures/{measure.pk}/extension"' in html
    ProgressReportFactory(measure=measure, period="2026-11")
    ExtensionRequest.objects.create(
        measure=measure, requested_by=liaison, requested_due_date=date(2027, 1, 31), reason="r"
    )
    client.force_login(viewer)
    html = client.get(_url("measure_detail", measure.pk)).content.decode()
    assert "<form" not in html.split('<main class="content">')[1]
    client.force_login(coordinator)
    html = client.get(_url("measure_detail", measure.pk, period="2026-10")).content.decode()
    assert str(ReportState.LATE.label) in html and "2026-10" in html


def _busy(measure: Measure, user, media_files: bool = True) -> None:
    report = ProgressReportFactory(measure=measure, period="2026-11", author=user)
    for n in range(3):
        Attachment.objects.create(report=report, file=f"reports/x{n}.pdf", name=f"x{n}.pdf", size=1)
    Contribution.objects.create(
        measure=measure, period="2026-11", body=measure.cooperating_bodies.get(), text="t"
    )
    for n in range(3):
        ExtensionRequest.objects.create(
            measure=measure,
            requested_by=user,
            requested_due_date=date(2027, 1, 1 + n),
            reason="r",
            state="rejected",
            decided_by=user,
        )


@pytest.mark.parametrize("role", ["coordinator", "liaison", "viewer"])
def test_the_panel_costs_five_queries_however_busy_the_measure(
    role, request, rf, coordinator, measure, on, django_assert_num_queries
):
    """Whether the measure owes the period's report, the period's (and the latest) report,
    its attachments, the contributions, the extension requests: whatever the measure has, and
    the include renders without another query."""
    from django.template.loader import render_to_string

    from tasks.views.measure_page import reporting_panel

    quiet = _measure(lead_body=measure.lead_body)
    quiet.cooperating_bodies.add(measure.cooperating_bodies.get())
    _busy(measure, coordinator)
    user = request.getfixturevalue(role)
    permissions.acting_body_ids(user)  # read once per request, by the page before the panel
    permissions.scope(user)  # likewise, where the user acts
    for shown in (quiet, measure):
        shown = Measure.objects.prefetch_related("cooperating_bodies").get(pk=shown.pk)
        get = rf.get(_url("measure_detail", shown.pk))
        get.user = user
        with django_assert_num_queries(5):
            context = reporting_panel(get, shown)
            html = render_to_string(
                "includes/measure_reporting.html", {**context, "measure": shown}, request=get
            )
        assert 'id="reporting"' in html

"""Each rule of the plan, refused on every path that can reach it: the measure page, the task
book's bulk edit, the ledger upload, the report page, the admin (forms, inlines, list editing)
and the reporting cycle's own steps. Every refusal says why, and writes nothing.

The rules live on the models (`Measure.clean`, `Milestone.clean`, `ProgressReport.clean`,
`Contribution.clean`) and in `tasks.permissions`; these tests reach them only through the
paths a user has.
"""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks import reporting
from tasks.models import (
    Contribution,
    ExtensionRequest,
    Measure,
    Milestone,
    ProgressReport,
)
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
)
from tests.test_ledger_upload import _col, _row_of

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Plan:
    office: Client
    liaison: Client
    measure: Measure
    milestone: Milestone
    other_body: object

    def fresh(self) -> Measure:
        return Measure.objects.get(pk=self.measure.pk)


@pytest.fixture
def plan(liaison, coordinator) -> Plan:
    """A measure of the liaison's body (企业), under way since January, with a milestone."""
    body = liaison.bodies.get()
    other = ResponsibleBodyFactory(name="省人社厅")
    measure = MeasureFactory(
        title="健全工会参与改革的工作机制",
        lead_body=body,
        start_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        status=Measure.Status.IN_PROGRESS,
        progress=40,
    )
    measure.cooperating_bodies.add(other)
    Measure.objects.filter(pk=measure.pk).update(
        created_at=timezone.make_aware(datetime(2026, 1, 5, 9))
    )
    milestone = MilestoneFactory(measure=measure, title="完成调研", due_date=date(2026, 12, 15))
    office, liaison_client = Client(), Client()
    office.force_login(coordinator)
    liaison_client.force_login(liaison)
    return Plan(office, liaison_client, Measure.objects.get(pk=measure.pk), milestone, other)


def _state() -> list:
    """Everything a refused write could have touched."""
    measures = [
        (m.pk, m.version, m.owner_id, m.lead_body_id, m.start_date, m.due_date, m.deadline_note)
        + (m.status, m.progress, m.priority, m.closed_on, m.title)
        + (tuple(sorted(b.pk for b in m.cooperating_bodies.all())),)
        for m in Measure.objects.order_by("pk").prefetch_related("cooperating_bodies")
    ]
    milestones = list(Milestone.objects.order_by("pk").values_list())
    reports = list(ProgressReport.objects.order_by("pk").values_list())
    return [
        measures,
        milestones,
        reports,
        list(Contribution.objects.values_list()),
        list(ExtensionRequest.objects.values_list()),
    ]


def _text(response) -> str:
    """What the user reads: the page, or the page it was sent on to (messages included)."""
    if response.streaming:
        return ""
    return unescape(response.content.decode())


# -- the paths -------------------------------------------------------------------------------------


def _page_assign(p: Plan, client: Client | None = None, **changes) -> str:
    m = p.fresh()
    data = {
        "owner": "",
        "lead_body": m.lead_body_id or "",
        "cooperating_bodies": [b.pk for b in m.cooperating_bodies.all()],
        "start_date": m.start_date or "",
        "due_date": m.due_date or "",
        "deadline_note": m.deadline_note,
        "priority": m.priority,
        "loaded_version": m.version,
    } | changes
    url = reverse("tasks:measure_assign", args=[m.pk])
    return _text((client or p.office).post(url, data, follow=True))


def _page_progress(p: Plan, client: Client | None = None, **changes) -> str:
    m = p.fresh()
    data = {"status": m.status, "progress": m.progress, "loaded_version": m.version} | changes
    url = reverse("tasks:measure_progress", args=[m.pk])
    return _text((client or p.office).post(url, data, follow=True))


def _page_milestone_add(p: Plan, **changes) -> str:
    data = {"new-title": "新节点", "new-due_date": "2026-12-20", "new-done_on": ""}
    data |= {f"new-{name}": value for name, value in changes.items()}
    url = reverse("tasks:milestone_add", args=[p.measure.pk])
    return _text(p.office.post(url, data, follow=True))


def _page_milestone(p: Plan, client: Client | None = None, **changes) -> str:
    ms = Milestone.objects.get(pk=p.milestone.pk)
    prefix = f"m{ms.pk}"
    data = {"title": ms.title, "due_date": ms.due_date, "done_on": ms.done_on or ""}
    data |= {"loaded_version": ms.version} | changes
    url = reverse("tasks:milestone_update", args=[ms.pk])
    posted = {f"{prefix}-{name}": value for name, value in data.items()}
    return _text((client or p.office).post(url, posted, follow=True))


def _bulk(p: Plan, field: str, value: object) -> str:
    m = p.fresh()
    data = {"bulk-measures": [m.pk], "bulk-field": field, f"bulk-{field}": value}
    data |= {f"version-{m.pk}": m.version, "next": "/measures/"}
    return _text(p.office.post(reverse("tasks:measure_bulk"), data, follow=True))


LEDGER_KEYS = {"cooperating_bodies": "cooperating"}  # field → the ledger's column key


def _ledger(p: Plan, **cells: object) -> str:
    """Export the ledger, change the measure's row as a cadre would, upload it, confirm."""
    exported = p.office.get("/measures/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    sheet = book.active
    row = _row_of(sheet, p.measure.title)
    for name, value in cells.items():
        sheet.cell(row, _col(sheet, LEDGER_KEYS.get(name, name))).value = value
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("台账.xlsx", out.getvalue(), content_type=XLSX_TYPE)
    preview = _text(p.office.post("/measures/upload/", {"file": upload}))
    token = re.search(r'name="token" value="([^"]+)"', preview)
    if token:  # whatever the preview offers, confirming it must not break the rule
        p.office.post("/measures/upload/confirm", {"token": unescape(token[1])})
    return preview


def _admin_measure(p: Plan, client: Client | None = None, **changes) -> str:
    m = p.fresh()
    data = {
        name: "" if getattr(m, name) is None else getattr(m, name)
        for name in ["ordinal", "title", "description", "start_date", "due_date"]
        + ["deadline_note", "priority", "rank", "status", "progress"]
    }
    data |= {
        "area": m.area_id,
        "parent": "",
        "lead_body": m.lead_body_id or "",
        "owner": m.owner_id or "",
        "cooperating_bodies": [b.pk for b in m.cooperating_bodies.all()],
        "loaded_version": m.version,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
    }
    url = reverse("admin:tasks_measure_change", args=[m.pk])
    return _text((client or p.office).post(url, data | changes, follow=True))


def _admin_inline(p: Plan, **changes) -> str:
    ms = Milestone.objects.get(pk=p.milestone.pk)
    inline = {"title": ms.title, "due_date": ms.due_date, "done_on": ms.done_on or ""}
    inline |= {"id": ms.pk, "measure": p.measure.pk, "loaded_version": ms.version} | changes
    data = {"milestones-TOTAL_FORMS": 1, "milestones-INITIAL_FORMS": 1}
    data |= {f"milestones-0-{name}": value for name, value in inline.items()}
    return _admin_measure(p, **data)


def _admin_list(p: Plan, **changes) -> str:
    m = p.fresh()
    row = {"id": m.pk, "owner": "", "due_date": m.due_date, "priority": m.priority}
    row |= {"status": m.status, "loaded_version": m.version} | changes
    data = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "_save": "保存"}
    data |= {f"form-0-{name}": value for name, value in row.items()}
    url = reverse("admin:tasks_measure_changelist")
    return _text(p.office.post(url, data, follow=True))


def _admin_milestone(p: Plan, client: Client | None = None, **changes) -> str:
    ms = Milestone.objects.get(pk=p.milestone.pk)
    data = {"measure": ms.measure_id, "title": ms.title, "due_date": ms.due_date}
    data |= {"done_on": ms.done_on or "", "loaded_version": ms.version} | changes
    url = reverse("admin:tasks_milestone_change", args=[ms.pk])
    return _text((client or p.office).post(url, data, follow=True))


def _report_data(**changes) -> dict:
    data = {"progress": 50, "status": "in_progress", "done_text": "召开推进会"}
    return data | {"problems": "", "next_steps": ""} | changes


def _report_page(p: Plan, client: Client | None = None, period: str = "", **changes) -> str:
    url = reverse("tasks:report_file", args=[p.measure.pk])
    if period:
        url += f"?period={period}"
    return _text((client or p.liaison).post(url, _report_data(**changes), follow=True))


def _admin_report_add(p: Plan, client: Client | None = None, **changes) -> str:
    data = _report_data(**({"measure": p.measure.pk, "period": "2026-11"} | changes))
    url = reverse("admin:tasks_progressreport_add")
    return _text((client or p.liaison).post(url, data, follow=True))


# -- 1. milestones lie within their measure's dates ------------------------------------------------

MILESTONE_INSIDE = "时间节点应在举措的起止时间之内"
MILESTONES_STRANDED = "以下时间节点将超出举措的起止时间"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (lambda p: _page_milestone_add(p, due_date="2027-02-01"), MILESTONE_INSIDE),
        (lambda p: _page_milestone(p, due_date="2027-02-01"), MILESTONE_INSIDE),
        (lambda p: _admin_milestone(p, due_date="2027-02-01"), MILESTONE_INSIDE),
        (lambda p: _admin_inline(p, due_date="2027-02-01"), MILESTONE_INSIDE),
        (lambda p: _page_assign(p, due_date="2026-11-30"), MILESTONES_STRANDED),
        (lambda p: _bulk(p, "due_date", "2026-11-30"), MILESTONES_STRANDED),
        (lambda p: _ledger(p, due_date="2026/11/30"), MILESTONES_STRANDED),
        (lambda p: _admin_measure(p, due_date="2026-11-30"), MILESTONES_STRANDED),
        (lambda p: _admin_list(p, due_date="2026-11-30"), MILESTONES_STRANDED),
    ],
    ids=[
        "page-add",
        "page-move",
        "admin-milestone",
        "admin-inline",
        "page-assign",
        "bulk",
        "ledger",
        "admin-measure",
        "admin-list",
    ],
)
def test_a_milestone_stays_within_its_measures_dates(plan, path, reason):
    before = _state()
    assert reason in path(plan)
    assert _state() == before


# -- 2. completed means 100% -----------------------------------------------------------------------

HUNDRED = "已完成的举措进度应为 100%"


@pytest.mark.parametrize(
    "path",
    [
        lambda p: _page_progress(p, status="done", progress=80),
        lambda p: _admin_measure(p, status="done", progress=80),
        lambda p: _admin_list(p, status="done"),
        lambda p: _report_page(p, status="done", progress=30),
        lambda p: _admin_report_add(p, status="done", progress=30),
    ],
    ids=["page-progress", "admin-measure", "admin-list", "report-page", "admin-report"],
)
def test_completed_means_100_percent(plan, path):
    before = _state()
    assert HUNDRED in path(plan)
    assert _state() == before


def test_completed_means_100_percent_in_the_ledger_too(plan):
    Measure.objects.filter(pk=plan.measure.pk).update(status="done", progress=100)
    before = _state()
    assert HUNDRED in _ledger(plan, progress="60%")
    assert _state() == before


# -- 3. nothing of a closed measure changes --------------------------------------------------------

CLOSED = "已于 2026-11-20 销号"


@pytest.fixture
def closed(plan, coordinator) -> Plan:
    """The measure completed, its final report accepted, closed (销号) on 20 November."""
    ProgressReportFactory(
        measure=plan.measure,
        period="2026-10",
        status="done",
        progress=100,
        review_state="accepted",
        reviewed_by=coordinator,
        reviewed_at=timezone.now(),
    )
    Measure.objects.filter(pk=plan.measure.pk).update(
        status="done", progress=100, closed_on=date(2026, 11, 20)
    )
    plan.measure = plan.fresh()
    return plan


@pytest.mark.parametrize(
    "path",
    [
        lambda p: _page_assign(p, priority=1),
        lambda p: _page_progress(p, progress=100, status="in_progress"),
        lambda p: _page_milestone_add(p),
        lambda p: _page_milestone(p, title="改名"),
        lambda p: _page_milestone(p, client=p.liaison, done_on="2026-11-10"),
        lambda p: _bulk(p, "priority", 1),
        lambda p: _ledger(p, due_date="2027/03/31"),
        lambda p: _admin_measure(p, title="改名"),
        lambda p: _admin_milestone(p, title="改名"),
        lambda p: _report_page(p, period="2026-11"),
        lambda p: _admin_report_add(p),
        lambda p: _admin_report_add(p, client=p.office),
    ],
    ids=[
        "page-assign",
        "page-progress",
        "page-milestone-add",
        "page-milestone",
        "page-milestone-liaison",
        "bulk",
        "ledger",
        "admin-measure",
        "admin-milestone",
        "report-page",
        "admin-report-liaison",
        "admin-report-office",
    ],
)
def test_nothing_of_a_closed_measure_changes(closed, path):
    before = _state()
    text = path(closed)
    assert _state() == before
    assert CLOSED in text


def test_the_admin_list_shows_a_closed_measure_read_only(closed):
    html = _text(closed.office.get(reverse("admin:tasks_measure_changelist")))
    assert 'name="form-0-priority"' not in html  # its row has no inputs
    before = _state()
    _admin_list(closed, priority=1)  # and a crafted list edit is not applied
    assert _state() == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("measure_assign", {"priority": 1}),
        ("measure_progress", {"status": "done", "progress": 100}),
        ("milestone_add", {"new-title": "新节点", "new-due_date": "2026-12-20"}),
        ("extension_request", {"requested_due_date": "2027-03-31", "reason": "需要更多时间"}),
        ("contribution_save", {"text": "配合调研"}),
        ("report_file", _report_data()),
    ],
)
def test_a_closed_measure_refuses_every_form_with_the_reason(closed, name, data):
    """What a page opened before the closing still posts: 403 with the reason, nothing written,
    never a 500."""
    before = _state()
    for client in (closed.office, closed.liaison):
        response = client.post(reverse(f"tasks:{name}", args=[closed.measure.pk]), data)
        assert response.status_code == 403
        assert CLOSED in _text(response)
    assert _state() == before


def test_htmx_gets_the_refusal_where_the_page_shows_messages(closed):
    m = closed.fresh()
    response = closed.office.post(
        reverse("tasks:measure_progress", args=[m.pk]),
        {"status": "done", "progress": 100, "loaded_version": m.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#messages"
    assert CLOSED in _text(response) and "<html" not in _text(response)


def test_the_closed_measure_page_offers_no_form(closed):
    html = _text(closed.office.get(reverse("tasks:measure_detail", args=[closed.measure.pk])))
    main = html.split('<main class="content">')[1]
    assert "<form" not in main  # neither the office's nor the liaison's
    assert "已于 2026-11-20 销号" in main


# -- 4. the review is the office's, through its one function ---------------------------------------


def test_a_forged_review_in_the_admin_is_not_read(plan, coordinator):
    text = _admin_report_add(
        plan,
        review_state="accepted",
        reviewed_by=coordinator.pk,
        reviewed_at_0="2026-11-20",
        reviewed_at_1="09:00:00",
        return_reason="改革办已审核",
    )
    report = ProgressReport.objects.get()
    assert report.review_state == "submitted"
    assert (report.reviewed_by, report.reviewed_at, report.return_reason) == (None, None, "")
    page = _text(plan.office.get(reverse("tasks:measure_detail", args=[plan.measure.pk])))
    assert "改革办已审核" not in page and "改革办已审核" not in text


def test_the_office_cannot_type_a_review_in_the_admin(plan):
    report = ProgressReportFactory(measure=plan.measure, period="2026-11", review_state="submitted")
    url = reverse("admin:tasks_progressreport_change", args=[report.pk])
    data = _report_data(review_state="accepted", loaded_version=report.version)
    plan.office.post(url, data)
    report.refresh_from_db()
    assert report.review_state == "submitted" and report.reviewed_by is None
    assert plan.fresh().progress == 40  # the measure took nothing from it


def test_accepting_in_the_admin_records_the_review_and_the_measure_follows(plan, coordinator):
    report = ProgressReportFactory(
        measure=plan.measure, period="2026-11", progress=70, status="in_progress"
    )
    data = {"action": "accept_reports", "_selected_action": [report.pk]}
    plan.office.post(reverse("admin:tasks_progressreport_changelist"), data)
    report.refresh_from_db()
    assert (report.review_state, report.reviewed_by) == ("accepted", coordinator)
    assert report.reviewed_at is not None
    assert plan.fresh().progress == 70


def test_a_returned_report_corrected_in_the_admin_goes_back_for_review(plan, coordinator):
    report = ProgressReportFactory(measure=plan.measure, period="2026-11")
    reporting.review_report(report=report, by=coordinator, accept=False, reason="补充数据")
    report.refresh_from_db()
    url = reverse("admin:tasks_progressreport_change", args=[report.pk])
    data = _report_data(done_text="补充了数据", loaded_version=report.version)
    assert plan.liaison.post(url, data).status_code == 302
    report.refresh_from_db()
    assert (report.review_state, report.done_text) == ("submitted", "补充了数据")
    assert report.return_reason == "补充数据"  # what it was corrected after, kept


def test_a_liaisons_progress_reaches_the_measure_only_when_its_report_is_accepted(
    plan, coordinator
):
    _report_page(plan, progress=75)
    assert plan.fresh().progress == 40  # filed, awaiting review
    report = ProgressReport.objects.get()
    reporting.review_report(report=report, by=coordinator, accept=True)
    assert plan.fresh().progress == 75


# -- 5. a report's period: of the site's kind, begun, not before the measure -----------------------


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("2030-01", "尚未开始"),
        ("2025-12", "列入计划"),
        ("2026Q4", "按月报送"),
    ],
    ids=["future", "before-the-measure", "wrong-kind"],
)
def test_a_report_is_for_a_period_the_measure_reports_in(plan, period, reason):
    before = _state()
    assert reason in _admin_report_add(plan, period=period)
    assert reason in _admin_report_add(plan, client=plan.office, period=period)
    assert _state() == before


@pytest.mark.parametrize("period", ["1900-01", "2025-12", "2030-01"])
def test_the_report_page_sends_an_impossible_period_to_the_measures_own(plan, period):
    url = reverse("tasks:report_file", args=[plan.measure.pk])
    response = plan.liaison.get(f"{url}?period={period}", follow=True)
    assert response.redirect_chain[-1][0].endswith("?period=2026-11")
    assert response.context["period"].start == date(2026, 11, 1)
    before = _state()
    _report_page(plan, period=period)
    assert _state() == before


def test_a_measure_added_after_the_period_being_collected_reports_from_its_own(plan, clock):
    clock.move_to(date(2026, 12, 3))  # November's reports are still being collected
    late = MeasureFactory(lead_body=plan.measure.lead_body, title="十二月新增")
    url = reverse("tasks:report_file", args=[late.pk])
    response = plan.liaison.get(url)
    assert response.status_code == 200
    assert str(response.context["period"]) == "2026-12"


# -- 6. the lead body is never a cooperating body too ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        lambda p: _bulk(p, "lead_body", p.other_body.pk),
        lambda p: _page_assign(p, lead_body=p.other_body.pk),
        lambda p: _admin_measure(p, lead_body=p.other_body.pk),
        lambda p: _ledger(p, lead_body="省人社厅"),
    ],
    ids=["bulk", "page-assign", "admin-measure", "ledger"],
)
def test_the_lead_body_is_not_also_a_cooperating_one(plan, path):
    path(plan)
    measure = plan.fresh()
    assert measure.lead_body == plan.other_body
    assert plan.other_body not in measure.cooperating_bodies.all()


# -- 7. a due date and a note that names no end exclude each other ---------------------------------

OPEN_ENDED = "没有截止日期"


@pytest.mark.parametrize(
    "path",
    [
        lambda p: _page_assign(p, deadline_note="长期坚持"),
        lambda p: _admin_measure(p, deadline_note="持续推进"),
    ],
    ids=["page-assign", "admin-measure"],
)
def test_a_due_date_and_an_open_ended_note_exclude_each_other(plan, path):
    before = _state()
    assert OPEN_ENDED in path(plan)
    assert _state() == before


def test_a_bulk_due_date_on_a_long_term_measure_is_refused(plan):
    Measure.objects.filter(pk=plan.measure.pk).update(due_date=None, deadline_note="长期坚持")
    before = _state()
    assert OPEN_ENDED in _bulk(plan, "due_date", "2027-03-31")
    assert _state() == before


def test_a_note_that_names_a_time_may_stand_beside_its_date(plan):
    _page_assign(plan, deadline_note="12月底前")
    assert plan.fresh().deadline_note == "12月底前"


# -- 8. a milestone is not done on a day still to come ---------------------------------------------

FUTURE_DONE = "不能晚于今天"


@pytest.mark.parametrize(
    "path",
    [
        lambda p: _page_milestone(p, client=p.liaison, done_on="2026-12-01"),
        lambda p: _admin_milestone(p, client=p.liaison, done_on="2026-12-01"),
        lambda p: _page_milestone(p, done_on="2026-12-01"),
    ],
    ids=["page-liaison", "admin-liaison", "page-office"],
)
def test_a_milestone_is_not_done_in_the_future(plan, path):
    before = _state()
    assert FUTURE_DONE in path(plan)
    assert _state() == before


# -- 9. extension requests: the reporting step checks the model's rule -----------------------------


@pytest.mark.parametrize(
    ("asked", "reason"),
    [("2026-12-01", "须晚于当前完成时限"), ("2026-12-31", "须晚于当前完成时限")],
)
def test_an_extension_asks_for_a_later_date(plan, asked, reason):
    before = _state()
    url = reverse("tasks:extension_request", args=[plan.measure.pk])
    text = _text(plan.liaison.post(url, {"requested_due_date": asked, "reason": "需要时间"}))
    assert reason in text
    assert _state() == before


def test_approving_an_extension_goes_through_the_measures_rules(plan, coordinator, liaison):
    extension = reporting.request_extension(
        measure=plan.measure, by=liaison, requested_due_date=date(2027, 3, 31), reason="调研延后"
    )
    Measure.objects.filter(pk=plan.measure.pk).update(deadline_note="持续推进", due_date=None)
    with pytest.raises(reporting.ReportingRefused) as refused:
        reporting.decide_extension(extension=extension, by=coordinator, approve=True)
    assert OPEN_ENDED in str(refused.value)
    assert plan.fresh().due_date is None


# -- 10. who owes a report: one answer on every screen --------------------------------------------


def test_every_screen_agrees_on_who_owes_a_report(plan, liaison):
    """October's report (due 5 November; today is 24 November): the measure under way since
    January owes it and is late; one added to the plan today owes nothing for October; a
    suspended one owes nothing; the measure page, the period table, the period report and
    the reminders say the same."""
    body = plan.measure.lead_body
    new = MeasureFactory(lead_body=body, title="今天新增的举措")  # created now, 24 November
    suspended = MeasureFactory(lead_body=body, title="暂缓的举措", status="suspended")
    Measure.objects.filter(pk=suspended.pk).update(created_at=plan.measure.created_at)
    owing = {plan.measure.pk}

    def page_state(measure: Measure) -> str:
        url = reverse("tasks:measure_detail", args=[measure.pk]) + "?period=2026-10"
        return plan.office.get(url).context["reporting"]["state"]

    assert page_state(plan.measure) == "late"
    assert page_state(new) == page_state(suspended) == "not_owed"

    table = plan.office.get("/reports/?period=2026-10").context["table"]
    assert {row.measure.pk for row in table.page(1)} == owing
    assert table.not_owing == 2  # the two not listed, and only they

    printed = plan.office.get("/reports/2026-10/print").context["report"]
    assert {row.values["id"] for row in printed.all_rows() if hasattr(row, "values")} == owing

    late = reporting.reminders_due(today=date(2026, 11, 24))
    reminded = {row.measure.pk for reminder in late.reminders for row in reminder.reports_late}
    assert reminded == owing

    # A report filed for October by the measure under way: listed as filed, nothing else moves.
    ProgressReportFactory(measure=plan.measure, period="2026-10", author=liaison)
    table = plan.office.get("/reports/?period=2026-10").context["table"]
    assert [(row.measure.pk, row.state) for row in table.page(1)] == [
        (plan.measure.pk, "submitted")
    ]
    assert table.not_owing == 2
    html = plan.office.get("/reports/?period=2026-10").content.decode()
    row = html.split(f'id="row-{plan.measure.pk}"')[1].split("</tr>")[0]
    assert "已报" in row and "无需报送" not in row

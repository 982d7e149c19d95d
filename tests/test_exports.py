"""台账 exports: the ledger as XLSX and CSV, the period report (page and XLSX), export_ledger."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from tasks import ledger, numerals
from tests.factories import (
    MeasureFactory,
    ProgressReportFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
XLSX, CSV = "/measures/export.xlsx", "/measures/export.csv"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADERS = [
    "No.",
    "Reform area",
    "Measure",
    "Lead body",
    "Cooperating bodies",
    "Person responsible",
    "Start date",
    "Due date",
    "Priority",
    "Rank",
    "Status",
    "Traffic light",
    "Progress",
    "Latest progress",
    "Problems",
    "Next steps",
    "ID",
    "VERSION",
]


@pytest.fixture(autouse=True)
def _today(clock, settings):
    settings.TASKS_DUE_SOON_DAYS = 14
    settings.TASKS_BEHIND_MARGIN = 25
    settings.TASKS_REPORT_DEADLINE_DAY = 5
    clock.move_to(TODAY)


@pytest.fixture
def plan():
    """Two areas as the seed page writes them (第一, then 第五: 第四 is missing)."""
    first = ReformAreaFactory(ordinal="第一", title="坚持党的全面领导", order=1)
    fifth = ReformAreaFactory(ordinal="第五", title="深化产业工人队伍建设改革", order=2)
    union = ResponsibleBodyFactory(name="省总工会")
    court, hr = ResponsibleBodyFactory(name="省法院"), ResponsibleBodyFactory(name="省人社厅")
    owner = UserFactory(username="zhangsan", first_name="张三")
    a = MeasureFactory(
        area=first,
        rank=1,
        title="健全工会参与改革的工作机制",
        lead_body=union,
        owner=owner,
        start_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        status="in_progress",
        progress=90,
        priority=1,
    )
    a.cooperating_bodies.add(hr, court)
    b = MeasureFactory(area=first, rank=2, title="完善劳动关系协调机制", deadline_note="长期坚持")
    c = MeasureFactory(
        area=fifth, rank=3, title="健全产业工人培训体系", due_date=date(2026, 11, 1), progress=10
    )
    ProgressReportFactory(measure=a, period="2026-10", done_text="旧的进展", problems="旧问题")
    ProgressReportFactory(
        measure=a,
        period="2026-11",
        progress=90,
        done_text="召开推进会，制定工作方案",
        problems="经费不足",
        next_steps="=SUM(1+1) 下月完成验收",
    )
    return {"a": a, "b": b, "c": c, "first": first, "fifth": fifth, "union": union}


def _workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _values(sheet, row: int) -> list:
    return [cell.value for cell in sheet[row]]


# -- the XLSX ledger ----------------------------------------------------------------------------


def test_xlsx_title_headers_numbering_and_merged_area_rows(client, viewer, plan):
    client.force_login(viewer)  # 领导 reads only, and may export
    response = client.get(XLSX, **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX_TYPE
    assert "union-reform-ledger-20261124.xlsx" in response["Content-Disposition"]
    sheet = _workbook(response).active

    assert sheet["A1"].value == "Union reform task ledger (as of 2026-11-24)"
    assert sheet["A2"].value == "All measures"
    assert _values(sheet, 3) == HEADERS
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:P1", "A2:P2", "A4:P4", "A7:P7"} <= merged
    assert sheet["A4"].value == "一、第一 坚持党的全面领导"
    assert [sheet["A5"].value, sheet["C5"].value] == [1, "健全工会参与改革的工作机制"]
    assert [sheet["A6"].value, sheet["C6"].value] == [2, "完善劳动关系协调机制"]
    assert sheet["A7"].value == "二、第五 深化产业工人队伍建设改革"
    assert [sheet["A8"].value, sheet["C8"].value] == [1, "健全产业工人培训体系"]  # from 1 again
    assert sheet["A9"].value == "Total: 3 measures"


def test_chinese_file_name_is_sent_rfc_5987(coordinator_client, monkeypatch):
    monkeypatch.setattr("tasks.ledger.export.pgettext", lambda context, text: "工会改革任务台账")
    disposition = coordinator_client.get(XLSX)["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%E5%B7%A5%E4%BC%9A" in disposition and disposition.endswith("-20261124.xlsx")


def test_xlsx_values_dates_progress_and_latest_report(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    row = dict(zip(HEADERS, _values(sheet, 5), strict=True))
    assert row["Reform area"] == "一、第一 坚持党的全面领导"
    assert row["Lead body"] == "省总工会"
    assert row["Cooperating bodies"] == "省人社厅、省法院"
    assert row["Person responsible"] == "张三"
    assert row["Start date"] == datetime(2026, 1, 1)  # a real date, not text
    assert sheet["G5"].number_format == "yyyy-mm-dd"
    assert row["Due date"] == datetime(2026, 12, 31)
    assert (row["Priority"], row["Rank"], row["Status"]) == ("High", 1, "In progress")
    assert row["Traffic light"] == "Green"
    assert row["Progress"] == 90 and sheet["M5"].number_format == '0"%"'
    assert row["Latest progress"] == "召开推进会，制定工作方案"  # 2026-11, not 2026-10
    assert row["Problems"] == "经费不足"
    assert row["Next steps"] == "=SUM(1+1) 下月完成验收"  # text, never a formula
    assert sheet["P5"].data_type == "s"
    assert row["ID"] == plan["a"].pk
    assert sheet["H6"].value == "长期坚持"  # no date: the note as written
    assert sheet["L8"].value == "Red"  # overdue since 2026-11-01


def test_xlsx_print_setup_frozen_header_and_widths(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    assert sheet.freeze_panes == "A4"  # title, subtitle and header stay in view
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 8  # A3
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToHeight == 0  # one page wide, as many tall as needed
    widths = {key: sheet.column_dimensions[key].width for key in "ACNQ"}
    assert widths["C"] >= 24 and widths["N"] >= 20  # room for Chinese text
    assert widths["A"] < widths["C"]
    assert sheet.column_dimensions["Q"].hidden  # the ID column, for the round trip
    assert sheet["C5"].alignment.wrap_text


def test_text_width_counts_chinese_double():
    assert ledger.text_width("台账") == 4
    assert ledger.text_width("ab台") == 4


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"), (105, "一百零五")],
)
def test_chinese_numbers(n, text):
    assert numerals.number(n) == text


def test_xlsx_honours_the_task_book_filters(coordinator_client, plan):
    query = f"?area={plan['first'].pk}&status=in_progress"
    sheet = _workbook(coordinator_client.get(XLSX + query, **EN)).active
    assert "Reform area：第一 坚持党的全面领导" in sheet["A2"].value
    assert "Status：In progress" in sheet["A2"].value
    titles = [row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row[2]]
    assert titles == ["健全工会参与改革的工作机制"]


def test_xlsx_keeps_the_task_book_sort_within_areas(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX + "?sort=-progress", **EN)).active
    titles = [row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row[2]]
    assert titles == ["健全工会参与改革的工作机制", "完善劳动关系协调机制", "健全产业工人培训体系"]
    sheet = _workbook(coordinator_client.get(XLSX + "?sort=progress", **EN)).active
    titles = [row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row[2]]
    assert titles == ["完善劳动关系协调机制", "健全工会参与改革的工作机制", "健全产业工人培训体系"]


def test_xlsx_of_a_bad_filter_value_leaves_it_out(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX + "?status=nonsense", **EN)).active
    assert sheet["A2"].value == "All measures"
    assert sheet["A9"].value == "Total: 3 measures"


def test_empty_ledger_is_a_valid_workbook(coordinator_client):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    assert _values(sheet, 3) == HEADERS
    assert sheet["A4"].value == "Total: 0 measures"


# -- the CSV ledger -----------------------------------------------------------------------------


def test_csv_has_a_bom_and_parses(client, viewer, plan):
    client.force_login(viewer)
    response = client.get(CSV + "?sort=rank", **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "union-reform-ledger-20261124.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert len(rows) == 4  # no group rows: the area is a column
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert first["No."] == "1" and first["Reform area"] == "一、第一 坚持党的全面领导"
    assert first["Start date"] == "2026-01-01" and first["Due date"] == "2026-12-31"
    assert first["Progress"] == "90" and first["Cooperating bodies"] == "省人社厅、省法院"
    assert first["Next steps"] == "'=SUM(1+1) 下月完成验收"  # not a formula in a spreadsheet
    assert rows[2][7] == "长期坚持"
    assert [rows[3][0], rows[3][1]] == ["1", "二、第五 深化产业工人队伍建设改革"]


def test_csv_honours_the_filters(coordinator_client, plan):
    body = b"".join(coordinator_client.get(CSV + "?light=red").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["健全产业工人培训体系"]


def test_exports_in_chinese_by_default(coordinator_client, plan):
    body = b"".join(coordinator_client.get(CSV).streaming_content).decode("utf-8-sig")
    assert "推进中" in body  # the status in the site's language
    with override("zh-hans"):
        header = [str(column.label) for column in ledger.LEDGER_COLUMNS]
    assert body.splitlines()[0] == ",".join(header)


# -- who may export -----------------------------------------------------------------------------

EXPORT_URLS = [XLSX, CSV, "/reports/2026-11/print", "/reports/2026-11/export.xlsx"]


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_account_without_role_is_refused(client, url):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(url)
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()  # the reason, in Chinese


@pytest.mark.parametrize("url", EXPORT_URLS)
@pytest.mark.parametrize("actor", ["viewer", "liaison", "coordinator"])
def test_every_role_may_export(client, request, url, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_exports_are_read_only(coordinator_client, url):
    assert coordinator_client.post(url).status_code == 405


# -- a fixed number of queries ------------------------------------------------------------------


def _plan_of(size: int) -> None:
    body, owner = ResponsibleBodyFactory(), UserFactory()
    helper = ResponsibleBodyFactory()
    for n in range(size):
        if n % 10 == 0:
            area = ReformAreaFactory()
        measure = MeasureFactory(
            area=area, lead_body=body, owner=owner, due_date=date(2026, 1 + n % 12, 1)
        )
        measure.cooperating_bodies.add(helper)
        if n % 2:
            ProgressReportFactory(measure=measure, period="2026-11", done_text=f"进展{n}")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        content = getattr(response, "streaming_content", None)
        if content is not None:
            b"".join(content)  # CSV rows are read while the response streams
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        XLSX,
        XLSX + "?status=not_started&sort=due",
        CSV,
        "/reports/2026-11/print",
        "/reports/2026-11/export.xlsx",
    ],
)
def test_query_count_is_fixed(coordinator_client, url):
    _plan_of(5)
    small = _queries(coordinator_client, url)
    _plan_of(195)
    assert _queries(coordinator_client, url) == small


# -- the period report --------------------------------------------------------------------------


@pytest.fixture
def reporting(plan):
    """November 2026, reports due 2026-12-05; seen on 2026-12-08 (late) or 2026-11-24."""
    done = MeasureFactory(
        area=plan["fifth"],
        rank=4,
        title="已办结的举措",
        status="done",
        progress=100,
        closed_on=date(2026, 11, 20),
    )
    ProgressReportFactory(
        measure=plan["c"], period="2026-11", review_state="returned", done_text="需补充材料"
    )
    return {**plan, "done": done}


def test_period_report_page(coordinator_client, reporting):
    response = coordinator_client.get("/reports/2026-11/print", **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Progress report for 2026-11" in html
    assert "Reports due by 2026-12-05; as of 2026-11-24." in html
    assert "已办结的举措" not in html  # closed, and no report: owes nothing
    summary = html.split('class="legend"')[1].split("</ul>")[0]
    assert "Not reported <strong>1</strong>" in summary
    assert "Submitted <strong>1</strong>" in summary and "Returned <strong>1</strong>" in summary
    assert "召开推进会，制定工作方案" in html and "需补充材料" in html
    assert "一、第一 坚持党的全面领导" in html and "二、第五 深化产业工人队伍建设改革" in html
    assert "<svg" in html and "style=" not in html  # strict CSP: no inline style
    assert "css/exports.css" in html
    assert 'href="/reports/2026-10/print?paper=a4"' in html
    assert 'href="/reports/2026-12/print?paper=a4"' in html


def test_period_report_after_the_deadline_says_overdue(coordinator_client, reporting, clock):
    clock.move_to(date(2026, 12, 8))
    html = coordinator_client.get("/reports/2026-11/print", **EN).content.decode()
    assert "Overdue, not reported <strong>1</strong>" in html
    assert "Not reported <strong>0</strong>" in html


def test_period_report_leaves_out_measures_created_after_the_period(coordinator_client, plan):
    late = MeasureFactory(area=plan["first"], rank=9, title="十二月新增的举措")
    type(late).objects.filter(pk=late.pk).update(
        created_at=timezone.make_aware(datetime(2026, 12, 2, 9))
    )
    html = coordinator_client.get("/reports/2026-11/print").content.decode()
    assert "十二月新增的举措" not in html
    assert "十二月新增的举措" in coordinator_client.get("/reports/2026-12/print").content.decode()


def test_period_report_quarter_and_a3(coordinator_client, plan):
    ProgressReportFactory(measure=plan["b"], period="2026Q4", done_text="季度进展")
    html = coordinator_client.get("/reports/2026Q4/print?paper=a3", **EN).content.decode()
    assert "Progress report for 2026Q4" in html and "季度进展" in html
    assert "paper-a3" in html and "Reports due by 2027-01-05" in html


@pytest.mark.parametrize("period", ["2026-13", "2026Q5", "nonsense", "0000-01", "9999-12"])
def test_bad_period_is_a_clear_404(coordinator_client, period):
    for url in (f"/reports/{period}/print", f"/reports/{period}/export.xlsx"):
        response = coordinator_client.get(url, **EN)
        assert response.status_code == 404
        html = response.content.decode()
        assert f"“{period}” is not a reporting period" in html
        assert "2026-11" in html and "2026Q4" in html


def test_period_report_xlsx(coordinator_client, reporting):
    response = coordinator_client.get("/reports/2026-11/export.xlsx", **EN)
    assert response.status_code == 200
    assert "progress-report-2026-11.xlsx" in response["Content-Disposition"]
    sheet = _workbook(response).active
    assert sheet.title == "2026-11"
    assert sheet["A1"].value == "Progress report for 2026-11"
    assert "3 measures" in sheet["A2"].value and "Returned 1" in sheet["A2"].value
    assert _values(sheet, 3)[:8] == [
        "No.",
        "Measure",
        "Lead body",
        "Person responsible",
        "Due date",
        "Traffic light",
        "Report state",
        "Progress",
    ]
    assert sheet["A4"].value == "一、第一 坚持党的全面领导"
    assert "A4:L4" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet["B5"].value, sheet["G5"].value, sheet["I5"].value] == [
        "健全工会参与改革的工作机制",
        "Submitted",
        "召开推进会，制定工作方案",
    ]
    assert sheet["G6"].value == "Not reported"
    assert sheet["G8"].value == "Returned"
    assert sheet.print_title_rows == "$3:$3" and sheet.page_setup.orientation == "landscape"


# -- export_ledger ------------------------------------------------------------------------------


def test_command_writes_xlsx(tmp_path, plan):
    target = tmp_path / "台账.xlsx"
    out = io.StringIO()
    with override("en"):
        call_command("export_ledger", "--format", "xlsx", "--output", str(target), stdout=out)
    assert "3 measures" in out.getvalue()
    sheet = openpyxl.load_workbook(target).active
    assert _values(sheet, 3) == HEADERS
    assert sheet["A4"].value == "一、第一 坚持党的全面领导"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_command_writes_csv_with_filters(tmp_path, plan):
    target = tmp_path / "ledger.csv"
    call_command(
        "export_ledger",
        "--format=csv",
        f"--output={target}",
        "--lead-body=省总工会",
        "--status=in_progress",
        stdout=io.StringIO(),
    )
    body = target.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["健全工会参与改革的工作机制"]


def test_command_filters_by_light_label_and_area_title(tmp_path, plan):
    target = tmp_path / "ledger.csv"
    options = ["--format=csv", f"--output={target}", "--area=深化产业工人队伍建设改革"]
    call_command("export_ledger", *options, "--light=red", stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["健全产业工人培训体系"]


def test_command_csv_to_stdout(plan):
    out = io.StringIO()
    call_command("export_ledger", "--format=csv", "--output=-", stdout=out)
    assert out.getvalue().startswith("\ufeff") and "健全产业工人培训体系" in out.getvalue()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--format=pdf"], "pdf"),
        (["--format=xlsx", "--output=-"], "stdout"),
        (["--owner=nobody"], "nobody"),
        (["--lead-body=不存在的单位"], "不存在的单位"),
        (["--status=finished"], "finished"),
        (["--due-after=2026-13-01"], ""),
    ],
)
def test_command_refuses_bad_input(tmp_path, plan, options, words):
    target = tmp_path / "ledger.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("export_ledger", f"--output={target}", *options, stdout=io.StringIO())
    assert words in str(refused.value)
    assert not target.exists()


def test_command_refuses_a_missing_folder(tmp_path, plan):
    with pytest.raises(CommandError):
        call_command("export_ledger", f"--output={tmp_path / 'no' / 'x.xlsx'}")


def test_command_exits_non_zero_from_the_shell(tmp_path, plan):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "export_ledger", "--format=doc", "--output=x"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1


@pytest.mark.parametrize("count", [5, 250])
def test_the_printed_period_report_shows_a_page_of_rows_and_counts_them_all(
    coordinator_client, count, django_assert_max_num_queries
):
    """Its weight and its queries do not grow with the plan: the counts and charts cover every
    measure, the table a page of them, numbered as the whole report numbers them."""
    from tasks.ledger import ROWS_PER_PAGE

    areas = [ReformAreaFactory(title=f"领域{n}", order=n) for n in range(1, 4)]
    for n in range(count):
        MeasureFactory(area=areas[n % 3], rank=n + 1, title=f"举措{n}")
    with django_assert_max_num_queries(12):
        response = coordinator_client.get("/reports/2026-11/print")
    report = response.context["report"]
    assert report.total == count
    assert sum(row["n"] for row in report.states) == count
    shown = [row for row in response.context["rows"] if hasattr(row, "values")]
    assert len(shown) == min(count, ROWS_PER_PAGE)
    if count > ROWS_PER_PAGE:
        last = coordinator_client.get("/reports/2026-11/print?page=3").context["rows"]
        numbers = [row.values["number"] for row in last if hasattr(row, "values")]
        # the third area's measures, numbered within it however the pages cut the list
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert numbers[-1] == count // 3
        assert len(list(report.all_rows())) == count + 3  # the download: every row

"""台账 exports: the ledger as XLSX and CSV, the period report (page and XLSX), export_ledger."""

import csv
import io
import math
from datetime import date, datetime
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from tasks import ledger, numerals
from tasks.models import ExtensionRequest
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
XLSX, CSV = "/measures/export.xlsx", "/measures/export.csv"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# The CSV's columns; the workbook has the same without 改革领域 (its group rows say the area).
CSV_HEADERS = [
    "No.",
    "Reform area",
    "Measure",
    "Lead body",
    "Cooperating bodies",
    "Person responsible",
    "Start date",
    "Due date",
    "Next milestone",
    "Extension",
    "Priority",
    "Rank",
    "Status",
    "Traffic light",
    "Progress",
    "Closed on",
    "Latest progress",
    "Problems",
    "Next steps",
    "ID",
    "VERSION",
]
HEADERS = [header for header in CSV_HEADERS if header != "Reform area"]


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
    assert {"A1:R1", "A2:R2", "A4:R4", "A7:R7"} <= merged
    # numbered once, by the areas' own ordinals as the plan writes them
    assert sheet["A4"].value == "第一 坚持党的全面领导"
    assert [sheet["A5"].value, sheet["B5"].value] == [1, "健全工会参与改革的工作机制"]
    assert [sheet["A6"].value, sheet["B6"].value] == [2, "完善劳动关系协调机制"]
    assert sheet["A7"].value == "第五 深化产业工人队伍建设改革"
    assert [sheet["A8"].value, sheet["B8"].value] == [1, "健全产业工人培训体系"]  # from 1 again
    assert sheet["A9"].value == "Total: 3 measures"


def test_chinese_file_name_is_sent_rfc_5987(coordinator_client, monkeypatch):
    monkeypatch.setattr(
        "tasks.ledger.export.pgettext",
        lambda context, text: "工会改革任务台账" if context == "file name" else text,
    )
    disposition = coordinator_client.get(XLSX)["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%E5%B7%A5%E4%BC%9A" in disposition and disposition.endswith("-20261124.xlsx")


def test_xlsx_values_dates_progress_and_latest_report(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    row = dict(zip(HEADERS, _values(sheet, 5), strict=True))
    assert row["Lead body"] == "省总工会"
    assert row["Cooperating bodies"] == "省人社厅、省法院"
    assert row["Person responsible"] == "张三"
    assert row["Start date"] == datetime(2026, 1, 1)  # a real date, not text
    assert sheet["F5"].number_format == "yyyy-mm-dd"
    assert row["Due date"] == datetime(2026, 12, 31)
    assert (row["Priority"], row["Rank"], row["Status"]) == ("High", 1, "In progress")
    assert row["Traffic light"] == "Green"
    assert row["Progress"] == 90 and sheet["N5"].number_format == '0"%"'
    assert row["Latest progress"] == "召开推进会，制定工作方案"  # 2026-11, not 2026-10
    assert row["Problems"] == "经费不足"
    assert row["Next steps"] == "=SUM(1+1) 下月完成验收"  # text, never a formula
    assert sheet["R5"].data_type == "s"
    assert row["ID"] == plan["a"].pk
    assert sheet["G6"].value == "长期坚持"  # no date: the note as written
    assert sheet["M8"].value == "Red"  # overdue since 2026-11-01


def test_xlsx_print_setup_frozen_header_and_widths(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    assert sheet.freeze_panes == "A4"  # title, subtitle and header stay in view
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 8  # A3
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToHeight == 0  # one page wide, as many tall as needed
    widths = {key: sheet.column_dimensions[key].width for key in "ABPS"}
    assert widths["B"] >= 24 and widths["P"] >= 20  # room for Chinese text
    assert widths["A"] < widths["B"]
    assert sheet.column_dimensions["S"].hidden  # the ID column, for the round trip
    assert sheet["B5"].alignment.wrap_text


def test_text_width_counts_chinese_double():
    assert ledger.text_width("台账") == 4
    assert ledger.text_width("ab台") == 4


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("", 10, 1),
        ("台账", 10, 1),
        ("一二三四", 10, 1),  # 8 units in a column of 10
        ("一二三四五", 10, 2),  # 10 units: the padding and the slack do not leave room
        ("一二三四五六七八九十" * 2, 12, 4),  # 40 units, 10 to a line
        ("第一行\n第二行\n第三行", 30, 3),  # explicit breaks
        ("abcdefghij" * 3, 12, 3),  # Latin: one unit a character
        ("短\n" + "长" * 20, 12, 5),
    ],
)
def test_text_lines_estimates_wrapped_lines(text, width, lines):
    assert ledger.text_lines(text, width) == lines


def test_row_height_is_that_of_the_tallest_cell_and_at_most_excels_limit():
    short = ledger.row_height([("台账", 10)])
    tall = ledger.row_height([("台账", 10), ("一\n二\n三", 10)])
    assert tall >= 3 * short - 2 * ROW_PADDING
    assert ledger.row_height([("长" * 10_000, 10)]) == 409


LINE_HEIGHT, ROW_PADDING = 13.5, 3  # points: a line of 宋体 10 pt; above and below the text


def _fewest_lines(text: str, width: float) -> int:
    """The fewest lines any spreadsheet program can show `text` in, `width` units wide: each
    of its lines, at a unit a character (two for a Chinese one), filling the whole width."""
    return sum(max(1, math.ceil(ledger.text_width(line) / width)) for line in text.split("\n"))


def _shown(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}" if value.hour == value.minute == 0 else f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _assert_rows_hold_their_text(sheet, columns) -> int:
    """Every row under the header (the total line last left out) is at least as tall as the
    fewest lines its text takes; how many rows needed more than one line."""
    widths = [column.width for column in columns if not column.hidden]
    groups = {cells.min_row for cells in sheet.merged_cells.ranges if cells.min_row > 3}
    tall = 0
    for cells in sheet.iter_rows(min_row=4, max_row=sheet.max_row - 1, max_col=len(widths)):
        row = cells[0].row
        if row in groups:  # an area's group row, merged across the visible columns
            texts = [(str(cells[0].value), sum(widths))]
        else:
            texts = [(_shown(c.value), w) for c, w in zip(cells, widths, strict=True) if c.value]
        lines = max(_fewest_lines(text, width) for text, width in texts)
        height = sheet.row_dimensions[row].height
        assert height is not None and height >= lines * LINE_HEIGHT, (row, texts, height)
        tall += lines > 1
    return tall


def test_ledger_rows_are_as_tall_as_their_text(coordinator_client, plan):
    long_title = "健全完善工会参与劳动关系协调的工作机制，推动建立健全企业职工代表大会制度" * 2
    plan["a"].title = long_title
    plan["a"].save()
    ProgressReportFactory(
        measure=plan["c"],
        period="2026-11",
        done_text="一是召开推进会；\n二是制定方案；\n三是开展调研；\n四是总结经验",
        problems="经费不足" * 12,
    )
    plan["first"].title = "坚持党的全面领导，" * 30  # a group row of more than a line
    plan["first"].save()
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    assert _assert_rows_hold_their_text(sheet, ledger.LEDGER_SHEET_COLUMNS) >= 3
    assert sheet.row_dimensions[4].height >= 2 * LINE_HEIGHT  # the long area's group row
    assert sheet.row_dimensions[5].height >= 6 * LINE_HEIGHT  # 96 characters in 24 units
    assert sheet.row_dimensions[8].height >= 4 * LINE_HEIGHT  # four lines as written


def test_period_report_rows_are_as_tall_as_their_text(coordinator_client, reporting):
    ProgressReportFactory(
        measure=reporting["b"], period="2026-11", done_text="第一行\n第二行\n第三行\n第四行"
    )
    sheet = _workbook(coordinator_client.get("/reports/2026-11/export.xlsx", **EN)).active
    assert _assert_rows_hold_their_text(sheet, ledger.PERIOD_COLUMNS) >= 1


A3_WIDTH = 16.54 * 72  # points, landscape


@pytest.mark.parametrize(
    ("url", "columns"),
    [(XLSX, ledger.LEDGER_SHEET_COLUMNS), ("/reports/2026-11/export.xlsx", ledger.PERIOD_COLUMNS)],
)
def test_printed_on_a3_at_nine_points_or_more(coordinator_client, plan, url, columns):
    """Fit to the page's width only, and the visible columns narrow enough that fitting
    shrinks the text (10 pt) to no less than 9 pt (Excel: 7 pixels a unit, 5 more a column)."""
    sheet = _workbook(coordinator_client.get(url, **EN)).active
    assert sheet.page_setup.paperSize == 8 and sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$3"
    margins = sheet.page_margins
    assert 0.25 <= margins.left <= 0.75 and 0.25 <= margins.right <= 0.75
    visible = [column.width for column in columns if not column.hidden]
    table = sum(7 * width + 5 for width in visible) * 0.75  # pixels to points
    scale = min(1, (A3_WIDTH - (margins.left + margins.right) * 72) / table)
    assert sheet["B5"].font.sz * scale >= 9
    assert sheet["B5"].font.sz >= 10


# -- the areas, numbered once -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "ordinal", "title", "label"),
    [
        (1, "第一", "坚持党的全面领导", "第一 坚持党的全面领导"),
        (2, "其二", "深化产业工人队伍建设改革", "其二 深化产业工人队伍建设改革"),
        (1, "一、", "健全工会组织体系", "一、健全工会组织体系"),  # not 一、一、
        (3, "（三）", "加强基层建设", "（三）加强基层建设"),
        (3, "", "三、加强基层工会建设", "三、加强基层工会建设"),  # the ordinal in the title
        (2, "", "第二，推进数字化", "第二，推进数字化"),
        (4, "", "推进工会工作数字化转型", "四、推进工会工作数字化转型"),  # none: the ledger's
        (4, "", "第一书记制度", "四、第一书记制度"),  # 第一 of a word, not an ordinal
        (12, "", "其他事项", "十二、其他事项"),
    ],
)
def test_area_label_numbers_an_area_once(number, ordinal, title, label):
    assert ledger.area_label(number, SimpleNamespace(ordinal=ordinal, title=title)) == label


# -- 时间节点, 延期, 销号 --------------------------------------------------------------------


def _extended(measure, by, before: date, after: date, decided: int = 1):
    return ExtensionRequest.objects.create(
        measure=measure,
        requested_by=by,
        current_due_date=before,
        requested_due_date=after,
        reason="试点调整",
        state=ExtensionRequest.State.APPROVED,
        decided_at=timezone.make_aware(datetime(2026, 6, decided, 9)),
    )


@pytest.fixture
def followed_up(plan):
    """Measure a: a milestone done, two to come; extended twice (and once refused). Measure
    c: closed."""
    a, c = plan["a"], plan["c"]
    MilestoneFactory(
        measure=a, title="摸底调研", due_date=date(2026, 3, 31), done_on=date(2026, 3, 20)
    )
    MilestoneFactory(measure=a, title="出台实施意见", due_date=date(2026, 12, 15))
    MilestoneFactory(measure=a, title="总结验收", due_date=date(2026, 12, 20))
    office = UserFactory(username="office")
    _extended(a, office, date(2026, 6, 30), date(2026, 9, 30), decided=1)
    _extended(a, office, date(2026, 9, 30), date(2026, 12, 31), decided=20)
    refused = _extended(a, office, date(2026, 12, 31), date(2027, 6, 30), decided=25)
    ExtensionRequest.objects.filter(pk=refused.pk).update(state=ExtensionRequest.State.REJECTED)
    type(c).objects.filter(pk=c.pk).update(
        status="done", progress=100, closed_on=date(2026, 11, 20)
    )
    return plan


def test_ledger_shows_next_milestone_extension_and_closing_day(coordinator_client, followed_up):
    sheet = _workbook(coordinator_client.get(XLSX, **EN)).active
    a = dict(zip(HEADERS, _values(sheet, 5), strict=True))
    assert a["Next milestone"] == "2026-12-15 出台实施意见"  # the first not done
    assert a["Extension"] == "was 2026-06-30 → 2026-12-31"  # before the first, after the last
    assert a["Closed on"] is None
    b = dict(zip(HEADERS, _values(sheet, 6), strict=True))
    assert b["Next milestone"] is None and b["Extension"] is None
    c = dict(zip(HEADERS, _values(sheet, 8), strict=True))
    assert c["Closed on"] == datetime(2026, 11, 20)  # a date cell
    assert sheet["O8"].number_format == "yyyy-mm-dd"

    body = b"".join(coordinator_client.get(CSV, **EN).streaming_content)
    rows = [
        dict(zip(CSV_HEADERS, row, strict=True))
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))
    ][1:]
    assert rows[0]["Next milestone"] == "2026-12-15 出台实施意见"
    assert rows[0]["Extension"] == "was 2026-06-30 → 2026-12-31"
    assert rows[2]["Closed on"] == "2026-11-20"


def test_ledger_lists_the_milestones_on_a_second_sheet(coordinator_client, followed_up):
    MilestoneFactory(measure=followed_up["c"], title="验收", due_date=date(2026, 10, 1))
    book = _workbook(coordinator_client.get(XLSX, **EN))
    assert [sheet.title for sheet in book.worksheets] == ["Ledger", "Milestones"]
    sheet = book.worksheets[1]
    assert _values(sheet, 3) == ["No.", "Measure", "Milestone", "Milestone date", "Done on"]
    assert sheet["A4"].value == "第一 坚持党的全面领导"
    assert [_values(sheet, row) for row in (5, 6, 7)] == [
        [1, "健全工会参与改革的工作机制", "摸底调研", datetime(2026, 3, 31), datetime(2026, 3, 20)],
        [1, None, "出台实施意见", datetime(2026, 12, 15), None],  # the title said once
        [1, None, "总结验收", datetime(2026, 12, 20), None],
    ]
    assert sheet["A8"].value == "第五 深化产业工人队伍建设改革"  # an area with milestones only
    assert _values(sheet, 9)[:3] == [1, "健全产业工人培训体系", "验收"]
    assert sheet.print_title_rows == "$3:$3" and sheet.page_setup.fitToHeight == 0


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
    titles = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert titles == ["健全工会参与改革的工作机制"]


def test_xlsx_keeps_the_task_book_sort_within_areas(coordinator_client, plan):
    sheet = _workbook(coordinator_client.get(XLSX + "?sort=-progress", **EN)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert titles == ["健全工会参与改革的工作机制", "完善劳动关系协调机制", "健全产业工人培训体系"]
    sheet = _workbook(coordinator_client.get(XLSX + "?sort=progress", **EN)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
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
    assert rows[0] == CSV_HEADERS
    assert len(rows) == 4  # no group rows: the area is a column
    first = dict(zip(CSV_HEADERS, rows[1], strict=True))
    assert first["No."] == "1" and first["Reform area"] == "第一 坚持党的全面领导"
    assert first["Start date"] == "2026-01-01" and first["Due date"] == "2026-12-31"
    assert first["Progress"] == "90" and first["Cooperating bodies"] == "省人社厅、省法院"
    assert first["Next steps"] == "'=SUM(1+1) 下月完成验收"  # not a formula in a spreadsheet
    assert rows[2][7] == "长期坚持"
    assert [rows[3][0], rows[3][1]] == ["1", "第五 深化产业工人队伍建设改革"]


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
        if n % 3 == 0:  # milestones and extensions: read with the measures, not one by one
            MilestoneFactory(measure=measure, due_date=date(2026, 6, 1), done_on=date(2026, 6, 1))
            MilestoneFactory(measure=measure, due_date=date(2026, 12, 1))
            _extended(measure, owner, date(2026, 1 + n % 12, 1), date(2027, 3, 31))


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
    assert "第一 坚持党的全面领导" in html and "第五 深化产业工人队伍建设改革" in html
    assert "一、第一" not in html and "二、第五" not in html  # numbered once
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
    assert sheet["A4"].value == "第一 坚持党的全面领导"
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
    assert sheet["A4"].value == "第一 坚持党的全面领导"
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

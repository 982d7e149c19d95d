"""The round trip: an edited ledger uploaded back, previewed, confirmed — all or nothing."""

import io
import re
from datetime import date, datetime
from html import unescape

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tasks.ledger import LEDGER_COLUMNS
from tasks.ledger.upload import cells
from tasks.models import Measure
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UPLOAD, CONFIRM = "/measures/upload/", "/measures/upload/confirm"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _today(clock):
    clock.move_to(date(2026, 11, 24))


@pytest.fixture
def plan():
    area = ReformAreaFactory(ordinal="第一", title="坚持党的全面领导", order=1)
    other_area = ReformAreaFactory(ordinal="第二", title="深化产改", order=2)
    union = ResponsibleBodyFactory(name="省总工会")
    court = ResponsibleBodyFactory(name="省法院")
    ResponsibleBodyFactory(name="省人社厅")
    zhang = UserFactory(username="zhangsan", first_name="张三")
    UserFactory(username="lisi", first_name="李四")
    a = MeasureFactory(
        area=area,
        rank=1,
        title="健全工会参与改革的工作机制",
        lead_body=union,
        owner=zhang,
        start_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        progress=20,
        status="in_progress",
    )
    a.cooperating_bodies.add(court)
    b = MeasureFactory(area=area, rank=2, title="完善劳动关系协调机制", deadline_note="长期坚持")
    c = MeasureFactory(area=other_area, rank=3, title="健全产业工人培训体系", priority=3)
    return {"a": a, "b": b, "c": c}


def _exported(client) -> openpyxl.Workbook:
    response = client.get("/measures/export.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _header(sheet) -> dict[str, int]:
    """The export's columns by key → their index (1-based), read from its header row."""
    labels = {}
    for code in ("zh-hans", "en"):
        with translation.override(code):
            labels |= {str(column.label): column.key for column in LEDGER_COLUMNS}
    for row in sheet.iter_rows(max_row=10):
        found = {labels[c.value]: c.column for c in row if c.value in labels}
        if "title" in found and "id" in found:
            return found
    raise AssertionError("no header row")


def _col(sheet, key: str) -> int:
    return _header(sheet)[key]


def _row_of(sheet, title: str) -> int:
    column = _col(sheet, "title")
    for row in sheet.iter_rows(min_row=2):
        if row[column - 1].value == title:
            return row[0].row
    raise AssertionError(title)


def _file(book: openpyxl.Workbook, name: str = "台账（修改）.xlsx") -> SimpleUploadedFile:
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX_TYPE)


def _upload(client, book_or_file, **extra):
    upload = book_or_file if isinstance(book_or_file, SimpleUploadedFile) else _file(book_or_file)
    return client.post(UPLOAD, {"file": upload}, **extra)


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers no confirmation"
    return unescape(match[1])


def _state() -> list[tuple]:
    """Everything an upload may change, and the versions and history, to compare."""
    return [
        (
            m.pk,
            m.version,
            m.owner_id,
            m.lead_body_id,
            tuple(sorted(b.pk for b in m.cooperating_bodies.all())),
            m.start_date,
            m.due_date,
            m.deadline_note,
            m.priority,
            m.progress,
            m.history.count(),
        )
        for m in Measure.objects.order_by("pk").prefetch_related("cooperating_bodies")
    ]


# -- a good file --------------------------------------------------------------------------------


def test_good_file_preview_then_confirm_applies_exactly_the_changes(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    a, b = _row_of(sheet, plan["a"].title), _row_of(sheet, plan["b"].title)
    sheet.cell(a, _col(sheet, "owner")).value = "李四"  # 责任人 by full name
    sheet.cell(a, _col(sheet, "lead_body")).value = "省人社厅"  # 牵头单位
    sheet.cell(a, _col(sheet, "cooperating")).value = "省法院、省总工会"  # 配合单位
    sheet.cell(a, _col(sheet, "due_date")).value = "2027/03/31"  # 完成时限 as text
    sheet.cell(a, _col(sheet, "priority")).value = "高"
    sheet.cell(a, _col(sheet, "progress")).value = "60%"
    sheet.cell(b, _col(sheet, "start_date")).value = datetime(
        2026, 12, 1
    )  # 开始时间 as a date cell
    sheet.cell(b, _col(sheet, "due_date")).value = "2027-06-30"  # a date instead of 长期坚持
    before = _state()
    untouched = plan["c"]

    response = _upload(coordinator_client, book, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert _state() == before  # the preview writes nothing
    assert "3 measure rows read" in html
    assert "2 measures change" in html and "1 row is unchanged" in html and "0 problems" in html
    changes = html.split('id="changes"')[1]
    for text in ["张三", "李四", "省人社厅", "省总工会、省法院", "2026-12-31", "2027-03-31"]:
        assert text in changes
    assert "20%" in changes and "60%" in changes and "长期坚持" in changes
    assert f">{a}</td>" in changes and f">{b}</td>" in changes  # the rows of the sheet

    response = coordinator_client.post(CONFIRM, {"token": _token(response)}, **EN)
    assert response.status_code == 302 and response["Location"] == "/measures/"
    first = Measure.objects.get(pk=plan["a"].pk)
    assert first.owner.username == "lisi" and first.lead_body.name == "省人社厅"
    assert {body.name for body in first.cooperating_bodies.all()} == {"省法院", "省总工会"}
    assert (first.due_date, first.priority, first.progress) == (date(2027, 3, 31), 1, 60)
    assert first.start_date == date(2026, 1, 1)  # unchanged field kept
    assert first.version == plan["a"].version + 1
    latest = first.history.order_by("-history_id").first()
    assert latest.history_user.username == "coordinator"
    second = Measure.objects.get(pk=plan["b"].pk)
    assert (second.start_date, second.due_date, second.deadline_note) == (
        date(2026, 12, 1),
        date(2027, 6, 30),
        "",
    )
    third = Measure.objects.get(pk=untouched.pk)
    assert third.version == untouched.version  # an unchanged row is not saved at all
    assert third.history.count() == untouched.history.count()
    page = coordinator_client.get("/measures/", **EN).content.decode()
    assert "The ledger was applied: 2 measures changed." in page


def test_deadline_note_progress_number_and_percent_cell(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    a, c = _row_of(sheet, plan["a"].title), _row_of(sheet, plan["c"].title)
    sheet.cell(a, _col(sheet, "due_date")).value = "持续推进"  # no date: a deadline note
    sheet.cell(a, _col(sheet, "progress")).value = 0.45
    sheet.cell(a, _col(sheet, "progress")).number_format = "0%"  # typed as 45% in Excel
    sheet.cell(c, _col(sheet, "progress")).value = 35
    sheet.cell(c, _col(sheet, "owner")).value = "zhangsan"  # by user name
    response = _upload(coordinator_client, book)
    coordinator_client.post(CONFIRM, {"token": _token(response)})
    first, third = Measure.objects.get(pk=plan["a"].pk), Measure.objects.get(pk=plan["c"].pk)
    assert (first.due_date, first.deadline_note, first.progress) == (None, "持续推进", 45)
    assert (third.progress, third.owner.username) == (35, "zhangsan")


def test_unchanged_file_changes_nothing(coordinator_client, plan):
    before = _state()
    response = _upload(coordinator_client, _exported(coordinator_client), **EN)
    html = response.content.decode()
    assert "3 rows are unchanged" in html and "The file changes nothing" in html
    assert 'name="token"' not in html
    assert _state() == before


def test_cleared_cells_clear_the_fields(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    a = _row_of(sheet, plan["a"].title)
    for key in ("lead_body", "cooperating", "owner", "start_date", "due_date"):
        sheet.cell(a, _col(sheet, key)).value = None
    coordinator_client.post(CONFIRM, {"token": _token(_upload(coordinator_client, book))})
    first = Measure.objects.get(pk=plan["a"].pk)
    assert (first.lead_body, first.owner, first.start_date, first.due_date) == (None,) * 4
    assert not first.cooperating_bodies.exists()


def test_hand_made_ledger_with_chinese_headers_matches_by_rank_and_title(coordinator_client, plan):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某市总工会改革任务台账"])
    sheet.append(["序号", "具体举措", "优先序", "责任人", "完成时限", "优先级", "进度（%）"])
    sheet.append(["一、坚持党的全面领导"])
    sheet.append([1, "健全工会参与改革的工作机制", 1, "张三", "2026年12月31日", "中", 50])
    sheet.append([2, "完善劳动关系协调机制 ", 2, "", "长期坚持", "中", 0])
    response = _upload(coordinator_client, book, **EN)
    html = response.content.decode()
    assert "1 measure changes" in html and "1 row is unchanged" in html
    coordinator_client.post(CONFIRM, {"token": _token(response)})
    first = Measure.objects.get(pk=plan["a"].pk)
    assert (first.progress, first.priority) == (50, 2)
    assert first.lead_body.name == "省总工会"  # no such column: left as it was


# -- a bad file: every problem listed, nothing written ------------------------------------------


def test_bad_rows_are_listed_with_row_numbers_and_nothing_is_written(coordinator_client, plan):
    UserFactory(username="wang1", first_name="王五")
    UserFactory(username="wang2", first_name="王五")
    book = _exported(coordinator_client)
    sheet = book.active
    a, b, c = (_row_of(sheet, plan[key].title) for key in "abc")
    sheet.cell(a, _col(sheet, "lead_body")).value = "不存在的单位"
    sheet.cell(a, _col(sheet, "owner")).value = "赵六"
    sheet.cell(a, _col(sheet, "due_date")).value = "2026-13-45"
    sheet.cell(b, _col(sheet, "owner")).value = "王五"  # two users have that name
    sheet.cell(b, _col(sheet, "priority")).value = "特急"
    sheet.cell(b, _col(sheet, "progress")).value = "120"
    sheet.cell(c, _col(sheet, "id")).value = 99999  # the ID of no measure
    header = _header(sheet)
    added = [None] * max(header.values())
    added[header["title"] - 1], added[header["rank"] - 1] = "一项新举措", 77
    sheet.append(added)
    before = _state()

    response = _upload(coordinator_client, book, **EN)
    html = response.content.decode()
    assert response.status_code == 200 and _state() == before
    assert 'name="token"' not in html  # nothing to confirm
    errors = html.split('id="errors"')[1].split("</section>")[0]
    assert "“不存在的单位”" in errors and "“赵六”" in errors
    assert "“2026-13-45” is not a date" in errors
    assert "wang1、wang2" in errors  # the ambiguous name, with the user names to choose from
    assert "“特急” is not a priority" in errors and "“120” is not a progress" in errors
    assert "No measure has the ID 99999" in errors
    assert "No measure ranked 77 is titled “一项新举措”" in errors
    rows = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', errors)]
    assert sorted(set(rows)) == sorted({a, b, c, sheet.max_row})
    assert "8 problems" in html


def test_rows_sorted_apart_from_the_id_column_are_caught(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    a, c = _row_of(sheet, plan["a"].title), _row_of(sheet, plan["c"].title)
    sheet.cell(a, _col(sheet, "id")).value, sheet.cell(c, _col(sheet, "id")).value = (
        plan["c"].pk,
        plan["a"].pk,
    )
    html = _upload(coordinator_client, book, **EN).content.decode()
    assert f"The ID {plan['c'].pk} belongs to “健全产业工人培训体系”" in html
    assert 'name="token"' not in html


def test_rules_of_the_measure_page_hold(coordinator_client, plan):
    MilestoneFactory(measure=plan["a"], title="中期评估", due_date=date(2026, 12, 15))
    Measure.objects.filter(pk=plan["c"].pk).update(status="done", progress=100)
    book = _exported(coordinator_client)
    sheet = book.active
    a, b, c = (_row_of(sheet, plan[key].title) for key in "abc")
    sheet.cell(a, _col(sheet, "due_date")).value = "2026-12-01"  # before its milestone
    sheet.cell(b, _col(sheet, "start_date")).value = "2026-12-31"
    sheet.cell(b, _col(sheet, "due_date")).value = "2026-06-30"  # due before start
    sheet.cell(c, _col(sheet, "progress")).value = 80  # a completed measure stands at 100%
    html = _upload(coordinator_client, book, **EN).content.decode()
    assert "中期评估（2026-12-15）" in html
    assert "The due date cannot be before the start date." in html
    assert "A completed measure stands at 100%" in html
    assert "3 problems" in html


def test_rows_after_a_long_blank_stretch_are_not_read(coordinator_client, plan, monkeypatch):
    monkeypatch.setattr("tasks.ledger.upload.sheet.MAX_BLANK_ROWS", 5)
    book = _exported(coordinator_client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    sheet.cell(sheet.max_row + 10, 3).value = "表格之后的备注"  # would be an error if read
    html = _upload(coordinator_client, book, **EN).content.decode()
    assert "1 measure changes" in html and "0 problems" in html


def test_the_same_measure_twice_is_an_error(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    a = _row_of(sheet, plan["a"].title)
    sheet.append([cell.value for cell in sheet[a]])
    html = _upload(coordinator_client, book, **EN).content.decode()
    assert f"is already on row {a}" in html and 'name="token"' not in html


def _refused(client, upload, words: str) -> None:
    before = _state()
    response = _upload(client, upload, **EN)
    html = response.content.decode()
    assert response.status_code == 200 and 'name="token"' not in html
    assert words in html, html.split("<main")[1][:2000]
    assert 'class="field-error"' in html
    assert _state() == before


def test_not_an_xlsx(coordinator_client, plan):
    upload = SimpleUploadedFile("ledger.csv", "序号,具体举措\n".encode(), content_type="text/csv")
    _refused(coordinator_client, upload, "is not an Excel workbook (.xlsx)")


def test_a_text_file_named_xlsx(coordinator_client, plan):
    upload = SimpleUploadedFile("ledger.xlsx", b"not a workbook at all", content_type=XLSX_TYPE)
    _refused(coordinator_client, upload, "could not be read as an Excel workbook")


def test_a_damaged_workbook(coordinator_client, plan):
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    upload = SimpleUploadedFile("ledger.xlsx", out.getvalue()[:300], content_type=XLSX_TYPE)
    _refused(coordinator_client, upload, "could not be read as an Excel workbook")


def test_too_big(coordinator_client, plan):
    data = b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024)
    upload = SimpleUploadedFile("ledger.xlsx", data, content_type=XLSX_TYPE)
    _refused(coordinator_client, upload, "a ledger may be at most 5 MB")


def test_empty_file(coordinator_client, plan):
    upload = SimpleUploadedFile("ledger.xlsx", b"", content_type=XLSX_TYPE)
    before = _state()
    response = _upload(coordinator_client, upload)
    assert 'class="field-error"' in response.content.decode() and _state() == before


def test_wrong_header_row(coordinator_client, plan):
    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话", "备注"])
    book.active.append(["张三", "123", ""])
    _refused(coordinator_client, book, "No header row of the ledger was found")


def test_an_empty_sheet(coordinator_client, plan):
    _refused(coordinator_client, openpyxl.Workbook(), "No header row of the ledger was found")


def test_header_without_rows(coordinator_client, plan):
    book = openpyxl.Workbook()
    book.active.append(["序号", "具体举措", "优先序", "进度"])
    _refused(coordinator_client, book, "no measure rows")


def test_header_without_a_column_to_change(coordinator_client, plan):
    book = openpyxl.Workbook()
    book.active.append(["序号", "具体举措", "优先序", "状态"])
    book.active.append([1, "健全工会参与改革的工作机制", 1, "推进中"])
    _refused(coordinator_client, book, "none of the columns an upload changes")


# -- confirmation: stale, tampered, another account ---------------------------------------------


def test_measure_changed_after_the_preview_refuses_everything(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    sheet.cell(_row_of(sheet, plan["c"].title), _col(sheet, "progress")).value = 30
    token = _token(_upload(coordinator_client, book))

    someone = Measure.objects.get(pk=plan["c"].pk)  # meanwhile, on the measure page
    someone.progress = 55
    someone.save_versioned(expected_version=someone.version)
    before = _state()

    response = coordinator_client.post(CONFIRM, {"token": token}, **EN)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "“健全产业工人培训体系”" in html and "after the preview" in html
    assert "“健全工会参与改革的工作机制”" not in html.split('id="refused"')[1].split("</ul>")[0]
    assert _state() == before  # the other measure's change was not written either


def test_body_deleted_after_the_preview_refuses_everything(coordinator_client, plan):
    extra = ResponsibleBodyFactory(name="临时单位")
    book = _exported(coordinator_client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["c"].title), 4).value = "临时单位"
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    token = _token(_upload(coordinator_client, book))
    extra.delete()
    before = _state()
    response = coordinator_client.post(CONFIRM, {"token": token}, **EN)
    assert response.status_code == 409 and "no longer exists" in response.content.decode()
    assert _state() == before


def test_tampered_token_is_refused(coordinator_client, plan):
    book = _exported(coordinator_client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    token = _token(_upload(coordinator_client, book))
    before = _state()
    response = coordinator_client.post(CONFIRM, {"token": token[:-3] + "abc"}, **EN)
    assert response.status_code == 302 and response["Location"] == UPLOAD
    page = coordinator_client.get(UPLOAD, **EN).content.decode()
    assert "This preview could not be read" in page
    assert _state() == before


def test_token_of_another_account_is_refused(client, coordinator, superuser, plan):
    client.force_login(coordinator)
    book = _exported(client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    token = _token(_upload(client, book))
    before = _state()
    client.force_login(superuser)
    assert client.post(CONFIRM, {"token": token}).status_code == 302
    assert _state() == before


def test_expired_token_is_refused(coordinator_client, plan, monkeypatch):
    book = _exported(coordinator_client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    token = _token(_upload(coordinator_client, book))
    monkeypatch.setattr("tasks.ledger.upload.apply.TOKEN_MAX_AGE", -1)
    before = _state()
    coordinator_client.post(CONFIRM, {"token": token})
    assert _state() == before


# -- who may upload -----------------------------------------------------------------------------


def test_upload_page_for_the_office(coordinator_client):
    html = coordinator_client.get(UPLOAD, **EN).content.decode()
    assert 'enctype="multipart/form-data"' in html and "style=" not in html
    assert "css/exports.css" in html


@pytest.mark.parametrize("actor", ["viewer", "liaison"])
def test_others_may_not_upload(client, request, plan, actor):
    client.force_login(request.getfixturevalue(actor))
    book = _exported(client)  # they may export, though
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    before = _state()
    assert client.get(UPLOAD).status_code == 403
    assert _upload(client, book).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert _state() == before


def test_a_stolen_preview_is_no_use_to_a_viewer(client, coordinator, viewer, plan):
    client.force_login(coordinator)
    book = _exported(client)
    sheet = book.active
    sheet.cell(_row_of(sheet, plan["a"].title), _col(sheet, "progress")).value = 70
    token = _token(_upload(client, book))
    client.force_login(viewer)
    before = _state()
    assert client.post(CONFIRM, {"token": token}).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("url", [UPLOAD, CONFIRM])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url) if url == UPLOAD else client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_confirm_is_post_only(coordinator_client):
    assert coordinator_client.get(CONFIRM).status_code == 405


# -- reading cells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2026年12月31日", date(2026, 12, 31)),
        (datetime(2026, 12, 31, 0, 0), date(2026, 12, 31)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert cells.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2026-02-30", "明年", "20261231", 46000])
def test_parse_date_refuses(value):
    with pytest.raises(cells._CellError):
        cells.parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("长期坚持", (None, "长期坚持")),
        ("持续推进", (None, "持续推进")),
        ("6月底前", (date(2027, 6, 30), "6月底前")),  # in the plan's year
        ("2027年6月底前", (date(2027, 6, 30), "2027年6月底前")),
        ("2027年底前", (date(2027, 12, 31), "2027年底前")),
        ("第三季度", (date(2027, 9, 30), "第三季度")),
        ("2026/6/30", (date(2026, 6, 30), "")),
        (datetime(2026, 6, 30), (date(2026, 6, 30), "")),
        (None, (None, "")),
    ],
)
def test_parse_deadline(value, expected):
    assert cells.parse_deadline(value, year=2027) == expected


@pytest.mark.parametrize("value", ["2026-13-45", "13月底前", "第五季度"])
def test_parse_deadline_refuses_a_time_that_does_not_exist(value):
    with pytest.raises(cells._CellError):
        cells.parse_deadline(value, year=2027)


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (40, "General", 40),
        ("40%", "General", 40),
        (0.4, "0%", 40),
        (0.4, "[Blue]0%", 40),
        (40, '0"%"', 40),  # as the export writes it
        (40, "0\\%", 40),  # as LibreOffice saves it again: an escaped, literal %
        ("0", "", 0),
    ],
)
def test_parse_progress(value, number_format, expected):
    assert cells.parse_progress(value, number_format) == expected


@pytest.mark.parametrize("value", ["-5", "101", "四成", None, 1.5e3])
def test_parse_progress_refuses(value):
    with pytest.raises(cells._CellError):
        cells.parse_progress(value)


@pytest.mark.parametrize(("value", "expected"), [("高", 1), ("中", 2), ("低", 3), ("High", 1)])
def test_parse_priority(value, expected):
    assert cells.parse_priority(value) == expected

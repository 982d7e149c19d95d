"""The ledger round trip loses nothing: export → edit with openpyxl → preview → confirm, on the
page and with `import_ledger`, for an unchanged file, stale rows, each column and each way a
deadline is written."""

import io
import json
import re
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from tasks.models import Measure
from tasks.models.versioning import person
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)
from tests.test_ledger_upload import CONFIRM, EN, UPLOAD, XLSX_TYPE, _header

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    """A plan holding what measures hold: notes with and without a day, several cooperating
    bodies, people by full name, milestones, a closed measure, long text with line breaks."""
    first = ReformAreaFactory(ordinal="第一", title="坚持党的全面领导", order=1)
    second = ReformAreaFactory(ordinal="", title="二、深化产业工人队伍建设改革", order=2)
    union, court, labour = (
        ResponsibleBodyFactory(name=name) for name in ("省总工会", "省法院", "省人社厅")
    )
    zhang = UserFactory(username="zhangsan", first_name="三", last_name="张")
    UserFactory(username="lisi", first_name="李四")
    noted = MeasureFactory(
        area=first,
        rank=1,
        title="健全工会参与改革的工作机制，\n推动形成长效机制",
        lead_body=union,
        owner=zhang,
        start_date=date(2026, 1, 1),
        due_date=date(2027, 6, 30),
        deadline_note="2027年6月底前",
        progress=20,
        status="in_progress",
        priority=1,
    )
    noted.cooperating_bodies.add(court, labour)
    MilestoneFactory(measure=noted, title="出台实施细则", due_date=date(2027, 3, 31))
    lasting = MeasureFactory(
        area=first, rank=2, title="完善劳动关系协调机制", deadline_note="长期坚持"
    )
    plain = MeasureFactory(
        area=second,
        rank=3,
        title="健全产业工人培训体系",
        priority=3,
        start_date=date(2026, 1, 1),
        due_date=date(2027, 12, 31),
    )
    closed = MeasureFactory(
        area=second,
        rank=4,
        title="建立职工服务阵地",
        status="done",
        progress=100,
        start_date=date(2026, 1, 1),
        due_date=date(2026, 10, 31),
        closed_on=date(2026, 11, 1),
    )
    return {"noted": noted, "lasting": lasting, "plain": plain, "closed": closed}


# -- the file -----------------------------------------------------------------------------------


def _export(client, **extra) -> openpyxl.Workbook:
    response = client.get("/measures/export.xlsx", **extra)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


class Ledger:
    """An exported ledger being edited, cells found by column key and measure."""

    def __init__(self, book: openpyxl.Workbook) -> None:
        self.book, self.sheet = book, book.worksheets[0]
        self.columns = _header(self.sheet)

    def row(self, measure: Measure) -> int:
        for cells in self.sheet.iter_rows(min_row=2):
            if cells[self.columns["id"] - 1].value == measure.pk:
                return cells[0].row
        raise AssertionError(measure.title)

    def cell(self, measure: Measure, key: str):
        return self.sheet.cell(self.row(measure), self.columns[key])

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()

    def upload(self, client, **extra):
        upload = SimpleUploadedFile("台账（修改）.xlsx", self.bytes(), content_type=XLSX_TYPE)
        return client.post(UPLOAD, {"file": upload}, **extra)

    def command(self, tmp_path: Path, *args: str) -> dict:
        path = tmp_path / "台账.xlsx"
        path.write_bytes(self.bytes())
        out = io.StringIO()
        call_command(
            "import_ledger", str(path), "--format", "json", *args, stdout=out, stderr=io.StringIO()
        )
        return json.loads(out.getvalue())


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers no confirmation"
    return unescape(match[1])


def _state() -> list[tuple]:
    return [
        (
            m.pk,
            m.version,
            m.owner_id,
            m.lead_body_id,
            m.start_date,
            m.due_date,
            m.deadline_note,
            m.priority,
            m.progress,
            m.status,
            m.history.count(),
        )
        for m in Measure.objects.order_by("pk")
    ]


def _saved_by(measure: Measure, user, **values) -> Measure:
    """Someone else's save, after the export (as the measure page or a report makes it)."""
    measure = Measure.objects.get(pk=measure.pk)
    for name, value in values.items():
        setattr(measure, name, value)
    measure._history_user = user
    measure.save_edit(expected_version=measure.version)
    return measure


# -- unchanged ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_unchanged_export_is_no_change_at_all(coordinator_client, plan, tmp_path, language):
    ledger = Ledger(_export(coordinator_client, HTTP_ACCEPT_LANGUAGE=language))
    before = _state()
    data = ledger.command(tmp_path, "--dry-run")
    assert (data["changes"], data["errors"], data["stale"], data["ignored"]) == ([], [], [], [])
    assert data["unchanged"] == len(plan)
    html = ledger.upload(coordinator_client, **EN).content.decode()
    assert "The file changes nothing" in html and 'name="token"' not in html
    assert "0 problems" in html and "0 cells are ignored" in html
    ledger_data = ledger.command(tmp_path)  # applied: nothing to apply
    assert ledger_data["changes"] == []
    assert _state() == before
    # the note and its day both kept (they used to be erased)
    noted = Measure.objects.get(pk=plan["noted"].pk)
    assert (noted.deadline_note, noted.due_date) == ("2027年6月底前", date(2027, 6, 30))


def test_a_spreadsheet_program_saving_it_again_changes_nothing(coordinator_client, plan, tmp_path):
    """Dates turned into date cells, numbers into floats, line breaks kept: still no change."""
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["plain"], "due_date").value = "2027/12/31"
    ledger.cell(plan["noted"], "progress").value = 20.0
    ledger.cell(plan["noted"], "owner").value = "张三"
    ledger.cell(plan["noted"], "cooperating").value = "省人社厅，省法院"
    data = ledger.command(tmp_path, "--dry-run")
    assert (data["changes"], data["errors"], data["ignored"]) == ([], [], [])


# -- stale --------------------------------------------------------------------------------------


def test_an_old_export_reverts_nothing_and_marks_the_stale_row(
    coordinator_client, liaison, plan, tmp_path
):
    ledger = Ledger(_export(coordinator_client))  # before the liaison's progress
    _saved_by(plan["plain"], liaison, progress=18)
    before = _state()

    data = ledger.command(tmp_path, "--dry-run")
    assert data["changes"] == [] and data["errors"] == []
    (stale,) = data["stale"]
    assert stale["id"] == plan["plain"].pk and stale["row"] == ledger.row(plan["plain"])
    assert stale["changed_by"] == [person(liaison)]
    assert any("进度" in name or "rogress" in name for name in stale["fields"])
    assert stale["changes"] == []  # its 20 → 18… is not proposed back

    html = ledger.upload(coordinator_client, **EN).content.decode()
    section = html.split('id="stale"')[1]
    assert "18%" in section or "18" in section
    assert "Nothing: the newer values stay." in section
    assert "The file changes nothing" in html
    ledger.command(tmp_path)
    assert _state() == before
    assert Measure.objects.get(pk=plan["plain"].pk).progress == 18


def test_an_edit_on_a_stale_row_is_applied_only_when_ticked(
    coordinator_client, liaison, plan, tmp_path
):
    ledger = Ledger(_export(coordinator_client))
    _saved_by(plan["plain"], liaison, progress=18)
    ledger.cell(plan["plain"], "owner").value = "李四"  # an edit on the stale row
    ledger.cell(plan["lasting"], "owner").value = "李四"  # and one on a fresh row

    data = ledger.command(tmp_path, "--dry-run")
    assert [(c["id"], c["field"], c["new"]) for c in data["changes"]] == [
        (plan["lasting"].pk, "owner", "李四")
    ]
    (stale,) = data["stale"]
    assert [(c["field"], c["new"]) for c in stale["changes"]] == [("owner", "李四")]

    response = ledger.upload(coordinator_client, **EN)
    html = response.content.decode()
    assert f'name="stale" value="{plan["plain"].pk}"' in html
    coordinator_client.post(CONFIRM, {"token": _token(response)})  # not ticked
    assert Measure.objects.get(pk=plan["plain"].pk).owner is None
    assert Measure.objects.get(pk=plan["lasting"].pk).owner.username == "lisi"

    ledger = Ledger(_export(coordinator_client))
    _saved_by(plan["plain"], liaison, progress=25)
    ledger.cell(plan["plain"], "owner").value = "李四"
    response = ledger.upload(coordinator_client)
    coordinator_client.post(CONFIRM, {"token": _token(response), "stale": [plan["plain"].pk]})
    measure = Measure.objects.get(pk=plan["plain"].pk)
    assert (measure.owner.username, measure.progress) == ("lisi", 25)  # ticked: applied, 25 kept


def test_the_command_applies_stale_rows_only_when_told(coordinator_client, liaison, plan, tmp_path):
    ledger = Ledger(_export(coordinator_client))
    _saved_by(plan["plain"], liaison, progress=18)
    ledger.cell(plan["plain"], "owner").value = "李四"
    ledger.command(tmp_path)
    assert Measure.objects.get(pk=plan["plain"].pk).owner is None
    data = ledger.command(tmp_path, "--include-stale", "--user", "coordinator")
    assert [c["field"] for c in data["changes"]] == ["owner"]
    measure = Measure.objects.get(pk=plan["plain"].pk)
    assert (measure.owner.username, measure.progress) == ("lisi", 18)
    latest = measure.history.order_by("-history_id").first()
    assert latest.history_user.username == "coordinator"


# -- each column --------------------------------------------------------------------------------

READ_ONLY = {
    "status": "已完成",
    "latest_progress": "已召开专题会议",
    "problems": "经费不足",
    "next_steps": "下月出台细则",
    "light": "绿",
    "rank": 9,
    "number": 7,
}


@pytest.mark.parametrize(("key", "value"), READ_ONLY.items())
def test_a_read_only_column_edited_is_said_ignored_row_by_row(
    coordinator_client, plan, tmp_path, key, value
):
    ledger = Ledger(_export(coordinator_client))
    if key not in ledger.columns:
        pytest.fail(f"the ledger has no {key} column")
    ledger.cell(plan["noted"], key).value = value
    before = _state()
    data = ledger.command(tmp_path, "--dry-run")
    assert data["changes"] == [] and data["errors"] == []
    (ignored,) = data["ignored"]
    assert ignored["row"] == ledger.row(plan["noted"])
    assert ignored["value"] == str(value) and ignored["reason"]
    html = ledger.upload(coordinator_client).content.decode()
    assert ignored["reason"] in unescape(html)
    assert _state() == before


def test_read_only_reasons_name_where_each_is_changed(coordinator_client, plan, tmp_path):
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["noted"], "status").value = "已完成"
    ledger.cell(plan["lasting"], "latest_progress").value = "已召开专题会议"
    with translation.override("en"):
        data = ledger.command(tmp_path, "--dry-run")
    reasons = {item["row"]: item["reason"] for item in data["ignored"]}
    assert "progress reports" in reasons[ledger.row(plan["noted"])]
    assert "report page" in reasons[ledger.row(plan["lasting"])]


APPLIED = [
    ("owner", "李四", lambda m: m.owner.username, "lisi"),
    ("lead_body", "省人社厅", lambda m: m.lead_body.name, "省人社厅"),
    (
        "cooperating",
        "省总工会、省法院",
        lambda m: sorted(b.name for b in m.cooperating_bodies.all()),
        ["省总工会", "省法院"],
    ),
    ("start_date", "2026-03-01", lambda m: m.start_date, date(2026, 3, 1)),
    ("priority", "中", lambda m: m.priority, 2),
    ("progress", "35%", lambda m: m.progress, 35),
]


@pytest.mark.parametrize(("key", "value", "read", "expected"), APPLIED)
def test_each_column_an_upload_changes(
    coordinator_client, plan, tmp_path, key, value, read, expected
):
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["plain"], key).value = value
    response = ledger.upload(coordinator_client)
    assert 'id="ignored"' not in response.content.decode()
    data = ledger.command(tmp_path, "--dry-run")
    assert [c["id"] for c in data["changes"]] == [plan["plain"].pk]
    coordinator_client.post(CONFIRM, {"token": _token(response)})
    assert read(Measure.objects.get(pk=plan["plain"].pk)) == expected


# -- deadlines as written -----------------------------------------------------------------------

DEADLINES = [
    ("2027年6月底前", date(2027, 6, 30), "2027年6月底前"),
    ("2027年底前", date(2027, 12, 31), "2027年底前"),
    ("6月底前", date(2026, 6, 30), "6月底前"),  # the year of the plan: it starts in 2026
    ("第三季度", date(2026, 9, 30), "第三季度"),
    ("长期坚持", None, "长期坚持"),
    ("持续推进", None, "持续推进"),
    ("2027-03-31", date(2027, 3, 31), ""),
    ("2027/9/30", date(2027, 9, 30), ""),
]


@pytest.mark.parametrize(("written", "due", "note"), DEADLINES)
def test_each_deadline_form_is_kept_with_the_day_it_names(
    coordinator_client, plan, tmp_path, written, due, note
):
    target = plan["plain"]  # starts 2026-01-01, due 2027-12-31, no note
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(target, "due_date").value = written
    data = ledger.command(tmp_path, "--dry-run")
    assert data["errors"] == []
    response = ledger.upload(coordinator_client)
    coordinator_client.post(CONFIRM, {"token": _token(response)})
    measure = Measure.objects.get(pk=target.pk)
    assert (measure.due_date, measure.deadline_note) == (due, note)
    # and it comes back out as written: the next export uploads as no change
    assert Ledger(_export(coordinator_client)).command(tmp_path, "--dry-run")["changes"] == []


def test_a_deadline_naming_a_day_that_does_not_exist_is_refused(coordinator_client, plan, tmp_path):
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["plain"], "due_date").value = "2027年13月底前"
    data = ledger.command(tmp_path, "--dry-run")
    (error,) = data["errors"]
    assert error["row"] == ledger.row(plan["plain"]) and "2027年13月底前" in error["message"]


def test_a_late_deadline_makes_the_measure_red(coordinator_client, plan, tmp_path):
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["lasting"], "due_date").value = "2026年10月底前"
    coordinator_client.post(CONFIRM, {"token": _token(ledger.upload(coordinator_client))})
    red = Measure.objects.with_light(date(2026, 11, 24)).get(pk=plan["lasting"].pk)
    assert red.is_overdue and red.light == "red"


# -- bad rows, and the command's refusals -------------------------------------------------------


def test_bad_rows_refuse_everything_on_both_paths(coordinator_client, plan, tmp_path):
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["noted"], "owner").value = "赵六"  # nobody
    ledger.cell(plan["plain"], "progress").value = "120"
    ledger.cell(plan["lasting"], "owner").value = "李四"  # a good change beside them
    before = _state()
    data = ledger.command(tmp_path, "--dry-run")
    assert {e["row"] for e in data["errors"]} == {
        ledger.row(plan["noted"]),
        ledger.row(plan["plain"]),
    }
    assert all(e["message"] for e in data["errors"])
    with pytest.raises(CommandError) as refused:
        ledger.command(tmp_path)
    assert refused.value.returncode == 2
    html = ledger.upload(coordinator_client).content.decode()
    assert 'name="token"' not in html
    assert _state() == before


def test_the_command_refuses_what_the_page_refuses(tmp_path, plan):
    with pytest.raises(CommandError) as refused:
        call_command("import_ledger", str(tmp_path / "none.xlsx"))
    assert refused.value.returncode == 2
    text = tmp_path / "台账.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(CommandError) as refused:
        call_command("import_ledger", str(text))
    assert refused.value.returncode == 2
    csv = tmp_path / "台账.csv"
    csv.write_text("a,b")
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command("import_ledger", str(csv))


def test_the_command_writes_the_page_changes(coordinator_client, plan, tmp_path):
    """The same file: the page's confirmation and the command's run leave the same measures."""
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["noted"], "owner").value = "李四"
    ledger.cell(plan["plain"], "due_date").value = "2027年6月底前"
    ledger.command(tmp_path)
    by_command = _state()
    assert Measure.objects.get(pk=plan["plain"].pk).deadline_note == "2027年6月底前"
    data = ledger.command(tmp_path, "--dry-run")  # again: its rows now say what is held
    assert data["changes"] == [] and data["errors"] == []
    assert _state() == by_command


# -- a bounded cost -----------------------------------------------------------------------------


def _queries_to_preview(client, liaison, count: int, tmp_path: Path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    area = ReformAreaFactory(title=f"领域{count}")
    measures = [
        MeasureFactory(area=area, title=f"举措{count}-{n}", progress=10) for n in range(count)
    ]
    ledger = Ledger(_export(client, QUERY_STRING=f"area={area.pk}"))
    for measure in measures:  # every row stale, and each edited too
        _saved_by(measure, liaison, progress=30)
        ledger.cell(measure, "priority").value = "高"
    path = tmp_path / f"{count}.xlsx"
    path.write_bytes(ledger.bytes())
    with CaptureQueriesContext(connection) as queries:
        call_command("import_ledger", str(path), "--dry-run", stdout=io.StringIO())
    return len(queries)


def test_the_preview_costs_the_same_queries_for_many_stale_rows(
    coordinator_client, liaison, tmp_path
):
    assert _queries_to_preview(coordinator_client, liaison, 3, tmp_path) == _queries_to_preview(
        coordinator_client, liaison, 12, tmp_path
    )


def test_the_ledger_writes_the_deadline_as_written_while_it_names_the_due_date(
    coordinator_client, plan, tmp_path
):
    ledger = Ledger(_export(coordinator_client))
    assert ledger.cell(plan["noted"], "due_date").value == "2027年6月底前"
    assert ledger.cell(plan["lasting"], "due_date").value == "长期坚持"
    moved = Measure.objects.get(pk=plan["noted"].pk)
    moved.due_date = date(2027, 9, 30)  # an extension: the note no longer says the day
    moved.save_edit(expected_version=moved.version)
    ledger = Ledger(_export(coordinator_client))
    assert str(ledger.cell(plan["noted"], "due_date").value)[:10] == "2027-09-30"
    data = ledger.command(tmp_path, "--dry-run")
    assert (data["changes"], data["errors"], data["ignored"]) == ([], [], [])

"""Importing a policy document: the command, the upload and preview pages, the proposal editor."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tasks.intake.importing import DocumentError, propose
from tasks.intake.proposal import EditRefused, Node, Proposal, content_hash, outline_json
from tasks.intake.reading import too_large
from tasks.models import Measure, ReformArea, ResponsibleBody, Source
from tasks.outline import parse_document
from tests.conftest import PROJECT_DIR, queries_for
from tests.test_document_reading import make_docx, p, row

DOCUMENTS = PROJECT_DIR / "tests" / "documents"
PLAN = DOCUMENTS / "implementation-plan.txt"
WORK_POINTS = DOCUMENTS / "work-points.txt"
IMPORT_URL = "/import/"
PREVIEW_URL = "/import/preview"
SESSION_KEY = "document_import"

# A small plan: keys 1 (area) 2 3 4 (measures), 5 (area) 6 7 (measures).
SMALL = """江东市总工会2025年工作要点

一、加强组织建设
（一）健全基层组织。推动非公企业建会，年内新建工会100家。（市总工会组织部牵头，各区总工会配合）
（二）规范工会换届。按期完成基层工会换届选举。（市总工会组织部牵头）
（三）加强经费管理。严格执行工会经费收缴制度。（市总工会财务部牵头，市税务局配合）
二、维护职工权益
（一）推进集体协商。年内新签集体合同30份以上。（市总工会法律部牵头）
（二）做好帮扶工作。完善困难职工档案，及时发放帮扶资金。（市总工会帮扶中心牵头）
"""
SMALL_MEASURES = ["健全基层组织", "规范工会换届", "加强经费管理", "推进集体协商", "做好帮扶工作"]
# Plain sentences, no numbered item and no task: nothing to break down.
STORY = "从前有座山，山里有座庙。庙里有个老和尚在给小和尚讲故事。今天天气很好，我们去公园散步。\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
UNDECODABLE = b"abc\x80\x80\x80\xff"


def db_counts() -> tuple[int, int, int, int]:
    return (
        Source.objects.count(),
        ReformArea.objects.count(),
        Measure.objects.count(),
        ResponsibleBody.objects.count(),
    )


def docx_plan() -> bytes:
    """A Word plan: 一、（一）1． paragraphs, then a task table (序号/任务/牵头/配合 header)."""
    return make_docx(
        p("江东市总工会深化改革工作方案")
        + p("一、加强组织建设")
        + p(
            "（一）健全基层组织。推动非公企业建会，年内新建工会100家。（市总工会组织部牵头，各区总工会配合）"
        )
        + p("1．开展集中建会行动。组织建会攻坚月活动。")
        + p("二、重点任务分工")
        + "<w:tbl>"
        + row("序号", "重点任务", "牵头单位", "配合单位")
        + row("1", "建设职工服务阵地", "市总工会", "市财政局")
        + row("2", "开展劳动技能竞赛", "市人社局", "市总工会、市教育局")
        + "</w:tbl>"
    )


# =============================================================================================
# The command
# =============================================================================================


def _dry_run_json(path: Path) -> dict:
    out = io.StringIO()
    call_command("import_document", str(path), "--dry-run", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def _check_measure_shape(measure: dict) -> None:
    assert set(measure) == {"ordinal", "title", "excerpt", "bodies", "deadline", "measures"}
    assert all(isinstance(measure[key], str) for key in ("ordinal", "title", "excerpt"))
    assert set(measure["deadline"]) == {"date", "note"}
    assert isinstance(measure["deadline"]["note"], str)
    assert measure["deadline"]["date"] is None or re.fullmatch(
        r"\d{4}-\d{2}-\d{2}", measure["deadline"]["date"]
    )
    for body in measure["bodies"]:
        assert set(body) == {"name", "role"}
        assert body["role"] in {"lead", "cooperating", "mentioned"}
        assert isinstance(body["name"], str) and body["name"]
    for child in measure["measures"]:
        _check_measure_shape(child)


def _check_shape(data: dict) -> None:
    assert set(data) == {"source", "areas", "context", "warnings"}
    assert set(data["source"]) == {"title", "author", "affiliation"}
    for area in data["areas"]:
        assert set(area) == {"ordinal", "title", "excerpt", "measures"}
        for measure in area["measures"]:
            _check_measure_shape(measure)
    for entry in data["context"]:
        assert set(entry) == {"ordinal", "title", "excerpt"}
    assert all(isinstance(warning, str) for warning in data["warnings"])


def _all_measures(measures: list[dict]):
    for measure in measures:
        yield measure
        yield from _all_measures(measure["measures"])


@pytest.mark.django_db
def test_dry_run_json_has_the_documented_shape_and_writes_nothing():
    before = db_counts()
    data = _dry_run_json(PLAN)
    _check_shape(data)
    assert data["source"]["title"] == "江南省产业工人技能提升行动实施方案"
    assert [area["title"] for area in data["areas"]] == ["主要任务", "保障措施"]
    assert [len(area["measures"]) for area in data["areas"]] == [4, 4]
    measures = [m for area in data["areas"] for m in _all_measures(area["measures"])]
    first = measures[1]  # 1．完善职业技能培训平台网络
    assert first["title"] == "完善职业技能培训平台网络"
    assert {"name": "省人社厅", "role": "lead"} in first["bodies"]
    assert {"name": "省教育厅", "role": "cooperating"} in first["bodies"]
    assert [child["ordinal"] for child in first["measures"]] == ["（1）", "（2）", "（3）"]
    text = PLAN.read_text(encoding="utf-8")
    assert all(measure["excerpt"] in text for measure in measures)
    assert [entry["ordinal"] for entry in data["context"]] == ["一、"]
    assert data["warnings"] == []
    assert db_counts() == before == (0, 0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_dry_run_reads_other_encodings_the_same(tmp_path, encoding):
    copy_path = tmp_path / PLAN.name
    copy_path.write_bytes(PLAN.read_text(encoding="utf-8").encode(encoding))
    assert copy_path.read_bytes() != PLAN.read_bytes()
    assert _dry_run_json(copy_path) == _dry_run_json(PLAN)
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_dry_run_of_a_docx_with_a_task_table(tmp_path):
    path = tmp_path / "方案.docx"
    path.write_bytes(docx_plan())
    data = _dry_run_json(path)
    _check_shape(data)
    assert data["source"]["title"] == "江东市总工会深化改革工作方案"
    assert [area["title"] for area in data["areas"]] == ["加强组织建设", "重点任务分工"]
    first, table = data["areas"]
    assert [m["title"] for m in first["measures"]] == ["健全基层组织"]
    assert [m["title"] for m in first["measures"][0]["measures"]] == ["开展集中建会行动"]
    assert [(m["ordinal"], m["title"]) for m in table["measures"]] == [
        ("1．", "建设职工服务阵地"),
        ("2．", "开展劳动技能竞赛"),
    ]
    assert [m["bodies"] for m in table["measures"]] == [
        [{"name": "市总工会", "role": "lead"}, {"name": "市财政局", "role": "cooperating"}],
        [
            {"name": "市人社局", "role": "lead"},
            {"name": "市总工会", "role": "cooperating"},
            {"name": "市教育局", "role": "cooperating"},
        ],
    ]
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_dry_run_text_format_prints_the_tree_and_writes_nothing():
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_document", str(PLAN), "--dry-run", stdout=out)
    printed = out.getvalue()
    assert "《江南省产业工人技能提升行动实施方案》" in printed
    assert "完善职业技能培训平台网络  [省人社厅（lead）" in printed
    assert "Dry run: nothing was written." in printed
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_imports_the_document():
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_document", str(PLAN), stdout=out)
    source = Source.objects.get()
    assert source.file_name == "implementation-plan.txt"
    assert source.title == "江南省产业工人技能提升行动实施方案"
    assert str(source.published_on) == "2025-03-15"
    assert source.content_hash == content_hash(PLAN.read_text(encoding="utf-8"))
    assert list(source.areas.values_list("title", flat=True)) == ["主要任务", "保障措施"]
    text = PLAN.read_text(encoding="utf-8")
    measures = Measure.objects.filter(area__source=source)
    # （一）–（四）, their 1．2．3．, the first 1．'s （1）–（3）, then 保障措施 （一）–（四）
    assert measures.count() == 4 + 10 + 3 + 4
    assert all(measure.excerpt and measure.excerpt in text for measure in measures)
    platform = Measure.objects.get(title="完善职业技能培训平台网络")
    assert platform.lead_body.name == "省人社厅"
    assert set(platform.cooperating_bodies.values_list("name", flat=True)) >= {"省教育厅", "各市"}
    assert platform.parent.title == "健全职业技能培训体系"
    assert list(platform.children.values_list("ordinal", flat=True)) == ["（1）", "（2）", "（3）"]
    # A joint lead: the first named leads, the other cooperates.
    contest = Measure.objects.get(title="完善职业技能竞赛体系")
    assert contest.lead_body.name == "省总工会"
    assert "省人社厅" in contest.cooperating_bodies.values_list("name", flat=True)
    assert "Imported “江南省产业工人技能提升行动实施方案”: 2 areas, 21 measures" in out.getvalue()


@pytest.mark.django_db
def test_command_keeps_a_leading_deadline_and_updates_on_a_second_run():
    call_command("import_document", str(WORK_POINTS), stdout=io.StringIO())
    evaluation = Measure.objects.get(ordinal="（五）")
    assert evaluation.deadline_note == "6月底前"
    assert evaluation.title.startswith("完成全市产业工人队伍建设改革中期评估")
    assert Measure.objects.get(title="制定全市职工技能培训年度计划").deadline_note == "3月底前"
    assert Source.objects.get().warnings == [
        {"code": "skipped_number", "missing": "（八）", "found": "（九）"}
    ]
    first = db_counts()
    pks = set(Measure.objects.values_list("pk", flat=True))

    out = io.StringIO()
    with translation.override("en"):
        call_command("import_document", str(WORK_POINTS), stdout=out)
    assert db_counts() == first
    assert set(Measure.objects.values_list("pk", flat=True)) == pks
    assert (
        "Updated “江北市总工会2025年工作要点” (imported before): 0 new measures" in out.getvalue()
    )


@pytest.mark.django_db
def test_command_leaves_measures_users_changed_on_a_second_run(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(SMALL, encoding="utf-8")
    call_command("import_document", str(path), stdout=io.StringIO())
    Measure.objects.filter(title="健全基层组织").update(title="健全基层组织（已分配）")
    path.write_text(SMALL + "（三）开展普法宣传。组织职工法律知识竞赛。（市总工会法律部牵头）\n")
    call_command("import_document", str(path), stdout=io.StringIO())
    assert Source.objects.count() == 1
    titles = list(Measure.objects.order_by("rank").values_list("title", flat=True))
    assert titles == ["健全基层组织（已分配）", *SMALL_MEASURES[1:], "开展普法宣传"]


def _bad_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD_FILES = [
    pytest.param("plan.txt", b"", "empty", id="empty"),
    pytest.param("scan.txt", PNG, "image", id="png-named-txt"),
    pytest.param("plan.txt", UNDECODABLE, "undecodable", id="undecodable"),
    pytest.param("plan.docx", "一、加强组织建设\n".encode(), "not_docx", id="docx-not-zip"),
    pytest.param("story.txt", STORY.encode(), "no_enumeration", id="no-enumeration"),
    pytest.param("plan.pdf", b"%PDF-1.7\n" + SMALL.encode(), "unsupported_type", id="pdf"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "code"), BAD_FILES)
def test_command_refuses_bad_input_with_code_2(tmp_path, name, data, code):
    path = _bad_file(tmp_path, name, data)
    with pytest.raises(DocumentError) as expected:
        propose(name, data)
    assert expected.value.code == code
    with pytest.raises(CommandError) as caught:
        call_command("import_document", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert str(expected.value) in str(caught.value)
    assert f"“{name}”" in str(caught.value)
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_refuses_a_missing_file():
    missing = PROJECT_DIR / "tests" / "documents" / "no-such-plan.txt"
    with pytest.raises(CommandError) as caught:
        call_command("import_document", str(missing), stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert "no-such-plan.txt" in str(caught.value)
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_refuses_a_file_over_the_limit(settings, tmp_path):
    settings.TASKS_DOCUMENT_MAX_BYTES = 100
    path = _bad_file(tmp_path, "big.txt", SMALL.encode())
    assert path.stat().st_size > 100
    with pytest.raises(CommandError) as caught:
        call_command("import_document", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 2
    with translation.override("en"), pytest.raises(CommandError) as english:
        call_command("import_document", str(path), stdout=io.StringIO())
    assert "“big.txt”" in str(english.value)
    assert "limit" in str(english.value)
    assert db_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_refuses_in_dry_run_too(tmp_path):
    path = _bad_file(tmp_path, "story.txt", STORY.encode())
    with pytest.raises(CommandError) as caught:
        call_command("import_document", str(path), "--dry-run", "--format", "json")
    assert caught.value.returncode == 2


def test_command_line_exits_with_2_and_names_the_file(tmp_path):
    path = _bad_file(tmp_path, "空文件.txt", b"")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_document", str(path)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "空文件.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# =============================================================================================
# The upload and preview pages
# =============================================================================================


def upload(client, name: str, data: bytes):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data)})


def session_proposal(client) -> Proposal:
    return Proposal.from_data(client.session[SESSION_KEY])


def form(client, **changes: str) -> dict[str, str]:
    """What the preview form posts: every title box (not a dropped one's), the source fields."""
    proposal = session_proposal(client)
    data = {
        f"source-{field}": proposal.source[field] for field in ("title", "author", "affiliation")
    }
    data.update({f"title-{node.key}": node.title for node in proposal.nodes if not node.dropped})
    data.update(changes)
    return data


def press(client, op: str, **changes: str):
    return client.post(PREVIEW_URL, {**form(client, **changes), "op": op})


def confirm(client) -> Source:
    response = press(client, "confirm")
    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get()
    assert response["Location"] == f"/measures/?source={source.pk}"
    assert SESSION_KEY not in client.session
    return source


def imported_titles(source: Source | None = None) -> list[str]:
    measures = Measure.objects.order_by("rank")
    if source is not None:
        measures = measures.filter(area__source=source)
    return list(measures.values_list("title", flat=True))


@pytest.fixture
def small(coordinator_client):
    """The coordinator has uploaded SMALL as a GBK text file."""
    response = upload(coordinator_client, "要点.txt", SMALL.encode("gbk"))
    assert response.status_code == 302
    assert response["Location"] == PREVIEW_URL
    return coordinator_client


def test_upload_shows_the_proposal(small):
    assert db_counts() == (0, 0, 0, 0)
    response = small.get(PREVIEW_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for title in ["加强组织建设", *SMALL_MEASURES]:
        assert f'value="{title}"' in html
    assert 'value="江东市总工会2025年工作要点"' in html
    assert 'id="existing"' not in html
    assert "市总工会组织部" in html
    proposal = session_proposal(small)
    assert proposal.source["file_name"] == "要点.txt"
    assert proposal.source["text"] == SMALL
    assert proposal.counts() == {"areas": 2, "measures": 5, "context": 0, "dropped": 0}


def test_confirm_imports_everything_and_lists_it_in_the_task_book(small):
    source = confirm(small)
    assert source.file_name == "要点.txt"
    assert source.title == "江东市总工会2025年工作要点"
    assert imported_titles(source) == SMALL_MEASURES
    assert list(source.areas.values_list("title", flat=True)) == ["加强组织建设", "维护职工权益"]
    first = Measure.objects.get(title="健全基层组织")
    assert first.lead_body.name == "市总工会组织部"
    assert list(first.cooperating_bodies.values_list("name", flat=True)) == ["各区总工会"]
    assert first.excerpt in SMALL
    html = small.get(f"/measures/?source={source.pk}").content.decode()
    for title in SMALL_MEASURES:
        assert title in html


def test_rename_and_drop(small):
    response = press(
        small, "drop:4", **{"title-3": "  规范基层工会换届  ", "source-author": "办公室"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PREVIEW_URL}#node-4"
    proposal = session_proposal(small)
    assert proposal.nodes[2].title == "规范基层工会换届"
    assert proposal.nodes[3].dropped
    assert proposal.source["author"] == "办公室"
    assert db_counts() == (0, 0, 0, 0)
    source = confirm(small)
    assert source.author == "办公室"
    assert imported_titles() == ["健全基层组织", "规范基层工会换届", "推进集体协商", "做好帮扶工作"]


def test_drop_twice_restores(small):
    press(small, "drop:4")
    press(small, "drop:4")
    confirm(small)
    assert imported_titles() == SMALL_MEASURES


def test_dropping_an_area_drops_its_measures(small):
    press(small, "drop:5")
    source = confirm(small)
    assert imported_titles() == SMALL_MEASURES[:3]
    assert list(source.areas.values_list("title", flat=True)) == ["加强组织建设"]


def test_merge(small):
    press(small, "merge:4")
    confirm(small)
    assert imported_titles() == ["健全基层组织", "规范工会换届", "推进集体协商", "做好帮扶工作"]
    merged = Measure.objects.get(title="规范工会换届")
    assert merged.excerpt.startswith("（二）规范工会换届。")
    assert merged.excerpt.endswith("（市总工会财务部牵头，市税务局配合）")
    assert merged.excerpt in SMALL
    assert merged.lead_body.name == "市总工会组织部"
    assert set(merged.cooperating_bodies.values_list("name", flat=True)) == {
        "市总工会财务部",
        "市税务局",
    }


def test_split(small):
    press(small, "split:2")
    confirm(small)
    assert imported_titles() == [
        "健全基层组织",
        "推动非公企业建会，年内新建工会100家",
        *SMALL_MEASURES[1:],
    ]
    first = Measure.objects.get(title="健全基层组织")
    second = Measure.objects.get(title="推动非公企业建会，年内新建工会100家")
    assert first.excerpt == "（一）健全基层组织。"
    assert first.lead_body is None
    assert second.lead_body.name == "市总工会组织部"
    assert first.excerpt + second.excerpt in SMALL


@pytest.mark.parametrize("op", ["up:3", "down:2"])
def test_move(small, op):
    press(small, op)
    confirm(small)
    assert imported_titles() == ["规范工会换届", "健全基层组织", *SMALL_MEASURES[2:]]


def test_down_at_the_end_of_an_area_moves_the_area_block(small):
    press(small, "down:1")  # the area with its three measures goes after the second area
    source = confirm(small)
    assert list(source.areas.values_list("title", flat=True)) == ["维护职工权益", "加强组织建设"]
    assert imported_titles() == [*SMALL_MEASURES[3:], *SMALL_MEASURES[:3]]


def test_indent_makes_a_sub_measure(small):
    press(small, "indent:3")
    confirm(small)
    assert Measure.objects.get(title="规范工会换届").parent.title == "健全基层组织"
    assert Measure.objects.get(title="加强经费管理").parent is None


def test_outdent_makes_an_area(small):
    press(small, "outdent:3")
    source = confirm(small)
    areas = list(source.areas.values_list("title", flat=True))
    assert areas == ["加强组织建设", "规范工会换届", "维护职工权益"]
    assert "规范工会换届" not in imported_titles()
    organisation = source.areas.get(title="加强组织建设")
    assert list(organisation.measures.values_list("title", flat=True)) == [
        "健全基层组织",
        "加强经费管理",
    ]


def test_context_is_not_imported(small):
    press(small, "context:2")
    proposal = session_proposal(small)
    assert proposal.nodes[1].context
    html = small.get(PREVIEW_URL).content.decode()
    assert 'class="proposal-node depth-1 is-context"' in html
    confirm(small)
    assert imported_titles() == SMALL_MEASURES[1:]


def test_the_page_offers_only_edits_that_can_be_made(small):
    html = small.get(PREVIEW_URL).content.decode()
    offered = set(re.findall(r'name="op" value="(\w+:\d+)"', html))
    assert {"merge:3", "up:3", "indent:3", "down:2", "outdent:2", "split:2", "drop:1"} <= offered
    assert {"merge:2", "up:2", "indent:2", "outdent:1", "down:7", "split:1"}.isdisjoint(offered)


@pytest.mark.parametrize(
    "op",
    ["merge:2", "up:2", "outdent:1", "down:7", "indent:1", "split:1", "merge:999", "bogus:2"],
)
def test_refused_edits_show_a_message_and_change_nothing(small, op):
    before = copy.deepcopy(small.session[SESSION_KEY])
    operation, _sep, key = op.partition(":")
    with pytest.raises(EditRefused) as refused:
        Proposal.from_data(copy.deepcopy(before)).apply(operation, int(key))
    response = press(small, op)
    assert response.status_code == 302
    assert small.session[SESSION_KEY] == before
    page = small.get(response["Location"])
    assert escape(str(refused.value)) in page.content.decode()
    confirm(small)
    assert imported_titles() == SMALL_MEASURES


def test_an_empty_title_stops_the_confirmation(small):
    response = press(small, "confirm", **{"title-3": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="problems"' in html
    assert re.search(r'<li id="node-3" class="[^"]*has-error', html)
    problem = session_proposal(small).problems()[3]
    assert f'<p class="field-error" role="alert">{escape(problem)}</p>' in html
    assert db_counts() == (0, 0, 0, 0)
    assert session_proposal(small).nodes[2].title == ""  # kept, to be corrected


def test_an_empty_source_title_stops_the_confirmation(small):
    response = press(small, "confirm", **{"source-title": ""})
    assert response.status_code == 400
    assert escape(session_proposal(small).problems()[0]) in response.content.decode()
    assert db_counts() == (0, 0, 0, 0)


def test_nothing_left_to_import_stops_the_confirmation(small):
    press(small, "drop:1")
    press(small, "drop:5")
    response = press(small, "confirm")
    assert response.status_code == 400
    assert db_counts() == (0, 0, 0, 0)


def test_the_same_document_again_updates_it(small, coordinator_client):
    source = confirm(small)
    counts = db_counts()
    assert upload(coordinator_client, "要点-副本.txt", SMALL.encode("utf-8")).status_code == 302
    html = coordinator_client.get(PREVIEW_URL).content.decode()
    assert 'id="existing"' in html
    assert f'href="{reverse("tasks:source_detail", args=[source.pk])}"' in html
    again = confirm(coordinator_client)
    assert again.pk == source.pk
    assert db_counts() == counts
    assert Source.objects.get().file_name == "要点-副本.txt"


def test_cancel_discards_the_proposal(small):
    response = small.post(PREVIEW_URL, {"op": "cancel"})
    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    assert SESSION_KEY not in small.session
    assert db_counts() == (0, 0, 0, 0)
    assert small.get(PREVIEW_URL)["Location"] == IMPORT_URL


def test_preview_without_a_proposal_goes_to_the_upload_page(coordinator_client):
    response = coordinator_client.get(PREVIEW_URL)
    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    response = coordinator_client.post(PREVIEW_URL, {"op": "confirm"})
    assert response["Location"] == IMPORT_URL
    assert db_counts() == (0, 0, 0, 0)


def test_upload_page(coordinator_client):
    response = coordinator_client.get(IMPORT_URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_a_docx_upload(coordinator_client):
    response = upload(coordinator_client, "方案.docx", docx_plan())
    assert response.status_code == 302
    confirm(coordinator_client)
    assert Measure.objects.get(title="开展劳动技能竞赛").lead_body.name == "市人社局"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        *BAD_FILES,
        pytest.param("plan.docx", make_docx(p("  ")), "empty", id="empty-docx"),
    ],
)
def test_bad_uploads_are_refused_on_the_page(coordinator_client, name, data, code):
    with pytest.raises(DocumentError) as expected:
        propose(name, data)
    assert expected.value.code == code
    response = upload(coordinator_client, name, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(str(expected.value)) in html
    assert f"“{name}”" in html
    assert SESSION_KEY not in coordinator_client.session
    assert db_counts()[:3] == (0, 0, 0)


def test_a_too_large_upload_is_refused_on_the_page(coordinator_client, settings):
    settings.TASKS_DOCUMENT_MAX_BYTES = 100
    data = SMALL.encode()
    response = upload(coordinator_client, "大文件.txt", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "“大文件.txt”" in html
    assert escape(str(too_large("大文件.txt", len(data), 100))) in html
    assert SESSION_KEY not in coordinator_client.session
    assert db_counts()[:3] == (0, 0, 0)


def test_an_upload_without_a_file(coordinator_client):
    response = coordinator_client.post(IMPORT_URL, {})
    assert response.status_code == 200
    assert SESSION_KEY not in coordinator_client.session


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["liaison", "viewer"])
def test_only_coordinators_may_import(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    before = db_counts()
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, "要点.txt", SMALL.encode()).status_code == 403
    assert SESSION_KEY not in client.session
    assert client.get(PREVIEW_URL).status_code == 403
    assert client.post(PREVIEW_URL, {"op": "confirm"}).status_code == 403
    # Even with a proposal planted in the session, nothing is imported.
    session = client.session
    session[SESSION_KEY] = Proposal.from_outline(parse_document(SMALL), file_name="x.txt").to_data()
    session.save()
    assert client.post(PREVIEW_URL, {"op": "confirm"}).status_code == 403
    assert client.get(PREVIEW_URL).status_code == 403
    assert db_counts() == before


def test_an_admin_may_import(client, superuser):
    client.force_login(superuser)
    assert upload(client, "要点.txt", SMALL.encode()).status_code == 302
    confirm(client)
    assert imported_titles() == SMALL_MEASURES


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(PREVIEW_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_preview_costs_the_same_queries_for_any_size(coordinator_client):
    upload(coordinator_client, "要点.txt", SMALL.encode())
    small_count = queries_for(coordinator_client, PREVIEW_URL)
    upload(coordinator_client, PLAN.name, PLAN.read_bytes())
    assert session_proposal(coordinator_client).counts()["measures"] == 21
    assert queries_for(coordinator_client, PREVIEW_URL) == small_count
    confirm(coordinator_client)
    upload(coordinator_client, "要点.txt", SMALL.encode())
    press(coordinator_client, "confirm")
    assert Source.objects.count() == 2
    # Both imported before: the "imported before" notice costs the same for either.
    upload(coordinator_client, "要点.txt", SMALL.encode())
    small_again = queries_for(coordinator_client, PREVIEW_URL)
    upload(coordinator_client, PLAN.name, PLAN.read_bytes())
    assert 'id="existing"' in coordinator_client.get(PREVIEW_URL).content.decode()
    assert queries_for(coordinator_client, PREVIEW_URL) == small_again


# =============================================================================================
# The proposal on its own
# =============================================================================================


def small_proposal() -> Proposal:
    return Proposal.from_outline(parse_document(SMALL), file_name="要点.txt")


def plan_proposal() -> Proposal:
    return Proposal.from_outline(parse_document(PLAN.read_text(encoding="utf-8")))


def key_of(proposal: Proposal, title: str) -> int:
    (key,) = [node.key for node in proposal.nodes if node.title == title]
    return key


def shape(proposal: Proposal) -> list[tuple[int, int]]:
    return [(node.key, node.depth) for node in proposal.nodes]


def node(proposal: Proposal, key: int) -> Node:
    return next(node for node in proposal.nodes if node.key == key)


def test_from_outline():
    proposal = small_proposal()
    assert shape(proposal) == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 0), (6, 1), (7, 1)]
    assert [n.title for n in proposal.nodes] == [
        "加强组织建设",
        *SMALL_MEASURES[:3],
        "维护职工权益",
        *SMALL_MEASURES[3:],
    ]
    assert all(n.excerpt in SMALL for n in proposal.nodes)
    assert proposal.source["content_hash"] == content_hash(SMALL)
    assert proposal.problems() == {}
    outline = proposal.to_outline()
    assert outline_json(outline) == outline_json(parse_document(SMALL))


def test_context_keeps_its_place_and_stays_out_of_the_outline():
    proposal = plan_proposal()
    text = PLAN.read_text(encoding="utf-8")
    context = [n for n in proposal.nodes if n.context]
    assert [(n.ordinal, n.depth) for n in context] == [("一、", 0)]
    positions = [text.index(n.excerpt) for n in proposal.nodes]
    assert positions == sorted(positions)  # in the order the document has them
    assert proposal.counts() == {"areas": 2, "measures": 21, "context": 1, "dropped": 0}
    outline = proposal.to_outline()
    assert [area.ordinal for area in outline.areas] == ["二、", "三、"]
    assert [item.ordinal for item in outline.context] == ["一、"]


def test_content_hash_ignores_line_end_and_edge_spaces():
    assert content_hash(SMALL) == content_hash("  " + SMALL.replace("\n", "  \r\n"))
    assert content_hash(SMALL) != content_hash(SMALL.replace("100家", "200家"))


def test_merge_joins_the_passages_verbatim_and_unions_the_bodies():
    proposal = small_proposal()
    second, third = node(proposal, 3), node(proposal, 4)
    start = SMALL.index(second.excerpt)
    end = SMALL.index(third.excerpt) + len(third.excerpt)
    proposal.apply("merge", 4)
    assert [n.key for n in proposal.nodes] == [1, 2, 3, 5, 6, 7]
    merged = node(proposal, 3)
    assert merged.excerpt == SMALL[start:end]
    assert merged.title == "规范工会换届"
    assert [(b["name"], b["role"]) for b in merged.bodies] == [
        ("市总工会组织部", "lead"),
        ("市总工会财务部", "lead"),
        ("市税务局", "cooperating"),
    ]


def test_merge_keeps_the_stronger_role_of_a_body_named_twice():
    proposal = Proposal.from_outline(
        parse_document(
            "方案\n一、任务\n（一）建设阵地。（甲市总工会配合）\n（二）开展培训。（甲市总工会牵头）\n"
        )
    )
    proposal.apply("merge", 3)
    assert [(b["name"], b["role"]) for b in node(proposal, 2).bodies] == [("甲市总工会", "lead")]


def test_merge_an_area_brings_its_measures_along():
    proposal = small_proposal()
    proposal.apply("merge", 5)
    assert shape(proposal) == [(1, 0), (2, 1), (3, 1), (4, 1), (6, 1), (7, 1)]
    end = SMALL.index("二、维护职工权益") + len("二、维护职工权益")
    assert node(proposal, 1).excerpt == SMALL[SMALL.index("一、") : end]


def test_split_cuts_after_the_first_sentence():
    proposal = small_proposal()
    original = node(proposal, 2).excerpt
    proposal.apply("split", 2)
    assert shape(proposal) == [(1, 0), (2, 1), (8, 1), (3, 1), (4, 1), (5, 0), (6, 1), (7, 1)]
    first, second = node(proposal, 2), node(proposal, 8)
    assert re.sub(r"\s", "", first.excerpt + second.excerpt) == re.sub(r"\s", "", original)
    assert first.excerpt in SMALL and second.excerpt in SMALL
    assert first.bodies == []
    assert [b["name"] for b in second.bodies] == ["市总工会组织部", "各区总工会"]
    assert second.title == "推动非公企业建会，年内新建工会100家"
    assert second.ordinal == ""


def test_split_puts_the_second_part_after_the_sub_measures():
    proposal = plan_proposal()
    platform = key_of(proposal, "完善职业技能培训平台网络")  # with （1）–（3） under it
    at = [n.key for n in proposal.nodes].index(platform)
    subtree = [n.key for n in proposal.nodes[at : at + 4]]
    assert [node(proposal, key).ordinal for key in subtree[1:]] == ["（1）", "（2）", "（3）"]
    new_key = max(n.key for n in proposal.nodes) + 1
    proposal.apply("split", platform)
    assert [n.key for n in proposal.nodes[at : at + 5]] == [*subtree, new_key]
    assert node(proposal, new_key).depth == node(proposal, platform).depth == 2
    assert (
        node(proposal, new_key).title
        == "统筹公共实训基地、职业院校和企业培训中心资源，构建覆盖城乡、布局合理的培训网络"
    )


def test_split_of_a_single_clause_is_refused():
    proposal = small_proposal()
    before = proposal.to_data()
    with pytest.raises(EditRefused):
        proposal.apply("split", 1)  # 一、加强组织建设
    assert proposal.to_data() == before


def subtree(proposal: Proposal, key: int) -> list[int]:
    at = [n.key for n in proposal.nodes].index(key)
    return [n.key for n in proposal.nodes[at : proposal._block_end(at)]]


def test_moves_keep_subtrees_together():
    proposal = plan_proposal()
    original = [n.key for n in proposal.nodes]
    first = key_of(proposal, "健全职业技能培训体系")  # （一）: 1．with （1）–（3）, 2．, 3．
    second = key_of(proposal, "拓宽技能人才成长通道")  # （二）: 1．, 2．
    first_block, second_block = subtree(proposal, first), subtree(proposal, second)
    assert (len(first_block), len(second_block)) == (7, 3)
    at = original.index(first)
    proposal.apply("up", second)
    keys = [n.key for n in proposal.nodes]
    assert keys[at : at + 10] == second_block + first_block
    assert keys[:at] == original[:at] and keys[at + 10 :] == original[at + 10 :]
    proposal.apply("down", second)
    assert [n.key for n in proposal.nodes] == original
    # 1．(with （1）–（3）) down past 2．: the sub-measures go along, depths unchanged.
    platform = key_of(proposal, "完善职业技能培训平台网络")
    apprentices = key_of(proposal, "全面推行企业新型学徒制")
    depths = {n.key: n.depth for n in proposal.nodes}
    proposal.apply("down", platform)
    keys = [n.key for n in proposal.nodes]
    assert keys[at : at + 7] == [first, apprentices, *first_block[1:5], first_block[6]]
    assert {n.key: n.depth for n in proposal.nodes} == depths


def test_indent_and_outdent_carry_the_subtree():
    proposal = plan_proposal()
    original = [n.key for n in proposal.nodes]
    depths = {n.key: n.depth for n in proposal.nodes}
    second = key_of(proposal, "拓宽技能人才成长通道")
    block = subtree(proposal, second)
    proposal.apply("indent", second)  # （二） under （一）, its 1．2． one level deeper too
    for key in block:
        assert node(proposal, key).depth == depths[key] + 1
    assert [n.key for n in proposal.nodes] == original
    proposal.apply("outdent", second)
    assert {n.key: n.depth for n in proposal.nodes} == depths
    assert [n.key for n in proposal.nodes] == original

    proposal = plan_proposal()
    first = key_of(proposal, "健全职业技能培训体系")
    platform = key_of(proposal, "完善职业技能培训平台网络")
    first_block, platform_block = subtree(proposal, first), subtree(proposal, platform)
    at = original.index(first)
    proposal.apply("outdent", platform)  # 1． with （1）–（3） leaves （一）, after 2．3．
    keys = [n.key for n in proposal.nodes]
    assert keys[at : at + 7] == [first, *first_block[5:], *platform_block]
    assert [node(proposal, key).depth for key in platform_block] == [1, 2, 2, 2]
    outline = proposal.to_outline()
    measures = [m.title for m in outline.areas[0].measures]
    assert measures[:2] == ["健全职业技能培训体系", "完善职业技能培训平台网络"]
    assert len(outline.areas[0].measures[1].children) == 3


def test_indent_is_refused_for_the_first_item_at_its_level():
    proposal = small_proposal()
    for key in (1, 2, 6):
        with pytest.raises(EditRefused):
            proposal.apply("indent", key)
    proposal.apply("indent", 5)  # the second area goes under the first: a measure with two subs
    assert shape(proposal) == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 1), (6, 2), (7, 2)]
    assert [m.title for m in proposal.to_outline().areas[0].measures][-1] == "维护职工权益"


def test_normalise_never_leaves_a_measure_above_the_first_area():
    proposal = small_proposal()
    proposal.apply("context", 1)  # the first area and its measures become context
    assert [n.context for n in proposal.nodes] == [True] * 4 + [False] * 3
    proposal.apply("context", 3)  # one of them a measure again: nothing above it, an area
    assert node(proposal, 3).depth == 0 and not node(proposal, 3).context
    assert [area.title for area in proposal.to_outline().areas] == ["规范工会换届", "维护职工权益"]

    proposal = small_proposal()
    proposal.nodes.insert(0, Node(99, 2, "1．", "孤立的措施"))
    proposal.nodes[3].depth = 3  # 规范工会换届 a sub-sub-measure: a level skipped
    proposal.normalise()
    assert shape(proposal)[:5] == [(99, 0), (1, 0), (2, 1), (3, 2), (4, 1)]


def test_toggle_context_back_restores_a_measure():
    proposal = small_proposal()
    proposal.apply("context", 2)
    assert proposal.counts() == {"areas": 2, "measures": 4, "context": 1, "dropped": 0}
    proposal.apply("context", 2)
    assert proposal.counts() == {"areas": 2, "measures": 5, "context": 0, "dropped": 0}
    assert shape(proposal) == shape(small_proposal())


def test_to_data_and_from_data_round_trip():
    proposal = plan_proposal()
    proposal.apply("split", key_of(proposal, "完善职业技能培训平台网络"))
    proposal.apply("drop", key_of(proposal, "加大资金投入"))
    proposal.apply("context", key_of(proposal, "全面推行企业新型学徒制"))
    proposal.rename({key_of(proposal, "主要任务"): "主要任务（改）"})
    data = json.loads(json.dumps(proposal.to_data(), ensure_ascii=False))
    again = Proposal.from_data(data)
    assert again == proposal
    assert outline_json(again.to_outline()) == outline_json(proposal.to_outline())


def test_problems():
    proposal = small_proposal()
    proposal.rename({3: "   ", 6: "长" * 301})
    problems = proposal.problems()
    assert set(problems) == {3, 6}
    with translation.override("en"):
        problems = proposal.problems()
        assert problems[3] == "Give this item a title, or drop it."
        assert "300" in problems[6]
    proposal.apply("drop", 3)
    proposal.apply("drop", 6)
    assert set(proposal.problems()) == set()

    for key in (2, 4, 7):
        proposal.apply("drop", key)
    with translation.override("en"):
        assert proposal.problems() == {
            0: "Nothing would be imported: no measure is left. Restore or add measures, "
            "or turn context back into measures."
        }
    proposal.source["title"] = " "
    with translation.override("en"):
        assert proposal.problems()[0] == "Give the document a title."


def test_unknown_and_stale_edits_are_refused():
    proposal = small_proposal()
    with pytest.raises(EditRefused):
        proposal.apply("explode", 2)
    with pytest.raises(EditRefused):
        proposal.apply("drop", 404)
    assert shape(proposal) == shape(small_proposal())


# -- edits around dropped items, merges after moves, document order -------------------------


def test_a_measure_of_a_dropped_area_cannot_be_restored_alone():
    proposal = small_proposal()
    proposal.apply("drop", 1)  # the first area and its measures
    assert proposal.possible()[3] == set()  # no button on its measures
    with pytest.raises(EditRefused):
        proposal.apply("drop", 3)  # "restore" 规范工会换届 alone
    outline = proposal.to_outline()
    assert "规范工会换届" not in [m.title for area in outline.areas for m in area.measures]


def test_a_measure_of_a_dropped_area_never_joins_the_area_before():
    proposal = small_proposal()
    proposal.apply("drop", 5)  # the second area and its measures
    node(proposal, 6).dropped = False  # as if restored by a stale page
    outline = proposal.to_outline()
    assert "推进集体协商" not in [m.title for m in outline.areas[0].measures]


def test_confirming_after_refused_restore_imports_the_rest(small):
    press(small, "drop:1")
    press(small, "drop:3")
    response = press(small, "confirm")
    assert response.status_code == 302
    titles = set(Measure.objects.values_list("title", flat=True))
    assert "规范工会换届" not in titles and "推进集体协商" in titles


def test_merge_after_a_move_keeps_the_excerpt_verbatim():
    proposal = small_proposal()
    proposal.apply("up", 3)  # 规范工会换届 before 健全基层组织
    proposal.apply("merge", 2)  # 健全基层组织 into it: its passage comes earlier in the text
    assert node(proposal, 3).excerpt in SMALL


def test_merge_into_a_dropped_item_is_refused():
    proposal = small_proposal()
    proposal.apply("drop", 3)
    assert "merge" not in proposal.possible()[4]
    with pytest.raises(EditRefused):
        proposal.apply("merge", 4)
    kept = " ".join(n.excerpt for n in proposal.kept())
    assert "加强经费管理" in kept


def test_a_heading_quoted_earlier_keeps_its_area_in_place():
    text = (DOCUMENTS / "wrapped-lines.txt").read_text(encoding="utf-8")
    # The last area's bare heading 提升服务关爱温度 also occurs in the introduction.
    text = text.replace("切实增强他们的获得感", "提升服务关爱温度，切实增强他们的获得感", 1)
    outline = parse_document(text)
    assert [area.title for area in outline.areas][-1] == "提升服务关爱温度"
    proposal = Proposal.from_outline(outline)
    assert [area.title for area in proposal.to_outline().areas] == [
        area.title for area in outline.areas
    ]


def test_measures_and_background_items_do_not_mix():
    proposal = small_proposal()
    proposal.apply("context", 3)  # 规范工会换届 becomes background
    assert not {"merge", "indent"} & proposal.possible()[4]
    before = proposal.to_data()
    for operation in ("merge", "indent"):
        with pytest.raises(EditRefused):
            proposal.apply(operation, 4)  # 加强经费管理 into / under the background item
    assert proposal.to_data() == before
    assert [m.title for m in proposal.to_outline().areas[0].measures] == [
        "健全基层组织",
        "加强经费管理",
    ]


def test_the_editable_proposal_offers_its_edits_in_linear_time():
    """A whole plan's proposal (thousands of items) is offered its edits in one pass: four
    times the items take less than eight times as long (a walk back from every item, once
    used for "is an item above dropped?", was quadratic)."""
    import time

    from tasks.intake.proposal import Node, Proposal

    def proposal(items: int) -> Proposal:
        nodes = [Node(key=1, depth=0, ordinal="一、", title="深化改革")]
        nodes += [
            Node(key=n + 2, depth=1, ordinal=f"{n + 1}.", title=f"举措{n}", dropped=n == 0)
            for n in range(items)
        ]
        return Proposal(source={"title": "方案", "author": "", "affiliation": ""}, nodes=nodes)

    def least(made: Proposal) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            made._under_dropped()
            times.append(time.perf_counter() - start)
        return min(times)

    small, large = proposal(3000), proposal(12000)
    assert least(large) < 8 * least(small)
    assert not any(proposal(5)._under_dropped()[1:])
    nested = proposal(5)
    nested.nodes[1].depth, nested.nodes[2].depth = 1, 2  # 举措1 under the dropped 举措0
    assert nested._under_dropped() == [False, False, True, False, False, False]


def _token(*numbers: int) -> str:
    """Words of its own for each item: items that differ in a digit only are near copies of
    one another (imported once, with a warning), not a list of thousands."""
    import hashlib

    return hashlib.sha256(repr(numbers).encode()).hexdigest()[:24]


def test_a_document_of_more_items_than_one_import_shows_is_refused(coordinator_client):
    """Very many tiny items (a list that is no plan, or a bomb): refused with the reason, not
    kept in the session nor sent as a page of hundreds of thousands of rows."""
    from tasks import numerals
    from tasks.intake.importing import MAX_ITEMS

    # 20 areas × 10 sections × 60 items: more than the limit in all
    assert MAX_ITEMS < 20 * 10 * 60
    text = "关于深化工会改革的实施方案\n" + "".join(
        f"{numerals.number(a)}、第{a}方面的工作\n"
        + "".join(
            f"（{numerals.number(b)}）第{b}部分\n"
            + "".join(f"{n}.推进{_token(a, b, n)}工作。\n" for n in range(1, 61))
            for b in range(1, 11)
        )
        for a in range(1, 21)
    )
    response = upload(coordinator_client, "清单.txt", text.encode())
    html = response.content.decode()
    assert f"最多可显示并编辑的 {MAX_ITEMS} 项" in html
    assert SESSION_KEY not in coordinator_client.session
    assert db_counts() == (0, 0, 0, 0)

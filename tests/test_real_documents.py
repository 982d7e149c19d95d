"""Thirteen real documents through `import_document --dry-run --format json`: what a careful
reader sees in each (tests/documents/real/EXPECTED.md, expected.json).

Twelve are public documents as published (a school's 工作要点, a speech, a task table, notices,
实施意见, a 分工方案, a union's 任务清单, news items), one a realistic 实施方案 saved in GBK. Each
document is one test; each thing a reader sees in it is one assertion with its own message:
the counts of areas and measures, background recognised, a warning where the text is cut
off, every excerpt verbatim, the areas' titles, the bodies named, the lead bodies and the
deadlines as written.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tasks.intake.proposal import Proposal
from tasks.models import Measure, Source

REAL = Path(__file__).resolve().parent / "documents" / "real"
EXPECTED = json.loads((REAL / "expected.json").read_text(encoding="utf-8"))
NAMES = sorted(name for name in EXPECTED if not name.startswith("_"))
PLAN_13 = "13_shi_zonggonghui_chanjai_shishi_fangan_gbk.txt"

pytestmark = pytest.mark.django_db


def walk(measures: list[dict]):
    for measure in measures:
        yield measure
        yield from walk(measure.get("measures") or [])


def squeeze(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def deadline_text(measure: dict) -> str:
    return " ".join(str(value) for value in measure["deadline"].values() if value)


def dry_run_of(path: Path) -> dict:
    """What `import_document PATH --dry-run --format json` prints, read back."""
    out = io.StringIO()
    call_command("import_document", str(path), "--dry-run", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


@cache
def dry_run(name: str) -> dict:
    return dry_run_of(REAL / name)


def deadline_of(outline: dict, title_part: str) -> dict:
    """The deadline the outline gives the one measure whose title holds `title_part`."""
    every = [m for area in outline["areas"] for m in walk(area["measures"])]
    (measure,) = [m for m in every if title_part in m["title"]]
    return measure["deadline"]


def test_every_document_has_its_expectations():
    assert sorted(path.name for path in REAL.glob("*.txt")) == NAMES
    assert len(NAMES) == 13


def check_document(path: Path, want: dict, out: dict) -> None:
    """Each thing a careful reader sees in the document (`want`, its expected.json entry) is
    in the dry run's output (`out`): one assertion, with its own message, per thing."""
    name = path.name
    areas = out["areas"]
    top = [measure for area in areas for measure in area["measures"]]
    every = list(walk(top))
    got = {"areas": len(areas), "top": len(top), "measures": len(every)}
    for key in ("areas", "top", "measures"):
        if key in want:
            low, high = want[key]
            assert low <= got[key] <= high, f"{name}: {got[key]} {key}, want {low}–{high}"
    assert len(out["context"]) >= want.get("context_min", 0), (
        f"{name}: {len(out['context'])} background items, want {want.get('context_min')}"
    )
    if want.get("must_warn"):
        said = " ".join(out["warnings"])
        assert any(word in said for word in want["must_warn"]), (
            f"{name}: no warning that the text is cut off, warnings: {out['warnings']}"
        )
    text = squeeze(read_text(path))
    for measure in every:
        excerpt = squeeze(measure["excerpt"])
        assert excerpt and excerpt in text, (
            f"{name}: excerpt not verbatim: {measure['excerpt'][:30]!r}"
        )
    for part in want.get("area_titles") or []:
        titles = [area["title"] for area in areas]
        assert any(part in title for title in titles), f"{name}: no area …{part}…, {titles}"
    names = [body["name"] for measure in every for body in measure["bodies"]]
    for part in want.get("bodies_somewhere") or []:
        assert any(part in body for body in names), f"{name}: no measure names {part}"
    for title_part, body in (want.get("lead") or {}).items():
        hit = [m for m in every if squeeze(title_part) in squeeze(m["title"])]
        leads = [b["name"] for m in hit for b in m["bodies"] if b["role"] == "lead"]
        assert any(body in lead for lead in leads), (
            f"{name}: lead of {title_part}: {leads[:3]}, want {body}"
        )
    for title_part, written in (want.get("deadline") or {}).items():
        hit = [m for m in every if squeeze(title_part) in squeeze(m["title"])]
        seen = [deadline_text(m) for m in hit]
        assert any(squeeze(written) in squeeze(text) for text in seen), (
            f"{name}: deadline of {title_part}: {seen[:2]}, want {written}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_a_real_document_reads_as_a_careful_reader_sees_it(name):
    check_document(REAL / name, EXPECTED[name], dry_run(name))


@pytest.mark.parametrize(
    ("name", "title_part", "note", "due"),
    [
        (PLAN_13, "技能人才薪酬分配指引", "2026年6月底前", "2026-06-30"),
        (PLAN_13, "发展党员", "长期坚持", None),
        (
            "04_shaoxing_yizhong_ershida_qigeyi_huodong_tongzhi.txt",
            "专题党课",
            "11月底前",
            "2022-11-30",
        ),
        (
            "07_xiangzhou_zonggonghui_duibiao_renwu_qingdan.txt",
            "职工权益维护",
            "2018.12",
            "2018-12-31",
        ),
        (
            "03_shaoxing_yizhong_qimo_hanjia_gongzuo_anpai_biao.txt",
            "教科研成果统计",
            "1月15日前",
            "2021-01-15",
        ),
    ],
)
def test_a_deadline_gives_its_date_in_the_plan_s_year(name, title_part, note, due):
    assert deadline_of(dry_run(name), title_part) == {"note": note, "date": due}


def test_the_header_of_a_red_head_document_is_no_content():
    out = dry_run("06_lishan_2023_zhongdian_gongzuo_fengong_fangan.txt")
    assert out["source"]["title"] == "立山区政府2023年重点工作任务分解和责任分工方案"
    everything = json.dumps(out["areas"], ensure_ascii=False)
    for header in ("鞍立政发", "此件公开发布", "各区直部门", "印发给你们"):
        assert header not in everything, header


def test_the_issuer_line_does_not_swallow_the_plan():
    out = dry_run(PLAN_13)
    assert out["source"]["affiliation"].startswith("中共某某市总工会")
    assert [area["ordinal"] for area in out["areas"][:4]] == [
        "（一）",
        "（二）",
        "（三）",
        "（四）",
    ]
    assert [entry["title"] for entry in out["context"]] == ["总体要求"]


# -- confirming file 13 through /import/ writes what it says ------------------------------------


def test_confirming_the_plan_writes_areas_measures_bodies_and_deadlines(coordinator_client):
    data = (REAL / PLAN_13).read_bytes()
    response = coordinator_client.post("/import/", {"file": SimpleUploadedFile(PLAN_13, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    form = {"op": "confirm"}
    response = coordinator_client.post("/import/preview", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get()
    areas = list(source.areas.order_by("order").values_list("title", flat=True))
    assert areas[:4] == [
        "加强产业工人思想政治引领",
        "完善技能形成体系",
        "拓展产业工人发展空间",
        "强化服务保障",
    ]
    measures = Measure.objects.filter(area__source=source, ordinal__regex=r"^\d")
    assert measures.count() == 10
    pay = measures.get(title__contains="技能人才薪酬分配指引")
    assert pay.lead_body.name == "市人社局"
    assert "市教育局" in set(pay.cooperating_bodies.values_list("name", flat=True))
    assert (pay.deadline_note, pay.due_date) == ("2026年6月底前", date(2026, 6, 30))
    members = measures.get(title__contains="发展党员")
    assert (members.deadline_note, members.due_date) == ("长期坚持", None)
    assert members.lead_body.name == "市委组织部"
    first = measures.get(title__contains="理想信念教育工程")
    assert (first.deadline_note, first.due_date) == ("2026年12月底前", date(2026, 12, 31))
    ranks = list(measures.order_by("rank").values_list("ordinal", flat=True))
    assert ranks == [f"{n}." for n in range(1, 11)]


# -- the editor keeps the document's order ------------------------------------------------------


def test_lifting_sections_one_by_one_keeps_their_order():
    from tasks.intake.importing import propose

    data = (REAL / "11_yuncheng_yingji_tixi_zeren_fenjie.txt").read_bytes()
    proposal = propose("11.txt", data)
    parent = next(node for node in proposal.nodes if node.ordinal == "1.")
    at = proposal.nodes.index(parent)
    below = proposal.nodes[at + 1 : proposal._block_end(at)]
    subs = [n.key for n in below if n.depth == parent.depth + 1]
    assert len(subs) == 4
    for key in subs:  # （1）…（4） lifted one by one, top-down
        proposal.apply("outdent", key)
    assert [n.key for n in proposal.nodes if n.key in subs] == subs
    depths = {n.key: n.depth for n in proposal.nodes}
    assert all(depths[key] == parent.depth for key in subs)


def test_lifting_areas_measures_to_the_top_keeps_their_ranks():
    text = (
        "关于做好工会工作的实施方案\n"
        "一、重点任务\n"
        "（一）加强组织建设。推动建会。\n"
        "（二）维护职工权益。推进协商。\n"
        "（三）做好帮扶工作。发放资金。\n"
        "（四）深化工会改革。完善机制。\n"
    )
    from tasks.intake.importing import propose
    from tasks.intake.writing import save_document

    proposal = propose("plan.txt", text.encode())
    keys = [n.key for n in proposal.nodes if n.depth == 1]
    for key in keys:
        proposal.apply("outdent", key)
    assert [n.title for n in proposal.nodes if n.depth == 0][1:] == [
        "加强组织建设",
        "维护职工权益",
        "做好帮扶工作",
        "深化工会改革",
    ]
    # an area as the import writes it; lifted back under the first, ranks follow the document
    proposal = propose("plan.txt", text.encode())
    save_document(Proposal.to_outline(proposal), file_name="plan.txt", content_hash="x")
    ranked = list(Measure.objects.order_by("rank").values_list("title", flat=True))
    assert ranked == ["加强组织建设", "维护职工权益", "做好帮扶工作", "深化工会改革"]

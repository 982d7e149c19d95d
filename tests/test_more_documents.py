"""Ten further documents of the kinds the import reads, written for the tests in the styles real
ones use but unlike the thirteen real ones in wording, numbering and layout
(tests/documents/more/README.md, expected.json): a 工作要点 with 一、（一）1. levels, 分工方案
tables flattened tab-separated and one cell a line (with section rows), an 实施意见 with
"（X牵头，Y、Z配合）（2025年12月底前）" notes, a 通知 wrapping a 实施方案, a speech with 第一…一是…,
a news item, a notice whose items end in 责任单位/完成时间 labels, a GBK text with full-width
digits, and a web page cut off mid-sentence. The same checks as the real ones, one test a
document, each check with its own message.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tests.test_real_documents import check_document, deadline_of, dry_run_of, walk

MORE = Path(__file__).resolve().parent / "documents" / "more"
EXPECTED = json.loads((MORE / "expected.json").read_text(encoding="utf-8"))
NAMES = sorted(name for name in EXPECTED if not name.startswith("_"))

pytestmark = pytest.mark.django_db


@cache
def dry_run(name: str) -> dict:
    return dry_run_of(MORE / name)


def test_every_document_has_its_expectations():
    assert sorted(path.name for path in MORE.glob("*.txt")) == NAMES
    assert len(NAMES) == 10


@pytest.mark.parametrize("name", NAMES)
def test_a_document_reads_as_a_careful_reader_sees_it(name):
    check_document(MORE / name, EXPECTED[name], dry_run(name))


@pytest.mark.parametrize(
    ("name", "title_part", "note", "due"),
    [
        (
            "02_qinghe_zonggonghui_fengong_fangan_tab.txt",
            "职工书屋",
            "2025年第三季度",
            "2025-09-30",
        ),
        ("03_nanhu_chanye_gongren_gaige_renwu_qingdan.txt", "心向党", "全年", None),
        ("04_donglin_xinjiuye_xingtai_shishi_yijian.txt", "休息制度", "长期坚持", None),
        (
            "06_wang_zhuxi_quanshi_gonghui_gongzuo_huiyi_jianghua.txt",
            "建会入会",
            "6月底前",
            "2025-06-30",
        ),
        (
            "08_shi_zonggonghui_songwennuan_tongzhi.txt",
            "开展集中走访",
            "2025年1月20日前",
            "2025-01-20",
        ),
        (
            "09_songshan_zonggonghui_fuwunian_renwu_fenjie_gbk.txt",
            "职工之家",
            "２０２５年１１月底前",
            "2025-11-30",
        ),
    ],
)
def test_a_deadline_gives_its_date(name, title_part, note, due):
    assert deadline_of(dry_run(name), title_part) == {"note": note, "date": due}


@pytest.mark.parametrize(
    ("name", "title", "affiliation"),
    [
        (
            "09_songshan_zonggonghui_fuwunian_renwu_fenjie_gbk.txt",
            "关于落实全县“工会服务年”活动的任务分解方案",
            "中共松山县总工会党组",
        ),
        (
            "10_jinxi_laomo_gongjiang_shishi_fangan_jieduan.txt",
            "金溪市劳模工匠人才创新工作室建设管理实施方案",
            "金溪市总工会",
        ),
    ],
)
def test_the_header_gives_the_title_not_the_issuer_or_the_page(name, title, affiliation):
    source = dry_run(name)["source"]
    assert (source["title"], source["affiliation"]) == (title, affiliation)


def test_labels_on_one_line_give_each_their_own_bodies():
    every = [
        m
        for area in dry_run("09_songshan_zonggonghui_fuwunian_renwu_fenjie_gbk.txt")["areas"]
        for m in walk(area["measures"])
    ]
    (homes,) = [m for m in every if "职工之家" in m["title"]]
    assert homes["bodies"] == [
        {"name": "基层工作部", "role": "lead"},
        {"name": "各乡镇总工会", "role": "cooperating"},
    ]


def test_a_note_naming_a_body_with_brackets_keeps_it_whole():
    every = [
        m
        for area in dry_run("10_jinxi_laomo_gongjiang_shishi_fangan_jieduan.txt")["areas"]
        for m in walk(area["measures"])
    ]
    (first,) = [m for m in every if "规范创建命名" in m["title"]]
    assert {"name": "各县(市、区)总工会", "role": "cooperating"} in first["bodies"]

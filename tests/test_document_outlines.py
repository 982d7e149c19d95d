"""Whole documents through `parse_document`: what a careful reader finds in each of them.

The documents in tests/documents/ are invented for these tests (see its README.md); each one
exercises a way Chinese policy documents are written: four levels of numbering, numbers that run
on or restart, a speech, a document on one line, a hard-wrapped one, responsibility notes.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from tasks.outline import Outline, parse_document

DOCUMENTS = Path(__file__).resolve().parent / "documents"
SEED_PAGE = Path(__file__).resolve().parent.parent / "seeds" / "union-reform-articles.zh.txt"
NAMES = sorted(path.name for path in DOCUMENTS.glob("*.txt"))


def read(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


@cache
def parse(name: str) -> Outline:
    return parse_document(read(name))


def bare(ordinal: str) -> str:
    """An ordinal without its brackets, points and spaces: （八） (八) → 八, １． 1 . → 1."""
    return re.sub(r"[\s()（）.．、，,：:]", "", unicodedata.normalize("NFKC", ordinal))


def walk(items):
    for item in items:
        yield item
        yield from walk(item.children)


def measures(outline: Outline) -> list:
    return [item for area in outline.areas for item in walk(area.measures)]


def shape(items) -> list:
    return [(bare(item.ordinal), item.title, shape(item.children)) for item in items]


def outline_shape(outline: Outline) -> list:
    return [(bare(area.ordinal), area.title, shape(area.measures)) for area in outline.areas]


def names(item, role: str) -> set[str]:
    return {body.name for body in item.bodies if body.role == role}


def assert_verbatim(outline: Outline, text: str) -> None:
    """Every excerpt, of measures at every depth and of context, is a slice of the input."""
    for item in [*measures(outline), *outline.context]:
        assert item.excerpt.strip(), item.title
        assert item.excerpt in text, item.excerpt[:40]


def in_measures(outline: Outline, phrase: str) -> bool:
    return any(phrase in item.excerpt for item in measures(outline))


# -- every document


def test_every_document_is_here():
    assert NAMES == [
        "division-of-labour.txt",
        "implementation-plan.txt",
        "leader-speech.txt",
        "numbers-restart.txt",
        "single-line.txt",
        "work-points.txt",
        "wrapped-lines.txt",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_document_parses_with_verbatim_excerpts(name):
    text = read(name)
    outline = parse_document(text)
    assert outline.areas
    assert measures(outline)
    assert all("\n" not in item.title for item in measures(outline))
    assert_verbatim(outline, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "一、",
        "（一）\n1．",
        "第一，",
        "其一，其二，其三，",
        "一是。二是。",
        "。。。",
        "1.5",
        "（省总工会牵头）",
        "\ufeff标题\r\n\r\n一、总体要求\r\n（一）加强组织领导。",
        "首先，\n\n最后，",
    ],
)
def test_parse_document_never_raises(text):
    outline = parse_document(text)
    assert isinstance(outline, Outline)
    assert_verbatim(outline, text)


# -- implementation-plan.txt: 一、→（一）→1．→（1）, responsibility notes


def test_plan_header():
    outline = parse("implementation-plan.txt")
    assert outline.title == "江南省产业工人技能提升行动实施方案"
    assert outline.published_on == "2025-03-15"
    assert outline.warnings == []


def test_plan_areas_and_guiding_text():
    outline = parse("implementation-plan.txt")
    # 一、总体要求 is guiding text: context, or an area without measures
    assert [a.ordinal for a in outline.areas] in (["一、", "二、", "三、"], ["二、", "三、"])
    assert [a.ordinal for a in outline.areas if a.measures] == ["二、", "三、"]
    tasks, safeguards = [a for a in outline.areas if a.measures]
    assert "主要任务" in tasks.title
    assert "保障措施" in safeguards.title
    for guiding in ("为指导", "到2027年", "制定本实施方案"):
        assert not in_measures(outline, guiding), guiding
    assert [bare(m.ordinal) for m in safeguards.measures] == ["一", "二", "三", "四"]
    assert "组织领导" in safeguards.measures[0].title


def test_plan_four_levels_deep():
    outline = parse("implementation-plan.txt")
    tasks = next(a for a in outline.areas if a.ordinal == "二、").measures
    assert [bare(m.ordinal) for m in tasks] == ["一", "二", "三", "四"]
    assert [len(m.children) for m in tasks] == [3, 2, 3, 2]
    assert "职业技能培训体系" in tasks[0].title
    network = tasks[0].children[0]
    assert bare(network.ordinal) == "1"
    assert "培训平台网络" in network.title
    assert [bare(c.ordinal) for c in network.children] == ["1", "2", "3"]
    assert "公共实训基地" in network.children[0].title
    assert "企业培训主体作用" in network.children[2].title
    assert all(not c.children for c in network.children)
    assert [c for m in tasks for c in m.children if c.children] == [network]


def test_plan_responsibility_notes():
    outline = parse("implementation-plan.txt")
    tasks = next(a for a in outline.areas if a.ordinal == "二、").measures
    network, apprentices, digital = tasks[0].children
    assert names(network, "lead") == {"省人社厅"}
    assert names(network, "cooperating") == {"省教育厅", "各市"}
    assert names(apprentices, "lead") == {"省人社厅"}
    assert names(apprentices, "cooperating") == {"省财政厅", "省总工会"}
    assert names(digital, "lead") == {"省总工会"}
    assert names(digital, "cooperating") == {"省财政厅"}
    contests = tasks[1].children[1]
    assert "竞赛" in contests.title
    assert names(contests, "lead") == {"省总工会", "省人社厅"}  # joint lead
    assert all("牵头" not in m.title for m in measures(outline))  # the note is no part of a title


# -- work-points.txt: （一）…（十二） run on across areas, （八） missing, dated items


def test_work_points_numbering_runs_on_with_one_gap():
    outline = parse("work-points.txt")
    assert outline.title == "江北市总工会2025年工作要点"
    assert [a.ordinal for a in outline.areas] == ["一、", "二、", "三、", "四、"]
    assert [len(a.measures) for a in outline.areas] == [3, 3, 3, 2]
    numbers = [bare(m.ordinal) for a in outline.areas for m in a.measures]
    assert numbers == ["一", "二", "三", "四", "五", "六", "七", "九", "十", "十一", "十二"]
    # running on from one area to the next is no fault; the missing （八） is
    assert [w["code"] for w in outline.warnings] == ["skipped_number"]
    assert "八" in outline.warnings[0]["missing"]
    assert "九" in outline.warnings[0]["found"]


def test_work_points_items_that_open_with_a_date():
    outline = parse("work-points.txt")
    five = outline.areas[1].measures[1]
    assert bare(five.ordinal) == "五"
    assert "中期评估" in five.title
    assert "6月底前" in five.excerpt
    twelve = outline.areas[3].measures[1]
    assert "作风建设" in twelve.title
    # 1．3月底前 and 1．2025年底前 are numbered items, not the decimals 1.3 and 1.2025
    skills = outline.areas[1].measures[0]
    assert [bare(c.ordinal) for c in skills.children] == ["1", "2"]
    assert "年度计划" in skills.children[0].title
    assert "3月底前" in skills.children[0].excerpt
    gig = outline.areas[2].measures[1]
    assert [bare(c.ordinal) for c in gig.children] == ["1", "2", "3"]
    assert "2025年底前" in gig.children[0].excerpt
    assert "工会组建" in gig.children[0].title
    assert "2026年6月底前" in gig.children[1].excerpt
    assert "服务站点" in gig.children[1].title
    assert not any("培训职工5万人次" in item.excerpt for item in outline.context)


def test_work_points_signature_is_not_content():
    outline = parse("work-points.txt")
    assert outline.published_on == "2025-02-10"
    assert all("办公室" not in a.title for a in outline.areas)
    assert not in_measures(outline, "江北市总工会办公室")


# -- leader-speech.txt: 首先/其次/再次/最后 with 一是…, a problem list 其一… as context


def test_speech_header():
    outline = parse("leader-speech.txt")
    assert outline.title.startswith("团结动员广大职工")
    assert "讲话" not in outline.title  # the ——subtitle is not the title
    assert outline.author == "张明远"
    assert outline.published_on == "2025-01-16"


def test_speech_areas_and_run_on_items():
    outline = parse("leader-speech.txt")
    areas = outline.areas
    assert [a.ordinal for a in areas] == ["首先", "其次", "再次", "最后"]
    for area, words in zip(areas, ["政治引领", "产业工人", "合法权益", "自身建设"], strict=True):
        assert words in area.title
    assert [[m.ordinal for m in a.measures] for a in areas[:3]] == [
        ["一是", "二是", "三是"],
        ["一是", "二是"],
        ["一是", "二是", "三是"],
    ]
    assert "党的二十届三中全会精神" in areas[0].measures[0].title
    assert "技能竞赛" in areas[1].measures[0].title
    assert "集体协商" in areas[2].measures[0].title
    assert areas[3].measures  # 最后: action sentences without numbers
    assert any("基层工会规范化建设" in m.excerpt for m in areas[3].measures)
    assert outline.warnings == []


def test_speech_problems_are_context_not_measures():
    outline = parse("leader-speech.txt")
    assert {"其一", "其二", "其三"} <= {item.ordinal for item in outline.context}
    for problem in ("活力不够", "尚未得到有效解决", "有待提高"):
        assert any(problem in item.excerpt for item in outline.context), problem
        assert not in_measures(outline, problem), problem
    # neither the review of last year nor the closing words are tasks
    for review in ("新发展会员28万人", "服务站点达到3600个", "贡献工会力量"):
        assert not in_measures(outline, review), review


# -- single-line.txt: a whole plan on one line, (一) 1. 2 . （二） １． mixed

_BEFORE_MARKER = re.compile(r"(?<=[。：；])(?=[(（][一二三][)）]|[0-9０-９]\s?[.．])")


def test_single_line_structure():
    text = read("single-line.txt")
    assert "\n" not in text.rstrip("\n")
    outline = parse("single-line.txt")
    assert [bare(a.ordinal) for a in outline.areas] == ["一", "二", "三"]
    assert [[bare(m.ordinal) for m in a.measures] for a in outline.areas] == [
        ["1", "2", "3"],
        ["1", "2"],
        ["1", "2"],
    ]
    assert "培训工程" in outline.areas[0].title
    assert "技能竞赛" in outline.areas[1].title
    assert "数字技能大赛" in outline.areas[1].measures[0].title  # １． full-width
    # each item ends where the next marker begins
    for item in measures(outline):
        assert "（二）" not in item.excerpt
        assert "(三)" not in item.excerpt
    assert "1.5万人次" in outline.areas[0].measures[1].excerpt  # a decimal, not a marker


def test_single_line_phrases_with_yi_dun_are_no_markers():
    outline = parse("single-line.txt")
    courses = [m for m in measures(outline) if "统一、规范的课程标准" in m.excerpt]
    assert len(courses) == 1
    assert "培训课程" in courses[0].title
    assert not courses[0].children
    assert any("逐一、逐项抓好落实" in m.excerpt for m in outline.areas[1].measures)
    assert all("一、" not in a.ordinal for a in outline.areas)


def test_single_line_reads_as_if_written_line_by_line():
    text = read("single-line.txt")
    normal = _BEFORE_MARKER.sub("\n", text)
    assert normal.count("\n") == 11  # ten markers now begin a line, and the final newline
    assert outline_shape(parse_document(text)) == outline_shape(parse_document(normal))


# -- wrapped-lines.txt: hard-wrapped at 28 characters, bare headings, 一是/二是

WRAPPED_HEADINGS = ["推动新就业形态劳动者应入尽入", "健全劳动权益保障机制", "提升服务关爱温度"]


def test_wrapped_bare_headings_are_areas():
    outline = parse("wrapped-lines.txt")
    assert outline.title == "做好新就业形态劳动者服务工作的几点思考"
    assert [a.title for a in outline.areas] == WRAPPED_HEADINGS
    assert [a.ordinal for a in outline.areas] == ["", "", ""]
    assert [[m.ordinal for m in a.measures] for a in outline.areas] == [
        ["一是", "二是"],
        ["一是", "二是", "三是"],
        ["一是", "二是"],
    ]
    # a title the layout cut in two is whole again
    assert outline.areas[0].measures[1].title == (
        "扩大平台企业及其关联企业、加盟商和快递物流园区的工会组织覆盖"
    )
    for framing in ("获得感", "前提和基础", "义不容辞"):
        assert not in_measures(outline, framing), framing


def test_wrapped_line_starting_with_yi_dun_is_no_marker():
    text = read("wrapped-lines.txt")
    assert "统\n一、规范" in text  # the layout put 一、 at the start of a line
    outline = parse("wrapped-lines.txt")
    bargaining = outline.areas[1].measures[0]
    assert bargaining.title == "推动协商协调"
    assert not bargaining.children
    assert "统一、规范的劳动报酬规则" in bargaining.excerpt.replace("\n", "")
    assert all(m.ordinal != "一、" for m in measures(outline))


def test_wrapped_reads_as_if_unwrapped():
    text = read("wrapped-lines.txt")
    unwrapped = "\n\n".join(block.replace("\n", "") for block in text.split("\n\n"))
    assert outline_shape(parse_document(text)) == outline_shape(parse_document(unwrapped))


# -- division-of-labour.txt: lead and cooperating bodies, a repeated item, destinations


def _numbered(outline: Outline) -> dict:
    return {bare(m.ordinal): m for a in outline.areas for m in a.measures}


def test_division_areas_and_repeated_item():
    outline = parse("division-of-labour.txt")
    assert outline.title.startswith("江南省深化产业工人队伍建设改革重点任务分工方案")
    assert [a.ordinal for a in outline.areas] == ["一、", "二、", "三、", "四、"]
    # 9． repeats 4． almost word for word: imported once, where first written, with a warning
    holders = [m for m in measures(outline) if "简化申领程序" in m.excerpt]
    assert len(holders) == 1
    assert bare(holders[0].ordinal) == "4"
    assert holders[0] in outline.areas[1].measures
    assert [len(a.measures) for a in outline.areas] == [3, 4, 3, 3]
    # the same responsibility note under many items is no repeat
    assert [w["code"] for w in outline.warnings] == ["repeated_passage"]


def test_division_responsibility_notes():
    items = _numbered(parse("division-of-labour.txt"))
    expected = {  # number → (lead, cooperating)
        "1": ({"省总工会"}, {"各市总工会"}),
        "2": ({"省总工会"}, {"省教育厅"}),
        "4": ({"省人社厅"}, {"省财政厅"}),
        "5": ({"省教育厅"}, {"省人社厅", "省总工会"}),
        "7": ({"省总工会", "省人社厅"}, {"省财政厅"}),
        "11": ({"省科技厅"}, {"省总工会", "省国资委"}),
        "13": ({"省委组织部", "省总工会"}, {"省人社厅"}),
    }
    for number, (lead, cooperating) in expected.items():
        assert names(items[number], "lead") == lead, number
        assert names(items[number], "cooperating") == cooperating, number
    assert all(names(item, "lead") for item in items.values())
    assert all("牵头" not in item.title for item in items.values())


def test_division_destinations_are_not_responsible():
    items = _numbered(parse("division-of-labour.txt"))
    visits = items["2"]  # 组织劳模工匠走进企业、走进职业院校
    assert "劳模" in visits.title
    assert not {"企业", "职业院校"} & {body.name for body in visits.bodies}
    outreach = items["6"]  # 送技能到基层 … 深入企业车间班组
    assert "送技能到基层" in outreach.title
    assert not {"企业", "基层"} & {body.name for body in outreach.bodies}


# -- numbers-restart.txt: 第一/第二/第三, each with 1．2．3． from one again


def test_numbers_restart_in_each_area():
    outline = parse("numbers-restart.txt")
    assert [a.ordinal for a in outline.areas] == ["第一", "第二", "第三"]
    assert [a.title for a in outline.areas] == [
        "提升职工技能素质",
        "维护职工合法权益",
        "加强职工关心关爱",
    ]
    assert [[bare(m.ordinal) for m in a.measures] for a in outline.areas] == [
        ["1", "2", "3", "4", "5"],
        ["1", "2", "3", "4", "5"],
        ["1", "2", "3", "4"],
    ]
    assert outline.warnings == []  # a list that starts again under a new heading is in order


def test_numbers_restart_variants_and_decimals():
    outline = parse("numbers-restart.txt")
    first, second, third = outline.areas
    assert second.measures[0].title.startswith("推进集体协商")  # 1.
    assert "送温暖" in third.measures[0].title  # 1 .
    assert "职工之家" in third.measures[2].title  # 3．
    assert "1.5万元至3万元" in first.measures[3].excerpt
    assert "1.2倍" in third.measures[1].excerpt


# -- the seed page, read as one document


def test_seed_page_as_one_document():
    outline = parse_document(SEED_PAGE.read_text(encoding="utf-8"))
    ordinals = [a.ordinal for a in outline.areas]
    for ordinal in ("第一", "第二", "第三", "第五", "其一", "其二", "其三", "其四"):
        assert ordinal in ordinals, ordinal
    assert "第四" not in ordinals
    titles = [a.title for a in outline.areas]
    for heading in (
        "推动工匠人才技能要素的持续积累",
        "打造工匠人才作用发挥的更多场景",
        "构建体现工匠人才价值的良好生态",
        "工会应对劳动数字化的实践路径选择",
    ):
        assert heading in titles, heading
    # article 3's analysis sections are context, not areas, and their items are no measures
    assert "劳动数字化对劳动关系的影响" not in titles
    assert "劳动数字化给工会工作带来的挑战" not in titles
    for analysis in ("劳动要素组合更为多样", "工会开展维权服务的任务更加重大"):
        assert not any(analysis in title for title in titles), analysis
        assert not in_measures(outline, analysis), analysis
    skipped = [w for w in outline.warnings if w["code"] == "skipped_number"]
    assert any(w["missing"] == "第四" for w in skipped)
    assert any(w["code"] == "repeated_passage" for w in outline.warnings)

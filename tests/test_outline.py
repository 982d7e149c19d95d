"""The document parser on its own: the seed page as a careful reader sees it, and its pieces."""

import re
import tomllib

import pytest

from tasks.numerals import parse as cn_number
from tasks.outline import OutlineError, parse_article, split_page
from tasks.outline.bodies import COOPERATING, LEAD, find_bodies
from tasks.outline.markers import find_markers
from tasks.outline.text import is_furniture, paragraphs, sentences
from tests.conftest import PROJECT_DIR, SEED_PAGE

PAGE = SEED_PAGE.read_text(encoding="utf-8")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def articles():
    manifest = tomllib.loads((PROJECT_DIR / "seeds" / "manifest.toml").read_text("utf-8"))
    entries = manifest["article"]
    chunks = split_page(PAGE, [entry["starts"] for entry in entries])
    return [
        parse_article(
            chunk, title=entry["title"], author=entry["author"], ignore=[entry.get("subtitle", "")]
        )
        for entry, chunk in zip(entries, chunks, strict=True)
    ]


def _titles(items):
    return [item.title for item in items]


def _measures(outline):
    return list(outline.all_measures())


# -- the seed page -----------------------------------------------------------------------------


def test_page_holds_four_articles_with_their_bylines(articles):
    assert [a.author for a in articles] == ["魏国强", "方启军", "杨思斌", "史强"]
    assert [a.affiliation for a in articles] == [
        "",
        "成都市总工会党组成员、副主席",
        "中国劳动关系学院",
        "西南林业大学马克思主义学院",
    ]
    assert articles[1].standfirst.startswith("工会组织要把握工匠人才培养这个关键")
    assert articles[2].standfirst.startswith("数字经济下劳动关系呈现的新特点新趋势")
    assert articles[0].standfirst == articles[3].standfirst == ""


def test_twelve_areas_with_their_ordinals(articles):
    assert [[a.ordinal for a in o.areas] for o in articles] == [
        ["第一", "第二", "第三", "第五"],
        ["", "", ""],
        [""],
        ["其一", "其二", "其三", "其四"],
    ]
    assert _titles(articles[1].areas) == [
        "推动工匠人才技能要素的持续积累",
        "打造工匠人才作用发挥的更多场景",
        "构建体现工匠人才价值的良好生态",
    ]
    assert _titles(articles[2].areas) == ["工会应对劳动数字化的实践路径选择"]
    assert _titles(articles[3].areas) == [
        "完善产教融合培育体系",
        "优化产业工人技能水平认证体系",
        "加强产业工人激励体系建设力度",
        "强化产业工人技能培训保障体系",
    ]
    assert articles[0].areas[0].title.startswith("深化思想政治引领")
    assert articles[0].areas[3].title.startswith("深化工会自身改革和建设")


def test_second_article_nine_measures(articles):
    areas = articles[1].areas
    assert [[m.ordinal for m in a.measures] for a in areas] == [["一是", "二是", "三是"]] * 3
    assert [_titles(a.measures) for a in areas] == [
        ["完善工匠人才技能形成体系", "健全工匠人才梯次培育机制", "拓宽工匠人才能力提升路径"],
        ["推进“劳模工匠助企行”", "推动工匠能力“跨界转化”", "搭建工匠人才交流平台"],
        ["体现工匠人才的价值", "提高工匠人才的社会地位", "提升工匠人才的待遇水平"],
    ]


def test_third_article_five_measures_and_analysis_as_context(articles):
    outline = articles[2]
    assert _titles(outline.areas[0].measures) == [
        "进一步加强工会组建与源头参与力度",
        "持续深化产业工人队伍建设改革",
        "积极发挥劳动关系三方协调机制和集体协商作用",
        "切实加大预防调处劳动争议力度",
        "不断优化就业服务举措",
    ]
    context = _titles(outline.context)
    assert "劳动数字化对劳动关系的影响" in context
    assert "劳动数字化给工会工作带来的挑战" in context
    for analysis in (
        "劳动要素组合更为多样",
        "劳动争议承载新内容",
        "工会开展维权服务的任务更加重大",
        "工会开展维权服务的方式方法需要创新",
    ):
        assert analysis in context
        assert all(analysis not in m.excerpt for m in _measures(outline))
    assert len(outline.context) == 2 + 4 + 3


def test_fourth_article_three_three_three_two(articles):
    areas = articles[3].areas
    assert [len(a.measures) for a in areas] == [3, 3, 3, 2]
    assert _titles(areas[0].measures) == [
        "建设产业工人职业技能培训平台网络",
        "深化“工匠师”培育选用",
        "丰富产业工人多元培育模式",
    ]
    assert _titles(areas[2].measures)[1] == "完善产业工人荣誉体系"
    assert _titles(areas[3].measures) == ["完善职业技能培训法规政策", "加强职业技能培训质量监管"]


def test_first_article_areas_broken_into_action_sentences(articles):
    areas = articles[0].areas
    measures = [m for a in areas for m in a.measures]
    assert len(measures) >= 8
    assert all(a.measures for a in areas)
    expected = {  # an action the text asks for → the area it belongs to
        "分层分类开展学习宣传宣讲活动": 0,
        "劳模工匠进校园思政教师进企业": 0,
        "工运史馆（劳模展示馆）、劳模公园建设": 0,
        "排定任务书、时间表、优先序": 0,
        "《关于加强新时代高技能人才队伍建设的决定》": 1,
        "职工职业技能竞赛": 1,
        "以产业集群、产业链为重点推进“产改”": 1,
        "争做技术能手、争当大国工匠": 1,
        "劳模工匠助企行": 1,
        "劳动领域风险防范化解": 2,
        "枫桥经验": 2,
        "总经理向职代会报告安全生产工作": 2,
        "“工会+法院+检察院+人社+司法”矛盾多元化解协作联动机制": 2,
        "党纪学习教育常态化长效化": 3,
        "“职工之家”APP": 3,
        "向基层一线倾斜": 3,
    }
    for phrase, area in expected.items():
        holders = [i for i, a in enumerate(areas) for m in a.measures if phrase in m.excerpt]
        assert holders == [area], phrase


def test_framing_sentences_are_not_measures(articles):
    excerpts = [m.excerpt for m in _measures(articles[0])]
    for framing in (
        "学习贯彻全会精神是当前",
        "法治是中国式现代化的重要保障",
        "党的领导是进一步全面深化改革",
        "政治性是工会组织的本质属性",
        "劳动关系是最基本的社会关系之一",
    ):
        assert not any(framing in excerpt for excerpt in excerpts), framing


def test_repeated_paragraph_imported_once_with_a_warning(articles):
    outline = articles[0]
    holders = [m for m in _measures(outline) if "五个坚决" in m.excerpt]
    assert len(holders) == 1
    assert holders[0] in outline.areas[2].measures  # under 第三, where it was first written
    assert not any("枫桥经验" in m.excerpt for m in outline.areas[3].measures)
    repeated = [w for w in outline.warnings if w["code"] == "repeated_passage"]
    assert repeated == [
        {
            "code": "repeated_passage",
            "where": "第五",
            "original": "第三",
            "begins": "认真落实“五个坚决”要求",
            "ends": "制作用，及时有效",
        }
    ]


def test_missing_fourth_area_is_a_warning(articles):
    assert {"code": "skipped_number", "missing": "第四", "found": "第五"} in articles[0].warnings
    assert all(not o.warnings for o in articles[1:])


def test_excerpts_are_verbatim(articles):
    page = _squeeze(PAGE)
    for outline in articles:
        for measure in _measures(outline):
            assert measure.excerpt in outline.text
            assert _squeeze(measure.excerpt) in page
        for item in outline.context:
            assert _squeeze(item.excerpt) in page


def test_page_breaks_are_joined(articles):
    assert "切入点、着力点和突破口" in articles[0].text
    assert "及时有效推动解决职工关心问题" in articles[0].text
    assert "精确认定和分配方式更新" in articles[1].text
    assert "与数字劳动关系相关的法律制定" in articles[2].text


def test_page_furniture_is_dropped(articles):
    for outline in articles:
        texts = [outline.text] + [m.title + m.excerpt for m in _measures(outline)]
        texts += [a.title for a in outline.areas] + [c.title for c in outline.context]
        for text in texts:
            assert "医保" not in text
            for label in ("观点", "热点思考", "前沿观察"):
                assert label not in text.split("\n\n")
    assert not any(c.title == "劳动数字化对劳动关系的影响及工会应对" for c in articles[2].context)


def test_bodies_named_as_actors(articles):
    measures = [m for o in articles for m in _measures(o)]

    def bodies_of(phrase):
        (measure,) = [m for m in measures if phrase in m.excerpt]
        return {b.name for b in measure.bodies}

    assert {"工会", "法院", "检察院", "人社", "司法"} <= bodies_of("工会+法院+检察院")
    assert "企业" in bodies_of("督促企业制定落实技术工人培养规划")
    assert "职业院校" in bodies_of("鼓励职业院校选聘工匠人才")
    assert {"政府", "技工院校", "职业院校", "企业"} <= bodies_of("多元协同育人")
    assert "国家开放大学" in bodies_of("依托国家开放大学")
    assert "行业协会" in bodies_of("发挥行业协会主体作用")
    # a destination is not an actor: 思政教师进企业
    assert "企业" not in bodies_of("劳模工匠进校园思政教师进企业")
    assert all(b.role == "mentioned" for m in measures for b in m.bodies)


# -- the pieces --------------------------------------------------------------------------------


def test_paragraphs_mend_words_cut_by_a_page_break():
    text = (
        "找准进一步全面深化改革的切入点、着力点和突破口，明确深化模范政治机关建设的切"
        "\n\n入点和重点。\n\n短标题"
    )
    assert paragraphs(text) == [
        "找准进一步全面深化改革的切入点、着力点和突破口，明确深化模范政治机关建设的切入点和重点。",
        "短标题",
    ]


def test_a_heading_is_not_glued_to_a_cut_paragraph():
    text = (
        "这是一段很长的正文，它在版面末尾没有结束标点也会被当作被截断的段落及时有效"
        "\n\n在发展新质生产力中展现工会作为"
    )
    assert len(paragraphs(text)) == 2


@pytest.mark.parametrize(
    "line",
    [
        "观点",
        "热点思考",
        "前沿观察",
        "我国首个基本医保参保长效机制来了... 完善政策措施... 优化管理服务... 前沿观察",
        "第3版",
    ],
)
def test_furniture(line):
    assert is_furniture(line)


def test_content_is_not_furniture():
    assert not is_furniture("推动工匠人才技能要素的持续积累")
    assert not is_furniture("一是完善工匠人才技能形成体系。工会组织要……深化改革。")


@pytest.mark.parametrize(
    ("paragraph", "ordinals"),
    [
        ("第一，深化思想政治引领。", ["第一"]),
        ("其一，完善体系。一是建设平台。二是深化培育。", ["其一", "一是", "二是"]),
        ("一、总体要求", ["一、"]),
        ("（一）加强领导", ["（一）"]),
        ("(二)加强领导", ["(二)"]),
        ("1．2025年底前完成组建。", ["1．"]),
        ("2. 健全机制。3、完善制度。", ["2.", "3、"]),
        ("推进统一、规范的管理。", []),
        ("增长1.5倍。", []),
        ("首先，要提高认识。其次，要加强领导。", ["首先", "其次"]),
    ],
)
def test_markers_at_sentence_starts(paragraph, ordinals):
    assert [m.ordinal for m in find_markers(paragraph)] == ordinals


def test_chinese_numbers():
    assert [cn_number(t) for t in ["一", "四", "十", "十二", "二十", "二十三"]] == [
        1,
        4,
        10,
        12,
        20,
        23,
    ]


def test_sentences_keep_quotes_together():
    text = "深化“争做技术能手。争当大国工匠”活动。加强建设。"
    assert sentences(text) == ["深化“争做技术能手。争当大国工匠”活动。", "加强建设。"]


def test_responsibility_note_names_lead_and_cooperating_bodies():
    bodies = find_bodies(
        "1．2025年底前完成职业技能提升行动。（省人社厅牵头，省教育厅、各市按职责分工负责）"
    )
    assert [(b.name, b.role) for b in bodies] == [
        ("省人社厅", LEAD),
        ("省教育厅", COOPERATING),
        ("各市", COOPERATING),
    ]


def test_split_page_reports_unknown_or_ambiguous_starts():
    with pytest.raises(OutlineError) as missing:
        split_page(PAGE, ["这一行不在版面上"])
    assert missing.value.code == "start_not_found"
    with pytest.raises(OutlineError) as ambiguous:
        split_page(PAGE, ["观点"])
    assert ambiguous.value.code == "start_ambiguous"


def test_empty_document_is_refused():
    with pytest.raises(OutlineError) as error:
        parse_article("\n\n观点\n\n")
    assert error.value.code == "empty"


def test_short_numbered_items_become_measures_of_one_area():
    text = "工作要点\n\n1. 加强组织建设。\n\n2. 完善制度机制。\n\n4. 开展技能竞赛。"
    outline = parse_article(text, title="工作要点")
    assert [a.title for a in outline.areas] == ["工作要点"]
    assert _titles(outline.areas[0].measures) == ["加强组织建设", "完善制度机制", "开展技能竞赛"]
    assert {"code": "skipped_number", "missing": "3.", "found": "4."} in outline.warnings


def test_items_that_follow_text_in_a_new_paragraph_are_still_read():
    text = "其一，完善体系。一是建设平台。二是深化培育。\n\n同时要做到：三是丰富培育模式。"
    outline = parse_article(text, title="方案")
    assert [m.title for m in outline.areas[0].measures] == ["建设平台", "深化培育", "丰富培育模式"]

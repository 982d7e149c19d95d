"""Properties of the parser and the proposal editor on text nobody wrote on purpose.

parse_document is fed whatever an office uploads, so it must never raise and must never make
up text: every excerpt is a verbatim slice of the document. The proposal's editing operations
are pressed in any order by a cadre, so they either apply or are refused (EditRefused), and the
proposal always still turns into an outline.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tasks.intake.proposal import EditRefused, Proposal, outline_json
from tasks.outline import Outline, parse_document

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

# -- strategies --------------------------------------------------------------------------------

MARKERS = [
    "一、",
    "二、",
    "三、",
    "十二、",
    "（一）",
    "（二）",
    "（八）",
    "(三)",
    "1．",
    "2．",
    "１．",
    "3.",
    "1 .",
    "(1)",
    "（2）",
    "一是",
    "二是",
    "三是",
    "首先，",
    "其次，",
    "最后，",
    "第一，",
    "第二，",
    "第三，",
    "其一，",
    "其二，",
    "6月底前，",
    "2025年底前，",
]
WORDS = [
    "加强",
    "推进",
    "完善",
    "健全",
    "工会",
    "组织建设",
    "职工",
    "权益",
    "维护",
    "改革",
    "实施方案",
    "省总工会",
    "省人社厅",
    "各市",
    "牵头",
    "配合",
    "按职责分工负责",
    "负责",
    "统一、规范",
    "逐一",
    "1.5万",
    "２０２５年",
    "主要任务",
    "保障措施",
    "存在问题",
    "（",
    "）",
    "“",
    "”",
    "——",
]
PUNCTUATION = ["。", "；", "，", "：", "、", "！", "？", ".", ";"]
SPACING = ["\n", "\n\n", " ", "\u3000", "\t", "\r\n", "\r"]
CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)

PIECES = st.one_of(
    st.sampled_from(MARKERS),
    st.sampled_from(WORDS),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(SPACING),
    st.text(CHINESE, min_size=1, max_size=8),
    st.text(st.sampled_from("0123456789０１２３４５６７８９"), min_size=1, max_size=3),
)
DOCUMENT_LIKE = st.lists(PIECES, max_size=80).map("".join)

# A text assembled line by line as a plan is, so the parser finds areas and measures to edit.
LINE = st.tuples(
    st.sampled_from(MARKERS),
    st.lists(st.sampled_from(WORDS) | st.text(CHINESE, min_size=1, max_size=6), max_size=5),
    st.sampled_from(["。", "；", "", "。（省总工会牵头，省人社厅配合）", "。推动落实。"]),
).map(lambda parts: parts[0] + "".join(parts[1]) + parts[2])
PLAN_LIKE = st.lists(LINE, min_size=1, max_size=14).map(lambda lines: "标题\n" + "\n".join(lines))

# A well-formed plan: 一、 areas, （一） measures, 1． sub-measures, sentences with task verbs and
# responsibility notes; what the parser reads as a real breakdown, with subtrees to move.
CN = "一二三四五六七八九十"
SENTENCE = st.tuples(
    st.sampled_from(["加强", "推进", "完善", "健全", "开展", "落实"]),
    st.sampled_from(["组织建设", "职工权益维护", "集体协商", "帮扶工作", "技能培训", "经费管理"]),
    st.sampled_from(["。", "，推动落实。", "；", "，年内完成100家。"]),
).map("".join)
ITEM = st.tuples(
    st.lists(SENTENCE, min_size=1, max_size=3).map("".join),
    st.sampled_from(["", "（省总工会牵头，省人社厅配合）", "（各市按职责分工负责）"]),
).map("".join)
AREA = st.tuples(
    st.sampled_from(["主要任务", "保障措施", "组织建设", "维护权益", "存在问题"]),
    st.lists(st.tuples(ITEM, st.lists(ITEM, max_size=3)), max_size=4),
)


def _render(areas: list[tuple[str, list[tuple[str, list[str]]]]]) -> str:
    lines = ["江东市总工会工作要点", ""]
    for i, (title, measures) in enumerate(areas):
        lines.append(f"{CN[i % 10]}、{title}")
        for j, (measure, subs) in enumerate(measures):
            lines.append(f"（{CN[j % 10]}）{measure}")
            lines.extend(f"{k + 1}．{sub}" for k, sub in enumerate(subs))
    return "\n".join(lines) + "\n"


PLAN = st.lists(AREA, min_size=1, max_size=4).map(_render)
ANY_PLAN = st.one_of(PLAN, PLAN_LIKE)

OPERATIONS = ["drop", "context", "merge", "split", "up", "down", "indent", "outdent", "bogus"]
EDITS = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 60)), max_size=12)

FAST = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- helpers -----------------------------------------------------------------------------------


def _check_outline(outline: Outline, text: str) -> None:
    assert outline.text == text
    for excerpt in outline.excerpts():
        assert isinstance(excerpt, str)
        assert excerpt in text, excerpt
    for area in outline.areas:
        assert isinstance(area.title, str)
    for item in outline.all_measures():
        assert isinstance(item.title, str)
        assert isinstance(item.ordinal, str)
    for item in outline.context:
        assert isinstance(item.title, str)


def _nesting_ok(proposal: Proposal) -> None:
    """No measure above the first area, no level skipped (what normalise promises)."""
    previous = -1
    for node in proposal.nodes:
        if node.context:
            continue
        assert 0 <= node.depth <= previous + 1, [(n.key, n.depth) for n in proposal.nodes]
        previous = node.depth


# -- the parser --------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=400))
def test_parse_document_never_raises_on_any_text(text):
    _check_outline(parse_document(text, name="任意.txt"), text)


@FAST
@given(DOCUMENT_LIKE)
def test_parse_document_never_raises_on_document_like_text(text):
    _check_outline(parse_document(text), text)


@FAST
@given(PLAN_LIKE)
def test_parse_document_keeps_excerpts_verbatim_on_plan_like_text(text):
    _check_outline(parse_document(text), text)


# -- the proposal editor -----------------------------------------------------------------------


def _edit(text: str, edits: list[tuple[str, int]]) -> Proposal:
    proposal = Proposal.from_outline(parse_document(text), file_name="plan.txt")
    for operation, pick in edits:
        keys = [node.key for node in proposal.nodes] or [1]
        key = keys[pick % len(keys)] if pick < 50 else 10_000  # now and then a key long gone
        before = proposal.to_data()
        try:
            proposal.apply(operation, key)
        except EditRefused:
            assert proposal.to_data() == before  # a refused edit changes nothing
        else:
            assert operation != "bogus"
        _nesting_ok(proposal)
        keys = [node.key for node in proposal.nodes]
        assert len(keys) == len(set(keys))
    return proposal


@FAST
@given(ANY_PLAN)
def test_an_unedited_proposal_gives_back_the_parsed_outline(text):
    outline = parse_document(text)
    proposal = Proposal.from_outline(outline)
    assert all(node.excerpt in text for node in proposal.nodes)
    again, parsed = outline_json(proposal.to_outline()), outline_json(outline)
    assert (again["source"], again["warnings"]) == (parsed["source"], parsed["warnings"])
    # The same areas (with their measures) and background items, in the same order.
    for part in ("areas", "context"):
        assert again[part] == parsed[part]


def _multiset(entries: list[dict]) -> Counter:
    return Counter(json.dumps(entry, ensure_ascii=False, sort_keys=True) for entry in entries)


@FAST
@given(ANY_PLAN, EDITS)
# an area dropped, the next made background, then its measure a measure again: it has no area
# above it any more, and becomes one (it once fell off the end of the outline)
@example(
    text="标题\n一、\n一、加强。",
    edits=[("drop", 0), ("context", 0), ("context", 1), ("context", 2)],
)
def test_any_sequence_of_edits_is_applied_or_refused(text, edits):
    proposal = _edit(text, edits)
    assert Proposal.from_data(proposal.to_data()) == proposal
    event(f"measures: {min(proposal.counts()['measures'], 5)}+")
    outline = proposal.to_outline()
    assert outline.text == text
    kept = [node for node in proposal.kept() if not node.context]
    assert len(list(outline.all_measures())) == sum(node.depth > 0 for node in kept)
    assert len(outline.areas) == sum(node.depth == 0 for node in kept)
    assert len(outline.context) == sum(node.context for node in proposal.kept())


@FAST
@given(ANY_PLAN, EDITS)
def test_excerpts_stay_verbatim_through_any_edits(text, edits):
    proposal = _edit(text, edits)
    for node in proposal.nodes:
        assert node.excerpt in text, node.excerpt

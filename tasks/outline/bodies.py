"""Responsible bodies named in a measure's text, and the part they play in it.

A body is found by name (a gazetteer of the organisations union plans speak of) and kept only
where the text makes it an actor: the subject of an action (工会组织要…, 企业制定…), the one asked
to act (引导企业建立…, 鼓励职业院校选聘…, 依托国家开放大学…, 发挥行业协会主体作用), a partner in a
list of actors ("工会+法院+检察院"), or the one named in a responsibility note (（省人社厅牵头，
各市按职责分工负责）). A place or destination (走进企业, 思政教师进企业) or a modifier (企业职工)
does not make it responsible.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tasks.outline.lexicon import ACTION_VERBS
from tasks.outline.text import list_items

UNION, GOVERNMENT, JUDICIAL, ENTERPRISE, EDUCATION, SOCIAL = (
    "union",
    "government",
    "judicial",
    "enterprise",
    "education",
    "social",
)
LEAD, COOPERATING, MENTIONED = "lead", "cooperating", "mentioned"

GAZETTEER: dict[str, str] = {
    # trade unions and their bodies
    "江苏各级工会": UNION,
    "各级工会组织": UNION,
    "各级工会": UNION,
    "工会组织": UNION,
    "江苏工会": UNION,
    "工会": UNION,
    "职代会": UNION,
    "职工代表大会": UNION,
    "人才培育工作站": UNION,
    # party organisations
    "各党支部": GOVERNMENT,
    "党支部": GOVERNMENT,
    "各支部": GOVERNMENT,
    "支部": GOVERNMENT,
    "劳模和工匠人才创新工作室": UNION,
    # party and government
    "政府": GOVERNMENT,
    "各级政府": GOVERNMENT,
    "地方政府": GOVERNMENT,
    "相关部门": GOVERNMENT,
    "有关部门": GOVERNMENT,
    "人社": GOVERNMENT,
    "人社部门": GOVERNMENT,
    "人力资源社会保障部门": GOVERNMENT,
    "教育部门": GOVERNMENT,
    "财政部门": GOVERNMENT,
    "发展改革部门": GOVERNMENT,
    "应急管理部门": GOVERNMENT,
    "党委": GOVERNMENT,
    # judicial bodies
    "法院": JUDICIAL,
    "检察院": JUDICIAL,
    "司法": JUDICIAL,
    "司法行政部门": JUDICIAL,
    "劳动人事争议仲裁院": JUDICIAL,
    "仲裁委员会": JUDICIAL,
    # enterprises
    "企业": ENTERPRISE,
    "产业链链主企业": ENTERPRISE,
    "龙头企业": ENTERPRISE,
    "用人单位": ENTERPRISE,
    "平台企业": ENTERPRISE,
    "国有企业": ENTERPRISE,
    # schools and research
    "职业院校": EDUCATION,
    "技工院校": EDUCATION,
    "职业学校": EDUCATION,
    "高校": EDUCATION,
    "科研机构": EDUCATION,
    "国家开放大学": EDUCATION,
    "工匠学院": EDUCATION,
    "职教机构": EDUCATION,
    "高等院校": EDUCATION,
    # social organisations
    "行业协会": SOCIAL,
    "行业组织": SOCIAL,
    "社会培训机构": SOCIAL,
    "培训机构": SOCIAL,
    "社会组织": SOCIAL,
    "商会": SOCIAL,
}
# A note that assigns responsibility: （省人社厅牵头，省教育厅、各市按职责分工负责） — an aside
# in brackets (none inside it) that says one of _NOTE_WORDS. The aside is matched first and its
# words looked for after, which is the same and stays linear on an aside of any length.
# A name in the note may hold brackets of its own: （市总工会牵头，各县（市、区）总工会配合）.
_ASIDE = re.compile(r"[（(](?P<note>(?:[^（）()]++|[（(][^（）()]*+[）)])*+)[）)]")
_NOTE_WORDS = ("牵头", "负责", "配合", "参加")
# In a note, names then their role, up to a comma: 省人社厅牵头，省教育厅、各市按职责分工负责.
_ROLE = re.compile(r"牵头|按职责分工负责|配合|参与|参加|协助|负责")
_NOT_A_COMMA = re.compile(r"[^，,；;]+")
_AND_SPLIT = re.compile(r"以及|[和及与]")


def _split_names(names: str) -> list[str]:
    """省教育厅、省人社厅和各市 → three names; 市经济和信息化委 stays one (a 和 inside a name)."""
    result = []
    for piece in list_items(names):
        parts = _AND_SPLIT.split(piece)
        if len(parts) > 1 and all(_ORG_SUFFIX.search(part.strip()) for part in parts):
            result.extend(parts)
        else:
            result.append(piece)
    return result


_ORG_SUFFIX = re.compile(
    r"(厅|局|委|办|部|院|会|中心|集团|公司|大学|学院|协会|工会|政府|部门|各市|各县|各区|队|所|站"
    r"|处|室|科|组|开发区|新区|街道|管委会|党委|党组|支部|专班|单位|联|团委|科协)$"
)

# Words that make the next body a destination or a beneficiary, not an actor.
_DESTINATION_BEFORE = ("走进", "深入", "进", "到", "向", "面向", "赴", "为", "服务", "赋能", "帮助")
# Words that ask the next body to act: 引导企业建立…, 依托职业院校…
_MOBILISING_BEFORE = (
    "引导支持",
    "引导",
    "鼓励",
    "督促",
    "支持",
    "联合",
    "依托",
    "会同",
    "带动",
    "指导",
    "动员",
    "推动",
    "组织",
    "协调",
    "发挥",
    "推进",
    "要求",
    "聚合",
    "吸引",
    "协同",
)
_ADJECTIVES = ("广大", "各类", "各级", "相关", "有关", "更多", "全体", "重点", "国内外")
_ADVERBS_AFTER = ("主动", "积极", "自主", "依法", "科学", "共同", "多元", "切实", "进一步")
_MODALS_AFTER = ("要", "应", "须", "必须", "将")
# Nouns a body name modifies: 企业职工, 企业骨干 — the body is then not the actor.
_MODIFIED_AFTER = (
    "书记",
    "职工",
    "员工",
    "工人",
    "骨干",
    "工匠",
    "技能",
    "经济",
    "用工",
    "社会责任",
    "新型",
    "的",
)
_PREPOSITIONS_AFTER = ("对", "为", "在", "向", "与", "将", "把", "按", "以")
_LIST_JOINERS = re.compile(r"^(?:、|\+|＋|和|及|与|以及|或)$")


_TITLE_OF_WORK = re.compile(r"《[^《》]*》")


def _blank(match: re.Match[str]) -> str:
    return "\u3000" * len(match[0])


@dataclass(frozen=True)
class BodyMention:
    name: str
    kind: str
    role: str


def _gazetteer_pattern() -> re.Pattern[str]:
    names = sorted(GAZETTEER, key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in names))


_GAZETTEER_RE = _gazetteer_pattern()


def kind_of(name: str) -> str:
    """The kind of body a name is (工会, 党政部门 …), by its gazetteer entry or its ending."""
    for known, kind in GAZETTEER.items():
        if name.endswith(known):
            return kind
    if re.search(r"(法院|检察院|司法)", name):
        return JUDICIAL
    if re.search(r"(大学|学院|学校|院校|研究)", name):
        return EDUCATION
    if re.search(r"(企业|公司|集团)", name):
        return ENTERPRISE
    if re.search(r"(协会|学会|商会|联合会)", name) and "工会" not in name:
        return SOCIAL
    if "工会" in name:
        return UNION
    return GOVERNMENT


def _starts_with_action(text: str) -> bool:
    if text.startswith(_MODALS_AFTER):
        return True
    rest = text
    for adverb in _ADVERBS_AFTER:
        if rest.startswith(adverb):
            rest = rest[len(adverb) :]
            break
    if rest.startswith(_PREPOSITIONS_AFTER):
        return True
    # an action verb right away, or after a short adverb (科学确定)
    offsets = [0] + [n for n in (1, 2) if rest[:n].isalpha() and len(rest) > n]
    return any(rest.startswith(_ACTOR_VERBS, offset) for offset in offsets)


_ACTOR_VERBS = tuple(verb for verb in ACTION_VERBS if verb != "建设")


def _is_actor(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 6) : start]
    after = text[end : end + 8]
    for adjective in _ADJECTIVES:
        if before.endswith(adjective):
            before = before[: -len(adjective)]
            break
    if after.startswith(_MODIFIED_AFTER):
        return False
    if before.endswith(_MOBILISING_BEFORE) or (
        before.endswith("以") and after.startswith("为主体")
    ):
        return True
    if before.endswith(_DESTINATION_BEFORE):
        return False
    # the subject of its clause (工会组织要…) or the doer of the verb that follows (企业制定…)
    return not before or before.endswith(tuple("，,。；;：:")) or _starts_with_action(after)


def _is_note(aside: re.Match[str]) -> bool:
    return any(word in aside["note"] for word in _NOTE_WORDS)


def _notes(text: str) -> Iterator[re.Match[str]]:
    """The responsibility notes of a text, in order."""
    return (aside for aside in _ASIDE.finditer(text) if _is_note(aside))


def _replace_notes(text: str, replace: Callable[[re.Match[str]], str]) -> str:
    return _ASIDE.sub(lambda aside: replace(aside) if _is_note(aside) else aside[0], text)


def is_assignment(sentence: str) -> bool:
    """A sentence that only gives the work to someone: a note, or a "牵头单位：…" line."""
    text = without_notes(sentence)
    return not text or bool(_LABEL.match(text.strip("（()） ")))


def without_notes(text: str) -> str:
    """A title without its responsibility note: "加强…（省人社厅牵头）" → "加强…"."""
    return _replace_notes(text, lambda note: "").strip()


def _roles(note: str) -> Iterator[tuple[str, str]]:
    """(names, role) of each "names role" in a note, names never empty nor across a comma:
    省人社厅牵头，各市按职责分工负责 → (省人社厅, 牵头), (各市, 按职责分工负责)."""
    for clause in _NOT_A_COMMA.finditer(note):
        at, end = clause.span()
        while (role := _ROLE.search(note, at + 1, end)) is not None:
            yield note[at : role.start()], role[0]
            at = role.end()


def _note_mentions(text: str) -> list[BodyMention]:
    mentions = []
    for note in _notes(text):
        # （省总工会负责）: with no 牵头 in the note, the body simply responsible leads
        led = "牵头" in note["note"]
        for names, role_word in _roles(note["note"]):
            sole = role_word == "负责" and not led
            role = LEAD if role_word == "牵头" or sole else COOPERATING
            led = led or sole
            for name in _split_names(names):
                name = name.strip()
                if name and _ORG_SUFFIX.search(name):
                    mentions.append(BodyMention(name, kind_of(name), role))
    return mentions


# A label naming the bodies after it: "牵头单位：区发改局", "配合部门：…", "（责任单位：市直
# 各有关单位、各县（市、区）人民政府）" — on its own line after an item, or in an aside.
_LABEL = re.compile(
    r"(?P<label>牵头|主办|负责|责任|配合|协办|参与|参加)(?:单位|部门|处室|科室)\s*[:：]\s*"
)
_LEAD_LABELS = ("牵头", "主办")
_HELPING_LABELS = ("配合", "协办", "参与", "参加")
# The names after a label are read this far at most (a line of names, not a paragraph).
LABEL_SPAN = 200
NAME_MAX = 30


def _names_after(text: str, start: int) -> list[str]:
    """The names after a label, up to the end of its line or of the aside it stands in; split
    at 、，; outside brackets, so 各县（市、区）人民政府 stays one name."""
    names, depth, begin = [], 0, start
    end = min(len(text), start + LABEL_SPAN)
    at = start
    while at < end:
        char = text[at]
        if char in "（(":
            depth += 1
        elif char in "）)":
            if depth == 0:
                break
            depth -= 1
        elif char in "\n。；;" or (depth == 0 and char in "、，,"):
            names.append(text[begin:at])
            begin = at + 1
            if char in "\n。；;":  # "牵头部门：X；配合部门：Y": the next label's names are its own
                break
        at += 1
    else:
        names.append(text[begin:at])
    if at < end and text[at] in "）)":
        names.append(text[begin:at])
    # "牵头单位：X 配合单位：Y" on one line: X's list ends where the next label begins
    cleaned = [_LABEL.split(name, 1)[0].strip(" \u3000\t等") for name in names]
    return [name for name in dict.fromkeys(cleaned) if 2 <= len(name) <= NAME_MAX]


def _labelled_mentions(text: str) -> list[BodyMention]:
    labels = list(_LABEL.finditer(text))
    led = any(label["label"] in _LEAD_LABELS for label in labels)
    mentions = []
    for label in labels:
        word = label["label"]
        responsible = (
            word in ("负责", "责任") and not led
        )  # no 牵头 named: who is responsible leads
        role = LEAD if word in _LEAD_LABELS or responsible else COOPERATING
        for name in _names_after(text, label.end()):
            mentions.append(BodyMention(name, kind_of(name), role))
    return mentions


def find_bodies(text: str) -> list[BodyMention]:
    """The bodies a measure's text names as actors, each once, lead first."""
    found: dict[str, BodyMention] = {}
    for mention in [*_note_mentions(text), *_labelled_mentions(text)]:
        found.setdefault(mention.name, mention)
    # Names inside a responsibility note were read above; inside 《a document title》 they act not.
    blanked = _TITLE_OF_WORK.sub(_blank, _replace_notes(text, _blank))
    matches = list(_GAZETTEER_RE.finditer(blanked))
    # Group names joined by 、 + 和 及 into lists: a list acts together.
    groups: list[list[re.Match[str]]] = []
    for match in matches:
        if groups and _LIST_JOINERS.match(text[groups[-1][-1].end() : match.start()]):
            groups[-1].append(match)
        else:
            groups.append([match])
    for group in groups:
        first, last = group[0], group[-1]
        tail_end = last.end() + (1 if text[last.end() : last.end() + 1] == "等" else 0)
        plus_list = len(group) > 1 and "+" in text[first.start() : last.end()].replace("＋", "+")
        if (
            plus_list
            or _is_actor(text, first.start(), tail_end)
            or any(_is_actor(text, match.start(), match.end()) for match in group)
        ):
            for match in group:
                name = match[0]
                found.setdefault(name, BodyMention(name, GAZETTEER[name], MENTIONED))
    order = {LEAD: 0, COOPERATING: 1, MENTIONED: 2}
    return sorted(found.values(), key=lambda mention: order[mention.role])

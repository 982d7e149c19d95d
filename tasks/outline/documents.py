"""What real documents carry around their plan: web-page chrome, the red-head header (issuer,
文号, 主送), the notice that wraps a plan, a list named with its count ("五大行动"包括…), the body a
whole list belongs to, the plan's year, and a text that stops mid-sentence. Pure Python.
"""

from __future__ import annotations

import re

from tasks import numerals
from tasks.outline.text import HEADING_MAX, TERMINAL

# Lines of a web page around the document: nothing of it.
_CHROME = re.compile(r"^[|｜\s\-—_=*·•]+$|\.(?:png|jpe?g|gif|bmp)$", re.IGNORECASE)
_CHROME_WORDS = (
    "责任编辑",
    "发布时间",
    "点击数",
    "浏览次数",
    "【字体",
    "打印本页",
    "关闭窗口",
    "分享到",
    "即可订阅",
    "法宝引证码",
    "【时效性】",
    "当前位置",
    "您所在的位置",
    "索引号",
    "主题分类",
    "发布机构",
)
# A breadcrumb: "首页 > 政务公开 > 政策文件", "首页»新闻"
_BREADCRUMB = re.compile(r"^[^。，,；;>＞»›]{1,20}(?:\s*[>＞»›]\s*[^。，,；;>＞»›]{1,20}){2,}$")
_SOURCE_LINE = re.compile(r"来源\s*[:：]")
CHROME_MAX = 80
# 文号: 鞍立政发〔2023〕2号, 东府〔2021〕54号
DOCUMENT_NUMBER = re.compile(r"[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*\d{1,4}\s*号")
_ISSUER_FILE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}文件$")
# (此件公开发布), （有修改）: a note on the document, not its text
_DOCUMENT_NOTE = re.compile(r"^[（(][^（）()\d]{1,12}[）)]$")
_DATED_NOTE = re.compile(
    r"^[（(][^（）()]*?(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[^（）()]*[）)]$"
)
NOTE_MAX = 60
# What a document's title says it is
_KINDS = (
    "方案",
    "意见",
    "要点",
    "通知",
    "办法",
    "规划",
    "清单",
    "计划",
    "决定",
    "讲话",
    "报告",
    "细则",
    "规定",
    "安排",
    "分解",
    "安排表",
)
# 主送 / a salutation: "各党支部：", "立山经济开发区,各街道办事处,各区直部门:", "同志们："
ADDRESSEES_MAX = 160
_ADDRESS_END = re.compile(r"[:：]\s*$")
_ADDRESS_RUN_ON = re.compile(r"^(?P<to>[^。；;！？!?:：]{2,160}?[:：])\s*(?=\S)")
_ADDRESSEE_WORDS = re.compile(r"^各|同志|单位|部门|政府|委员会|工会|处室|党支部|学校|[、，,]")
# A plan's purpose (为…，制定本方案 / 提出如下意见): its preamble, not background
_PURPOSE = re.compile(r"^(?:为|根据|按照|依据)|制定本|如下|以下")
# "五大行动"包括A、B、C、D、E。 — a list that says how many items it has
_COUNTED = re.compile(
    r"[“\"「](?P<label>(?P<n>[一二三四五六七八九十两]{1,3})(?:大|项|件|个|类|条)[^”\"」]{1,12})[”\"」]"
    r"\s*(?:包括|即|分别是|分别为|主要是|是)\s*[:：]?"
)
_LIST_END = re.compile(r"[。；;！!？?]")
COUNTED_SPAN = 600
# A union named as the actor of the text: 市总工会, 河南省许昌市总工会 (walked back from 工会 over
# the characters of its name, stopping at a word that cannot be part of it).
_UNION = re.compile(r"工会")
_NAME_STOPS = set("年月日午在和与及由的将、对向把被为从同跟是")
UNION_NAME_MAX = 12


def is_chrome(paragraph: str) -> bool:
    text = paragraph.strip()
    if _CHROME.search(text):
        return True
    if len(text) > CHROME_MAX:
        return False
    if any(word in text for word in _CHROME_WORDS):
        return True
    if _SOURCE_LINE.search(text) and re.search(r"\d{4}-\d{1,2}-\d{1,2}|网|报", text):
        return True
    if _BREADCRUMB.match(text):
        return True
    return len(text) <= 30 and text.startswith("首页")


def compact(text: str) -> str:
    """Text compared without spaces, pipes, quotation marks and title marks."""
    return re.sub(r"[\s|｜《》“”\"「」]+", "", text)


def is_document_number(line: str) -> bool:
    return bool(DOCUMENT_NUMBER.search(line)) and len(line) <= HEADING_MAX * 3


def is_issuer_file(line: str) -> bool:
    return bool(_ISSUER_FILE.match(compact(line)))


def is_document_note(line: str) -> bool:
    """(此件公开发布), or a dated note under a title: （2025年2月18日市总工会全委会议通过）."""
    text = line.strip()
    return bool(_DOCUMENT_NOTE.match(text)) or (
        len(text) <= NOTE_MAX and bool(_DATED_NOTE.match(text))
    )


def note_date(line: str) -> tuple[int, int, int] | None:
    """The date a dated note gives: (year, month, day)."""
    found = _DATED_NOTE.match(line.strip()) if len(line.strip()) <= NOTE_MAX else None
    if not found:
        return None
    return int(found["y"]), int(found["m"]), int(found["d"])


def looks_like_title(line: str) -> bool:
    """A line naming a document: "关于…", "…实施方案（2024—2026年）", "…任务清单"."""
    text = re.sub(r"[（(][^（）()]*[）)]$", "", compact(line))
    return text.startswith("关于") or text.endswith(_KINDS)


def is_addressees(line: str) -> bool:
    """主送 or a salutation on a line of its own: names ending in a colon."""
    text = line.strip()
    return (
        len(text) <= ADDRESSEES_MAX
        and bool(_ADDRESS_END.search(text))
        and not any(mark in text for mark in "。；;！？!?")
        and bool(_ADDRESSEE_WORDS.search(text))
    )


def addressees_run_on(paragraph: str) -> str:
    """The 主送 a paragraph opens with, when the text runs on after it on the same line."""
    found = _ADDRESS_RUN_ON.match(paragraph)
    if found and is_addressees(found["to"]) and found.end() < len(paragraph):
        return found["to"]
    return ""


def is_purpose(paragraph: str) -> bool:
    return bool(_PURPOSE.search(paragraph[:80]))


def counted_lists(paragraph: str) -> list[tuple[str, list[str]]]:
    """Lists a paragraph names with their count: ("五大行动", [five items]) — only where the
    items after it are as many as it says."""
    found = []
    for match in _COUNTED.finditer(paragraph):
        count = numerals.parse(match["n"].replace("两", "二"))
        rest = paragraph[match.end() : match.end() + COUNTED_SPAN]
        end = _LIST_END.search(rest)
        if not end or not count:
            continue
        items = [item.strip() for item in re.split(r"[、，,]", rest[: end.start()])]
        if len(items) == count and all(2 <= len(item) <= 40 for item in items):
            found.append((match["label"], items))
    return found


def union_named(text: str) -> str:
    """The first union the text names (市总工会, 河南省许昌市总工会), or "": a federation
    (…总工会) first; "工会工作" (the union's work, 全市工会工作新局面) names none."""
    return _union_named(text, _FEDERATION) or _union_named(text, _UNION)


_FEDERATION = re.compile(r"总工会")
# After 工会 these make it the union's work or people, not a body: 工会工作, 工会干部
_NOT_A_BODY_AFTER = ("工作", "干部", "会员", "经费", "改革")


def _union_named(text: str, pattern: re.Pattern[str]) -> str:
    for found in pattern.finditer(text):
        if text.startswith(_NOT_A_BODY_AFTER, found.end()):
            continue
        at = found.start()
        begin = at
        while (
            begin > 0
            and at - begin < UNION_NAME_MAX
            and "\u4e00" <= text[begin - 1] <= "\u9fff"
            and text[begin - 1] not in _NAME_STOPS
        ):
            begin -= 1
        name = text[begin : found.end()]
        if len(name) >= 3 and name[0] in "省市区县总" or len(name) >= 5:
            return name
    return ""


# "联系人：张华，电话：…": a contact line ends a notice without a full stop
_CONTACT = re.compile(r"(?:联系人|联系电话|电话|传真|邮箱|手机)\s*[:：]")


def seems_cut_off(paragraph: str) -> bool:
    """A last paragraph that stops mid-sentence: no sentence end after it, and long or with
    punctuation inside (a heading, a signature has none)."""
    text = paragraph.rstrip()
    sentence_like = len(text) > HEADING_MAX or any(mark in text for mark in "。，,；;")
    return (
        sentence_like
        and not _CONTACT.search(text)
        and not text.endswith((*TERMINAL, "…", "”", "）", ")", "】"))
    )


def year_of(*texts: str) -> int | None:
    """The plan's year: the first 4-digit year its date, title or 文号 writes."""
    for text in texts:
        number = DOCUMENT_NUMBER.search(text)
        if number:
            return int(number.group(1))
        found = re.search(r"((?:19|20)\d{2})\s*(?:年|学年|-|—|－|$)", text)
        if found:
            return int(found.group(1))
    return None

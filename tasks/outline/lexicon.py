"""Words that tell an action (a measure) from a description (context), as plans write them."""

from __future__ import annotations

import re


def _longest_first(words: str) -> tuple[str, ...]:
    """A word list, longest first so that 深入开展 is tried before 开展."""
    return tuple(sorted(words.split(), key=len, reverse=True))


# Verbs that open a task: 加强…, 推动…, 完善…
ACTION_VERBS: tuple[str, ...] = _longest_first(
    """
    加强 推动 推进 完善 健全 深化 优化 建立 建设 打造 构建 提升 提高 发挥 拓宽 拓展
    搭建 体现 做好 做优 做强 加大 开展 落实 实施 制定 制订 出台 设立 培育 引导 鼓励
    支持 组织 强化 坚持 创新 扩大 规范 探索 丰富 打通 抓好 抓实 畅通 树立 弘扬 明确
    维护 保障 促进 加快 筑牢 营造 推广 运用 参与 谋划 贯彻 巩固 召开 举办 举行 开发
    编制 修订 印发 启动 完成 实现 形成 增强 聚合 整合 选聘 选树 表彰 宣传 宣讲 培训
    指导 督促 督查 检查 评估 监测 研判 调研 排定 找准 对接 衔接 统筹 协调 用好 管好
    建好 办好 带动 激发 凝聚 深入开展 扎实开展 全面落实 大力弘扬 听取 引领 帮助 关心 关爱 慰问 救助
    帮扶 化解 防范 预防 调处 调解 协商 签订 推行 试点 设置 增设 调整 纳入 列出 评选
    选拔 认定 打响 擦亮 做实 压实 夯实
    """
)
# Openers that are framing, not tasks: 聚焦…, 围绕…, 依托… introduce the task that follows.
FRAMING_OPENERS = (
    "聚焦",
    "围绕",
    "依托",
    "按照",
    "根据",
    "立足",
    "面对",
    "针对",
    "随着",
    "通过",
    "在",
)
SUBJECTS = _longest_first(
    """
    江苏各级工会 各级工会组织 各级工会 工会组织 江苏工会 工会 我们 全省各级工会 各地工会
    """
)
MODALS = ("要", "应当", "应", "必须", "需要", "须", "将", "还要", "也要")
ADVERBS = _longest_first(
    """
    进一步 持续 积极 切实 不断 大力 深入 全面 加快 着力 扎实 认真 更好 努力 主动 稳步 逐步
    坚定不移 牢固 充分 广泛 深刻 准确 有效 及时 因地制宜 统筹 协同 分层分类 重点 率先 全力
    久久为功 持之以恒 真正 继续 同时 此外 另外 还 也 并 适时 常态化 多措并举 层层 精准
    """
)
# Heading words of the guiding part of a plan (why and what for): context, not tasks.
GUIDING_HEADING = re.compile(
    r"总体要求|指导思想|基本原则|工作原则|总体思路|工作目标|主要目标|总体目标|目标要求|重要意义"
    # a short heading that names the aims (建设目标, 行动目标, 发展思路): what for, not what to do
    r"|^[\u4e00-\u9fff]{0,6}(?:目标|原则|思路)$"
)
# A clause that only says when: "2025年底前", "6月底前", "年内", "长期坚持".
DEADLINE = re.compile(
    r"^(?:到|至|于|在)?(?:\d{4}\s*年\s*(?:底|末|内|年底|上半年|下半年|\d{1,2}\s*月(?:底|末|份)?)?"
    r"|\d{1,2}\s*月(?:底|末|份|上旬|中旬|下旬)?|年内|年底|年中)(?:前|之前|以前|起|内|完成)?$"
    r"|^(?:长期坚持|持续推进|长期推进)$"
)
# Heading words of an analysis section (what is), and of an action section (what to do).
ANALYSIS_HEADING = re.compile(
    r"影响|挑战|问题|现状|特点|特征|形势|原因|困难|不足|短板|风险|意义|背景|趋势|成效|经验|回顾"
)
ACTION_HEADING = re.compile(
    r"应对|路径|举措|措施|对策|任务|建议|重点工作|工作安排|做法|安排|部署|要求"
)
# A predicate that describes a state: 更加重大, 更为多样, 面临新问题, 需要创新 (after a noun).
DESCRIPTIVE = re.compile(
    r"更加|更为|日益|越来越|面临|呈现|承载|存在|尚未|有待|不够|不足|较为|仍然|的[^，。]{0,20}需要"
)
COPULA = re.compile(r"(?<![但于或就还总即凡若只要特别尤其一二三四五六七八九十])是(?!否)")


def strip_opening(clause: str) -> str:
    """Drop the subject, modal verbs and adverbs a task sentence opens with."""
    at = 0  # where the rest begins: cut once at the end, however many words are dropped
    for subject in SUBJECTS:
        if clause.startswith(subject):
            at = len(subject)
            break
    while at < len(clause):
        for word in _OPENING_WORDS.get(clause[at], ()):
            if clause.startswith(word, at) and len(clause) - at > len(word) + 1:
                at += len(word)
                break
        else:
            break  # no modal verb or adverb here
    return clause[at:]


def _by_first_character(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The words by the character they begin with, each list in the order given."""
    found: dict[str, list[str]] = {}
    for word in words:
        found.setdefault(word[0], []).append(word)
    return {first: tuple(group) for first, group in found.items()}


_OPENING_WORDS = _by_first_character((*MODALS, *ADVERBS))


def opens_with_action(clause: str) -> bool:
    """Does this clause open with a task verb (after its subject, modal verbs and adverbs)?"""
    text = strip_opening(clause)
    if text.startswith(FRAMING_OPENERS):
        return False
    return text.startswith(ACTION_VERBS)


def is_descriptive(title: str) -> bool:
    """A title that describes a state rather than asks for an action."""
    return bool(DESCRIPTIVE.search(title)) or not opens_with_action(title)

"""Large policy documents made up on the spot, and the time the import takes to read them.

A 实施方案 as offices write them: a title and date, a preamble, then 一、… （一）… 1．… （1）…
sections of task sentences in policy language, responsibility notes （…牵头，…配合）, leading
deadlines, and whole sections repeated with small changes (the next year's copy of a task).
Also what nobody writes on purpose: one huge paragraph, very many tiny items, the same
sentence over and over. Deterministic: the same size and seed give the same text.

For the tests (tests/test_uploads_hostile.py) and for `make bench`:

    python -m tests.big_documents [--bytes 5242880] [--kind plan] [--docx] [--verbose]
                                  [--repeat 1] [--memory]

prints one JSON line: the kind, the bytes of the upload, the seconds reading, parsing and
building the proposal took (the best of --repeat), with --memory the peak of the memory
Python allocated for it in MB (traced: that run is several times slower), and the counts of
areas, measures and warnings. Exits 1 when the document was refused. Kinds: plan, oneline,
wrapped, paragraph, tiny, same, similar, notes, table (see KINDS).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

__all__ = ["KINDS", "docx_of", "document", "time_import"]

_CN = "一二三四五六七八九十"
_SUBJECTS = ["", "", "", "各级工会要", "工会组织要", "各地要", "各有关部门要", "企业要"]
_VERBS = [
    "加强",
    "推动",
    "完善",
    "健全",
    "深化",
    "优化",
    "建立",
    "打造",
    "构建",
    "提升",
    "拓宽",
    "搭建",
    "落实",
    "实施",
    "制定",
    "培育",
    "强化",
    "规范",
    "探索",
    "畅通",
]
_OBJECTS = [
    "产业工人思想政治引领",
    "职工技能培训体系",
    "劳模和工匠人才创新工作室建设",
    "新就业形态劳动者权益保障机制",
    "职工代表大会制度",
    "厂务公开民主管理",
    "技能人才薪酬分配制度",
    "职业技能等级认定工作",
    "产教融合校企合作",
    "职工书屋和职工之家建设",
    "困难职工帮扶救助机制",
    "劳动关系矛盾纠纷多元化解机制",
    "工会法律援助服务",
    "集体协商和集体合同制度",
    "职工疗休养制度",
    "基层工会组织建设",
]
_MANNERS = [
    "坚持问题导向和目标导向",
    "聚焦重点行业和关键领域",
    "按照分级分类的原则",
    "结合本地区本单位实际",
    "围绕产业发展需要",
    "以服务职工为中心",
]
_ENDS = [
    "形成可复制可推广的经验做法",
    "切实增强职工的获得感幸福感安全感",
    "推动各项措施落地见效",
    "为高质量发展提供有力支撑",
    "建立健全长效工作机制",
    "不断提高服务职工的能力和水平",
]
_BODIES = [
    "省总工会",
    "省人社厅",
    "省教育厅",
    "省发展改革委",
    "省财政厅",
    "省国资委",
    "省司法厅",
    "各市总工会",
]
_DEADLINES = ["2025年底前", "6月底前", "2026年6月底前", "年内", "9月底前"]
_FRAMING = [
    "产业工人是工人阶级的主体力量，是创造社会财富的中坚力量。",
    "做好这项工作，对于推动高质量发展具有重要意义。",
    "当前，部分地区和行业仍然存在培训投入不足、激励机制不健全等问题。",
]


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(_SUBJECTS)}{rng.choice(_MANNERS)}，{rng.choice(_VERBS)}"
        f"{rng.choice(_OBJECTS)}，{rng.choice(_ENDS)}。"
    )


def _note(rng: random.Random) -> str:
    lead, *helpers = rng.sample(_BODIES, 3)
    return f"（{lead}牵头，{'、'.join(helpers)}按职责分工负责）"


def _item(rng: random.Random, marker: str) -> str:
    deadline = f"{rng.choice(_DEADLINES)}，" if rng.random() < 0.2 else ""
    title = f"{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}。"
    body = "".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
    return f"{marker}{deadline}{title}{body}{_note(rng)}"


def _vary(paragraph: str, rng: random.Random) -> str:
    """The same paragraph with a word or two changed, as a copy edited for another year."""
    changes = (("加强", "强化"), ("2025", "2026"), ("完善", "健全"))
    words = [(a, b) for a, b in changes if a in paragraph]
    if words and rng.random() < 0.7:
        old, new = rng.choice(words)
        return paragraph.replace(old, new, 1)
    return paragraph


def _plan(size: int, rng: random.Random) -> str:
    """A 实施方案: title, date, preamble, then 一、→（一）→1．→（1） sections until `size` bytes."""
    lines = [
        "江南省产业工人队伍建设改革实施方案",
        "（2025年3月15日）",
        "".join(rng.choice(_FRAMING) for _ in range(3)),
    ]
    total = sum(len(line.encode()) + 2 for line in lines)
    written: list[list[str]] = []  # each top-level section's lines, to repeat one later
    area = 0
    while total < size:
        area += 1
        if rng.random() < 0.1:
            # a task broken down city by city in one paragraph: sentences alike, none a repeat
            section = [f"{_cn(area % 99 + 1)}、分解落实年度目标任务"]
            targets = _city_targets(rng, rng.randint(20, 60))
            section.append("（一）逐市明确目标。" + "".join(targets))
        elif written and rng.random() < 0.15:
            # a section repeated with small changes (last year's text copied forward)
            section = [_vary(line, rng) for line in rng.choice(written)]
            section[0] = f"{_cn(area % 99 + 1)}、{section[0].split('、', 1)[1]}"
        else:
            section = [f"{_cn(area % 99 + 1)}、{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}"]
            if rng.random() < 0.5:
                section.append(rng.choice(_FRAMING) + _sentence(rng))
            for measure in range(1, rng.randint(3, 8) + 1):
                section.append(_item(rng, f"（{_cn(measure)}）"))
                for sub in range(1, rng.randint(0, 4) + 1):
                    section.append(_item(rng, f"{sub}．"))
                    for leaf in range(1, (rng.randint(0, 3) if rng.random() < 0.3 else 0) + 1):
                        section.append(_item(rng, f"（{leaf}）"))
            written.append(section)
        lines.extend(section)
        total += sum(len(line.encode()) + 2 for line in section)
    lines += ["江南省总工会", "2025年3月15日"]
    return _cut("\n\n".join(lines), size)


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五 (and on past 99 as 一百零…: enough to number anything)."""
    if n <= 10:
        return _CN[n - 1]
    if n < 20:
        return "十" + _CN[n - 11]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _CN[tens - 1] + "十" + (_CN[ones - 1] if ones else "")
    hundreds, rest = divmod(n, 100)
    return _CN[hundreds - 1] + "百" + ("零" if rest < 10 else "") + (_cn(rest) if rest else "")


def _paragraph(size: int, rng: random.Random) -> str:
    """One huge paragraph of task sentences on one line, with no marker in it."""
    pieces, total = ["关于进一步加强产业工人队伍建设的意见　"], 0
    while total < size:
        sentence = _sentence(rng)
        pieces.append(sentence)
        total += len(sentence.encode())
    return _cut("".join(pieces), size)


def _tiny(size: int, rng: random.Random) -> str:
    """Very many tiny items: 1．加强。 2．推动。 … under a few 一、 headings."""
    lines, total, area = [], 0, 0
    while total < size:
        area += 1
        lines.append(f"{_cn(area % 99 + 1)}、主要任务")
        for number in range(1, 100):
            lines.append(f"{number}．{rng.choice(_VERBS)}。")
        total += sum(len(line.encode()) + 1 for line in lines[-100:])
    return _cut("\n".join(lines), size)


def _same(size: int, rng: random.Random) -> str:
    """The same sentence over and over: in one item, and as item after item."""
    sentence = "各级工会要坚持问题导向，加强产业工人思想政治引领，切实增强职工的获得感。"
    per = len(sentence.encode())
    half = size // 2
    first = "一、主要任务\n\n（一）" + sentence * (half // per)
    items = "\n\n".join(f"{n % 99 + 1}．{sentence}" for n in range(half // (per + 8)))
    return _cut(f"{first}\n\n（二）加强组织领导。\n\n{items}", size)


def _table(size: int, rng: random.Random) -> str:
    """A plan that is one long task table, each row a task with its note, as .txt lines."""
    lines, total, number = ["重点任务分工方案", "一、重点任务"], 0, 0
    while total < size:
        number += 1
        line = f"{number % 99 + 1}．{_item(rng, '')}"
        lines.append(line)
        total += len(line.encode()) + 1
    return _cut("\n".join(lines), size)


def _oneline(size: int, rng: random.Random) -> str:
    """The plan on one line, as a text copied out of a web page arrives: 一、（一）1． mid-line."""
    return _plan(size, rng).replace("\n\n", " ")


def _wrapped(size: int, rng: random.Random) -> str:
    """The plan hard-wrapped at 30 characters a line (a text copied out of a PDF): every
    paragraph cut into lines that must be joined again."""
    lines = []
    for paragraph in _plan(size * 29 // 30, rng).split("\n\n"):
        lines.extend(paragraph[at : at + 30] for at in range(0, len(paragraph), 30))
        lines.append("")
    return _cut("\n".join(lines), size)


_CITIES = ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州"]


def _city_targets(rng: random.Random, count: int) -> list[str]:
    """Sentences alike but for a city and its numbers: what each city is to do."""
    return [
        f"{rng.choice(_CITIES)}市总工会要在{rng.randint(2024, 2027)}年{rng.randint(1, 12)}月底"
        f"前完成第{rng.randint(1, 99)}批{rng.randint(10, 99)}家职工书屋建设，并将名单报送省总工会"
        "备案。"
        for _ in range(count)
    ]


def _similar(size: int, rng: random.Random) -> str:
    """One task over a long list of items alike but for a place and a number, as a plan lists
    what each city is to do: the items share most of their words, none repeats another."""
    lines = ["江南省职工书屋建设实施方案", "一、主要任务", "（一）建设职工书屋。"]
    total = 0
    while total < size:
        line = _city_targets(rng, 1)[0]
        lines.append(line)
        total += len(line.encode()) + 2
    return _cut("\n\n".join(lines), size)


def _notes(size: int, rng: random.Random) -> str:
    """Notes gone wrong: one naming bodies by the thousand, one never closed over a long run of
    牵头, one whose names run on and on after its last 牵头."""
    bodies = "、".join(f"{rng.choice(_BODIES)}第{n}处" for n in range(size // 120))
    return _cut(
        f"一、主要任务\n\n（一）加强组织领导。（省总工会牵头，{bodies}按职责分工负责）\n\n"
        f"（二）健全工作机制。（{'牵头' * (size // 18)}\n\n"
        f"（三）强化督促检查。（省总工会牵头{'省' * (size // 9)}）\n\n（四）做好宣传引导。",
        size,
    )


KINDS: dict[str, Callable[[int, random.Random], str]] = {
    "plan": _plan,
    "oneline": _oneline,
    "wrapped": _wrapped,
    "paragraph": _paragraph,
    "tiny": _tiny,
    "same": _same,
    "similar": _similar,
    "notes": _notes,
    "table": _table,
}


def _cut(text: str, size: int) -> str:
    """The text cut to at most `size` bytes of UTF-8, at a line end when there is one."""
    data = text.encode()[:size]
    text = data.decode("utf-8", errors="ignore")
    end = text.rfind("\n")
    return text[:end] if end > len(text) // 2 else text


def document(size: int, kind: str = "plan", *, seed: int = 0) -> str:
    """A document of this kind of at most `size` bytes (UTF-8), nearly that many."""
    return KINDS[kind](size, random.Random(seed))


# A run as Word writes one, with its properties (and a revision id), and how many characters
# it holds when the document is `verbose`: Word splits a paragraph into many such runs.
_RUN = (
    '<w:r w:rsidR="00A1B2C3"><w:rPr><w:rFonts w:ascii="仿宋_GB2312" w:eastAsia="仿宋_GB2312" '
    'w:hAnsi="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>'
)
_RUN_LENGTH = 2


def docx_of(text: str, *, verbose: bool = False) -> bytes:
    """The text as a Word document, a paragraph a line: a run a paragraph, or (`verbose`) as
    Word writes an edited one, a run of properties every few characters (30 times the text)."""

    def runs(line: str) -> str:
        if not verbose:
            return f"<w:r><w:t>{escape(line)}</w:t></w:r>"
        pieces = (line[at : at + _RUN_LENGTH] for at in range(0, len(line), _RUN_LENGTH))
        return "".join(_RUN.format(escape(piece)) for piece in pieces)

    body = "".join(f"<w:p>{runs(line)}</w:p>" for line in text.split("\n"))
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def time_import(
    data: bytes, name: str = "plan.txt", *, repeat: int = 1, memory: bool = False
) -> dict[str, float | int | None]:
    """Read, parse and build the proposal of an upload as /import/ does: the best time of
    `repeat` runs (seconds), the peak memory of one (MB, traced: slower) and what was found."""
    from django.conf import settings  # Django must be set up by now

    from tasks.intake.importing import propose

    limit = max(len(data), settings.TASKS_DOCUMENT_MAX_BYTES)  # the site's, or what it takes
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        proposal = propose(name, data, max_bytes=limit)
        best = min(best, time.perf_counter() - started)
    peak = None
    if memory:
        tracemalloc.start()
        propose(name, data, max_bytes=limit)
        peak = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    counts = proposal.counts()
    return {
        "bytes": len(data),
        "seconds": round(best, 3),
        "peak_mb": peak,  # None unless traced
        "areas": counts["areas"],
        "measures": counts["measures"],
        "warnings": len(proposal.warnings),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--bytes", type=int, default=5 * 1024 * 1024)
    parser.add_argument("--kind", choices=sorted(KINDS), default="plan")
    parser.add_argument("--docx", action="store_true", help="upload it as a Word document")
    parser.add_argument("--verbose", action="store_true", help="the Word XML as Word writes it")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="also trace the peak memory")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionreform.settings")
    import django

    django.setup()
    from tasks.intake.reading import DocumentError

    text = document(args.bytes, args.kind)
    if args.docx:
        data, name = docx_of(text, verbose=args.verbose), "plan.docx"
    else:
        data, name = text.encode(), "plan.txt"
    try:
        result = time_import(data, name, repeat=args.repeat, memory=args.memory)
    except DocumentError as error:
        print(json.dumps({"kind": args.kind, "refused": str(error)}, ensure_ascii=False))
        return 1
    print(json.dumps({"kind": args.kind, "docx": args.docx, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

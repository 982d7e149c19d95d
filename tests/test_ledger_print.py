"""The ledger and the period report as a spreadsheet program prints them.

Each workbook is exported as a cadre downloads it, printed to PDF by LibreOffice (headless) and
read back with pdfplumber: the pages are A3 landscape, the text is at least 9 pt, the header
row heads every page, no line of text runs out of its row into the next, and every area is
numbered once. The cells alone cannot show this: a row one line high holds its text in the
file and still prints it over the row below.

LibreOffice lays the columns out in the units of the workbook's default font (Calibri), so it
needs Carlito (Calibri's metric twin) to print them as wide as Excel does, and a Chinese font.
Without them the tests are skipped, except in CI (CI=true), where they must run.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest

from tasks.ledger.columns import COLUMNS
from tasks.models import ExtensionRequest
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)


def _fonts() -> str:
    """The fonts this machine has, as fontconfig lists them."""
    try:
        listed = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return listed


def _missing() -> str:
    """What this machine lacks to print a workbook as Excel would ('' when nothing)."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        return "no soffice on PATH (apt-get install -y libreoffice-calc)"
    fonts = _fonts()
    if "Carlito" not in fonts:
        return "no Carlito font (apt-get install -y fonts-crosextra-carlito)"
    if "WenQuanYi" not in fonts and "Noto Sans CJK" not in fonts:
        return "no Chinese font (apt-get install -y fonts-wqy-microhei)"
    return ""


MISSING = _missing()
if MISSING and os.environ.get("CI", "").lower() == "true":
    pytest.fail(f"CI=true but {MISSING}: the print tests must run in CI.", pytrace=False)

pytestmark = [
    pytest.mark.pdf,
    pytest.mark.django_db,
    pytest.mark.skipif(bool(MISSING), reason=MISSING),
]

TODAY = date(2026, 11, 24)
A3_LANDSCAPE = (1190.55, 841.89)  # points
SMALLEST_FONT = 9  # points, on paper
SLACK = 0.5  # points: what the PDF's coordinates may be off by


# -- printing -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def office_profile(tmp_path_factory) -> str:
    """A LibreOffice profile of this test run's own: runs side by side do not share one."""
    return tmp_path_factory.mktemp("libreoffice-profile").as_uri()


@pytest.fixture
def print_pdf(tmp_path, office_profile):
    """Print a workbook (its bytes) to PDF as LibreOffice does; the PDF's path."""

    def printed(workbook: bytes, name: str = "export") -> Path:
        source = tmp_path / f"{name}.xlsx"
        source.write_bytes(workbook)
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        command = [soffice, f"-env:UserInstallation={office_profile}", "--headless"]
        command += ["--convert-to", "pdf", "--outdir", str(tmp_path), str(source)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        target = tmp_path / f"{name}.pdf"
        assert target.exists(), f"LibreOffice printed nothing: {done.stdout} {done.stderr}"
        return target

    return printed


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


# -- reading the PDF ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    width: float
    height: float
    text: str
    words: list[dict]
    chars: list[dict]
    rules: list[dict]  # the horizontal lines: the rows' borders


def _in_hidden_column(word: dict, edges: set[float]) -> bool:
    """LibreOffice draws a hidden column's number (the ID) as ### centred on the border where
    the column has no width, clipped to nothing: it is not on the paper."""
    middle = (word["x0"] + word["x1"]) / 2
    return set(word["text"]) == {"#"} and any(abs(middle - x) < 1 for x in edges)


def _page(page: pdfplumber.page.Page) -> Page:
    rules = [line for line in page.lines if abs(line["top"] - line["bottom"]) < SLACK]
    edges = {round(line["x0"], 1) for line in page.lines if abs(line["x0"] - line["x1"]) < SLACK}
    words, chars = [], []
    for word in page.extract_words(x_tolerance=1, keep_blank_chars=False, return_chars=True):
        if not _in_hidden_column(word, edges):
            words.append(word)
            chars.extend(word["chars"])
    text = "\n".join(w["text"] for w in words)
    return Page(page.page_number, float(page.width), float(page.height), text, words, chars, rules)


def _pages(pdf_path: Path) -> list[Page]:
    """The PDF's pages, read; the empty page LibreOffice adds after the last of several sheets
    left out."""
    with pdfplumber.open(pdf_path) as pdf:
        pages = [_page(page) for page in pdf.pages]
    while pages and not pages[-1].words:
        pages.pop()
    return pages


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _overlapping_words(page: Page) -> list[str]:
    """Words (runs of text) of different lines whose boxes overlap: text printed over text."""
    found = []
    words = sorted(page.words, key=lambda w: w["x0"])
    for index, first in enumerate(words):
        for second in words[index + 1 :]:
            if second["x0"] >= first["x1"] - SLACK:
                break  # sorted by x0: no later word reaches back into this one
            if abs(first["top"] - second["top"]) < SLACK:
                continue  # one line
            overlap = min(first["bottom"], second["bottom"]) - max(first["top"], second["top"])
            if overlap > SLACK:
                found.append(f"page {page.number}: {first['text']!r} over {second['text']!r}")
    return found


def _text_across_rules(page: Page) -> list[str]:
    """Characters cut by a row's border under them: a cell's text running into the next row."""
    found = []
    for char in page.chars:
        if not char["text"].strip():
            continue
        middle = (char["x0"] + char["x1"]) / 2
        for rule in page.rules:
            if rule["x0"] <= middle <= rule["x1"] and (
                char["top"] + SLACK < rule["top"] < char["bottom"] - SLACK
            ):
                found.append(f"page {page.number}: {char['text']!r} at {char['top']:.1f}")
                break
    return found


def _small_text(page: Page) -> list[str]:
    sizes = {round(char["size"], 2) for char in page.chars if char["text"].strip()}
    return [f"page {page.number}: {size} pt" for size in sorted(sizes) if size < SMALLEST_FONT]


def _is_a3_landscape(page: Page) -> bool:
    return abs(page.width - A3_LANDSCAPE[0]) < 1 and abs(page.height - A3_LANDSCAPE[1]) < 1


def _header_at_top(page: Page, label: str) -> bool:
    """The header's `label` on this page, above every row under it (in the page's top fifth)."""
    tops = [w["top"] for w in page.words if w["text"] == label]
    return bool(tops) and min(tops) < page.height / 5


DOUBLE_NUMBERING = re.compile(r"[一二三四五六七八九十]+、\s*(?:第|其|[一二三四五六七八九十]+、)")


def assert_prints_well(pages: list[Page], header: str) -> None:
    """Every page A3 landscape, headed by the header row (`header`: one of its labels), its
    text at least 9 pt, no text over other text, no text running out of its row, no area
    numbered twice."""
    assert pages
    assert [p.number for p in pages if not _is_a3_landscape(p)] == []
    assert [p.number for p in pages if not _header_at_top(p, header)] == []
    problems = [problem for page in pages for problem in _small_text(page)]
    assert problems == [], "text below 9 pt"
    problems = [problem for page in pages for problem in _overlapping_words(page)]
    assert problems == [], "text printed over text"
    problems = [problem for page in pages for problem in _text_across_rules(page)]
    assert problems == [], "text running out of its row"
    assert [p.number for p in pages if DOUBLE_NUMBERING.search(p.text)] == []
    assert not any("###" in p.text for p in pages)  # a date too wide for its column


# -- a plan as it is written --------------------------------------------------------------------

LONG_TITLE = (
    "健全完善工会参与劳动关系协调的工作机制，推动建立健全企业职工代表大会制度和厂务公开制度，"
    "探索在新就业形态劳动者集中的行业建立协商协调机制"
)
PROGRESS = (
    "一是召开全省推进会，部署2026年度重点任务；\n"
    "二是制定工作方案，明确12个县区试点，覆盖率达到85%以上；\n"
    "三是完成《关于加强新就业形态劳动者权益保障的调研报告》初稿"
)
PROBLEMS = "经费保障不足，基层工会专职人员配备不到位，部分县区工作进展不平衡"
NEXT_STEPS = "下月完成验收，形成可复制可推广的经验做法，年底前在全省推开"

# (ordinal, title, the group row it must print as)
AREAS = [
    (
        "第一",
        "坚持党对工会工作的全面领导，健全党委统一领导、政府有力支持、工会积极运作的工作格局",
        "第一 坚持党对工会工作的全面领导，健全党委统一领导、政府有力支持、工会积极运作的工作格局",
    ),
    ("其二", "深化产业工人队伍建设改革", "其二 深化产业工人队伍建设改革"),
    ("", "三、加强基层工会组织建设", "三、加强基层工会组织建设"),  # the ordinal in the title
    ("", "推进工会工作数字化转型", "四、推进工会工作数字化转型"),  # none: the ledger's own
    ("五、", "健全工会组织体系", "五、健全工会组织体系"),
]
MEASURES = 40


@pytest.fixture
def plan(clock, settings):
    """Five areas (their ordinals written four ways, one without), forty measures with long
    titles, reports of several lines, milestones, an approved extension, a closed measure:
    enough for several printed pages."""
    settings.TASKS_REPORT_DEADLINE_DAY = 5
    clock.move_to(TODAY)
    areas = [
        ReformAreaFactory(ordinal=ordinal, title=title, order=n)
        for n, (ordinal, title, _label) in enumerate(AREAS, start=1)
    ]
    names = [
        "省总工会",
        "省人力资源和社会保障厅",
        "省发展和改革委员会",
        "省财政厅",
        "省总工会基层工作部",
    ]
    bodies = [ResponsibleBodyFactory(name=name) for name in names]
    owner = UserFactory(username="wangjianguo", first_name="王建国")
    measures = []
    for n in range(MEASURES):
        measure = MeasureFactory(
            area=areas[n % len(areas)],
            rank=n + 1,
            title=(LONG_TITLE * 2)[: 24 + (n * 7) % 70],
            lead_body=bodies[n % 5],
            owner=owner,
            start_date=date(2026, 1, 1),
            due_date=date(2026, 12, 31) if n % 4 else None,
            deadline_note="" if n % 4 else "长期坚持",
            status="in_progress",
            progress=(n * 7) % 100,
        )
        measure.cooperating_bodies.add(bodies[(n + 1) % 5], bodies[(n + 2) % 5])
        if n % 2 == 0:
            ProgressReportFactory(
                measure=measure,
                period="2026-11",
                progress=measure.progress,
                done_text=PROGRESS * (1 + n % 3),
                problems=PROBLEMS * (1 + n % 2),
                next_steps=NEXT_STEPS,
            )
        if n % 3 == 0:
            MilestoneFactory(
                measure=measure,
                title="完成全省基层工会组织摸底调研",
                due_date=date(2026, 6, 30),
                done_on=date(2026, 6, 20),
            )
            MilestoneFactory(
                measure=measure, title="出台实施意见并召开全省推进会", due_date=date(2026, 12, 15)
            )
        measures.append(measure)
    extended = measures[5]
    ExtensionRequest.objects.create(
        measure=extended,
        requested_by=owner,
        current_due_date=date(2026, 6, 30),
        requested_due_date=date(2026, 12, 31),
        reason="试点县区调整",
        state=ExtensionRequest.State.APPROVED,
        decided_at=datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    closed = measures[7]
    type(closed).objects.filter(pk=closed.pk).update(
        status="done", progress=100, closed_on=date(2026, 11, 20)
    )
    return measures


# -- the ledger ---------------------------------------------------------------------------------


def _ledger_pages(coordinator_client, print_pdf) -> tuple[list[Page], list[Page]]:
    """The ledger's printed pages and its milestone sheet's (after them in the PDF)."""
    pages = _pages(print_pdf(_download(coordinator_client, "/measures/export.xlsx"), "ledger"))
    lead_body = str(COLUMNS["lead_body"].label)  # a column of the ledger's, not of the other
    ledger_pages = [page for page in pages if _header_at_top(page, lead_body)]
    return ledger_pages, pages[len(ledger_pages) :]


def test_the_printed_ledger_reads_well(coordinator_client, plan, print_pdf):
    pages, milestones = _ledger_pages(coordinator_client, print_pdf)
    assert len(pages) >= 2  # the header must head the pages after the first too
    assert_prints_well(pages, str(COLUMNS["title"].label))
    assert_prints_well(milestones, str(COLUMNS["title"].label))


def test_the_printed_ledger_numbers_each_area_once(coordinator_client, plan, print_pdf):
    pages, milestones = _ledger_pages(coordinator_client, print_pdf)
    text = _squashed("".join(page.text for page in pages))
    for _ordinal, _title, label in AREAS:
        assert _squashed(label) in text
    assert text.count(_squashed(AREAS[3][2])) == 1  # said once, by its group row
    assert "一、第一" not in text and "一、一、" not in text
    milestone_text = _squashed("".join(page.text for page in milestones))
    assert _squashed(AREAS[0][2]) in milestone_text


def test_the_printed_ledger_shows_the_new_columns(coordinator_client, plan, print_pdf):
    pages, milestones = _ledger_pages(coordinator_client, print_pdf)
    words = {word["text"] for page in pages for word in page.words}
    assert "2026-12-15" in words  # the next milestone (the one of 06-30 is done)
    assert "2026-06-30" in words  # the due date before the extension
    assert "2026-11-20" in words  # the day the closed measure was closed
    words = {word["text"] for page in milestones for word in page.words}
    assert {"2026-06-30", "2026-06-20", "2026-12-15"} <= words  # due, done, due


# -- the period report --------------------------------------------------------------------------


def test_the_printed_period_report_reads_well(coordinator_client, plan, print_pdf):
    workbook = _download(coordinator_client, "/reports/2026-11/export.xlsx")
    pages = _pages(print_pdf(workbook, "period"))
    assert len(pages) >= 2
    assert_prints_well(pages, str(COLUMNS["title"].label))
    text = _squashed("".join(page.text for page in pages))
    for _ordinal, _title, label in AREAS:
        assert _squashed(label) in text


# -- the check itself ---------------------------------------------------------------------------


def test_the_check_sees_rows_too_short_for_their_text(
    coordinator_client, plan, print_pdf, monkeypatch
):
    """Rows one line high, as the ledger was printed before: the check finds the text that
    runs into the row below."""
    monkeypatch.setattr("tasks.ledger.writers.row_height", lambda cells: 15)
    pages, _milestones = _ledger_pages(coordinator_client, print_pdf)
    assert [problem for page in pages for problem in _text_across_rules(page)]
    assert [problem for page in pages for problem in _overlapping_words(page)]

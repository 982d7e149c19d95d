"""The lists of measures keep their title column readable wherever the table is drawn.

On a laptop (1024 px) the task book, the priority order and the reports table give the title
column a good share of the width and draw no cell over another, and the page does not scroll
sideways. Printed from the browser, the task book is A4 landscape with the same guarantees, the
header on every page and nothing under 9 pt — checked in print media at the printable width of
the paper, and in the PDF Chromium prints (pdfplumber). The admin's list of measures gives its
titles a line's width at 1440 px."""

import io

import pdfplumber
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Measure
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

A4_LANDSCAPE_PRINTABLE = 1047  # 297 mm less two 10 mm margins, in CSS px

# every row's cells, left to right, and the width of its table
CELLS = """() => Array.from(document.querySelectorAll('table.measures tbody tr')).map(tr => ({
    table: tr.closest('table').getBoundingClientRect().width,
    cells: Array.from(tr.children).filter(td => td.getClientRects().length).map(td => {
        const box = td.getBoundingClientRect();
        return {left: box.left, right: box.right, title: td.classList.contains('title'),
                overflows: td.scrollWidth > td.clientWidth + 1,
                size: parseFloat(getComputedStyle(td).fontSize)};
    })}))"""


@pytest.fixture
def plan():
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    call_command("import_seeds", stdout=io.StringIO())
    UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )


@pytest.mark.parametrize("url", ["/measures/", "/priorities/", "/reports/"])
def test_a_laptop_shows_the_titles(live_server, page, plan, url):
    base = live_server.url
    log_in(page, base, "gaigeban")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(base + url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    rows = page.evaluate(CELLS)
    assert rows
    for row in rows:
        title = next(cell for cell in row["cells"] if cell["title"])
        assert title["right"] - title["left"] >= 0.3 * row["table"]
        for cell, after in zip(row["cells"], row["cells"][1:], strict=False):
            assert cell["right"] <= after["left"] + 1
        assert not any(cell["overflows"] for cell in row["cells"])


def test_the_task_book_prints_readably(live_server, page, plan):
    base = live_server.url
    log_in(page, base, "gaigeban")
    page.set_viewport_size({"width": A4_LANDSCAPE_PRINTABLE, "height": 740})
    page.goto(f"{base}/measures/")
    page.emulate_media(media="print")
    expect(page.locator(".filters")).to_be_hidden()
    expect(page.locator(".bulk-bar")).to_be_hidden()
    rows = page.evaluate(CELLS)
    assert len(rows) == Measure.objects.count()
    for row in rows:
        title = next(cell for cell in row["cells"] if cell["title"])
        assert title["right"] - title["left"] >= 0.35 * row["table"]
        for cell, after in zip(row["cells"], row["cells"][1:], strict=False):
            assert cell["right"] <= after["left"] + 1  # side by side, never over
        assert not any(cell["overflows"] for cell in row["cells"])
        assert min(cell["size"] for cell in row["cells"]) >= 12  # 9 pt

    pdf = page.pdf(format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    with pdfplumber.open(io.BytesIO(pdf)) as printed:
        pages = printed.pages
        assert pages[0].width > pages[0].height  # landscape
        # 40 measures of the seed plan: a few pages, each with the table's header on it
        assert len(pages) <= 8
        for paper in pages:
            words = paper.extract_text() or ""
            assert "举措" in words and "牵头单位" in words


def test_the_admin_list_of_measures_keeps_titles_on_a_line(live_server, page, plan):
    """At 1440 px the admin's list wrapped its titles every two characters; now a title has the
    width of a line of text, and the area beside it wraps instead."""
    base = live_server.url
    log_in(page, base, "gaigeban")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base}/admin/tasks/measure/")
    titles = page.locator("#result_list tbody .field-title")
    expect(titles).to_have_count(Measure.objects.count())
    for box in page.evaluate(
        """() => Array.from(document.querySelectorAll('#result_list tbody .field-title a'))
             .map(a => ({width: a.parentElement.getBoundingClientRect().width,
                         lines: a.getClientRects().length}))"""
    ):
        assert box["width"] >= 240 and box["lines"] <= 3

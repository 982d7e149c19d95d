"""Importing a policy document in a real browser: upload, correct the proposal, confirm.

A coordinator (改革办) uploads an implementation plan saved as GBK text, renames one measure and
drops another on the preview, confirms, and finds the result in the task book and by keyword;
then uploads a Word document (paragraphs and a task table), turns one item into background and
finds the others in the task book with the lead bodies their notes and table name.
The preview's labels may not be translated yet: its controls are found by name and value.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from tasks import roles
from tasks.models import Measure, Source
from tests.browser.conftest import log_in, shot
from tests.factories import UserFactory
from tests.test_document_reading import make_docx, p, row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DOCUMENTS = Path(__file__).resolve().parents[1] / "documents"
RENAMED = "浏览器改名的举措"


@pytest.fixture
def coordinator():
    # A transactional test may start from an emptied database: the groups are names here.
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    return UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )


@pytest.fixture
def console_errors(page):
    """Errors the page logs (a CSP violation among them) and scripts that throw."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def upload(page: Page, base: str, path: Path, name: str) -> None:
    """The upload page, as a cadre uses it: pick the file, press the one button."""
    page.goto(f"{base}/import/")
    file_input = page.locator("form.upload-form input[type=file]")
    file_input.set_input_files(str(path))
    shot(page, f"import-upload-{name}")
    page.locator("form.upload-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/import/preview$"))


def node(page: Page, key: int):
    return page.locator(f"li.proposal-node#node-{key}")


def title_of_node(page: Page, key: int):
    return page.locator(f'input[name="title-{key}"]')


def confirm(page: Page) -> Source:
    page.locator('button[name="op"][value="confirm"]').click()
    # (the browser keeps the #node-<key> of the last edit's redirect: harmless here)
    source = Source.objects.get()
    expect(page).to_have_url(re.compile(rf"/measures/\?source={source.pk}(#node-\d+)?$"))
    expect(page.locator(".message.success")).to_contain_text(source.title)
    return source


def test_gbk_text_rename_drop_confirm(live_server, page, coordinator, console_errors, tmp_path):
    base = live_server.url
    plan = tmp_path / "实施方案.txt"
    plan.write_bytes((DOCUMENTS / "implementation-plan.txt").read_text("utf-8").encode("gbk"))

    log_in(page, base, "gaigeban")
    upload(page, base, plan, "gbk")

    # the proposal, in document order: 一、总体要求 as background (row 1), then 2 areas and
    # 21 measures (sub-measures included)
    expect(page.locator("li.proposal-node")).to_have_count(24)
    expect(page.locator("li.proposal-node.is-area")).to_have_count(2)
    expect(page.locator("li.proposal-node.is-context")).to_have_count(1)
    expect(page.locator("#source-title")).to_have_value("江南省产业工人技能提升行动实施方案")
    expect(page.locator(".upload-summary")).to_contain_text("实施方案.txt")
    expect(title_of_node(page, 2)).to_have_value("主要任务")
    expect(title_of_node(page, 8)).to_have_value("全面推行企业新型学徒制")
    expect(title_of_node(page, 9)).to_have_value("开展职工数字技能提升行动")
    expect(node(page, 8).locator(".node-bodies")).to_contain_text("省人社厅")
    shot(page, "import-preview-gbk")
    assert not Measure.objects.exists()  # nothing is written before confirming

    # rename one measure, then drop another: the typed title survives the drop's round trip
    title_of_node(page, 8).fill(RENAMED)
    page.locator('button[name="op"][value="drop:9"]').click()
    expect(page).to_have_url(re.compile(r"/import/preview#node-9$"))
    expect(node(page, 9)).to_have_class(re.compile(r"\bis-dropped\b"))
    expect(title_of_node(page, 9)).to_be_disabled()
    expect(node(page, 9).locator('button[value="drop:9"]')).to_be_visible()  # to restore it
    expect(node(page, 9).locator('button[value="merge:9"]')).to_have_count(0)
    expect(title_of_node(page, 8)).to_have_value(RENAMED)
    expect(node(page, 8)).not_to_have_class(re.compile(r"\bis-dropped\b"))
    node(page, 7).evaluate("row => row.scrollIntoView()")
    shot(page, "import-preview-gbk-edited")
    assert not Measure.objects.exists()

    source = confirm(page)
    assert source.file_name == "实施方案.txt"
    rows = page.locator("tr[id^=measure-]")
    expect(rows).to_have_count(20)
    expect(page.locator("form.task-book")).to_contain_text(RENAMED)
    expect(page.locator("form.task-book")).not_to_contain_text("开展职工数字技能提升行动")
    expect(page.locator("form.task-book")).not_to_contain_text("全面推行企业新型学徒制")
    shot(page, "import-task-book-gbk")
    renamed = Measure.objects.get(title=RENAMED)
    expect(page.locator(f"#measure-{renamed.pk}")).to_contain_text("省人社厅")
    assert not Measure.objects.filter(title__contains="数字技能").exists()
    assert Measure.objects.count() == 20

    # the renamed measure is found by keyword
    page.goto(f"{base}/measures/?q={RENAMED}")
    expect(rows).to_have_count(1)
    expect(page.locator(f"#measure-{renamed.pk}")).to_contain_text(RENAMED)

    # the proposal is gone from the session: the preview sends the cadre back to the upload
    page.goto(f"{base}/import/preview")
    expect(page).to_have_url(re.compile(r"/import/$"))
    assert console_errors == []


NOTICE = (
    p("关于推进新就业形态劳动者入会工作的通知")
    + p("一、扩大工会组织覆盖")
    + p(
        "（一）推动快递企业集中建会。依托行业协会推动快递企业和分拨中心普遍建立工会组织。"
        "（省总工会牵头，省邮政管理局配合）"
    )
    + p(
        "（二）开展集中入会行动。每年开展两次集中入会行动，吸纳货车司机、网约配送员加入工会。"
        "（省总工会牵头）"
    )
    + p(
        "（三）调查新就业形态劳动者底数。摸清各类平台劳动者数量、分布和诉求，形成调研报告。"
        "（省统计局牵头）"
    )
    + p("二、加强服务阵地建设")
    + "<w:tbl>"
    + row("序号", "重点任务", "牵头单位", "配合单位")
    + row("1", "建设户外劳动者服务站点", "省总工会", "各市总工会")
    + row("2", "设立新就业形态劳动者法律援助窗口", "省司法厅", "省总工会")
    + "</w:tbl>"
)
KEPT = [
    "推动快递企业集中建会",
    "开展集中入会行动",
    "建设户外劳动者服务站点",
    "设立新就业形态劳动者法律援助窗口",
]
BACKGROUND = "调查新就业形态劳动者底数"


def test_docx_background_confirm(live_server, page, coordinator, console_errors, tmp_path):
    base = live_server.url
    notice = tmp_path / "入会通知.docx"
    notice.write_bytes(make_docx(NOTICE))

    log_in(page, base, "gaigeban")
    upload(page, base, notice, "docx")

    expect(page.locator("li.proposal-node")).to_have_count(7)
    expect(page.locator("li.proposal-node.is-area")).to_have_count(2)
    expect(page.locator("#source-title")).to_have_value("关于推进新就业形态劳动者入会工作的通知")
    for key, title in zip((2, 3, 6, 7), KEPT, strict=True):
        expect(title_of_node(page, key)).to_have_value(title)
    expect(title_of_node(page, 4)).to_have_value(BACKGROUND)
    expect(node(page, 7).locator(".node-bodies .role-lead")).to_contain_text("省司法厅")

    # the survey is background, not a measure
    page.locator('button[name="op"][value="context:4"]').click()
    expect(page).to_have_url(re.compile(r"/import/preview#node-4$"))
    expect(node(page, 4)).to_have_class(re.compile(r"\bis-context\b"))
    expect(page.locator("li.proposal-node.is-context")).to_have_count(1)
    expect(title_of_node(page, 4)).to_be_enabled()
    shot(page, "import-preview-docx")

    confirm(page)
    rows = page.locator("tr[id^=measure-]")
    expect(rows).to_have_count(len(KEPT))
    book = page.locator("form.task-book")
    for title in KEPT:
        expect(book).to_contain_text(title)
    expect(book).not_to_contain_text(BACKGROUND)
    shot(page, "import-task-book-docx")
    assert set(Measure.objects.values_list("title", flat=True)) == set(KEPT)

    # a measure's page: the lead body named in the table, and in the note
    page.get_by_role("link", name=re.compile("设立新就业形态劳动者法律援助窗口")).click()
    expect(
        page.get_by_role("heading", name=re.compile("设立新就业形态劳动者法律援助窗口"))
    ).to_be_visible()
    expect(page.locator("#assignment")).to_contain_text("省司法厅")
    from_note = Measure.objects.get(title="推动快递企业集中建会")
    page.goto(f"{base}/measures/{from_note.pk}/")
    expect(page.locator("#assignment")).to_contain_text("省总工会")
    assert from_note.lead_body.name == "省总工会"
    assert console_errors == []


REAL_PLAN = DOCUMENTS / "real" / "13_shi_zonggonghui_chanjai_shishi_fangan_gbk.txt"


def test_a_real_plan_in_gbk_writes_its_deadlines(live_server, page, coordinator, console_errors):
    """File 13 of the real documents (its issuer line at the top, （一）…（四） over 1．–10．,
    deadlines after the notes): confirmed as proposed, it writes its areas, measures, lead
    bodies, due dates and notes."""
    from datetime import date

    base = live_server.url
    log_in(page, base, "gaigeban")
    upload(page, base, REAL_PLAN, "real-gbk")
    expect(page.locator("li.proposal-node.is-area")).to_have_count(5)
    expect(page.locator("#source-title")).to_have_value("关于深化产业工人队伍建设改革的实施方案")
    confirm(page)
    areas = list(Source.objects.get().areas.order_by("order").values_list("title", flat=True))
    assert areas[:4] == [
        "加强产业工人思想政治引领",
        "完善技能形成体系",
        "拓展产业工人发展空间",
        "强化服务保障",
    ]
    pay = Measure.objects.get(title__contains="技能人才薪酬分配指引")
    assert (pay.lead_body.name, pay.deadline_note, pay.due_date) == (
        "市人社局",
        "2026年6月底前",
        date(2026, 6, 30),
    )
    members = Measure.objects.get(title__contains="发展党员")
    assert (members.lead_body.name, members.deadline_note, members.due_date) == (
        "市委组织部",
        "长期坚持",
        None,
    )
    expect(page.locator(f"#measure-{pay.pk}")).to_contain_text("市人社局")
    assert console_errors == []

"""The cadre's workspace in a real browser: 任务书, assignment, bulk edit, 优先序, 时间表, 工作台.

A coordinator filters the task book, assigns an owner and a due date on a measure page, bulk
assigns a lead body, reorders the priorities, and finds the result on the timetable and the
dashboard; a liaison sees the same pages without the controls that change the plan.
Screenshots of each page go to test-results/ (or to SCREENSHOT_DIR: `make screenshots` writes
the README's, docs/screenshots/).
"""

import io
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Measure, ResponsibleBody
from tests.browser.conftest import log_in, shot
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def plan():
    # A transactional test may start from an emptied database: the groups are names here.
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    call_command("import_seeds", stdout=io.StringIO())
    body = ResponsibleBody.objects.get(name="企业")
    coordinator = UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )
    liaison = UserFactory(
        username="lianluoyuan",
        first_name="李联络",
        is_staff=True,
        groups=[Group.objects.get(name=roles.LIAISON)],
    )
    body.members.add(liaison)
    # some history to look at: a few measures already running, one late
    for rank, (start, due, progress) in enumerate(
        [
            ((2026, 1, 1), (2026, 6, 30), 30),
            ((2026, 3, 1), (2026, 12, 31), 60),
            ((2026, 5, 1), (2027, 6, 30), 10),
        ],
        start=2,
    ):
        Measure.objects.filter(rank=rank).update(
            start_date=date(*start), due_date=date(*due), progress=progress, status="in_progress"
        )
    return {"coordinator": coordinator, "liaison": liaison, "body": body}


def test_coordinator_plans_and_sees_the_result_everywhere(live_server, page, plan):
    base = live_server.url
    late = Measure.objects.get(rank=2)  # due 2026-06-30 at 30%
    log_in(page, base, "gaigeban")
    shot(page, "dashboard")

    # 任务书: filter by a word
    page.goto(f"{base}/measures/")
    page.get_by_label("关键词").fill("工匠")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"q=%E5%B7%A5%E5%8C%A0"))
    rows = page.locator("tr[id^=measure-]")
    count = rows.count()
    assert 0 < count < Measure.objects.count()
    expect(page.locator(".count")).to_contain_text(f"共 {count} 项举措")
    shot(page, "task-book")

    # the filtered ledger: the page says it is being written, then the download starts
    with page.expect_download() as download:
        page.locator("#ledger-xlsx").click()
        expect(page.locator("#ledger-status")).to_contain_text("正在生成台账")
    assert download.value.suggested_filename.endswith(".xlsx")

    # the measure page: assign an owner and a due date (htmx swaps the section in place)
    first = Measure.objects.get(rank=1)
    page.goto(f"{base}/measures/{first.pk}/")
    page.get_by_text("修改分解落实").click()
    # people by name: a picker that searches as you type (no list of every person)
    owner = page.get_by_role("combobox", name="责任人")
    owner.fill("王科")
    page.get_by_role("option", name="王科长").click()
    expect(owner).to_have_value("王科长")
    page.locator("#id_start_date").fill("2026-09-01")
    page.locator("#id_due_date").fill("2027-03-31")
    page.get_by_role("button", name="保存分解落实").click()
    assignment = page.locator("#assignment")
    expect(assignment).to_contain_text("2027-03-31")
    expect(assignment).to_contain_text("王科长")
    page.reload()
    expect(page.locator("#history")).to_contain_text("完成时限")
    shot(page, "measure")

    # bulk: tick two rows, set their lead body
    page.goto(f"{base}/measures/?sort=rank")
    ticked = [Measure.objects.get(rank=r) for r in (5, 6)]
    for measure in ticked:
        page.locator(f"#measure-{measure.pk} input[type=checkbox]").check()
    page.locator("#id_bulk-field").select_option("lead_body")
    # the lead body picked with the keyboard alone: type, arrow down to it, Enter
    court = ResponsibleBody.objects.get(name="法院")
    picker = page.locator("#id_bulk-lead_body")
    picker.press_sequentially("法院")
    listbox = page.get_by_role("listbox", name="牵头单位")
    expect(listbox.get_by_role("option").first).to_have_text("法院")  # the name itself first
    picker.press("ArrowDown")
    expect(picker).to_have_attribute("aria-activedescendant", re.compile(rf"-option-{court.pk}$"))
    picker.press("Enter")  # picks; does not send the form
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("法院")
    assert page.locator("input[type=hidden][name=bulk-lead_body]").input_value() == str(court.pk)
    page.get_by_role("button", name="应用到所勾选的举措").click()
    expect(page.locator(".message.success")).to_contain_text("已修改 2 项举措")
    for measure in ticked:
        expect(page.locator(f"#measure-{measure.pk}")).to_contain_text("法院")

    # 优先序: move the measure just assigned from position 1 to 3
    page.goto(f"{base}/priorities/")
    page.locator(f"#position-{first.pk}").fill("3")
    page.locator(f"#measure-{first.pk} form.move-to button").click()
    expect(page.locator(".message.success")).to_contain_text("从第 1 位移到第 3 位")
    expect(page.locator(f"#measure-{first.pk} .position-number")).to_have_text("3")
    shot(page, "priorities")
    assert Measure.objects.get(pk=first.pk).rank == 3
    assert sorted(Measure.objects.values_list("rank", flat=True)) == list(
        range(1, Measure.objects.count() + 1)
    )

    # 时间表: the assigned measure has its bar, and today's line is drawn
    page.goto(f"{base}/timetable/")
    label = page.locator(f'a.tt-label[href="/measures/{first.pk}/"]')
    expect(label).to_be_visible()
    expect(label.locator("text.tt-rank")).to_have_text("3")
    shot(page, "timetable")

    # 工作台: the late measure is listed, the plan's counts add up
    page.goto(f"{base}/")
    overdue = page.locator("#overdue").locator("xpath=..")
    expect(overdue).to_contain_text(late.title[:20])
    expect(page.locator("#by-status")).to_contain_text(f"共 {Measure.objects.count()} 项举措")


def test_liaison_sees_the_pages_without_planning_controls(live_server, page, plan):
    base = live_server.url
    own = Measure.objects.filter(cooperating_bodies=plan["body"]).order_by("rank").first()
    log_in(page, base, "lianluoyuan")
    for url in ["/", "/measures/", "/timetable/", "/priorities/"]:
        page.goto(base + url)
        expect(page.locator("main h1")).to_be_visible()
        assert page.locator("input[name=bulk-measures]").count() == 0  # no bulk edit
        assert page.locator("form.move-to").count() == 0  # no reordering
    page.goto(f"{base}/measures/{own.pk}/")
    assert page.get_by_text("修改分解落实").count() == 0
    # its progress reaches the measure through the lead body's report, not a form of its own:
    # as a co-operating body it adds its part to that report
    assert page.locator("#id_progress").count() == 0
    page.locator("#contribution summary").click()
    page.get_by_label("本单位配合情况").fill("配合完成企业走访")
    page.get_by_role("button", name="保存配合情况").click()
    expect(page.locator("#contributions")).to_contain_text("配合完成企业走访")
    assert Measure.objects.get(pk=own.pk).progress == 0
    shot(page, "measure-liaison")

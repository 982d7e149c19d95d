"""The pickers in a real browser: search as you type, by keyboard and by touch, at 390 px, and
without JavaScript.

A cadre on a phone filters the task book by a lead body found by typing part of its name;
the office adds several co-operating bodies of hundreds without Ctrl-click; a browser without
JavaScript filters by a typed name all the same.
"""

import io
import re

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
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    call_command("import_seeds", stdout=io.StringIO())
    city = ResponsibleBody.objects.create(name="明湖市总工会")
    for n in range(45):  # more than a page of the list
        ResponsibleBody.objects.create(name=f"明湖市第{n:02d}区总工会", parent=city)
    UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )
    led = Measure.objects.get(rank=1)
    led.lead_body = city
    led.save()
    return {"city": city, "led": led}


def test_a_phone_filters_by_a_body_found_by_typing(live_server, phone, plan):
    base = live_server.url
    log_in(phone, base, "gaigeban")
    phone.goto(f"{base}/measures/")
    filters = phone.get_by_role("search")
    picker = filters.get_by_role("combobox", name="牵头单位")
    expect(picker).to_have_attribute("aria-expanded", "false")
    picker.press_sequentially("明湖市")
    listbox = phone.get_by_role("listbox", name="牵头单位")
    expect(listbox).to_be_visible()
    expect(picker).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_text("明湖市总工会")  # the name itself comes first
    expect(options).to_have_count(21)  # twenty names, and "more"
    box = listbox.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # and so is the page
    shot(phone, "picker-390")
    # the next twenty, by touch
    options.last.tap()
    expect(options).to_have_count(41)
    options.first.tap()
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("明湖市总工会")
    phone.get_by_role("button", name="筛选").click()
    expect(phone).to_have_url(re.compile(rf"lead_body={plan['city'].pk}(&|$)"))
    rows = phone.locator("tr[id^=measure-]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(plan["led"].title[:10])
    # the picker shows the body by name after the page came back
    expect(filters.get_by_role("combobox", name="牵头单位")).to_have_value("明湖市总工会")


def test_escape_closes_the_list_then_empties_the_box(live_server, page, plan):
    base = live_server.url
    log_in(page, base, "gaigeban")
    page.goto(f"{base}/measures/?lead_body={plan['city'].pk}")
    picker = page.get_by_role("search").get_by_role("combobox", name="牵头单位")
    expect(picker).to_have_value("明湖市总工会")
    picker.focus()
    picker.press("ArrowDown")  # opens the list on the first name
    listbox = page.get_by_role("listbox", name="牵头单位")
    expect(listbox).to_be_visible()
    expect(picker).to_have_attribute("aria-activedescendant", re.compile(r"-option-\d+$"))
    picker.press("Escape")
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("明湖市总工会")
    picker.press("Escape")
    expect(picker).to_have_value("")
    page.get_by_role("button", name="筛选").click()
    assert "lead_body=&" in page.url or page.url.endswith("lead_body=")
    assert page.locator("tr[id^=measure-]").count() > 1


def test_the_office_adds_several_bodies_without_ctrl_click(live_server, page, plan):
    base = live_server.url
    measure = plan["led"]
    before = set(measure.cooperating_bodies.values_list("name", flat=True))
    log_in(page, base, "gaigeban")
    page.goto(f"{base}/measures/{measure.pk}/")
    page.get_by_text("修改分解落实").click()
    adding = page.get_by_role("combobox", name="配合单位")
    for name in ["明湖市第03区总工会", "明湖市第17区总工会"]:
        adding.fill(name[:-3])
        page.get_by_role("option", name=re.compile(f"^{name}")).click()
        expect(adding).to_have_value("")
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    page.get_by_role("button", name="保存分解落实").click()
    expect(page.locator("#assignment .message.success")).to_be_visible()
    facts = page.locator("#assignment .facts")
    expect(facts).to_contain_text("明湖市第03区总工会")
    expect(facts).to_contain_text("明湖市第17区总工会")
    assert set(
        Measure.objects.get(pk=measure.pk).cooperating_bodies.values_list("name", flat=True)
    ) == before | {"明湖市第03区总工会", "明湖市第17区总工会"}
    # after htmx put the section back, its pickers search again; unticking removes
    page.get_by_text("修改分解落实").click()
    page.get_by_role("checkbox", name="明湖市第03区总工会").uncheck()
    adding = page.get_by_role("combobox", name="配合单位")
    adding.press_sequentially("第44区")
    page.get_by_role("option", name=re.compile("^明湖市第44区总工会")).click()
    page.get_by_role("button", name="保存分解落实").click()
    expect(page.locator("#assignment .facts")).to_contain_text("明湖市第44区总工会")
    expect(page.locator("#assignment .facts")).not_to_contain_text("明湖市第03区总工会")


def test_without_javascript_a_typed_name_filters(live_server, browser, plan):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        base = live_server.url
        log_in(page, base, "gaigeban")
        page.goto(f"{base}/measures/")
        page.get_by_label("牵头单位").first.fill("明湖市总工会")
        page.get_by_role("button", name="筛选").click()
        rows = page.locator("tr[id^=measure-]")
        expect(rows).to_have_count(1)
        expect(page.get_by_label("牵头单位").first).to_have_value("明湖市总工会")
        # a part that fits several: the page says which, with their numbers
        page.get_by_label("牵头单位").first.fill("明湖市第0")
        page.get_by_role("button", name="筛选").click()
        expect(page.locator(".filters .errors")).to_contain_text("明湖市第00区总工会")
    finally:
        context.close()

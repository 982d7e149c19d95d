"""WCAG 2.1 AA on the main pages, at a desk and on a phone, for each role that uses them.

axe-core (vendored, tests/browser/vendor/) checks every page as each role sees it, with every
<details> opened so the forms folded inside are checked too; on a phone (390×844, touch) the
page must also keep the screen's width: nothing scrolls sideways.
"""

import io
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tasks import clock, roles
from tasks.models import Measure, Milestone, ResponsibleBody
from tasks.reporting import current_period
from tasks.reporting.actions import file_report, request_extension
from tests.browser.conftest import accessibility
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"viewport": {"width": 1400, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def plan():
    # A transactional test may start from an emptied database: the groups are names here.
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    call_command("import_seeds", stdout=io.StringIO())
    body = ResponsibleBody.objects.get(name="企业")
    UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )
    liaison = UserFactory(
        username="lianluoyuan",
        first_name="李联络",
        groups=[Group.objects.get(name=roles.LIAISON)],
    )
    UserFactory(
        username="lingdao", first_name="张主席", groups=[Group.objects.get(name=roles.VIEWER)]
    )
    body.members.add(liaison)
    # the liaison's body leads a measure that is running, has a milestone, a report filed for
    # this period and an extension asked for: every panel of the measure page has something
    led = Measure.objects.get(rank=1)
    led.lead_body = body
    led.owner = liaison
    led.status = Measure.Status.IN_PROGRESS
    led.start_date, led.due_date, led.progress = date(2026, 1, 1), date(2026, 12, 31), 30
    led.save()
    Milestone.objects.create(measure=led, title="完成调研", due_date=date(2026, 6, 30))
    file_report(
        measure=led,
        period=current_period(clock.today()),
        by=liaison,
        progress=40,
        status=Measure.Status.IN_PROGRESS,
        done_text="走访企业十家",
    )
    request_extension(
        measure=Measure.objects.get(pk=led.pk),
        by=liaison,
        requested_due_date=date(2027, 6, 30),
        reason="调研范围扩大",
    )
    # a late measure, so the dashboard's lists and the lights show red
    Measure.objects.filter(rank=2).update(
        start_date=date(2026, 1, 1), due_date=date(2026, 6, 30), progress=30, status="in_progress"
    )
    return {"led": Measure.objects.get(pk=led.pk)}


def sign_in(page: Page, base: str, username: str) -> None:
    """Through the login page; where it lands depends on the role, so no heading is awaited."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-word-2026")
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def pages_of(role: str, led: Measure) -> list[str]:
    measure = f"/measures/{led.pk}/"
    return {
        "gaigeban": [
            "/todo/",
            "/notices/",
            "/notices/settings",
            "/",
            "/measures/",
            measure,
            "/timetable/",
            "/priorities/",
            "/reports/",
            "/import/",
        ],
        "lianluoyuan": [
            "/todo/",
            "/",
            "/measures/",
            measure,
            f"{measure}report",
            "/priorities/",
            "/reports/",
        ],
        "lingdao": ["/todo/", "/", "/measures/", measure, "/timetable/", "/reports/"],
    }[role]


def check(page: Page, *, phone: bool) -> list[str]:
    """What is wrong with the page as shown: axe-core's findings, and on a phone a page wider
    than the screen."""
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_be_visible()
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    problems = accessibility(page)
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            problems.append(f"the page is {width} px wide: it scrolls sideways")
    return problems


@pytest.fixture(params=["desktop", "phone"])
def screen(request, browser):
    context = browser.new_context(
        locale="zh-CN", **(PHONE if request.param == "phone" else DESKTOP)
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield request.param, page
    context.close()


def test_the_login_page(live_server, screen):
    name, page = screen
    page.goto(f"{live_server.url}/accounts/login/")
    assert check(page, phone=name == "phone") == []
    # a wrong password: the error is said, and still nothing is wrong with the page
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errors")).to_be_visible()
    assert check(page, phone=name == "phone") == []


@pytest.mark.parametrize("role", ["gaigeban", "lianluoyuan", "lingdao"])
def test_every_page_a_role_uses(live_server, screen, plan, role):
    name, page = screen
    base = live_server.url
    sign_in(page, base, role)
    found = {}
    for url in pages_of(role, plan["led"]):
        page.goto(base + url)
        problems = check(page, phone=name == "phone")
        if problems:
            found[url] = problems
    assert found == {}

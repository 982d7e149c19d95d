"""A liaison's month on a phone (390×844, touch): log in (landing on its 待办), open the dashboard
and a measure, file the report with a photo attached, correct it, ask for a later due date.

On every page of the way: nothing scrolls sideways, every link and button in the page is a tap
target at least 44 px tall, and text in a form field is at least 16 px (smaller, and iOS zooms
in on it). Screenshots phone-1-… to phone-8-… go to test-results/ for the README.
"""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from playwright.sync_api import Page, expect

from tasks import clock, roles
from tasks.models import Attachment, ExtensionRequest, Measure, ProgressReport
from tasks.reporting import ReportState, current_period
from tests.browser.conftest import PHONE_WIDTH, accessibility, shot
from tests.factories import MeasureFactory, ResponsibleBodyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = PHONE_WIDTH
# a photo as a phone takes it: only its name, kind and size matter to the upload
PHOTO = b"\xff\xd8\xff\xe0" + bytes(2048) + b"\xff\xd9"


@pytest.fixture
def liaison_month(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A transactional test may start from an emptied database: the groups are names here.
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    body = ResponsibleBodyFactory(name="市总工会组织部")
    liaison = UserFactory(
        username="lianluoyuan",
        first_name="李联络",
        groups=[Group.objects.get(name=roles.LIAISON)],
    )
    body.members.add(liaison)
    measure = MeasureFactory(
        title="推动产业工人队伍建设改革向县域和新就业形态劳动者延伸，健全技能形成与评价激励机制",
        lead_body=body,
        owner=liaison,
        status=Measure.Status.IN_PROGRESS,
        progress=20,
        start_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
    )
    MeasureFactory(area=measure.area, title="完善职工之家建设标准", lead_body=body)
    return {"liaison": liaison, "measure": measure}


# the page's own targets: links, buttons, summaries and fields in <main> that are shown (a box
# to tick is tapped by its label)
TARGETS = """() => Array.from(document.querySelectorAll(
    'main a, main button, main summary, main input:not([type=hidden]), main select'))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => el.matches('[type=checkbox], [type=radio]') && el.closest('label') || el)
  .map(el => ({what: el.outerHTML.slice(0, 90), height: el.getBoundingClientRect().height}))"""

FIELDS = """() => Array.from(document.querySelectorAll(
    'main input:not([type=hidden], [type=checkbox], [type=radio]), main select, main textarea'))
  .filter(el => el.getClientRects().length)
  .map(el => ({what: el.outerHTML.slice(0, 90),
               size: parseFloat(getComputedStyle(el).fontSize)}))"""


def fits_a_phone(page: Page) -> None:
    """Nothing scrolls sideways, every target is ≥ 44 px tall, field text ≥ 16 px, and axe-core
    finds nothing — on the page as it is now."""
    page.wait_for_load_state()  # its stylesheets too, not only the element a step waited for
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width} px wide"
    small = [t for t in page.evaluate(TARGETS) if t["height"] < 44]
    assert small == [], f"tap targets under 44 px on {page.url}"
    tiny = [f for f in page.evaluate(FIELDS) if f["size"] < 16]
    assert tiny == [], f"form text under 16 px on {page.url}"
    assert accessibility(page) == []


def test_a_liaison_reports_on_a_phone(live_server, phone, liaison_month):
    base = live_server.url
    measure = liaison_month["measure"]
    period = str(current_period(clock.today()))

    phone.goto(f"{base}/accounts/login/")
    fits_a_phone(phone)
    shot(phone, "phone-1-login")
    phone.get_by_label("用户名").fill("lianluoyuan")
    phone.get_by_label("密码").fill("pass-word-2026")
    phone.get_by_role("button", name="登录").tap()
    # a liaison lands on its 待办
    expect(phone).to_have_url(re.compile(r"/todo/$"))
    expect(phone.locator("main h1")).to_be_visible()
    fits_a_phone(phone)
    shot(phone, "phone-2-todo")

    # the header is compact: the brand, the user and the navigation take a fifth of the screen
    # at most, and no navigation label is broken inside a word
    phone.goto(f"{base}/")
    header = phone.locator(".site-header").bounding_box()
    assert header and header["height"] <= 844 * 0.2
    for link in phone.locator(".site-nav a").all():
        box = link.bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        assert len(link.evaluate("el => Array.from(el.getClientRects())")) == 1  # one line
    expect(phone.locator("#my-work").locator("xpath=..")).to_contain_text(measure.title[:10])
    fits_a_phone(phone)
    shot(phone, "phone-3-dashboard")

    # the measure, from the dashboard's "my work"
    phone.locator("#my-work").locator("xpath=..").get_by_role("link").first.tap()
    expect(phone.locator("h1")).to_contain_text(measure.title)
    expect(phone.locator("#report-state")).to_have_text(str(ReportState.MISSING.label))
    fits_a_phone(phone)
    shot(phone, "phone-4-measure")

    # file the report, with a photo
    phone.locator("#report-file-link").tap()
    expect(phone).to_have_url(re.compile(rf"/measures/{measure.pk}/report\?period={period}$"))
    phone.locator("#id_status").select_option("in_progress")
    phone.locator("#id_progress").fill("50")
    phone.locator("#id_done_text").fill("走访县域企业八家，建立技能人才库")
    phone.locator("#id_problems").fill("部分企业配合不够")
    phone.locator("#id_next_steps").fill("召开县域推进会")
    phone.locator("#id_attachments").set_input_files(
        files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}]
    )
    fits_a_phone(phone)
    shot(phone, "phone-5-report-form")
    phone.locator("#report-submit").tap()
    expect(phone.locator("#report-state")).to_have_text(_("Submitted"))
    expect(phone.locator("#reporting")).to_contain_text("现场照片.jpg")
    fits_a_phone(phone)
    shot(phone, "phone-6-filed")
    assert Attachment.objects.get().name == "现场照片.jpg"

    # correct it: the form opens with what was filed
    phone.locator("#report-file-link").tap()
    expect(phone.locator("#id_done_text")).to_have_value("走访县域企业八家，建立技能人才库")
    phone.locator("#id_done_text").fill("走访县域企业十家，建立技能人才库")
    fits_a_phone(phone)
    shot(phone, "phone-7-correct")
    phone.locator("#report-submit").tap()
    expect(phone.locator("#reporting")).to_contain_text("走访县域企业十家")
    report = ProgressReport.objects.get()
    assert (report.done_text, report.progress) == ("走访县域企业十家，建立技能人才库", 50)

    # ask for a later due date
    phone.locator("#extensions summary").tap()
    phone.get_by_label("新的完成时限").fill("2027-06-30")
    phone.locator("#id_extension_reason").fill("覆盖范围扩大到全部县区")
    fits_a_phone(phone)
    phone.get_by_role("button", name="提交申请").tap()
    expect(phone.locator("#extensions")).to_contain_text("2027-06-30")
    expect(phone.locator("#extensions")).to_contain_text(_("Pending"))
    fits_a_phone(phone)
    phone.locator("#extensions").scroll_into_view_if_needed()
    shot(phone, "phone-8-extension")
    extension = ExtensionRequest.objects.get()
    assert (extension.requested_due_date, extension.state) == (date(2027, 6, 30), "pending")

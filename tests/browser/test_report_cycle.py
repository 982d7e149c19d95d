"""The monthly reporting cycle in a real browser.

A liaison files its body's report with an attachment; the coordinator finds it in the period's
table and returns it with a reason; the liaison reads the reason and corrects the report; the
coordinator accepts it — and the ledger downloaded afterwards shows the new progress.
"""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Attachment, Measure, ProgressReport
from tasks.reporting import ReportState, current_period
from tests.browser.conftest import log_in, shot
from tests.factories import MeasureFactory, ResponsibleBodyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cycle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A transactional test may start from an emptied database: the groups are names here.
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    body = ResponsibleBodyFactory(name="企业")
    coordinator = UserFactory(
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
    body.members.add(liaison)
    measure = MeasureFactory(
        title="推动工匠人才技能要素的持续积累",
        lead_body=body,
        status=Measure.Status.IN_PROGRESS,
        progress=20,
    )
    return {"coordinator": coordinator, "liaison": liaison, "measure": measure}


def test_file_return_correct_accept(live_server, browser, page, cycle):
    base = live_server.url
    measure = cycle["measure"]
    measure_url = f"{base}/measures/{measure.pk}/"
    period = str(current_period(timezone.localdate()))

    # the liaison files its body's report, with an attachment
    log_in(page, base, "lianluoyuan")
    page.goto(measure_url)
    expect(page.locator("#report-state")).to_have_text(str(ReportState.MISSING.label))
    page.locator("#report-file-link").click()
    expect(page).to_have_url(re.compile(rf"/measures/{measure.pk}/report\?period={period}$"))
    page.locator("#id_status").select_option("in_progress")
    page.locator("#id_progress").fill("60")
    page.locator("#id_done_text").fill("走访企业十家，建立工匠人才库")
    page.locator("#id_problems").fill("经费不足")
    page.locator("#id_next_steps").fill("召开推进会")
    page.locator("#id_attachments").set_input_files(
        files=[{"name": "走访记录.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    shot(page, "report-form")
    page.locator("#report-submit").click()
    expect(page).to_have_url(re.compile(rf"/measures/{measure.pk}/\?period={period}#reporting$"))
    expect(page.locator("#report-state")).to_have_text(_("Submitted"))
    expect(page.locator("#reporting")).to_contain_text("走访记录.pdf")
    assert Attachment.objects.get().name == "走访记录.pdf"

    # the coordinator finds it in the period's table and returns it with a reason
    office = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    coordinator = office.new_page()
    coordinator.set_default_timeout(15_000)
    log_in(coordinator, base, "gaigeban")
    coordinator.goto(f"{base}/reports/?period={period}")
    row = coordinator.locator(f"#row-{measure.pk}")
    expect(row.locator(".state")).to_have_text(_("Submitted"))
    shot(coordinator, "reports")
    row.get_by_role("link", name=measure.title).click()
    coordinator.locator("#review summary").click()
    coordinator.locator("#id_return_reason").fill("请补充走访企业名单")
    coordinator.locator("#review-return").click()
    expect(coordinator.locator("#report-state")).to_have_text(_("Returned"))
    expect(coordinator.locator("#return-reason")).to_contain_text("请补充走访企业名单")

    # the liaison reads the reason and corrects the report
    page.goto(measure_url)
    expect(page.locator("#return-reason")).to_contain_text("请补充走访企业名单")
    page.locator("#report-file-link").click()
    expect(page.locator("#return-reason")).to_contain_text("请补充走访企业名单")
    page.locator("#id_done_text").fill("走访企业十家（甲厂、乙厂……），建立工匠人才库")
    page.locator("#report-submit").click()
    expect(page.locator("#report-state")).to_have_text(_("Submitted"))

    # the coordinator accepts it
    coordinator.goto(measure_url)
    expect(coordinator.locator("#reporting")).to_contain_text("甲厂、乙厂")
    coordinator.locator("#review-accept").click()
    expect(coordinator.locator("#report-state")).to_have_text(_("Accepted"))
    expect(coordinator.locator("#accepted-by")).to_contain_text("王科长")
    shot(coordinator, "report-accepted")
    report = ProgressReport.objects.get()
    assert (report.review_state, report.reviewed_by.username, report.version) == (
        "accepted",
        "gaigeban",
        4,  # filed, returned, corrected, accepted
    )
    assert Measure.objects.get(pk=measure.pk).progress == 60

    # the liaison may no longer change it
    page.goto(measure_url)
    expect(page.locator("#report-state")).to_have_text(_("Accepted"))
    assert page.locator("#report-file-link").count() == 0

    # the ledger downloaded now shows the new progress and the accepted text
    download = office.request.get(f"{base}/measures/export.xlsx")
    assert download.ok and "attachment" in download.headers["content-disposition"]
    book = load_workbook(io.BytesIO(download.body()), read_only=True)
    rows = [
        [cell for cell in row if cell is not None]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    mine = next(row for row in rows if measure.title in row)
    assert any(value in (60, 0.6) for value in mine), mine
    assert any("甲厂、乙厂" in str(value) for value in mine), mine
    office.close()

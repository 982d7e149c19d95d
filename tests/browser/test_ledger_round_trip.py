"""The ledger round trip in a real browser, on a phone: the office downloads the ledger, edits
it (openpyxl, as Excel would), uploads it, sees a stale row and an ignored cell explained,
ticks the stale row and saves. The preview passes axe-core's WCAG 2.1 AA checks at 390 px."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Measure
from tests.browser.conftest import accessibility, log_in, shot
from tests.factories import MeasureFactory, ReformAreaFactory, UserFactory
from tests.test_ledger_round_trip import Ledger

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def plan():
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    office = UserFactory(
        username="gaigeban",
        first_name="王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )
    UserFactory(username="lisi", first_name="李四")
    liaison = UserFactory(username="lianluoyuan", first_name="赵联络")
    area = ReformAreaFactory(ordinal="第一", title="坚持党的全面领导", order=1)
    kept = MeasureFactory(area=area, rank=1, title="健全工会参与改革的工作机制", progress=10)
    edited = MeasureFactory(
        area=area, rank=2, title="完善劳动关系协调机制", deadline_note="长期坚持"
    )
    return {"office": office, "liaison": liaison, "kept": kept, "edited": edited}


def test_download_edit_upload_tick_the_stale_row_and_save(live_server, phone, plan, tmp_path):
    base = live_server.url
    log_in(phone, base, "gaigeban")
    exported = phone.request.get(f"{base}/measures/export.xlsx")
    assert exported.ok
    ledger = Ledger(openpyxl.load_workbook(io.BytesIO(exported.body())))

    # after the download, a liaison's progress is accepted on the first measure
    measure = Measure.objects.get(pk=plan["kept"].pk)
    measure.progress = 18
    measure._history_user = plan["liaison"]
    measure.save_edit(expected_version=measure.version)

    ledger.cell(plan["kept"], "owner").value = "李四"  # an edit on the now stale row
    ledger.cell(plan["edited"], "due_date").value = "2027年6月底前"
    ledger.cell(plan["edited"], "status").value = "已完成"  # read-only: said ignored
    path = tmp_path / "台账（修改）.xlsx"
    path.write_bytes(ledger.bytes())

    phone.goto(f"{base}/measures/upload/")
    phone.set_input_files("input[type=file]", str(path))
    phone.get_by_role("button", name="读取文件并显示修改").click()
    stale = phone.locator("#stale")
    expect(stale).to_contain_text("赵联络")
    expect(stale).to_contain_text("10 → 18")
    expect(phone.locator("#ignored")).to_contain_text("已完成")
    expect(phone.locator("#changes")).to_contain_text("2027-06-30")
    assert accessibility(phone) == []
    width = phone.evaluate("document.documentElement.scrollWidth")
    shot(phone, "ledger-preview-390")

    phone.get_by_label("同时保存本行的修改").check()
    phone.get_by_role("button", name=re.compile("保存")).click()
    expect(phone.get_by_text("台账已导入：共修改 2 项举措。")).to_be_visible()
    kept, edited = (Measure.objects.get(pk=plan[k].pk) for k in ("kept", "edited"))
    assert (kept.owner.username, kept.progress) == ("lisi", 18)  # ticked; 18% kept
    assert (edited.deadline_note, edited.due_date) == ("2027年6月底前", date(2027, 6, 30))
    assert edited.status == plan["edited"].status  # the ignored cell changed nothing
    assert width <= 390 + 1, f"the preview scrolls sideways on a phone ({width} px)"

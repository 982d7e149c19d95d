"""A cadre logs in on the login page, edits a measure in admin and sees it in the task book."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Measure
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_login_edit_in_admin_see_in_task_book(live_server, page):
    call_command("import_seeds", stdout=io.StringIO())
    Group.objects.get_or_create(name=roles.COORDINATOR)  # the database may start emptied
    UserFactory(
        username="gaigeban",
        first_name="改革办王科长",
        is_staff=True,
        groups=[Group.objects.get(name=roles.COORDINATOR)],
    )
    measure = Measure.objects.get(rank=1)

    page.goto(f"{live_server.url}/measures/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/measures/$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("gaigeban")
    page.get_by_label("密码").fill("pass-word-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="任务书")).to_be_visible()
    expect(page.locator(f"#measure-{measure.pk}")).to_contain_text(measure.title)

    page.goto(f"{live_server.url}/admin/tasks/measure/{measure.pk}/change/")
    page.locator("#id_title").fill("分层分类开展全会精神学习宣讲")
    page.locator("#id_status").select_option("in_progress")
    page.locator("#id_progress").fill("45")
    page.locator("#id_deadline_note").fill("长期坚持")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("成功")

    page.goto(f"{live_server.url}/measures/")
    row = page.locator(f"#measure-{measure.pk}")
    expect(row).to_contain_text("分层分类开展全会精神学习宣讲")
    expect(row).to_contain_text("推进中")
    expect(row).to_contain_text("45%")
    expect(row).to_contain_text("长期坚持")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "task-book.png"), full_page=False)

    measure.refresh_from_db()
    assert measure.history.first().history_user.username == "gaigeban"

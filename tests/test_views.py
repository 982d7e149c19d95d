"""Login, the task book page, and what every page owes: login, escaping, a fixed query count."""

import re

import pytest
from django.urls import reverse

from tests.factories import MeasureFactory, ReformAreaFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/measures/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_the_favicon_asks_nothing_of_the_database(client, django_assert_num_queries):
    """Browsers ask for it on every page: it must not open a transaction (nor fail while the
    database restarts)."""
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")


def test_login_page_is_chinese(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html and "密码" in html


def test_login_page_in_english_on_request(client):
    html = client.get("/accounts/login/", headers={"accept-language": "en"}).content.decode()
    assert "Log in" in html and "Union reform task book" in html


def test_wrong_password_is_explained(client, coordinator):
    response = client.post("/accounts/login/", {"username": "coordinator", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_leads_to_the_dashboard(client, coordinator):
    response = client.post(
        "/accounts/login/", {"username": "coordinator", "password": "pass-word-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("tasks:dashboard")
    assert "工作台" in response.content.decode()


def test_logout_is_a_post(coordinator_client):
    assert coordinator_client.get("/accounts/logout/").status_code == 405
    response = coordinator_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert coordinator_client.get("/measures/").status_code == 302


def test_task_book_shows_areas_in_order_with_their_measures(coordinator_client, seeded):
    html = coordinator_client.get("/measures/").content.decode()
    positions = [
        html.index(title)
        for title in [
            "深化思想政治引领",
            "深化工会自身改革和建设",
            "推动工匠人才技能要素的持续积累",
            "工会应对劳动数字化的实践路径选择",
            "完善产教融合培育体系",
            "强化产业工人技能培训保障体系",
        ]
    ]
    assert positions == sorted(positions)
    assert "完善工匠人才技能形成体系" in html
    assert "劳动要素组合更为多样" not in html  # context, not a measure
    assert html.count('<tr id="measure-') == 40


def test_task_book_row_shows_the_ledger_columns(coordinator_client):
    owner = UserFactory(first_name="张三")
    MeasureFactory(
        title="建设职工服务阵地",
        lead_body=ResponsibleBodyFactory(name="市总工会"),
        owner=owner,
        deadline_note="长期坚持",
        priority=1,
        status="in_progress",
        progress=35,
    )
    html = coordinator_client.get("/measures/").content.decode()
    row = re.search(r'<tr id="measure-\d+"[^>]*>(.*?)</tr>', html, re.S)[1]
    for text in ["建设职工服务阵地", "市总工会", "张三", "长期坚持", "高", "推进中", "35%"]:
        assert text in row


def test_empty_task_book_says_what_to_do(coordinator_client):
    html = coordinator_client.get("/measures/").content.decode()
    assert "import_seeds" in html


def test_titles_are_escaped(coordinator_client):
    MeasureFactory(title="<script>alert(1)</script>", area=ReformAreaFactory(title="<b>领域</b>"))
    html = coordinator_client.get("/measures/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;领域&lt;/b&gt;" in html

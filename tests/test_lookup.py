"""The pickers' searches: /lookup/bodies/, /lookup/people/, /lookup/areas/, /lookup/sources/.

A login and a role; a search by name (every word, any case), twenty a page; people by full name
or login name, shown by full name, active ones only; a fixed number of queries.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tasks import roles
from tasks.widgets import PAGE
from tests.conftest import queries_for
from tests.factories import ReformAreaFactory, ResponsibleBodyFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = ["bodies", "people", "areas", "sources"]


def _url(kind: str) -> str:
    return reverse(f"tasks:lookup_{kind}")


def _ask(client, kind: str, **query) -> dict:
    response = client.get(_url(kind), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def _texts(answer: dict) -> list[str]:
    return [row["text"] for row in answer["results"]]


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_is_sent_to_login(client, kind):
    response = client.get(_url(kind), {"q": "工会"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={_url(kind)}")


@pytest.mark.parametrize("kind", KINDS)
def test_an_account_without_a_role_is_refused(client, kind):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(_url(kind))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


@pytest.mark.parametrize("role", roles.ALL)
@pytest.mark.parametrize("kind", KINDS)
def test_every_role_may_search(client, role, kind):
    client.force_login(UserFactory(groups=[Group.objects.get(name=role)]))
    assert set(_ask(client, kind)) == {"results", "pagination"}


@pytest.mark.parametrize("kind", KINDS)
def test_only_get(coordinator_client, kind):
    assert coordinator_client.post(_url(kind), {"q": "x"}).status_code == 405


def test_bodies_by_name_every_word_any_case(coordinator_client):
    city = ResponsibleBodyFactory(name="明湖市总工会")
    ResponsibleBodyFactory(name="明湖区总工会", parent=city)
    ResponsibleBodyFactory(name="Mingshan Trade Union")
    ResponsibleBodyFactory(name="省人社厅")
    assert _texts(_ask(coordinator_client, "bodies", q="总工会")) == [
        "明湖区总工会",
        "明湖市总工会",
    ]
    assert _texts(_ask(coordinator_client, "bodies", q="明湖 区")) == ["明湖区总工会"]
    assert _texts(_ask(coordinator_client, "bodies", q="trade UNION")) == ["Mingshan Trade Union"]
    assert _ask(coordinator_client, "bodies", q="法院")["results"] == []
    # a body is told apart by the one above it
    answer = _ask(coordinator_client, "bodies", q="明湖区")
    assert answer["results"] == [
        {"id": city.children.get().pk, "text": "明湖区总工会", "detail": "明湖市总工会"}
    ]


def test_the_name_itself_comes_first_then_names_beginning_with_it(coordinator_client):
    for name in ["省总工会法院工作部", "法院", "区法院", "法院调解中心"]:
        ResponsibleBodyFactory(name=name)
    assert _texts(_ask(coordinator_client, "bodies", q="法院")) == [
        "法院",
        "法院调解中心",
        "区法院",
        "省总工会法院工作部",
    ]


def test_twenty_a_page_and_whether_there_are_more(coordinator_client):
    for n in range(45):
        ResponsibleBodyFactory(name=f"县总工会{n:02d}")
    first = _ask(coordinator_client, "bodies", q="县总工会")
    assert len(first["results"]) == PAGE == 20
    assert first["pagination"] == {"more": True}
    third = _ask(coordinator_client, "bodies", q="县总工会", page=3)
    assert _texts(third) == [f"县总工会{n}" for n in range(40, 45)]
    assert third["pagination"] == {"more": False}
    assert _texts(_ask(coordinator_client, "bodies", q="县总工会", page="x")) == _texts(first)
    assert _texts(_ask(coordinator_client, "bodies", q="县总工会", page="-4")) == _texts(first)
    assert _ask(coordinator_client, "bodies", q="县总工会", page=9)["results"] == []


def test_people_by_full_or_login_name_shown_by_full_name(coordinator_client):
    zhang = UserFactory(username="zhangsan", first_name="张三")
    body = ResponsibleBodyFactory(name="市总工会")
    body.members.add(zhang)
    UserFactory(username="lisi", first_name="李四")
    UserFactory(username="wangwu", first_name="Wang", last_name="Wu")
    expected = [{"id": zhang.pk, "text": "张三", "detail": "市总工会"}]
    assert _ask(coordinator_client, "people", q="张三")["results"] == expected
    assert _ask(coordinator_client, "people", q="ZhangSan")["results"] == expected
    assert _texts(_ask(coordinator_client, "people", q="wang wu")) == ["Wang Wu"]
    # the login name is searched, never shown
    answer = _ask(coordinator_client, "people", q="san")
    assert _texts(answer) == ["张三"] and "zhangsan" not in str(answer)


def test_people_who_left_are_not_offered(coordinator_client):
    UserFactory(username="gone", first_name="离职干部", is_active=False)
    UserFactory(username="here", first_name="在职干部")
    assert _texts(_ask(coordinator_client, "people", q="职干部")) == ["在职干部"]
    assert _ask(coordinator_client, "people", q="gone")["results"] == []


def test_areas_and_sources_by_title(coordinator_client):
    source = SourceFactory(title="关于深化产业工人队伍建设改革的实施方案", author="省总工会")
    area = ReformAreaFactory(source=source, ordinal="第三", title="健全产业工人技能形成体系")
    ReformAreaFactory(title="加强思想政治引领")
    assert _ask(coordinator_client, "areas", q="技能")["results"] == [
        {"id": area.pk, "text": "第三 健全产业工人技能形成体系", "detail": source.title}
    ]
    assert _ask(coordinator_client, "sources", q="产业工人")["results"] == [
        {"id": source.pk, "text": source.title, "detail": "省总工会"}
    ]


def _province(bodies: int, people: int) -> None:
    for n in range(bodies):
        ResponsibleBodyFactory(name=f"单位{n:03d}", parent=None)
    for n in range(people):
        ResponsibleBodyFactory(name=f"单位{n % 7:03d}").members.add(
            UserFactory(username=f"cadre{n}", first_name=f"科员{n:03d}")
        )


@pytest.mark.parametrize(("kind", "word"), [("bodies", "单位"), ("people", "科员")])
def test_a_fixed_number_of_queries_whatever_the_province(coordinator_client, kind, word):
    _province(bodies=3, people=3)
    url = f"{_url(kind)}?q={word}"
    small = queries_for(coordinator_client, url)
    _province(bodies=300, people=200)
    assert len(_ask(coordinator_client, kind, q=word)["results"]) == 20
    # session, user, roles; the page (and the people's bodies); the savepoint pair
    assert queries_for(coordinator_client, url) == small <= 7
    assert queries_for(coordinator_client, url + "&page=4") == small

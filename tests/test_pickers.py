"""Pickers for bodies, people, areas and documents (`tasks.widgets`), on every form that has one:
the task book's filters (and so the timetable's and the ledger's), its bulk form, and the
measure page's assignment.

No page lists the province's bodies and people. The URL still says `?lead_body=<id>`; the
picker sends an id; without JavaScript a typed name is looked up — exactly that name, or the one
that fits; several or none, and the form says so (and which fit, with their numbers).
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from tasks.models import Measure
from tasks.widgets import BODIES, PEOPLE
from tests.factories import MeasureFactory, ReformAreaFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

BOOK = "/measures/"


def _titles(response) -> list[str]:
    return re.findall(r'<tr id="measure-\d+"[^>]*>.*?<a href="/measures/\d+/">([^<]+)</a>', (
        response.content.decode()), re.S)  # fmt: skip


@pytest.fixture
def plan():
    city = ResponsibleBodyFactory(name="明湖市总工会")
    county = ResponsibleBodyFactory(name="明湖县总工会", parent=city)
    court = ResponsibleBodyFactory(name="市中级人民法院")
    zhang = UserFactory(username="zhangsan", first_name="张三")
    zhang2 = UserFactory(username="zhangsan2", first_name="张三")
    li = UserFactory(username="lisi", first_name="李四")
    area = ReformAreaFactory(title="深化产业工人队伍建设改革")
    led = MeasureFactory(title="城里的举措", lead_body=city, owner=li, area=area)
    county_measure = MeasureFactory(title="县里的举措", lead_body=county, owner=zhang)
    county_measure.cooperating_bodies.add(court)
    MeasureFactory(title="法院的举措", lead_body=court, owner=zhang2)
    return {"city": city, "county": county, "court": court, "li": li, "zhang": zhang,
            "zhang2": zhang2, "area": area, "led": led}  # fmt: skip


# -- the filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lead_body=明湖市总工会", ["城里的举措"]),  # the whole name
        ("lead_body=县总", ["县里的举措"]),  # the only one that fits
        ("lead_body=明湖市总工会 ", ["城里的举措"]),
        ("owner=李四", ["城里的举措"]),
        ("owner=lisi", ["城里的举措"]),  # the login name
        ("body=人民法院", ["县里的举措"]),
        ("area=产业工人", ["城里的举措"]),
    ],
)
def test_a_name_typed_without_javascript_filters_like_its_id(coordinator_client, plan, query,
                                                            expected):  # fmt: skip
    assert _titles(coordinator_client.get(f"{BOOK}?{query}")) == expected


def test_ids_in_the_url_filter_and_the_picker_shows_the_name(coordinator_client, plan):
    response = coordinator_client.get(BOOK, {"lead_body": plan["city"].pk, "owner": plan["li"].pk})
    assert _titles(response) == ["城里的举措"]
    html = response.content.decode()
    picker = re.search(r'<input[^>]*name="lead_body"[^>]*>', html)[0]
    assert f'data-lookup-value="{plan["city"].pk}"' in picker
    assert 'value="明湖市总工会"' in picker and 'data-lookup="/lookup/bodies/"' in picker
    owner = re.search(r'<input[^>]*name="owner"[^>]*>', html)[0]
    assert 'value="李四"' in owner and "lisi" not in owner  # by name, never by login


def _said(message: str, **values) -> str:
    """A message as the page shows it, in the language of the test (the site's)."""
    return escape(gettext(message) % values)


NOT_FOUND = "Nothing fits “%(text)s”: check the name, or type a part of it and pick from the list."
SEVERAL = (
    "Several fit “%(text)s”: %(names)s. Type the whole name, or the number of the one you mean."
)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("owner=张三", SEVERAL),  # two people of that name
        ("lead_body=明湖", SEVERAL),  # two bodies fit
        ("lead_body=没有这个单位", NOT_FOUND),
        ("lead_body=999999", None),  # an id that does not exist
    ],
)
def test_a_name_that_fits_several_or_none_is_explained_and_left_out(
    coordinator_client, plan, query, message
):
    response = coordinator_client.get(f"{BOOK}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "部分筛选条件无法使用" in html
    assert len(_titles(response)) == 3  # the filter is left out
    if message:
        start = escape(gettext(message).split("%(text)s")[0] + query.split("=")[1])
        assert start in html


def test_the_ambiguous_message_names_the_candidates_and_their_numbers(coordinator_client, plan):
    plan["county"].members.add(plan["zhang"])
    html = coordinator_client.get(f"{BOOK}?lead_body=明湖").content.decode()
    names = "、".join(BODIES.described(body) for body in (plan["county"], plan["city"]))
    assert _said(SEVERAL, text="明湖", names=names) in html
    assert f"（{plan['county'].pk}" not in names  # a number, and the body above it
    assert str(plan["county"].pk) in BODIES.described(plan["county"])
    assert "明湖市总工会" in BODIES.described(plan["county"])
    # the number it gives is taken
    assert _titles(coordinator_client.get(f"{BOOK}?lead_body={plan['county'].pk}")) == [
        "县里的举措"
    ]
    html = coordinator_client.get(f"{BOOK}?owner=张三").content.decode()
    people = "、".join(PEOPLE.described(user) for user in (plan["zhang"], plan["zhang2"]))
    assert "明湖县总工会" in PEOPLE.described(plan["zhang"])  # the body he acts for
    assert "zhangsan" not in people  # never by login name
    assert _said(SEVERAL, text="张三", names=people) in html


def test_someone_who_left_is_not_found_by_the_filter(coordinator_client, plan):
    plan["li"].is_active = False
    plan["li"].save()
    response = coordinator_client.get(f"{BOOK}?owner=李四")
    assert "部分筛选条件无法使用" in response.content.decode()


def test_the_ledger_reads_the_same_typed_name(coordinator_client, plan):
    response = coordinator_client.get(reverse("tasks:ledger_csv"), {"lead_body": "明湖市总工会"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "城里的举措" in text and "县里的举措" not in text


# -- the task book's bulk form ------------------------------------------------------------------


def _bulk(client, measures, **data):
    post = {"bulk-measures": [m.pk for m in measures], "next": BOOK}
    post |= {f"bulk-{name}": value for name, value in data.items()}
    post.update({f"version-{m.pk}": m.version for m in measures})
    return client.post(reverse("tasks:measure_bulk"), post, follow=True)


def test_bulk_takes_an_id_or_a_typed_name(coordinator_client, plan):
    first, second = MeasureFactory(), MeasureFactory()
    response = _bulk(coordinator_client, [first], field="lead_body", lead_body=plan["court"].pk)
    assert "已修改 1 项举措" in response.content.decode()
    response = _bulk(coordinator_client, [second], field="owner", owner="李四")
    assert "已修改 1 项举措" in response.content.decode()
    assert Measure.objects.get(pk=first.pk).lead_body == plan["court"]
    assert Measure.objects.get(pk=second.pk).owner == plan["li"]


def test_bulk_refuses_a_name_that_fits_several(coordinator_client, plan):
    measure = MeasureFactory()
    html = _bulk(coordinator_client, [measure], field="owner", owner="张三").content.decode()
    people = "、".join(PEOPLE.described(user) for user in (plan["zhang"], plan["zhang2"]))
    assert "未作任何修改" in html and _said(SEVERAL, text="张三", names=people) in html
    assert Measure.objects.get(pk=measure.pk).owner is None


def test_the_bulk_form_lists_no_body_or_person(coordinator_client, plan):
    MeasureFactory()
    html = coordinator_client.get(BOOK).content.decode()
    bulk = html[html.index('id="bulk"') :]
    assert 'name="bulk-owner"' in bulk and 'data-lookup="/lookup/people/"' in bulk
    filters = html.split('id="bulk"')[0]
    # not in the filters either (the switch between plans lists federations, not bodies)
    filters = re.sub(r'<select name="federation".*?</select>', "", filters, flags=re.S)
    assert "明湖县总工会" in html.split('id="bulk"')[0] and "明湖县总工会" not in filters
    assert "<option" not in bulk.split('name="bulk-due_date"')[0].split('name="bulk-owner"')[1]


# -- the measure page's assignment --------------------------------------------------------------


def _assign(client, measure, **changes):
    data = {
        "owner": "",
        "lead_body": "",
        "start_date": "",
        "due_date": "",
        "deadline_note": "",
        "priority": 2,
        "loaded_version": Measure.objects.get(pk=measure.pk).version,
    }
    return client.post(reverse("tasks:measure_assign", args=[measure.pk]), {**data, **changes})


def test_assignment_shows_the_choices_by_name_and_lists_nothing_else(coordinator_client, plan):
    measure = Measure.objects.get(title="县里的举措")
    html = coordinator_client.get(reverse("tasks:measure_detail", args=[measure.pk])).content
    html = html.decode()
    form = html[html.index('action="/measures/') : html.index("保存分解落实")]
    assert "<option" not in form.split('name="priority"')[0]
    assert re.search(r'name="owner"[^>]*value="张三"', form)
    assert re.search(r'name="lead_body"[^>]*value="明湖县总工会"', form)
    # the co-operating body: a ticked box, to untick; a box to add more
    assert (
        f'<input type="checkbox" name="cooperating_bodies" value="{plan["court"].pk}" checked> '
        "市中级人民法院" in form
    )
    assert re.search(r'<input[^>]*data-lookup-many="id_cooperating_bodies-chosen"', form)


def test_assignment_takes_several_bodies_ticked_and_typed(coordinator_client, plan):
    measure = plan["led"]
    third = ResponsibleBodyFactory(name="省教育厅")
    response = _assign(
        coordinator_client,
        measure,
        owner=plan["zhang"].pk,
        lead_body="明湖市总工会",
        # a ticked box (its id) and names typed, separated as a cadre would
        cooperating_bodies=[str(plan["court"].pk), "明湖县总工会、省教育厅"],
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.owner == plan["zhang"] and measure.lead_body == plan["city"]
    assert set(measure.cooperating_bodies.all()) == {plan["court"], plan["county"], third}
    # unticking one removes it; nothing ticked, none
    _assign(coordinator_client, measure, cooperating_bodies=[str(plan["court"].pk)])
    assert list(measure.cooperating_bodies.all()) == [plan["court"]]
    _assign(coordinator_client, measure, cooperating_bodies=[""])
    assert list(measure.cooperating_bodies.all()) == []


def test_assignment_with_a_name_that_fits_none_keeps_what_was_typed(coordinator_client, plan):
    measure = plan["led"]
    response = _assign(
        coordinator_client,
        measure,
        lead_body="明湖市总工会",
        cooperating_bodies=[str(plan["court"].pk), "不存在的单位"],
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert _said(NOT_FOUND, text="不存在的单位") in html
    # shown again: the ticked box, and the text as typed
    assert f'value="{plan["court"].pk}" checked> 市中级人民法院' in html
    assert re.search(r'name="cooperating_bodies"[^>]*value="不存在的单位"', html)
    assert re.search(r'name="lead_body"[^>]*value="明湖市总工会"', html)
    measure.refresh_from_db()
    assert measure.lead_body == plan["city"] and measure.version == 1  # nothing written


def test_names_typed_come_back_ticked_when_another_field_is_wrong(coordinator_client, plan):
    measure = plan["led"]
    response = _assign(
        coordinator_client,
        measure,
        cooperating_bodies=["明湖县总工会、市中级人民法院"],
        start_date="2026-12-01",
        due_date="2026-01-01",  # before the start: refused
    )
    assert response.status_code == 200
    html = response.content.decode()
    for body in (plan["county"], plan["court"]):
        assert f'value="{body.pk}" checked> {body.name}' in html
    assert re.search(r'name="cooperating_bodies"[^>]*value=""', html)
    measure.refresh_from_db()
    assert measure.version == 1 and not measure.cooperating_bodies.exists()

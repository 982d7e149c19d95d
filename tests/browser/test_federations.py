"""层层分解 in a real browser, three levels: the province hands a measure down to two cities; one
city breaks it into two sub-measures and hands one on to a county; the county's liaison files a
report that the city accepts; the province's measure page and dashboard show the rolled-up
progress and each city's light — and the sibling city sees none of the other's plan.

Screenshots federation-1-… to federation-5-… go to test-results/ for the README.
"""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tasks import roles
from tasks.models import Measure, ProgressReport, ResponsibleBody
from tests.browser.conftest import accessibility, log_in, shot
from tests.factories import MeasureFactory, ResponsibleBodyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNION = ResponsibleBody.Kind.UNION
TITLE = "推进县级工会改革，健全联系服务职工工作体系"


@pytest.fixture
def province():
    for name in roles.ALL:  # a transactional test may start from an emptied database
        Group.objects.get_or_create(name=name)
    top = ResponsibleBodyFactory(name="江东省总工会", kind=UNION)
    city_a = ResponsibleBodyFactory(name="明湖市总工会", kind=UNION, parent=top)
    city_b = ResponsibleBodyFactory(name="清源市总工会", kind=UNION, parent=top)
    county = ResponsibleBodyFactory(name="城东区总工会", kind=UNION, parent=city_a)
    for username, name, role, body in [
        ("shengzong", "省改革办王科长", roles.COORDINATOR, top),
        ("minghu", "明湖改革办李科长", roles.COORDINATOR, city_a),
        ("qingyuan", "清源改革办赵科长", roles.COORDINATOR, city_b),
        ("chengdong", "城东联络员陈干事", roles.LIAISON, county),
    ]:
        user = UserFactory(username=username, first_name=name, is_staff=True,
                           groups=[Group.objects.get(name=role)])  # fmt: skip
        body.members.add(user)
    return MeasureFactory(
        title=TITLE,
        lead_body=top,
        status=Measure.Status.IN_PROGRESS,
        start_date=date(2026, 11, 1),
        due_date=date(2027, 6, 30),
    )


def _context(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_three_levels_hand_down_break_down_report_roll_up(live_server, browser, page, province):
    base = live_server.url
    measure = province

    # the province hands the measure down to both cities
    log_in(page, base, "shengzong")
    page.goto(f"{base}/measures/{measure.pk}/")
    cascade = page.locator("#cascade")
    cascade.get_by_label("明湖市总工会").check()
    cascade.get_by_label("清源市总工会").check()
    shot(page, "federation-1-hand-down")
    cascade.get_by_role("button", name="下达").click()
    expect(page.locator(".message.success, [role=status]").first).to_contain_text("已下达给")
    below = page.locator("#below")
    expect(below).to_contain_text("明湖市总工会")
    expect(below).to_contain_text("清源市总工会")
    city_a = Measure.objects.get(parent=measure, federation__name="明湖市总工会")

    # the city finds it in its 待办, breaks it into two and hands one part on to its county
    city = _context(browser)
    log_in(city, base, "minghu")
    city.goto(f"{base}/todo/")
    waiting = city.locator("#todo-handed_down")
    expect(waiting).to_contain_text(TITLE)
    waiting.get_by_role("link", name=TITLE).click()
    expect(city).to_have_url(re.compile(rf"/measures/{city_a.pk}/$"))
    for part in ("市本级落实", "县区落实"):
        city.locator("#id_breakdown-title").fill(part)
        city.locator("#breakdown").get_by_role("button", name="添加").click()
        expect(city.locator("#below")).to_contain_text(part)
    city.locator("#below").get_by_role("link", name="县区落实").click()
    city.locator("#cascade").get_by_label("城东区总工会").check()
    city.locator("#cascade").get_by_role("button", name="下达").click()
    expect(city.locator("#below")).to_contain_text("城东区总工会")
    shot(city, "federation-2-city-breaks-down")
    county_measure = Measure.objects.get(federation__name="城东区总工会")
    assert county_measure.parent.title == "县区落实"
    assert county_measure.parent.parent == city_a

    # the county's liaison files its report
    county = _context(browser)
    log_in(county, base, "chengdong")
    county.goto(f"{base}/measures/{county_measure.pk}/")
    county.locator("#report-file-link").click()
    county.locator("#id_status").select_option("in_progress")
    county.locator("#id_progress").fill("60")
    county.locator("#id_done_text").fill("完成街道工会调研，制定改革方案")
    county.locator("#report-submit").click()
    expect(county.locator("#report-state")).to_have_text("已报")
    shot(county, "federation-3-county-reports")

    # the city reviews and accepts it: the progress rolls up
    city.goto(f"{base}/measures/{county_measure.pk}/")
    city.locator("#review-accept").click()
    expect(city.locator("#report-state")).to_have_text("已通过")
    report = ProgressReport.objects.get(measure=county_measure)
    assert (report.review_state, report.reviewed_by.username) == ("accepted", "minghu")
    assert Measure.objects.get(pk=city_a.pk).progress == 30  # (0 + 60) / 2
    assert Measure.objects.get(pk=measure.pk).progress == 15  # (30 + 0) / 2

    # the province sees the rolled-up progress and each city's light
    page.goto(f"{base}/measures/{measure.pk}/")
    expect(page.locator(".measure-state")).to_contain_text("15%")
    row_a = page.locator("#below tbody tr", has_text="明湖市总工会")
    expect(row_a).to_contain_text("30%")
    expect(row_a.locator(".light")).to_be_visible()
    expect(page.locator("#below tbody tr", has_text="清源市总工会")).to_contain_text("0%")
    shot(page, "federation-4-province-matrix")
    assert accessibility(page) == []
    page.goto(f"{base}/")
    ranking = page.locator("#by-federation").locator("xpath=..")
    expect(ranking).to_contain_text("明湖市总工会")
    expect(ranking).to_contain_text("清源市总工会")
    shot(page, "federation-5-province-dashboard")
    assert accessibility(page) == []

    # the sibling city sees none of the other's plan
    sibling = _context(browser)
    log_in(sibling, base, "qingyuan")
    sibling.goto(f"{base}/measures/")
    expect(sibling.locator("main")).to_contain_text(TITLE)  # its own copy
    expect(sibling.locator("main")).not_to_contain_text("县区落实")
    expect(sibling.locator("main")).not_to_contain_text("市本级落实")
    response = sibling.goto(f"{base}/measures/{city_a.pk}/")
    assert response.status == 404
    response = sibling.goto(f"{base}/measures/{county_measure.pk}/")
    assert response.status == 404

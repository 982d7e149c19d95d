"""层层分解 (DESIGN §7): a province, two cities and a county; handing down, breaking down,
reports up the tree, roll-up, and who sees and changes what at each level."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tasks import cascade, federations, ranking, reporting, roles
from tasks.models import Light, Measure, Notice, ProgressReport, ResponsibleBody, Source
from tasks.periods import Period
from tasks.todo import sections
from tests.conftest import queries_for
from tests.factories import MeasureFactory, ReformAreaFactory, ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

UNION = ResponsibleBody.Kind.UNION
TODAY = date(2026, 11, 24)


class Tree:
    """省总工会 → 甲市总工会 (→ 甲县总工会), 乙市总工会; 省人社厅 beside them; people at each
    level."""

    def __init__(self) -> None:
        body = ResponsibleBodyFactory
        self.province = body(name="省总工会", kind=UNION)
        self.city_a = body(name="甲市总工会", kind=UNION, parent=self.province)
        self.city_b = body(name="乙市总工会", kind=UNION, parent=self.province)
        self.county = body(name="甲县总工会", kind=UNION, parent=self.city_a)
        self.department = body(
            name="省人社厅", kind=ResponsibleBody.Kind.GOVERNMENT, parent=self.province
        )
        self.city_a_office = body(
            name="甲市总工会组织部", kind=ResponsibleBody.Kind.SOCIAL, parent=self.city_a
        )
        self.people = {}
        for name, role, member_of in [
            ("province_office", roles.COORDINATOR, self.province),
            ("province_leader", roles.VIEWER, None),
            ("city_a_office", roles.COORDINATOR, self.city_a),
            ("city_b_office", roles.COORDINATOR, self.city_b),
            ("county_office", roles.COORDINATOR, self.county),
            ("county_liaison", roles.LIAISON, self.county),
            ("county_leader", roles.VIEWER, self.county),
            ("city_b_leader", roles.VIEWER, self.city_b),
        ]:
            user = UserFactory(username=name, groups=[Group.objects.get(name=role)])
            if member_of is not None:
                member_of.members.add(user)
            self.people[name] = user
        area = ReformAreaFactory(title="深化组织体制改革")
        self.measure = MeasureFactory(
            area=area,
            title="推进县级工会改革",
            excerpt="推进县级工会改革，年底前完成。",
            start_date=date(2026, 11, 1),
            due_date=date(2027, 6, 30),
        )

    def __getitem__(self, name: str):
        return self.people[name]


@pytest.fixture
def tree():
    return Tree()


def _hand_down(tree, measure, *bodies, by="province_office", **options):
    return cascade.hand_down(
        measure=measure, federation_ids=[b.pk for b in bodies], by=tree[by], **options
    )


def test_the_root_is_the_tree_root_and_every_plan_row_is_in_it(tree):
    assert federations.root() == tree.province
    assert tree.measure.federation == tree.province
    assert tree.measure.area.federation == tree.province
    assert tree.measure.area.source.federation == tree.province
    shape = federations.load()
    assert shape.below(tree.province.pk) == [tree.city_a.pk, tree.city_b.pk]
    assert shape.below(tree.city_a.pk) == [tree.county.pk]
    assert shape.federation_of(tree.department.pk) == tree.province.pk
    assert shape.federation_of(tree.city_a_office.pk) == tree.city_a.pk


def test_hand_down_makes_one_child_per_federation_in_its_plan(tree):
    children = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    assert [c.federation for c in children] == [tree.city_a, tree.city_b]
    for child in children:
        child.refresh_from_db()
        assert child.parent == tree.measure
        assert child.lead_body == child.federation
        assert child.title == tree.measure.title
        assert child.excerpt == tree.measure.excerpt
        assert child.due_date == tree.measure.due_date
        assert child.area.federation == child.federation
        assert child.area.title == tree.measure.area.title
        assert child.area.source == tree.measure.area.source
        assert child.rank == 1  # first of its own plan's order
    # the receiving offices are told, and it waits in their 待办 until taken on
    notice = Notice.objects.get(recipient=tree["city_a_office"], kind=Notice.Kind.HANDED_DOWN)
    assert "推进县级工会改革" in notice.text
    assert not Notice.objects.filter(recipient=tree["province_office"]).exists()
    waiting = {s.key: s for s in sections(tree["city_a_office"], TODAY)}["handed_down"]
    assert [m.pk for m in waiting.items] == [children[0].pk]
    children[0].owner = tree["city_a_office"]
    children[0].save_edit()
    waiting = {s.key: s for s in sections(tree["city_a_office"], TODAY)}["handed_down"]
    assert waiting.total == 0


def test_hand_down_refuses_what_breaks_the_tree(tree):
    _hand_down(tree, tree.measure, tree.city_a)
    with pytest.raises(cascade.CascadeRefused, match="甲市总工会"):
        _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    assert Measure.objects.filter(parent=tree.measure).count() == 1  # all or nothing
    with pytest.raises(cascade.CascadeRefused, match="甲县总工会"):
        _hand_down(tree, tree.measure, tree.county)  # not directly below the province
    with pytest.raises(cascade.CascadeRefused):
        _hand_down(tree, tree.measure, tree.city_b, due_date=date(2027, 12, 31))
    with pytest.raises(cascade.CascadeRefused):  # a city office may not hand the province's down
        _hand_down(tree, tree.measure, tree.city_b, by="city_a_office")
    assert Measure.objects.filter(parent=tree.measure).count() == 1


def test_a_child_is_never_due_after_its_parent(tree):
    (child,) = _hand_down(tree, tree.measure, tree.city_a, due_date=date(2027, 3, 31))
    child = Measure.objects.get(pk=child.pk)
    child.due_date = date(2027, 7, 31)
    with pytest.raises(Exception, match="2027-06-30"):
        child.save_edit()
    parent = Measure.objects.get(pk=tree.measure.pk)
    parent.due_date = date(2027, 1, 31)  # before the child's
    with pytest.raises(Exception, match="推进县级工会改革"):
        parent.save_edit()


def test_hand_down_carries_milestones_when_asked(tree):
    tree.measure.milestones.create(title="制定方案", due_date=date(2027, 1, 31))
    tree.measure.milestones.create(title="全面推开", due_date=date(2027, 6, 1))
    (child,) = _hand_down(
        tree, tree.measure, tree.city_a, due_date=date(2027, 3, 31), milestones=True
    )
    assert list(child.milestones.values_list("title", flat=True)) == ["制定方案"]


def test_three_levels_roll_progress_status_and_light_up(tree, clock):
    city_a, city_b = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    part_one = cascade.break_down(
        measure=city_a, title="甲市本级改革", by=tree["city_a_office"], lead_body=tree.city_a_office
    )
    part_two = cascade.break_down(measure=city_a, title="县级改革", by=tree["city_a_office"])
    (county,) = _hand_down(tree, part_two, tree.county, by="city_a_office")
    assert county.federation == tree.county and county.parent == part_two

    def at(measure):
        return Measure.objects.with_light(TODAY).get(pk=measure.pk)

    # the county reports 60%, the city accepts it: county → city sub-measure → city → province
    period = Period.parse("2026-11")
    report = reporting.file_report(
        measure=county,
        period=period,
        by=tree["county_liaison"],
        progress=60,
        status=Measure.Status.IN_PROGRESS,
        done_text="完成调研",
    )
    assert ProgressReport.objects.get(pk=report.pk).review_state == "submitted"
    reporting.review_report(report=report, by=tree["city_a_office"], accept=True)
    assert at(county).progress == 60
    assert at(part_two).progress == 60
    assert at(city_a).progress == 30  # mean of 0 and 60
    assert at(tree.measure).progress == 15  # mean of 30 and 0
    assert at(tree.measure).status == Measure.Status.IN_PROGRESS
    # weights set by the office above: the county's part counts three times
    part_one = Measure.objects.get(pk=part_one.pk)
    part_two = Measure.objects.get(pk=part_two.pk)
    part_two.weight = 3
    part_two.save_edit()
    assert at(city_a).progress == 45
    # a red county makes every level above it red, however well they stand themselves
    assert at(tree.measure).light == Light.GREEN
    clock.move_to(date(2027, 6, 20))
    late_day = date(2027, 6, 20)
    assert Measure.objects.with_light(late_day).get(pk=county.pk).light == Light.RED
    assert Measure.objects.with_light(late_day).get(pk=tree.measure.pk).light == Light.RED
    # all done at every level: done at the top
    for measure in (county, part_one, city_b):
        measure = Measure.objects.get(pk=measure.pk)
        measure.status, measure.progress = Measure.Status.DONE, 100
        measure.save_edit()
    top = Measure.objects.with_light(late_day).get(pk=tree.measure.pk)
    assert (top.status, top.progress, top.light) == (Measure.Status.DONE, 100, Light.GREY)


def test_rebuild_matches_the_changes_made_one_by_one(tree):
    city_a, _city_b = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    Measure.objects.filter(pk=city_a.pk).update(progress=80)  # written without save
    assert Measure.objects.get(pk=tree.measure.pk).progress == 0
    Measure.objects.roll_up_all()
    assert Measure.objects.get(pk=tree.measure.pk).progress == 40


def test_ranks_are_per_federation(tree):
    city_a, _ = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    second = cascade.break_down(measure=city_a, title="甲市本级改革", by=tree["city_a_office"])
    province_second = MeasureFactory(area=tree.measure.area, rank=None)
    assert (city_a.rank, second.rank) == (1, 2)
    assert province_second.rank == tree.measure.rank + 1  # the province's order goes on
    move = ranking.move_measure(measure_id=second.pk, position=1, user=tree["city_a_office"])
    assert move.count == 2  # the city's plan only
    assert Measure.objects.get(pk=second.pk).rank == 1
    assert Measure.objects.get(pk=city_a.pk).rank == 2
    assert Measure.objects.get(pk=province_second.pk).rank == tree.measure.rank + 1


# -- who sees and changes what ----------------------------------------------------------------


@pytest.fixture
def handed(tree):
    city_a, city_b = _hand_down(tree, tree.measure, tree.city_a, tree.city_b)
    (county,) = _hand_down(tree, city_a, tree.county, by="city_a_office")
    return {"province": tree.measure, "city_a": city_a, "city_b": city_b, "county": county}


# (user, measure) → (sees its page, may assign it)
SEES = {
    "province_office": {"province": (1, 1), "city_a": (1, 0), "city_b": (1, 0), "county": (1, 0)},
    "province_leader": {"province": (1, 0), "city_a": (1, 0), "city_b": (1, 0), "county": (1, 0)},
    "city_a_office": {"province": (1, 0), "city_a": (1, 1), "city_b": (0, 0), "county": (1, 0)},
    "city_b_office": {"province": (1, 0), "city_a": (0, 0), "city_b": (1, 1), "county": (0, 0)},
    "county_office": {"province": (1, 0), "city_a": (1, 0), "city_b": (0, 0), "county": (1, 1)},
    "county_leader": {"province": (1, 0), "city_a": (1, 0), "city_b": (0, 0), "county": (1, 0)},
    "city_b_leader": {"province": (1, 0), "city_a": (0, 0), "city_b": (1, 0), "county": (0, 0)},
}


@pytest.mark.parametrize("username", sorted(SEES))
def test_each_level_sees_its_subtree_and_changes_only_its_own_plan(client, tree, handed, username):
    client.force_login(tree[username])
    for key, (sees, assigns) in SEES[username].items():
        measure = handed[key]
        page = client.get(reverse("tasks:measure_detail", args=[measure.pk]))
        assert page.status_code == (200 if sees else 404), (username, key)
        response = client.post(
            reverse("tasks:measure_assign", args=[measure.pk]),
            {"priority": 1, "loaded_version": Measure.objects.get(pk=measure.pk).version},
        )
        expected = {True: (302, 200), False: (403, 404)}[bool(assigns)]
        assert response.status_code in expected, (username, key, response.status_code)
        if not assigns:
            assert Measure.objects.get(pk=measure.pk).priority != 1


def test_the_task_book_shows_the_own_plan_and_the_plans_below_on_request(client, tree, handed):
    client.force_login(tree["city_a_office"])
    book = client.get(reverse("tasks:measure_list")).content.decode()
    assert f"measure-{handed['city_a'].pk}" in book
    assert f"measure-{handed['province'].pk}" not in book
    assert f"measure-{handed['county'].pk}" not in book
    below = client.get(reverse("tasks:measure_list"), {"federation": tree.county.pk})
    assert f"measure-{handed['county'].pk}" in below.content.decode()
    # a sibling's plan cannot be asked for: the own plan is shown, with the mistake said
    sibling = client.get(reverse("tasks:measure_list"), {"federation": tree.city_b.pk})
    text = sibling.content.decode()
    assert f"measure-{handed['city_b'].pk}" not in text
    assert f"measure-{handed['city_a'].pk}" in text
    assert "乙市总工会" not in text


def test_exports_and_dashboard_keep_to_the_subtree(client, tree, handed):
    client.force_login(tree["city_b_leader"])
    export = client.get(reverse("tasks:ledger_csv"))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "乙市总工会" in body and "甲市总工会" not in body
    client.force_login(tree["province_office"])
    dashboard = client.get(reverse("tasks:dashboard")).content.decode()
    assert "甲市总工会" in dashboard and "乙市总工会" in dashboard  # the level below, ranked


def test_the_cascade_endpoint(client, tree):
    url = reverse("tasks:measure_cascade", args=[tree.measure.pk])
    data = {"cascade-federations": [tree.city_a.pk, tree.city_b.pk], "cascade-due_date": ""}
    client.force_login(tree["city_a_office"])
    assert client.post(url, data).status_code == 404  # nothing of it in the city's plan yet
    client.force_login(tree["province_office"])
    page = client.get(reverse("tasks:measure_detail", args=[tree.measure.pk])).content.decode()
    assert "甲市总工会" in page and 'name="cascade-federations"' in page
    assert client.post(url, data).status_code == 302
    assert set(
        Measure.objects.filter(parent=tree.measure).values_list("federation__name", flat=True)
    ) == {"甲市总工会", "乙市总工会"}
    again = client.post(url, {"cascade-federations": [tree.city_a.pk]})
    assert again.status_code == 400
    late = client.post(
        reverse("tasks:measure_cascade", args=[tree.measure.pk]),
        {"cascade-federations": [tree.county.pk]},
    )
    assert late.status_code == 400  # not a choice: not directly below


def test_the_measure_page_shows_the_matrix_below(client, tree, handed):
    client.force_login(tree["province_office"])
    url = reverse("tasks:measure_detail", args=[tree.measure.pk])
    page = client.get(url).content.decode()
    assert 'id="below"' in page
    assert "甲市总工会" in page and "乙市总工会" in page
    few = queries_for(client, url)
    for number in range(5):
        cascade.break_down(
            measure=tree.measure, title=f"省本级{number}", by=tree["province_office"]
        )
    assert queries_for(client, url) == few  # one query for the matrix however long


def test_reports_up_the_tree_are_reviewed_by_the_level_that_handed_down(client, tree, handed):
    county = handed["county"]
    period = Period.parse("2026-11")
    report = reporting.file_report(
        measure=county,
        period=period,
        by=tree["county_liaison"],
        progress=40,
        status=Measure.Status.IN_PROGRESS,
        done_text="推进中",
    )
    told = set(
        Notice.objects.filter(kind=Notice.Kind.REPORT_FILED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"county_office", "city_a_office"}
    review = {s.key: s for s in sections(tree["city_a_office"], TODAY)}["review"]
    assert [r.pk for r in review.items] == [report.pk]
    assert not {s.key: s for s in sections(tree["city_b_office"], TODAY)}["review"].items
    client.force_login(tree["city_b_office"])
    url = reverse("tasks:report_review", args=[report.pk])
    refused = client.post(url, {"decision": "accept", "loaded_version": report.version})
    assert refused.status_code == 404
    client.force_login(tree["city_a_office"])
    client.post(url, {"decision": "accept", "loaded_version": report.version})
    assert ProgressReport.objects.get(pk=report.pk).review_state == "accepted"
    assert Measure.objects.get(pk=handed["city_a"].pk).progress == 40
    assert Measure.objects.get(pk=tree.measure.pk).progress == 20


def test_the_period_table_lists_the_federations_below(client, tree, handed):
    client.force_login(tree["province_office"])
    page = client.get(reverse("tasks:report_list")).content.decode()
    assert 'id="by-federation"' in page
    assert "甲市总工会" in page and "乙市总工会" in page


def test_one_federation_installs_show_no_switch(coordinator_client):
    MeasureFactory()
    page = coordinator_client.get(reverse("tasks:measure_list")).content.decode()
    assert 'name="federation"' not in page
    assert ResponsibleBody.objects.filter(is_root_federation=True).count() == 1


# The federation dimension of the access matrix: who, at which level, may do what to the
# measure of which level. Cells: the answer to a GET of the report form, a POST adding a
# sub-measure, and a POST accepting the county's report — 200/302 allowed, 403 refused with
# the reason (the measure is seen), 404 (another branch's plan: not even said to exist).
TARGETS = ("province", "city_a", "city_b", "county")
LEVELS = {
    #                   report form (GET)        break down (POST)        review county's report
    "province_office": ((200, 403, 403, 403), (302, 403, 403, 403), 403),
    "city_a_office": ((403, 200, 404, 403), (403, 302, 404, 403), 302),
    "city_b_office": ((403, 404, 200, 404), (403, 404, 302, 404), 404),
    "county_office": ((403, 403, 404, 200), (403, 403, 404, 302), 302),
    "county_liaison": ((403, 403, 404, 200), (403, 403, 404, 403), 403),
    "county_leader": ((403, 403, 404, 403), (403, 403, 404, 403), 403),
}


@pytest.mark.parametrize("username", sorted(LEVELS))
def test_the_matrix_by_level(client, tree, handed, username):
    report = reporting.file_report(
        measure=handed["county"],
        period=Period.parse("2026-11"),
        by=tree["county_liaison"],
        progress=10,
        status=Measure.Status.IN_PROGRESS,
        done_text="起步",
    )
    files, breaks, review = LEVELS[username]
    client.force_login(tree[username])
    for target, expected in zip(TARGETS, files, strict=True):
        url = reverse("tasks:report_file", args=[handed[target].pk])
        assert client.get(url).status_code == expected, (username, target, "report")
    for target, expected in zip(TARGETS, breaks, strict=True):
        before = Measure.objects.count()
        url = reverse("tasks:measure_breakdown", args=[handed[target].pk])
        response = client.post(url, {"breakdown-title": "子举措"})
        assert response.status_code == expected, (username, target, "break down")
        assert Measure.objects.count() == before + (expected == 302)
    url = reverse("tasks:report_review", args=[report.pk])
    response = client.post(url, {"decision": "accept", "loaded_version": report.version})
    assert response.status_code == review
    accepted = ProgressReport.objects.get(pk=report.pk).review_state == "accepted"
    assert accepted == (review == 302)


def test_a_city_imports_a_document_into_its_own_plan(client, tree, handed):
    from tests.test_document_import import SMALL, SMALL_MEASURES, press, upload

    client.force_login(tree["city_a_office"])
    assert upload(client, "要点.txt", SMALL.encode("gbk")).status_code == 302
    assert press(client, "confirm").status_code == 302
    source = Source.objects.get(file_name="要点.txt")
    assert source.federation == tree.city_a
    imported = Measure.objects.filter(area__source=source)
    assert set(imported.values_list("federation__name", flat=True)) == {"甲市总工会"}
    # after the measure handed down to the city, in the city's own order
    assert sorted(imported.values_list("rank", flat=True)) == list(
        range(2, 2 + len(SMALL_MEASURES))
    )
    assert handed["province"].rank == Measure.objects.get(pk=handed["province"].pk).rank
    # the sibling city neither opens the document nor finds it, nor its areas, in the pickers
    client.force_login(tree["city_b_office"])
    assert client.get(reverse("tasks:source_detail", args=[source.pk])).status_code == 404
    found = client.get(reverse("tasks:lookup_sources"), {"q": "工作要点"}).json()
    assert found["results"] == []
    areas = client.get(reverse("tasks:lookup_areas"), {"q": "维护职工权益"}).json()
    assert areas["results"] == []
    # the province's document stays readable below it: the city's measures come from it
    province_source = handed["province"].area.source
    client.force_login(tree["county_office"])
    assert client.get(reverse("tasks:source_detail", args=[province_source.pk])).status_code == 200


def test_the_roll_up_command_repairs_figures_written_outside_the_app(tree, handed):
    from io import StringIO

    from django.core.management import call_command

    Measure.objects.filter(pk=handed["county"].pk).update(progress=90)
    out = StringIO()
    call_command("roll_up", stdout=out)
    assert Measure.objects.get(pk=handed["city_a"].pk).progress == 90
    assert Measure.objects.get(pk=tree.measure.pk).progress == 45
    assert out.getvalue().split()[1] == "2"  # 已更新 2 项举措: the city's and the province's


def test_the_office_above_sets_the_weights_on_the_matrix(client, tree, handed):
    city_a, city_b = handed["city_a"], handed["city_b"]
    Measure.objects.filter(pk=handed["county"].pk).update(progress=80)
    Measure.objects.roll_up_all()  # the county's 80 goes up to the city
    assert Measure.objects.get(pk=tree.measure.pk).progress == 40
    url = reverse("tasks:measure_weights", args=[tree.measure.pk])
    client.force_login(tree["city_a_office"])  # not the province's office: refused
    assert client.post(url, {f"weight-{city_a.pk}": 3}).status_code == 403
    client.force_login(tree["province_office"])
    page = client.get(reverse("tasks:measure_detail", args=[tree.measure.pk])).content.decode()
    assert f'name="weight-{city_a.pk}"' in page
    bad = client.post(url, {f"weight-{city_a.pk}": "三"}, follow=True).content.decode()
    assert "0 到 100" in bad or "0 to 100" in bad
    assert Measure.objects.get(pk=city_a.pk).weight == 1
    client.post(url, {f"weight-{city_a.pk}": 3, f"weight-{city_b.pk}": 1})
    assert Measure.objects.get(pk=city_a.pk).weight == 3
    assert Measure.objects.get(pk=tree.measure.pk).progress == 60  # (3×80 + 0) / 4


def test_the_plan_switch_lists_the_way_down_and_the_level_below(client, tree, handed):
    import re

    def options(html: str) -> list[str]:
        select = re.search(r'<select name="federation".*?</select>', html, re.S).group(0)
        return re.findall(r">([^<]+)</option>", select)

    client.force_login(tree["province_office"])
    book = client.get(reverse("tasks:measure_list")).content.decode()
    assert options(book) == ["省总工会", "甲市总工会", "乙市总工会"]  # not every county
    county = client.get(reverse("tasks:measure_list"), {"federation": tree.county.pk})
    html = county.content.decode()
    assert options(html) == ["省总工会", "甲市总工会", "甲县总工会"]
    assert f"measure-{handed['county'].pk}" in html
    dashboard = client.get(reverse("tasks:dashboard"), {"federation": tree.city_a.pk})
    assert options(dashboard.content.decode()) == ["省总工会", "甲市总工会", "甲县总工会"]


def test_the_cascade_endpoint_takes_the_plain_field_names(client, tree):
    client.force_login(tree["province_office"])
    url = reverse("tasks:measure_cascade", args=[tree.measure.pk])
    response = client.post(url, {"federations": [tree.city_a.pk], "due_date": "2027-03-31"})
    assert response.status_code == 302
    child = Measure.objects.get(parent=tree.measure)
    assert (child.federation, child.due_date) == (tree.city_a, date(2027, 3, 31))
    late = client.post(url, {"federations": [tree.city_b.pk], "due_date": "2027-12-31"})
    assert late.status_code == 400
    assert "2027-06-30" in late.content.decode()  # why: the parent's due date
    assert not Measure.objects.filter(federation=tree.city_b).exists()


def test_the_period_report_keeps_to_the_plan_shown(client, tree, handed):
    client.force_login(tree["city_b_office"])
    own = client.get(reverse("tasks:period_report_print", args=["2026-11"])).content.decode()
    assert "乙市总工会" in own and "甲县总工会" not in own
    client.force_login(tree["city_a_office"])
    county = client.get(
        reverse("tasks:period_report_print", args=["2026-11"]), {"federation": tree.county.pk}
    ).content.decode()
    assert "甲县总工会" in county and "乙市总工会" not in county


def test_export_ledger_exports_one_plan(tree, handed, tmp_path):
    import csv

    from django.core.management import call_command
    from django.core.management.base import CommandError

    def exported(**options) -> set[str]:
        path = tmp_path / "ledger.csv"
        call_command("export_ledger", output=str(path), file_format="csv", **options)
        with path.open(encoding="utf-8-sig") as handle:
            return {cell for row in csv.reader(handle) for cell in row}

    assert "甲县总工会" not in exported()  # the root's plan by default
    county = exported(federation="甲县总工会")
    assert "甲县总工会" in county and "省总工会" not in county
    assert "乙市总工会" in exported(federation=str(tree.city_b.pk))
    with pytest.raises(CommandError, match="省人社厅"):
        exported(federation="省人社厅")  # a department, not a federation

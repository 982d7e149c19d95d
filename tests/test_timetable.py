"""时间表: the geometry of the chart (pure, no database) and the page that draws it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from tasks import roles
from tasks.models import Light, Measure
from tasks.timetable import geometry as tt
from tests.conftest import queries_for
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ReformAreaFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

TODAY = date(2026, 5, 20)


@dataclass
class M:
    """Just what the geometry reads of a measure."""

    pk: int
    start_date: date | None = None
    due_date: date | None = None
    deadline_note: str = ""
    light: str = "green"
    progress: int = 0
    rank: int = 1
    ordinal: str = ""
    title: str = "建设职工服务阵地"


@dataclass
class S:
    """Just what the geometry reads of a milestone."""

    measure_id: int
    due_date: date
    title: str = "节点"
    done_on: date | None = None


def _row(measure: M, *, milestones: tuple[S, ...] = (), zoom: str = "month") -> tt.Row:
    return tt.build([measure], milestones, today=TODAY, zoom=zoom).pages[0].rows[0]


# --- geometry ----------------------------------------------------------------------------------


def test_axis_runs_from_the_first_month_to_a_month_past_the_last_date():
    chart = tt.build(
        [M(1, date(2026, 1, 10), date(2027, 6, 30)), M(2, date(2026, 3, 1), date(2026, 4, 1))],
        [],
        today=TODAY,
    )
    assert (chart.start, chart.end) == (date(2026, 1, 1), date(2027, 8, 1))
    assert chart.width == 19 * tt.SCALE["month"]


def test_axis_has_a_minimum_length_and_always_holds_today():
    chart = tt.build([M(1, date(2026, 7, 1), date(2026, 8, 1))], [], today=TODAY)
    assert chart.start == date(2026, 5, 1)  # today comes first
    assert chart.end == date(2027, 5, 1)  # twelve months at least
    assert chart.today_x == pytest.approx(19 / 31 * 64, abs=0.1)


def test_axis_without_any_date_is_drawn_around_today():
    chart = tt.build([M(1)], [], today=TODAY, zoom="quarter")
    assert chart.start == date(2026, 4, 1)
    assert chart.end == date(2028, 4, 1)


def test_x_of_a_date():
    axis = tt.Axis(date(2026, 1, 1), 12, "month")
    assert axis.x(date(2026, 1, 1)) == 0
    assert axis.x(date(2026, 2, 1)) == 64
    assert axis.x(date(2026, 2, 15)) == 96  # 14 of February's 28 days
    assert axis.x(date(2026, 12, 31)) == pytest.approx(11 * 64 + 30 / 31 * 64, abs=0.1)
    assert axis.x(date(2025, 6, 1)) == 0  # clamped to the axis
    assert axis.x(date(2030, 1, 1)) == axis.width == 768


def test_month_ticks():
    axis = tt.Axis(date(2025, 11, 1), 4, "month")
    ticks = axis.ticks()
    assert [t.day for t in ticks] == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert [t.x for t in ticks] == [0, 64, 128, 192]
    assert [t.year_start for t in ticks] == [False, False, True, False]
    assert [(y.day.year, y.x, y.width) for y in axis.years()] == [(2025, 0, 128), (2026, 128, 128)]


def test_quarter_ticks_start_on_a_quarter():
    chart = tt.build([M(1, date(2026, 5, 10), date(2027, 2, 1))], [], today=TODAY, zoom="quarter")
    assert chart.start == date(2026, 4, 1)
    assert [(t.day.year, t.quarter) for t in chart.ticks][:4] == [
        (2026, 2),
        (2026, 3),
        (2026, 4),
        (2027, 1),
    ]
    assert {t.width for t in chart.ticks} == {3 * tt.SCALE["quarter"]}
    assert chart.width == len(chart.ticks) * 3 * tt.SCALE["quarter"]
    assert sum(y.width for y in chart.years) == chart.width


def test_a_wide_chart_prints_on_a3():
    measure = M(1, date(2026, 1, 1), date(2027, 9, 30))
    by_month = tt.build([measure], [], today=TODAY)
    by_quarter = tt.build([measure], [], today=TODAY, zoom="quarter")
    assert by_month.total_width == tt.LABEL_WIDTH + 22 * 64
    assert (by_month.paper, by_quarter.paper) == ("A3", "A4")
    assert tt.build([M(1)], [], today=TODAY).paper == "A4"  # twelve months fit on A4


def test_unknown_zoom_is_month():
    assert tt.build([M(1)], [], today=TODAY, zoom="week").zoom == "month"


def test_a_dated_measure_is_a_bar_with_its_progress():
    row = _row(M(1, date(2026, 6, 1), date(2026, 8, 1), progress=50))
    assert row.kind == "bar"
    assert (row.x1, row.x2) == (64, 192)  # the axis starts in May, today's month
    assert row.progress_width == 64
    assert not row.overdue and row.overrun_width == 0


def test_an_overdue_measure_is_red_and_runs_over_to_today():
    row = _row(M(1, date(2026, 1, 1), date(2026, 3, 1), light="red"))
    assert row.overdue
    assert row.x2 == 128
    assert row.x2 + row.overrun_width == pytest.approx(4 * 64 + 19 / 31 * 64, abs=0.1)
    behind = _row(M(1, date(2026, 1, 1), date(2026, 9, 1), light="red"))  # red, not yet due
    assert not behind.overdue


def test_a_measure_without_due_date_is_open_ended():
    chart = tt.build(
        [
            M(1, start_date=date(2026, 4, 1), deadline_note="长期坚持"),
            M(2, deadline_note="持续推进"),
            M(3, start_date=date(2026, 3, 1)),
        ],
        [],
        today=TODAY,
    )
    first, second, third = chart.pages[0].rows
    assert [r.kind for r in (first, second, third)] == ["open", "open", "open"]
    assert first.x1 == 64 and second.x1 == 0  # no start: from the axis start
    assert first.x2 == second.x2 == chart.width - tt.ARROW  # to the right edge, then the arrow
    assert first.text_anchor == "end" and first.text_x < first.x2


def test_a_due_date_without_start_is_a_deadline_mark():
    row = _row(M(1, due_date=date(2026, 7, 1), deadline_note="6月底前"))
    assert row.kind == "deadline"
    assert row.x1 == row.x2 == 128
    assert row.text_x > row.x1


def test_a_measure_without_dates_is_unscheduled():
    row = _row(M(1))
    assert row.kind == "unscheduled"
    assert row.x1 is None and row.width == 0


def test_milestones_are_marks_on_their_row_and_off_axis_ones_are_left_out():
    measure = M(1, date(2020, 1, 1), date(2035, 12, 31))  # longer than the longest axis
    other = M(2, date(2026, 1, 1), date(2026, 12, 31))
    milestones = [
        S(1, date(2026, 9, 1), "后"),
        S(1, date(2026, 3, 1), "前", done_on=date(2026, 2, 27)),
        S(1, date(2034, 1, 1), "太远"),
        S(2, date(2026, 4, 1), "别的举措的"),
    ]
    chart = tt.build([measure, other], milestones, today=TODAY)
    assert chart.clipped
    assert (chart.start, chart.end) == (date(2025, 5, 1), date(2031, 5, 1))
    row = chart.pages[0].rows[0]
    assert [(m.title, m.done) for m in row.marks] == [("前", True), ("后", False)]
    assert row.marks[0].x == pytest.approx(chart.ticks[10].x, abs=0.1)  # March 2026
    assert [m.title for m in chart.pages[0].rows[1].marks] == ["别的举措的"]
    assert (row.x1, row.x2) == (0, chart.width)  # cut at the edges


def test_a_late_milestone_is_marked_late():
    row = _row(M(1, date(2026, 1, 1), date(2026, 9, 1)), milestones=(S(1, date(2026, 4, 1)),))
    assert row.marks[0].late


def test_thirty_rows_a_page():
    measures = [M(n, rank=n) for n in range(1, 66)]
    chart = tt.build(measures, [], today=TODAY)
    assert [len(p.rows) for p in chart.pages] == [30, 30, 5]
    assert [(p.first, p.last) for p in chart.pages] == [(1, 30), (31, 60), (61, 65)]
    assert chart.pages[1].rows[0].measure.pk == 31
    assert chart.pages[1].rows[0].y == tt.AXIS_HEIGHT  # each page has its own axis
    assert chart.pages[0].height == tt.AXIS_HEIGHT + 30 * tt.ROW_HEIGHT + tt.FOOTER_HEIGHT
    assert tt.build([], [], today=TODAY).pages == []


def test_long_titles_are_cut_to_the_label_column():
    long = "推动工会组织向新就业形态劳动者延伸覆盖并建立健全常态化的联系服务机制以及权益保障制度"
    row = _row(M(1, title=long, ordinal="一是"))
    assert row.truncated and row.label.endswith("…")
    assert row.label.startswith("一是 推动工会组织")
    assert tt.text_width(row.label) <= tt.LABEL_WIDTH - tt.RANK_WIDTH - 14
    assert _row(M(1, title="短标题")).label == "短标题"


# --- the page ----------------------------------------------------------------------------------

URL = "/timetable/"


@pytest.fixture
def on_today(clock):
    clock.move_to(TODAY)


@pytest.fixture
def viewer_client(client, viewer, on_today):
    client.force_login(viewer)
    return client


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="tt-measure-(\d+)"', html)]


def _row_html(html: str, pk: int) -> str:
    return re.search(rf'<g class="tt-row[^"]*" id="tt-measure-{pk}".*?</g>\s*</g>', html, re.S)[0]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


@pytest.mark.django_db
def test_a_user_without_role_is_refused(client):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ALL)
def test_every_role_sees_the_timetable(client, on_today, role):
    client.force_login(UserFactory(groups=[Group.objects.get(name=role)]))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.templates[0].name == "tasks/timetable.html"


@pytest.mark.django_db
def test_page_draws_every_kind_of_row(viewer_client):
    bar = MeasureFactory(start_date=date(2026, 3, 1), due_date=date(2026, 9, 30), progress=40)
    ongoing = MeasureFactory(start_date=date(2026, 2, 1), deadline_note="长期坚持")
    deadline = MeasureFactory(due_date=date(2026, 10, 1))
    bare = MeasureFactory()
    MilestoneFactory(measure=bar, title="出台实施意见", due_date=date(2026, 4, 1), done_on=TODAY)
    MilestoneFactory(measure=bar, title="全面推开", due_date=date(2026, 8, 1))
    html = viewer_client.get(URL).content.decode()
    assert _rows(html) == [bar.pk, ongoing.pk, deadline.pk, bare.pk]
    assert 'class="tt-bar light-green"' in _row_html(html, bar.pk)
    assert 'class="tt-progress"' in _row_html(html, bar.pk)
    marks = re.findall(r'<g class="(tt-mark[^"]*)"[^>]*>\s*<title>([^<]*)</title>', html)
    assert [(cls, title.split(" · ")[0]) for cls, title in marks] == [
        ("tt-mark done", "出台实施意见"),
        ("tt-mark", "全面推开"),
    ]
    row = _row_html(html, ongoing.pk)
    assert "kind-open" in row and 'class="tt-arrow' in row and ">长期坚持</text>" in row
    assert 'class="tt-deadline light-green"' in _row_html(html, deadline.pk)
    assert 'class="tt-unscheduled"' in _row_html(html, bare.pk)
    assert f'href="{reverse("tasks:measure_detail", args=[bar.pk])}"' in html


@pytest.mark.django_db
def test_overdue_bar_is_red(viewer_client):
    late = MeasureFactory(
        start_date=date(2026, 1, 1), due_date=date(2026, 4, 30), status="in_progress"
    )
    done = MeasureFactory(
        start_date=date(2026, 1, 1), due_date=date(2026, 4, 30), status="done", progress=100
    )
    html = viewer_client.get(URL).content.decode()
    assert 'class="tt-bar light-red overdue"' in _row_html(html, late.pk)
    assert 'class="tt-overrun"' in _row_html(html, late.pk)
    assert 'class="tt-bar light-grey"' in _row_html(html, done.pk)  # closed: not overdue


@pytest.mark.django_db
def test_today_line_is_drawn_on_every_page(viewer_client):
    MeasureFactory.create_batch(31, start_date=date(2026, 1, 1), due_date=date(2026, 12, 31))
    html = viewer_client.get(URL).content.decode()
    charts = html.split('<svg class="tt-chart')[1:]
    assert len(charts) == 2
    for chart in charts:
        assert re.search(r'<line class="tt-today" x1="([\d.]+)" y1="20" x2="\1"', chart)
        assert 'class="tt-today-label"' in chart
    assert "2026-05-20" in html  # "as of"


@pytest.mark.django_db
def test_long_title_is_cut_with_the_full_title_as_tooltip(viewer_client):
    title = "推动工会组织向新就业形态劳动者延伸覆盖并建立健全常态化的联系服务机制以及权益保障制度"
    measure = MeasureFactory(title=title, rank=7)
    row = _row_html(viewer_client.get(URL).content.decode(), measure.pk)
    assert f"<title>7. {title}</title>" in row
    assert re.search(r'<text class="tt-title"[^>]*>推动工会组织[^<]*…</text>', row)


@pytest.mark.django_db
def test_titles_are_escaped(viewer_client):
    MeasureFactory(title="<script>alert(1)</script>")
    html = viewer_client.get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_task_book_filters_apply(viewer_client):
    area = ReformAreaFactory()
    mine = MeasureFactory(area=area, start_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
    other = MeasureFactory(start_date=date(2026, 1, 1), due_date=date(2026, 12, 1), progress=60)
    MilestoneFactory(measure=other, title="不该出现的节点")
    html = viewer_client.get(URL, {"area": area.pk}).content.decode()
    assert _rows(html) == [mine.pk]
    assert "不该出现的节点" not in html
    # said above the chart, which is all a printout keeps of the filters
    assert re.search(rf'<span class="tt-filter">[^<]*{re.escape(str(area))}</span>', html)
    html = viewer_client.get(URL, {"light": "red"}).content.decode()
    assert _rows(html) == [mine.pk]
    with translation.override("zh-hans"):
        said = f"{translation.gettext('Traffic light')}：{Light.RED.label}"
    assert f'<span class="tt-filter">{said}</span>' in html  # the label of the choice
    assert _rows(viewer_client.get(URL, {"light": "green"}).content.decode()) == [other.pk]
    html = viewer_client.get(
        URL, {"due_after": "2026-02-01", "due_before": "2026-06-30", "overdue": "yes"}
    ).content.decode()
    assert _rows(html) == [mine.pk]
    assert "：2026-02-01–2026-06-30</span>" in html
    with translation.override("zh-hans"):
        said = f"{translation.gettext('Overdue')}：{translation.gettext('Overdue only')}"
    assert f'<span class="tt-filter">{said}</span>' in html


@pytest.mark.django_db
def test_task_book_sort_applies(viewer_client):
    later = MeasureFactory(due_date=date(2026, 12, 1))
    sooner = MeasureFactory(due_date=date(2026, 7, 1))
    assert _rows(viewer_client.get(URL).content.decode()) == [later.pk, sooner.pk]
    assert _rows(viewer_client.get(URL, {"sort": "due"}).content.decode()) == [
        sooner.pk,
        later.pk,
    ]


@pytest.mark.django_db
def test_no_measures_says_so(viewer_client):
    html = viewer_client.get(URL, {"q": "没有这样的举措"}).content.decode()
    assert '<svg class="tt-chart' not in html
    assert 'class="empty"' in html


@pytest.mark.django_db
def test_zoom_links_keep_the_filters(viewer_client):
    area = ReformAreaFactory()
    MeasureFactory(area=area, start_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
    html = viewer_client.get(URL, {"area": area.pk}).content.decode()
    assert f'href="?area={area.pk}&amp;zoom=quarter"' in html
    assert f'href="?area={area.pk}&amp;zoom=month" aria-current="page"' in html
    html = viewer_client.get(URL, {"area": area.pk, "zoom": "quarter"}).content.decode()
    assert 'class="tt-chart zoom-quarter"' in html
    assert 'class="tt paper-a4"' in html
    assert f'href="?area={area.pk}&amp;zoom=month"' in html
    assert '<input type="hidden" name="zoom" value="quarter">' in html  # the filter form too
    assert html.count('class="tt-tick"') == 8  # two years by quarter


@pytest.mark.django_db
def test_unknown_zoom_falls_back_to_months_and_says_so(viewer_client):
    MeasureFactory(start_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
    response = viewer_client.get(URL, {"zoom": "<week>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="tt-chart zoom-month"' in html
    assert 'class="message"' in html and "&lt;week&gt;" in html
    assert 'name="zoom"' not in html


@pytest.mark.django_db
def test_bad_filter_is_reported_not_fatal(viewer_client):
    MeasureFactory()
    response = viewer_client.get(URL, {"area": "abc", "zoom": "quarter"})
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


@pytest.mark.django_db
def test_page_needs_no_inline_style_or_script(viewer_client):
    MeasureFactory(start_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
    response = viewer_client.get(URL)
    html = response.content.decode()
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<style\b|\sstyle=", html)
    assert not re.search(r"<script\b(?![^>]*\bsrc=)", html)
    assert "css/timetable" in html


def _plan(measures: int, *, people: int = 1) -> None:
    """Measures in two areas, each with a lead body, an owner and two milestones; beside them a
    province's worth of bodies and people, which no page may list."""
    areas = ReformAreaFactory.create_batch(2)
    owners = [UserFactory() for _ in range(people)]
    for n in range(measures):
        measure = MeasureFactory(
            area=areas[n % 2],
            lead_body=ResponsibleBodyFactory(name=f"单位{n % 7}"),
            owner=owners[n % people],
            start_date=date(2026, 1, 1) if n % 3 else None,
            due_date=date(2026, 6 + n % 6, 1) if n % 4 else None,
            deadline_note="长期坚持" if n % 5 == 0 else "",
        )
        MilestoneFactory(measure=measure, due_date=date(2026, 3, 1))
        MilestoneFactory(measure=measure, due_date=date(2026, 4, 1), done_on=date(2026, 4, 1))


def _province(bodies: int = 300, people: int = 200) -> None:
    for n in range(bodies):
        ResponsibleBodyFactory(name=f"省内单位{n}")
    for n in range(people):
        UserFactory(username=f"cadre{n}", first_name=f"省内科员{n}")


@pytest.mark.django_db
def test_timetable_costs_the_same_queries_at_any_size(coordinator_client, on_today):
    """A page of the timetable, whatever the plan's size: session, user, roles, the user's
    bodies and the federation tree; the count; the
    axis's dates (one aggregate over the whole list); the page's measures with their areas,
    sources, lead bodies and owners; their milestones; and the savepoint pair."""
    _province()
    _plan(5)
    small = queries_for(coordinator_client, URL + "?zoom=quarter")
    _plan(195)
    html = coordinator_client.get(URL, {"zoom": "quarter"}).content.decode()
    assert len(_rows(html)) == 50  # a page, like the task book
    assert queries_for(coordinator_client, URL + "?zoom=quarter") == small <= 11
    filtered = URL + f"?zoom=quarter&owner={Measure.objects.first().owner_id}"
    assert queries_for(coordinator_client, filtered) == small + 1  # the owner, named once


@pytest.mark.django_db
def test_timetable_pages_like_the_task_book(viewer_client, settings):
    settings.TASKS_PAGE_SIZE = 50
    area = ReformAreaFactory()
    measures = [
        MeasureFactory(area=area, start_date=date(2026, 1, 1), due_date=date(2026, 3, 1))
        for _ in range(120)
    ]
    # only on the first page: its milestone, and the axis's last month
    MilestoneFactory(measure=measures[0], title="第一页的节点", due_date=date(2026, 2, 1))
    measures[1].due_date = date(2028, 12, 31)
    measures[1].save()
    first = viewer_client.get(URL, {"area": area.pk}).content.decode()
    assert _rows(first) == [m.pk for m in measures[:50]]
    # printed 30 a sheet: each sheet its own chart, numbered across the whole list
    assert first.count('<svg class="tt-chart') == 2
    assert "第 1–30 项，共 120 项" in first and "第 31–50 项，共 120 项" in first
    assert f'href="?area={area.pk}&amp;page=2"' in first  # the filters survive
    assert "第一页的节点" in first
    third = viewer_client.get(URL, {"area": area.pk, "page": 3}).content.decode()
    assert _rows(third) == [m.pk for m in measures[100:]]
    assert "第 101–120 项，共 120 项" in third
    assert "第一页的节点" not in third  # milestones of the page's measures only
    # one axis for the whole list: the third page runs to 2029 too, as the first does
    ticks = re.compile(r'<text class="tt-year"[^>]*>(\d{4})')
    years = ["2026", "2027", "2028", "2029"]
    assert ticks.findall(third) == years and ticks.findall(first) == years * 2
    assert "共 120 项举措" in third  # the count is the list's
    # a page past the end shows the last; a word for a page, the first
    assert _rows(viewer_client.get(URL, {"page": 99}).content.decode())[-1] == measures[-1].pk
    assert _rows(viewer_client.get(URL, {"page": "x"}).content.decode())[0] == measures[0].pk


@pytest.mark.django_db
def test_timetable_names_a_person_filter_by_full_name(viewer_client):
    owner = UserFactory(username="zhangsan", first_name="张三")
    MeasureFactory(owner=owner)
    html = viewer_client.get(URL, {"owner": owner.pk}).content.decode()
    assert '<span class="tt-filter">责任人：张三</span>' in html
    assert "zhangsan" not in html


@pytest.mark.django_db
def test_timetable_lists_no_body_or_person(coordinator_client, on_today):
    _province(bodies=30, people=20)
    html = coordinator_client.get(URL).content.decode()
    assert html.count("<option") == 22  # status, priority, light, overdue, sort; no picker
    assert "省内单位" not in html and "省内科员" not in html


def test_a_page_of_a_longer_list_is_numbered_in_it_on_the_list_s_axis():
    page = [M(n, date(2026, 6, 1), date(2026, 7, 1), rank=n) for n in range(51, 56)]
    chart = tt.build(
        page, [], today=TODAY, extent=[date(2025, 1, 10), None, date(2027, 3, 1)],
        first_number=51, count=400,
    )  # fmt: skip
    assert (chart.start, chart.end) == (date(2025, 1, 1), date(2027, 5, 1))
    assert [(p.first, p.last) for p in chart.pages] == [(51, 55)]
    assert [row.number for row in chart.pages[0].rows] == [51, 52, 53, 54, 55]
    assert chart.count == 400

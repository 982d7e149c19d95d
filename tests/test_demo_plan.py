"""`manage.py create_demo_plan`: the seed plan as a plan in use, only in DEBUG, only over an
untouched seed import, once, the same for the same day, obeying every rule of the app."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import clock as app_clock
from tasks import ranking, reporting
from tasks.deadlines import is_open_ended
from tasks.demo import lived_in
from tasks.models import (
    Contribution,
    ExtensionRequest,
    Light,
    Measure,
    Milestone,
    ProgressReport,
    ResponsibleBody,
    Source,
)
from tasks.reporting import ReportState
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

ReviewState = ProgressReport.ReviewState


def run(command: str) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings, seeded):
    """`make run` on a fresh database: migrate and import_seeds (the `seeded` fixture), then
    the demo accounts and the demo plan, with DEBUG on."""
    settings.DEBUG = True
    run("create_demo_users")
    return run("create_demo_plan")


def snapshot() -> dict[str, list]:
    """Every row the demo plan writes or changes, as plain values (history included)."""
    models: list[type[Model]] = [
        Source,
        ResponsibleBody,
        Measure,
        Measure.history.model,
        Milestone,
        ProgressReport,
        ProgressReport.history.model,
        Contribution,
        ExtensionRequest,
    ]
    rows = {
        model.__name__: list(model._default_manager.order_by("pk").values()) for model in models
    }
    rows["User"] = list(get_user_model().objects.order_by("pk").values())
    rows["members"] = list(ResponsibleBody.members.through.objects.order_by("pk").values())
    return rows


def liaison():
    return get_user_model().objects.get(username=lived_in.LIAISON)


# -- when it refuses ------------------------------------------------------------------------------


def test_refused_without_debug(settings, seeded):
    settings.DEBUG = True
    run("create_demo_users")
    before = snapshot()
    settings.DEBUG = False
    with pytest.raises(CommandError) as error:
        run("create_demo_plan")
    assert "DJANGO_DEBUG=1" in str(error.value)
    assert snapshot() == before


def _report(measure: Measure) -> None:
    ProgressReport.objects.create(measure=measure, period="2026-11", done_text="已报")


def _milestone(measure: Measure) -> None:
    Milestone.objects.create(measure=measure, title="制定方案", due_date=date(2026, 12, 31))


def _owner(measure: Measure) -> None:
    Measure.objects.filter(pk=measure.pk).update(owner=get_user_model().objects.first())


def _lead_body(measure: Measure) -> None:
    Measure.objects.filter(pk=measure.pk).update(lead_body=ResponsibleBody.objects.first())


def _dates(measure: Measure) -> None:
    Measure.objects.filter(pk=measure.pk).update(due_date=date(2027, 6, 30))


def _edited(measure: Measure) -> None:
    measure.title = "改过的标题"
    measure.save_edit(expected_version=measure.version)


def _extension(measure: Measure) -> None:
    ExtensionRequest.objects.create(
        measure=measure,
        requested_by=get_user_model().objects.first(),
        requested_due_date=date(2027, 6, 30),
        reason="协调难度大",
    )


def _own_source(measure: Measure) -> None:
    SourceFactory()


def _own_body(measure: Measure) -> None:
    ResponsibleBody.objects.create(name="某区总工会")


REAL_DATA = [
    _report,
    _milestone,
    _owner,
    _lead_body,
    _dates,
    _edited,
    _extension,
    _own_source,
    _own_body,
]


@pytest.mark.parametrize("real_data", REAL_DATA, ids=lambda f: f.__name__.strip("_"))
def test_refused_over_real_data_and_nothing_written(settings, seeded, real_data):
    settings.DEBUG = True
    run("create_demo_users")
    real_data(Measure.objects.order_by("rank").first())
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("create_demo_plan")
    assert "create_demo_plan" in str(error.value)
    assert snapshot() == before


def test_refused_without_the_seed_import(settings, db):
    settings.DEBUG = True
    run("create_demo_users")
    with pytest.raises(CommandError) as error:
        run("create_demo_plan")
    assert "import_seeds" in str(error.value)
    assert not ResponsibleBody.objects.exists()


def test_refused_without_the_demo_accounts(settings, seeded):
    settings.DEBUG = True
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("create_demo_plan")
    assert "create_demo_users" in str(error.value)
    assert snapshot() == before


def test_refused_when_a_cadre_account_name_is_taken(settings, seeded):
    settings.DEBUG = True
    run("create_demo_users")
    get_user_model().objects.create_user(username=lived_in.CADRES[2][0])
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("create_demo_plan")
    assert lived_in.CADRES[2][0] in str(error.value)
    assert snapshot() == before


def test_reorder_takes_every_measure_once(seeded):
    pks = list(Measure.objects.order_by("rank").values_list("pk", flat=True))
    with pytest.raises(ValueError):
        ranking.reorder(order=pks[1:], user=None)
    assert ranking.reorder(order=[*reversed(pks)], user=None) == len(pks) - (len(pks) % 2)
    assert list(Measure.objects.order_by("rank").values_list("pk", flat=True)) == pks[::-1]


# -- what it makes --------------------------------------------------------------------------------


def test_every_light_colour(demo):
    today = app_clock.today()
    lights = Counter(Measure.objects.with_light(today).values_list("light", flat=True))
    assert set(lights) == set(Light.values)
    assert lights[Light.GREEN] > lights[Light.RED]  # a plan mostly on time
    assert Measure.objects.overdue(today).exists() and Measure.objects.due_soon(today).exists()


def test_reports_in_every_state_for_the_right_periods(demo):
    today = app_clock.today()
    current = reporting.current_period(today)
    assert str(current) == "2026-11"  # 24 November: the period before its deadline (5 Dec)
    now = reporting.period_table(period=current, today=today)
    for state in (ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.MISSING):
        assert now.count_of(state) >= 3, state
    assert now.count_of(ReportState.RETURNED) == 1
    assert now.count_of(ReportState.LATE) == 0  # its deadline is still to come
    returned = ProgressReport.objects.get(review_state=ReviewState.RETURNED)
    assert returned.period == str(current) and returned.return_reason
    last = reporting.period_table(period=current.previous(), today=today)
    assert last.count_of(ReportState.LATE) >= 2
    assert last.count_of(ReportState.ACCEPTED) > last.count_of(ReportState.LATE)
    assert last.count_of(ReportState.SUBMITTED) == last.count_of(ReportState.MISSING) == 0
    earlier = reporting.period_table(period=current.previous().previous(), today=today)
    assert earlier.counts and earlier.count_of(ReportState.ACCEPTED) == earlier.total


def test_past_reports_are_filed_in_their_window_one_late(demo):
    today = app_clock.today()
    last = reporting.current_period(today).previous()
    deadline = reporting.deadline_of(last)
    filed = [
        timezone.localdate(report.submitted_at)
        for report in ProgressReport.objects.filter(period=str(last))
    ]
    assert all(last.end < day <= today for day in filed)
    assert sum(day > deadline for day in filed) == 1
    for report in ProgressReport.objects.exclude(reviewed_at=None):
        assert report.submitted_at < report.reviewed_at <= app_clock.now()


def test_extensions_contribution_suspended_closed(demo):
    pending = ExtensionRequest.objects.get(state=ExtensionRequest.State.PENDING)
    assert pending.requested_by == liaison()
    assert pending.requested_due_date > pending.measure.due_date
    granted = ExtensionRequest.objects.get(state=ExtensionRequest.State.APPROVED)
    assert granted.measure.due_date == granted.requested_due_date
    assert Contribution.objects.count() == 1
    assert Measure.objects.filter(status=Measure.Status.SUSPENDED).count() == 1
    closed = Measure.objects.get(closed_on__isnull=False)
    assert (closed.status, closed.progress) == (Measure.Status.DONE, 100)
    final = reporting.latest_report(closed)
    assert (final.review_state, final.status, final.progress) == (ReviewState.ACCEPTED, "done", 100)
    assert closed.closed_on < app_clock.today()
    assert timezone.localdate(final.reviewed_at) <= closed.closed_on
    # and one completed measure the office may close (销号) now
    ready = Measure.objects.filter(status=Measure.Status.DONE, closed_on=None)
    assert [reporting.closing_blocker(m, reporting.latest_report(m)) for m in ready] == [None]


def test_the_plan_obeys_every_rule(demo):
    measures = list(
        Measure.objects.select_related("lead_body", "owner").prefetch_related(
            "cooperating_bodies", "milestones", "reports"
        )
    )
    assert sorted(m.rank for m in measures) == list(range(1, len(measures) + 1))
    by_rank = sorted(measures, key=lambda m: m.rank)
    assert [m.priority for m in by_rank] == sorted(m.priority for m in measures)
    assert set(Measure.Priority.values) == {m.priority for m in measures}
    for measure in measures:
        measure.full_clean()
        assert measure.lead_body and measure.owner and measure.start_date
        assert measure.lead_body not in measure.cooperating_bodies.all()
        assert (measure.due_date is None) == is_open_ended(measure.deadline_note)
        for milestone in measure.milestones.all():
            assert measure.start_date <= milestone.due_date
            assert measure.due_date is None or milestone.due_date <= measure.due_date
            assert milestone.done_on is None or milestone.done_on <= app_clock.today()
        accepted = [r for r in measure.reports.all() if r.review_state == ReviewState.ACCEPTED]
        latest = max(accepted, key=lambda r: r.period)
        # a liaison's progress reaches the measure through an accepted report
        assert measure.progress == latest.progress
        if measure.status != Measure.Status.SUSPENDED:
            assert measure.status == latest.status
        for report in measure.reports.all():
            assert report.body == measure.lead_body
            assert report.author in measure.lead_body.members.all()
            if not measure.closed_on:
                report.full_clean()
    assert Milestone.objects.exclude(done_on=None).exists()
    assert Milestone.objects.filter(done_on=None).exists()


def test_bodies_and_people(demo):
    province = ResponsibleBody.objects.get(name=lived_in.PROVINCE)
    cities = set(province.children.values_list("name", flat=True))
    assert cities == {lived_in.MINGHU, lived_in.QINGYUAN}
    assert ResponsibleBody.objects.filter(parent__parent=province).count() == 2
    assert ResponsibleBody.objects.exclude(kind=ResponsibleBody.Kind.UNION).count() >= 3
    cadres = get_user_model().objects.filter(username__in=[c[0] for c in lived_in.CADRES])
    assert len(cadres) == len(lived_in.CADRES)
    for cadre in cadres:
        assert not cadre.has_usable_password() and not cadre.is_staff
        assert len(cadre.first_name) in (2, 3)  # a Chinese full name
    User = get_user_model()
    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin", "gaigeban"}


def test_the_liaison_leads_measures_and_has_reports_to_file(demo, client):
    user = liaison()
    assert [body.name for body in user.bodies.all()] == [lived_in.MINGHU]
    led = Measure.objects.filter(lead_body__name=lived_in.MINGHU)
    assert led.count() >= 5
    period = reporting.current_period(app_clock.today())
    filed = ProgressReport.objects.filter(period=str(period)).values("measure")
    to_file = led.exclude(pk__in=filed).order_by("rank")
    assert to_file.count() >= 2
    client.force_login(user)
    assert client.get(f"/measures/{to_file[0].pk}/report").status_code == 200
    returned = ProgressReport.objects.get(review_state=ReviewState.RETURNED)
    assert returned.measure.lead_body.name == lived_in.MINGHU
    assert client.get(f"/measures/{returned.measure_id}/report").status_code == 200
    assert "/admin/" not in client.get("/").content.decode()


def test_pages_show_the_plan(demo, client):
    client.force_login(get_user_model().objects.get(username="gaigeban"))
    for url in ["/", "/measures/", "/timetable/", "/priorities/", "/reports/"]:
        assert client.get(url).status_code == 200, url
    page = client.get("/reports/").content.decode()
    assert lived_in.MINGHU in page


def test_history_reads_in_time_order_and_names_people(demo):
    now = app_clock.now()
    begun = lived_in.Calendar.of(app_clock.today()).start
    start = timezone.make_aware(datetime.combine(begun, time.min))
    for model in lived_in.HISTORIES:
        dates = model.history.values_list("history_date", flat=True)
        assert all(start <= when < now for when in dates), model
    reviews = ProgressReport.history.exclude(reviewed_by=None)
    assert reviews.exists() and not reviews.filter(history_user=None).exists()
    assert Measure.objects.filter(created_at__date__gt=start.date()).count() == 0


# -- once, and the same for the same day -----------------------------------------------------------


def test_second_run_changes_nothing_and_says_so(demo):
    before = snapshot()
    output = run("create_demo_plan")
    assert snapshot() == before
    assert _("The demo plan is there already; nothing was changed.") in output
    assert run("create_demo_users")  # and make run's other steps leave it alone too
    assert snapshot() == before


def fingerprint() -> list:
    """The demo plan's content, primary keys left out."""
    measures = Measure.objects.order_by("rank").values_list(
        "title",
        "lead_body__name",
        "owner__username",
        "start_date",
        "due_date",
        "deadline_note",
        "status",
        "progress",
        "priority",
        "closed_on",
    )
    reports = ProgressReport.objects.order_by("measure__title", "period").values_list(
        "measure__title", "period", "review_state", "progress", "submitted_at", "reviewed_at"
    )
    milestones = Milestone.objects.order_by("measure__title", "due_date", "title").values_list(
        "measure__title", "title", "due_date", "done_on"
    )
    return [list(measures), list(reports), list(milestones)]


def test_the_same_day_gives_the_same_plan(settings, seeded):
    settings.DEBUG = True
    run("create_demo_users")
    prints = []
    for _attempt in range(2):
        with transaction.atomic():
            lived_in.build(seeds_dir=django_settings.SEEDS_DIR)
            prints.append(fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]


def test_a_year_later_too(settings, seeded, clock, client):
    clock.move_to(date(2027, 11, 24))
    settings.DEBUG = True
    run("create_demo_users")
    run("create_demo_plan")
    today = app_clock.today()
    assert today == date(2027, 11, 24)
    lights = set(Measure.objects.with_light(today).values_list("light", flat=True))
    assert lights == set(Light.values)
    current = reporting.current_period(today)
    table = reporting.period_table(period=current, today=today)
    assert table.count_of(ReportState.RETURNED) == 1
    assert table.count_of(ReportState.SUBMITTED) and table.count_of(ReportState.MISSING)
    assert reporting.period_table(period=current.previous(), today=today).count_of("late")
    assert min(Measure.objects.values_list("start_date", flat=True)) > today - timedelta(days=150)
    client.force_login(liaison())
    led = Measure.objects.filter(lead_body__name=lived_in.MINGHU).order_by("rank").first()
    assert client.get(f"/measures/{led.pk}/report").status_code == 200

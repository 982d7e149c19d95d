"""`manage.py generate_demo`: coherent demo data, the same for a seed, never over real data."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks import roles
from tasks.demo import generate as demo
from tasks.models import Measure, Milestone, ProgressReport, ReformArea, ResponsibleBody, Source
from tasks.periods import Period
from tests.factories import MeasureFactory

pytestmark = pytest.mark.django_db

SMALL = ("--measures", "60", "--reports", "300")


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("generate_demo", *args, stdout=out, **options)
    return out.getvalue()


def table_sizes() -> dict[str, int]:
    models = (Source, ReformArea, ResponsibleBody, Measure, Milestone, ProgressReport)
    sizes = {model.__name__: model.objects.count() for model in models}
    sizes["User"] = get_user_model().objects.count()
    return sizes


def fingerprint_of(*args: str, seed: int) -> str:
    """Generate, fingerprint, and roll back: the next run starts from the same database."""
    with transaction.atomic():
        run(*args, "--seed", str(seed))
        result = demo.fingerprint(seed)
        transaction.set_rollback(True)
    return result


def depth(body: ResponsibleBody) -> int:
    levels = 0
    while body.parent_id is not None:
        body, levels = body.parent, levels + 1
    return levels


def test_counts_match_the_options():
    run(*SMALL, "--areas", "4", "--bodies", "12", "--users", "7", "--seed", "1")
    sizes = table_sizes()
    assert sizes["Milestone"] > 0
    assert sizes == {
        "Source": 1,
        "ReformArea": 4,
        "ResponsibleBody": 12,
        "Measure": 60,
        "Milestone": sizes["Milestone"],
        "ProgressReport": 300,
        "User": 7,
    }
    source = Source.objects.get()
    assert (source.title, source.file_name) == ("演示数据（种子 1）", "demo:seed-1")
    assert [area.ordinal for area in ReformArea.objects.all()] == ["一、", "二、", "三、", "四、"]


def test_counts_not_given_scale_with_the_measures():
    run("--measures", "250", "--seed", "3")
    sizes = table_sizes()
    assert (sizes["ReformArea"], sizes["ResponsibleBody"], sizes["User"]) == (5, 25, 12)
    assert 0 < sizes["ProgressReport"] <= 2500


def test_reports_are_capped_by_the_measures_lives():
    output = run("--measures", "3", "--reports", "100000", "--seed", "4")
    reports = ProgressReport.objects.count()
    assert 0 < reports < 100000
    assert str(reports) in output and "100000" in output


def test_organisation_tree_province_city_county_grassroots():
    run(*SMALL, "--bodies", "40", "--seed", "1")
    bodies = list(ResponsibleBody.objects.select_related("parent__parent__parent"))
    unions = [body for body in bodies if body.kind == ResponsibleBody.Kind.UNION]
    by_depth: dict[int, list[str]] = {}
    for body in unions:
        by_depth.setdefault(depth(body), []).append(body.name)
    assert sorted(by_depth) == [0, 1, 2, 3]
    sizes = demo.TreeSizes.of(40)
    assert [len(by_depth[level]) for level in range(4)] == [
        1,
        sizes.cities,
        sizes.counties,
        sizes.grassroots,
    ]
    assert by_depth[0][0].endswith("省总工会")
    assert all(name.endswith("市总工会") for name in by_depth[1])
    assert all(name.endswith(("县总工会", "区总工会")) for name in by_depth[2])
    assert not any(name.endswith(("市总工会", "县总工会", "区总工会")) for name in by_depth[3])
    outside = [body for body in bodies if body.kind != ResponsibleBody.Kind.UNION]
    assert len(outside) == sizes.others and all(body.parent_id is None for body in outside)
    assert len({body.kind for body in outside}) >= 3


def test_users_have_roles_and_bodies_and_cannot_log_in():
    run(*SMALL, "--users", "100", "--seed", "1")
    users = list(get_user_model().objects.prefetch_related("groups", "bodies"))
    assert all(user.username.startswith("demo-1-") for user in users)
    assert not any(user.has_usable_password() for user in users)
    group_of = {user.pk: [group.name for group in user.groups.all()] for user in users}
    assert all(len(groups) == 1 for groups in group_of.values())
    counts = {role: sum(groups == [role] for groups in group_of.values()) for role in roles.ALL}
    assert counts[roles.COORDINATOR] >= 1 and counts[roles.VIEWER] >= 1
    assert counts[roles.LIAISON] == 100 - counts[roles.COORDINATOR] - counts[roles.VIEWER]
    for user in users:
        bodies = list(user.bodies.all())
        assert len(bodies) == (1 if group_of[user.pk] == [roles.LIAISON] else 0)


def test_measures_are_complete_and_consistent():
    run(*SMALL, "--seed", "1")
    today = timezone.localdate()
    measures = list(
        Measure.objects.select_related("parent", "lead_body", "owner").prefetch_related(
            "lead_body__members", "cooperating_bodies", "milestones"
        )
    )
    assert [m.rank for m in measures] == list(range(1, 61))
    for measure in measures:
        assert measure.area_id and measure.lead_body and measure.owner
        assert measure.owner in measure.lead_body.members.all()
        assert measure.title and measure.excerpt.endswith("。") and measure.ordinal
        assert measure.start_date is not None
        assert measure.due_date is None or measure.due_date >= measure.start_date
        assert bool(measure.deadline_note) == (measure.due_date is None)
        assert 0 <= measure.progress <= 100
        if measure.status == Measure.Status.DONE:
            assert measure.progress == 100
        if measure.status == Measure.Status.NOT_STARTED:
            assert measure.progress == 0
        if measure.start_date > today:
            assert measure.status == Measure.Status.NOT_STARTED
        if measure.closed_on:
            assert measure.status == Measure.Status.DONE and measure.closed_on < today
        if measure.parent:
            assert measure.parent.area_id == measure.area_id and measure.parent.parent_id is None
            if measure.parent.status == Measure.Status.DONE:
                assert measure.status == Measure.Status.DONE
        cooperating = list(measure.cooperating_bodies.all())
        assert len(cooperating) <= 3 and measure.lead_body not in cooperating
        for milestone in measure.milestones.all():
            assert measure.start_date <= milestone.due_date <= measure.due_date
    # created on the plan's day, before any measure starts: the reporting cycle counts them
    assert len({m.created_at for m in measures}) == 1
    assert all(timezone.localtime(m.created_at).date() < m.start_date for m in measures)


def test_the_mix_looks_like_a_plan_under_way():
    run("--measures", "400", "--seed", "2")
    today = timezone.localdate()
    measures = Measure.objects.all()
    statuses = dict(measures.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == set(Measure.Status.values)
    assert 40 <= statuses[Measure.Status.DONE] <= 240
    assert 10 <= measures.overdue(today).count() <= 100
    assert 40 <= measures.exclude(parent=None).count() <= 120  # ~20% sub-measures
    assert 10 <= measures.filter(due_date=None).count() <= 70  # ~10% 长期坚持
    assert set(measures.values_list("deadline_note", flat=True)) == {"", "长期坚持", "持续推进"}
    assert len(set(measures.values_list("title", flat=True))) >= 250  # varied titles
    states = set(ProgressReport.objects.values_list("review_state", flat=True))
    assert states == set(ProgressReport.ReviewState.values)
    assert measures.exclude(closed_on=None).exists()


def test_reports_fit_their_measures():
    run(*SMALL, "--seed", "1")
    today = timezone.localdate()
    last_closed = Period.containing(today - timedelta(days=1)).previous()
    reports = ProgressReport.objects.select_related("measure").prefetch_related(
        "measure__lead_body__members"
    )
    seen: set[tuple[int, str]] = set()
    progress: dict[int, list[int]] = {}
    for report in reports.order_by("measure__rank", "period"):
        measure = report.measure
        assert (measure.pk, report.period) not in seen
        seen.add((measure.pk, report.period))
        period = Period.parse(report.period)
        assert period.kind == "month"
        assert Period.containing(measure.start_date) <= period <= last_closed
        if measure.closed_on:
            assert period.end < measure.closed_on
        assert report.author in measure.lead_body.members.all()
        assert report.body_id == measure.lead_body_id
        submitted = timezone.localtime(report.submitted_at).date()
        assert period.end < submitted < today
        if report.review_state == ProgressReport.ReviewState.SUBMITTED:
            assert report.reviewed_at is None and report.reviewed_by is None
        else:
            assert report.submitted_at < report.reviewed_at and report.reviewed_by
        if report.review_state == ProgressReport.ReviewState.RETURNED:
            assert report.return_reason
        if report.status == Measure.Status.DONE:
            assert report.progress == 100
        progress.setdefault(measure.pk, []).append(report.progress)
    assert len(seen) == 300
    assert all(values == sorted(values) for values in progress.values())
    states = set(ProgressReport.objects.values_list("review_state", flat=True))
    assert ProgressReport.ReviewState.ACCEPTED in states and len(states) >= 2
    for measure in Measure.objects.exclude(closed_on=None):
        final = measure.reports.order_by("-period").first()
        assert final.status == Measure.Status.DONE
        assert final.review_state == ProgressReport.ReviewState.ACCEPTED


def test_quarterly_reporting_gives_quarterly_reports(settings):
    settings.TASKS_REPORT_PERIOD = "quarter"
    run("--measures", "40", "--reports", "60", "--seed", "1")
    periods = [
        Period.parse(text) for text in ProgressReport.objects.values_list("period", flat=True)
    ]
    assert len(periods) == 60 and {period.kind for period in periods} == {"quarter"}


def test_same_seed_same_data_other_seed_other_data():
    first = fingerprint_of(*SMALL, seed=5)
    assert fingerprint_of(*SMALL, seed=5) == first
    assert fingerprint_of(*SMALL, seed=6) != first
    assert fingerprint_of("--measures", "61", "--reports", "300", seed=5) != first


def test_real_data_is_refused_and_nothing_written(seeded):
    before = table_sizes()
    with pytest.raises(CommandError) as error:
        run(*SMALL, "--seed", "1")
    assert error.value.returncode == 2
    message = str(error.value)
    assert "--force" in message and Source.objects.first().title in message
    assert table_sizes() == before


def test_force_adds_demo_data_next_to_real_data(seeded):
    real = list(Measure.objects.order_by("rank").values_list("pk", "rank", "title", "version"))
    run(*SMALL, "--seed", "1", "--force")
    assert (
        list(
            Measure.objects.filter(pk__in=[pk for pk, *_ in real])
            .values_list("pk", "rank", "title", "version")
            .order_by("rank")
        )
        == real
    )
    demo_ranks = list(
        Measure.objects.filter(area__source__file_name="demo:seed-1")
        .order_by("rank")
        .values_list("rank", flat=True)
    )
    highest = max(rank for _, rank, *_ in real)
    assert demo_ranks == list(range(highest + 1, highest + 61))


def test_ranks_continue_after_a_measure_already_there():
    MeasureFactory(rank=41)
    run(*SMALL, "--seed", "1", "--force")
    demo_ranks = Measure.objects.exclude(rank=41).order_by("rank").values_list("rank", flat=True)
    assert list(demo_ranks) == list(range(42, 102))


def test_same_seed_twice_is_refused_another_seed_adds_more():
    run(*SMALL, "--seed", "1")
    before = table_sizes()
    with pytest.raises(CommandError) as error:
        run(*SMALL, "--seed", "1", "--force")
    assert error.value.returncode == 2 and "--seed" in str(error.value)
    assert table_sizes() == before
    run(*SMALL, "--seed", "2")
    after = table_sizes()
    assert after["Source"] == 2 and after["Measure"] == 120 and after["ProgressReport"] == 600
    names = list(ResponsibleBody.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 20
    ranks = list(Measure.objects.values_list("rank", flat=True))
    assert sorted(ranks) == list(range(1, 121))


@pytest.mark.parametrize(
    ("args", "bad"),
    [
        (("--measures", "0"), "0"),
        (("--measures", "-5"), "-5"),
        (("--measures", "abc"), "abc"),
        (("--measures", "1.5"), "1.5"),
        (("--measures", "10", "--bodies", "3"), "3"),
        (("--measures", "10", "--users", "2"), "2"),
        (("--measures", "10", "--reports", "-1"), "-1"),
        (("--measures", "10", "--areas", "0"), "0"),
    ],
)
def test_bad_options_are_refused_clearly(args, bad):
    with pytest.raises(CommandError) as error:
        run(*args, "--seed", "1")
    assert f"“{bad}”" in str(error.value)
    assert table_sizes()["Measure"] == 0


def test_bad_seed_is_refused():
    with pytest.raises(CommandError, match="“-1”"):
        run("--measures", "10", "--seed", "-1")


def test_missing_options_are_refused():
    with pytest.raises(CommandError, match="--seed"):
        run("--measures", "10")
    with pytest.raises(CommandError, match="--measures"):
        run("--seed", "1")


def test_bad_keyword_options_are_refused_too():
    with pytest.raises(CommandError) as error:
        run(measures=10, seed=1, users=0)
    assert error.value.returncode == 2 and "--users" in str(error.value)
    assert table_sizes()["Measure"] == 0


def test_output_shows_each_phase_and_the_reports_as_they_go(monkeypatch):
    monkeypatch.setattr(demo, "REPORT_CHUNK", 100)
    output = run(*SMALL, "--seed", "1")
    lines = output.splitlines()
    assert "1" in lines[0] and "60" in lines[0]
    for done in ("100/300", "200/300", "300/300", "60/60", "10/10", "5/5"):
        assert any(done in line for line in lines), done
    assert all(re.search(r" \d+/\d+ ", line) for line in lines[1:-1])
    assert "演示数据（种子 1）" in lines[-1]


def test_queries_do_not_grow_with_the_number_of_rows():
    def queries(measures: int, seed: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            run("--measures", str(measures), "--reports", str(measures * 2), "--seed", str(seed))
        return len(captured)

    few, many = queries(40, 1), queries(400, 2)
    assert many - few <= 3
    assert many < 60


def test_every_generated_row_obeys_the_models_rules():
    """The generator writes in bulk, past the models' clean(); what it writes must still be
    what the rules allow (a report's period, 100% when done, milestones within their dates…)."""
    run("--measures", "60", "--seed", "5")
    for model in (Measure, Milestone, ProgressReport):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)


def test_federations_hand_the_plan_down_three_levels():
    from tasks import federations
    from tasks.demo.federated import handed_down_count

    run("--measures", "60", "--reports", "300", "--seed", "3", "--federations")
    tree = federations.load()
    cities = tree.below(tree.root_id)
    counties = [county for city in cities for county in tree.below(city)]
    assert (len(cities), len(counties)) == (13, 100)
    top_level = Measure.objects.filter(federation_id=tree.root_id, parent=None)
    handed = top_level.filter(children__federation__in=cities).distinct()
    assert handed.count() == handed_down_count(top_level.count())
    county_measures = Measure.objects.filter(federation__in=counties).select_related(
        "parent__parent__parent"
    )
    assert county_measures.count() == handed.count() * 100
    for measure in county_measures:
        part, city_measure = measure.parent, measure.parent.parent
        assert part.federation_id == city_measure.federation_id
        assert tree.federation_above(measure.federation_id) == part.federation_id
        assert city_measure.parent.federation_id == tree.root_id
        assert measure.due_date <= part.due_date <= city_measure.due_date
    # an office and a leader at every city and county, reports filed there, reviewed above
    for federation in (*cities, *counties):
        for role in (roles.COORDINATOR, roles.VIEWER):
            assert federations.office(federation, role).exists()
    reviewed = ProgressReport.objects.filter(
        measure__federation__in=counties, review_state="accepted"
    ).select_related("measure__parent", "reviewed_by")
    assert reviewed.exists()
    for report in reviewed:
        city = report.measure.parent.federation_id
        assert report.reviewed_by.bodies.filter(pk=city).exists()
    # every row obeys the rules, and the rolled-up figures are those the app would keep
    for measure in Measure.objects.exclude(parent=None).select_related("parent", "area"):
        measure.full_clean(validate_unique=False, validate_constraints=False)
    assert Measure.objects.roll_up_all() == 0

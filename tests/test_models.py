"""Database constraints and model rules: what no code path may break."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks.models import Measure, ProgressReport
from tests.factories import MeasureFactory, ProgressReportFactory

pytestmark = pytest.mark.django_db


def _violates(**changes) -> bool:
    measure = MeasureFactory()
    try:
        with transaction.atomic():
            Measure.objects.filter(pk=measure.pk).update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("progress", [101, 250])
def test_progress_above_100_is_refused_by_the_database(progress):
    assert _violates(progress=progress)


def test_progress_bounds_are_allowed():
    assert not _violates(progress=0)
    assert not _violates(progress=100)


def test_due_before_start_is_refused_by_the_database():
    assert _violates(start_date=date(2026, 6, 1), due_date=date(2026, 5, 31))
    assert not _violates(start_date=date(2026, 6, 1), due_date=date(2026, 6, 1))
    assert not _violates(start_date=None, due_date=date(2020, 1, 1))


def test_rank_is_unique():
    MeasureFactory(rank=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureFactory(rank=7)


def test_one_report_per_measure_and_period():
    report = ProgressReportFactory(period="2026-11")
    ProgressReportFactory(measure=report.measure, period="2026Q4")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReportFactory(measure=report.measure, period="2026-11")


def test_report_progress_is_bounded():
    report = ProgressReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(progress=120)


def test_validation_explains_in_chinese():
    measure = MeasureFactory.build(
        area=MeasureFactory().area,
        rank=50,
        start_date=date(2026, 6, 1),
        due_date=date(2026, 1, 1),
        progress=120,
    )
    with pytest.raises(ValidationError) as error:
        measure.full_clean()
    assert error.value.message_dict["due_date"] == ["完成时限不能早于开始时间。"]
    assert "progress" in error.value.message_dict


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "2026Q5", "26Q1", "2026/11"])
def test_period_must_be_a_month_or_quarter(period):
    report = ProgressReportFactory.build(measure=MeasureFactory(), period=period)
    with pytest.raises(ValidationError) as error:
        report.full_clean()
    assert "报告期请写成月份" in error.value.message_dict["period"][0]


@pytest.mark.parametrize(
    ("kind", "period"),
    [("month", "2026-01"), ("month", "2026-12"), ("quarter", "2026Q1"), ("quarter", "2026Q4")],
)
def test_good_periods_pass(kind, period, settings, clock):
    settings.TASKS_REPORT_PERIOD = kind
    measure = MeasureFactory()
    Measure.objects.filter(pk=measure.pk).update(
        created_at=timezone.make_aware(datetime(2026, 1, 1, 9))
    )
    clock.move_to(date(2027, 2, 10))
    ProgressReportFactory.build(
        measure=Measure.objects.get(pk=measure.pk), period=period
    ).full_clean()


def test_deadline_note_stands_in_for_a_missing_date():
    assert MeasureFactory.build(deadline_note="长期坚持").deadline_display == "长期坚持"
    dated = MeasureFactory.build(due_date=date(2026, 6, 30), deadline_note="6月底前")
    assert dated.deadline_display == "2026-06-30"


def test_changes_are_kept_in_history():
    measure = MeasureFactory(title="旧标题", progress=10)
    measure.title, measure.progress = "新标题", 60
    measure.save()
    newest, oldest = measure.history.all()[:2]
    delta = newest.diff_against(oldest)
    changed = {change.field: (change.old, change.new) for change in delta.changes}
    assert changed["title"] == ("旧标题", "新标题")
    assert changed["progress"] == (10, 60)

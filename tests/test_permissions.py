"""tasks.permissions, question by question: roles, the body tree, what each role may change."""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from tasks import permissions, roles
from tasks.models import Measure, ProgressReport, ReformArea
from tests.factories import (
    MeasureFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ResponsibleBodyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _user(*role_names, bodies=()):
    user = UserFactory(groups=[Group.objects.get(name=name) for name in role_names])
    for body in bodies:
        body.members.add(user)
    return user


@pytest.fixture
def tree():
    """省总工会 → 市总工会 → 县总工会, and a second 市 beside the first."""
    province = ResponsibleBodyFactory(name="省总工会")
    city = ResponsibleBodyFactory(name="市总工会", parent=province)
    county = ResponsibleBodyFactory(name="县总工会", parent=city)
    other_city = ResponsibleBodyFactory(name="另一市总工会", parent=province)
    return province, city, county, other_city


def test_roles_are_read_once_per_request(django_assert_num_queries):
    user = _user(roles.COORDINATOR)
    with django_assert_num_queries(1):
        assert permissions.is_coordinator(user)
        assert permissions.can_view(user)
        assert not permissions.is_liaison(user)


def test_superuser_counts_as_admin():
    user = UserFactory(is_superuser=True)
    assert permissions.is_admin(user) and permissions.can_edit_plan(user)


def test_no_role_no_access():
    user = UserFactory()
    assert not permissions.can_view(user)
    assert "尚未分配角色" in permissions.refusal_reason(user)


def test_inactive_user_has_no_role():
    user = _user(roles.COORDINATOR)
    user.is_active = False
    assert not permissions.can_view(user)


def test_liaison_acts_for_its_body_and_the_bodies_below(tree):
    province, city, county, other_city = tree
    liaison = _user(roles.LIAISON, bodies=[city])
    assert permissions.acting_body_ids(liaison) == {city.pk, county.pk}
    for lead, own in [(city, True), (county, True), (province, False), (other_city, False)]:
        assert permissions.is_own_measure(liaison, MeasureFactory(lead_body=lead)) is own


def test_liaison_of_a_cooperating_body_contributes_but_files_no_report(tree):
    _, city, _, other_city = tree
    liaison = _user(roles.LIAISON, bodies=[city])
    measure = MeasureFactory(lead_body=other_city)
    assert not permissions.can_contribute(liaison, measure)
    measure.cooperating_bodies.add(city)
    assert permissions.can_contribute(liaison, measure)
    assert permissions.can_request_extension(liaison, measure)
    assert permissions.can_edit_milestone(liaison, MilestoneFactory(measure=measure))
    # only the lead body files the report; nobody but the office sets the measure's fields
    assert not permissions.can_file_report(liaison, measure)
    assert permissions.editable_measure_fields(liaison, measure) == frozenset()


def test_what_each_role_may_change(tree):
    _, city, _, _ = tree
    measure = MeasureFactory(lead_body=city)
    coordinator = _user(roles.COORDINATOR)
    viewer = _user(roles.VIEWER)
    liaison = _user(roles.LIAISON, bodies=[city])
    assert permissions.editable_measure_fields(coordinator, measure) is None  # every field
    # a liaison's progress arrives through its report, accepted by the office
    assert permissions.editable_measure_fields(liaison, measure) == frozenset()
    assert permissions.editable_measure_fields(viewer, measure) == frozenset()
    assert permissions.can_edit_milestone(liaison, MilestoneFactory(measure=measure))
    assert not permissions.can_edit_milestone(viewer, MilestoneFactory(measure=measure))
    assert permissions.can_file_report(liaison, measure)
    assert not permissions.can_file_report(viewer, measure)
    assert permissions.can_export(viewer) and permissions.can_export(liaison)
    assert not permissions.can_edit_plan(liaison) and not permissions.can_edit_plan(viewer)
    assert permissions.can_review_report(coordinator) and not permissions.can_review_report(liaison)


def test_nobody_changes_a_closed_measure(tree):
    _, city, _, _ = tree
    measure = MeasureFactory(lead_body=city, status="done", progress=100)
    milestone = MilestoneFactory(measure=measure)
    report = ProgressReportFactory(measure=measure, review_state="submitted")
    Measure.objects.filter(pk=measure.pk).update(closed_on=date(2026, 11, 20))
    measure.refresh_from_db()
    milestone.measure = report.measure = measure
    for user in (_user(roles.COORDINATOR), _user(roles.LIAISON, bodies=[city])):
        assert not permissions.can_edit_measure(user, measure)
        assert not permissions.can_edit_milestone(user, milestone)
        assert not permissions.can_file_report(user, measure)
        assert not permissions.can_edit_report(user, report)
        assert not permissions.can_contribute(user, measure)
        assert not permissions.can_request_extension(user, measure)
        assert "2026-11-20" in permissions.refusal_reason(user, Measure, measure)


def test_filer_may_correct_a_report_until_it_is_accepted(tree):
    _, city, _, _ = tree
    liaison = _user(roles.LIAISON, bodies=[city])
    report = ProgressReportFactory(measure=MeasureFactory(lead_body=city))
    assert permissions.can_edit_report(liaison, report)
    report.review_state = ProgressReport.ReviewState.ACCEPTED
    assert not permissions.can_edit_report(liaison, report)
    assert permissions.can_edit_report(_user(roles.COORDINATOR), report)


def test_refusal_reasons_say_what_to_do():
    viewer = _user(roles.VIEWER)
    liaison = _user(roles.LIAISON)
    assert "领导" in permissions.refusal_reason(viewer)
    assert "改革办采纳" in permissions.refusal_reason(liaison, Measure)
    assert "不能修改任务书本身" in permissions.refusal_reason(liaison, ReformArea)


def test_user_without_role_gets_403_with_the_reason(client):
    client.force_login(UserFactory())
    response = client.get("/measures/")
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()

"""python manage.py grant_role: give and take roles from the shell."""

import io

import pytest
from django.core.management import CommandError, call_command

from tasks import roles
from tests.factories import ResponsibleBodyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _grant(*args: str) -> str:
    out = io.StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue()


def _groups(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def test_grant_coordinator_by_alias_or_group_name():
    user = UserFactory(username="wang")
    output = _grant("wang", "coordinator")
    user.refresh_from_db()
    assert _groups(user) == [roles.COORDINATOR] and user.is_staff
    assert "改革办" in output
    _grant("wang", "领导")
    assert set(_groups(user)) == {roles.COORDINATOR, roles.VIEWER}


def test_liaison_needs_a_body():
    UserFactory(username="li")
    with pytest.raises(CommandError) as error:
        _grant("li", "liaison")
    assert "--body" in str(error.value)


def test_liaison_acts_for_the_named_bodies():
    user = UserFactory(username="li")
    ResponsibleBodyFactory(name="市总工会")
    ResponsibleBodyFactory(name="县总工会")
    output = _grant("li", "责任单位联络员", "--body", "市总工会", "--body", "县总工会")
    assert _groups(user) == [roles.LIAISON]
    assert sorted(user.bodies.values_list("name", flat=True)) == ["县总工会", "市总工会"]
    assert "市总工会" in output


def test_revoke_takes_the_role_and_bodies_away():
    user = UserFactory(username="li")
    ResponsibleBodyFactory(name="市总工会")
    _grant("li", "liaison", "--body", "市总工会")
    _grant("li", "liaison", "--body", "市总工会", "--revoke")
    assert _groups(user) == [] and not user.bodies.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "viewer"], "没有用户"),
        (["wang", "boss"], "未知的角色"),
        (["wang", "liaison", "--body", "不存在的单位"], "不存在的单位"),
    ],
)
def test_mistakes_are_explained_and_change_nothing(args, message):
    user = UserFactory(username="wang")
    with pytest.raises(CommandError) as error:
        _grant(*args)
    assert message in str(error.value)
    assert _groups(user) == [] and not user.is_staff

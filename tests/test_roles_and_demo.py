"""The role groups exist after migrate; demo accounts are created once, only with DEBUG; only
those that work in the admin are staff."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from tasks import roles
from tasks.management.commands.create_demo_users import DEMO_PASSWORD
from tasks.models import Measure, ResponsibleBody

pytestmark = pytest.mark.django_db


def _codenames(group: str) -> set[str]:
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_four_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "系统管理员",
        "改革办",
        "责任单位联络员",
        "领导",
    }


def test_group_permissions_fit_the_roles():
    viewer = _codenames(roles.VIEWER)
    assert viewer and all(code.startswith("view_") for code in viewer)
    assert "view_measure" in viewer
    coordinator = _codenames(roles.COORDINATOR)
    assert {"add_measure", "change_measure", "delete_measure", "change_reformarea"} <= coordinator
    liaison = _codenames(roles.LIAISON)
    assert "change_measure" in liaison and "add_progressreport" in liaison
    assert "delete_measure" not in liaison and "add_reformarea" not in liaison
    assert {"change_user", "delete_measure"} <= _codenames(roles.ADMIN)


def _create(settings, debug: bool) -> str:
    settings.DEBUG = debug
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def test_demo_accounts_one_per_role(settings, seeded):
    _create(settings, debug=True)
    User = get_user_model()
    accounts = {u.username: u for u in User.objects.prefetch_related("groups", "bodies")}
    assert {name: [g.name for g in u.groups.all()] for name, u in accounts.items()} == {
        "admin": [roles.ADMIN],
        "gaigeban": [roles.COORDINATOR],
        "lianluoyuan": [roles.LIAISON],
        "lingdao": [roles.VIEWER],
    }
    assert accounts["admin"].is_superuser
    assert accounts["gaigeban"].check_password(DEMO_PASSWORD)
    # only the accounts that work in the admin are staff
    assert {name for name, u in accounts.items() if u.is_staff} == {"admin", "gaigeban"}
    # right after the seed import no body leads a measure: create_demo_plan gives it its body
    assert list(accounts["lianluoyuan"].bodies.all()) == []


def test_demo_liaison_joins_the_body_leading_most_measures(settings, seeded):
    body = ResponsibleBody.objects.get(name="企业")
    Measure.objects.filter(rank__in=[1, 2]).update(lead_body=body)
    Measure.objects.filter(rank=3).update(lead_body=ResponsibleBody.objects.get(name="法院"))
    _create(settings, debug=True)
    liaison = get_user_model().objects.get(username="lianluoyuan")
    assert list(liaison.bodies.all()) == [body]


def test_demo_accounts_second_run_changes_nothing(settings, seeded):
    _create(settings, debug=True)
    User = get_user_model()
    User.objects.filter(username="gaigeban").update(first_name="改过的名字")
    before = list(User.objects.order_by("pk").values())
    output = _create(settings, debug=True)
    assert list(User.objects.order_by("pk").values()) == before
    assert "已存在" in output


def test_no_demo_accounts_without_debug(settings, db):
    with pytest.raises(CommandError) as error:
        _create(settings, debug=False)
    assert "DJANGO_DEBUG=1" in str(error.value)
    assert not get_user_model().objects.exists()

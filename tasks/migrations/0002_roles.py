"""The four role groups of DESIGN §2 with their model permissions.

Object-level rules (a liaison changes only its own body's measures) are checked in code; these
permissions say what each role may do at all.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PLAN_MODELS = ["source", "reformarea", "measure", "milestone", "responsiblebody", "progressreport"]
HISTORY_MODELS = ["historicalmeasure", "historicalmilestone", "historicalprogressreport"]


def codenames(actions, models):
    return [f"{action}_{model}" for model in models for action in actions]


ROLES = {
    "系统管理员": None,  # every permission of the project
    "改革办": codenames(["add", "change", "delete", "view"], PLAN_MODELS)
    + codenames(["view"], HISTORY_MODELS),
    "责任单位联络员": codenames(["view"], PLAN_MODELS + HISTORY_MODELS)
    + ["change_measure", "add_milestone", "change_milestone", "add_progressreport",
       "change_progressreport"],
    "领导": codenames(["view"], PLAN_MODELS + HISTORY_MODELS),
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if wanted is None:
            permissions = Permission.objects.filter(
                content_type__app_label__in=["tasks", "auth"]
            )
        else:
            permissions = Permission.objects.filter(
                content_type__app_label="tasks", codename__in=wanted
            )
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

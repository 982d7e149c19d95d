"""The role groups' model permissions for the reporting cycle's models."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["contribution", "attachment", "extensionrequest", "reminderlog"]
ROLES = {
    "系统管理员": [f"{action}_{model}" for model in MODELS
                   for action in ("add", "change", "delete", "view")],
    "改革办": [f"{action}_{model}" for model in MODELS
               for action in ("add", "change", "delete", "view")],
    "责任单位联络员": [f"view_{model}" for model in MODELS]
    + ["add_contribution", "change_contribution", "add_attachment", "add_extensionrequest"],
    "领导": [f"view_{model}" for model in MODELS],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="tasks", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="tasks", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("tasks", "0005_reporting_cycle")]

    operations = [migrations.RunPython(grant, revoke)]

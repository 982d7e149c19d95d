"""The reform office picks owners (责任人) from the user list, so it may look users up."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_user = Permission.objects.get(content_type__app_label="auth", codename="view_user")
    Group.objects.get(name="改革办").permissions.add(view_user)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_user = Permission.objects.get(content_type__app_label="auth", codename="view_user")
    Group.objects.get(name="改革办").permissions.remove(view_user)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_versions")]

    operations = [migrations.RunPython(grant, revoke)]

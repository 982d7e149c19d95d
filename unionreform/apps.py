from django.contrib.admin import apps


class AdminConfig(apps.AdminConfig):
    """Django admin with the project's own site (unionreform.admin_site): Chinese titles, roles."""

    default_site = "unionreform.admin_site.AdminSite"

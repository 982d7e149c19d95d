from typing import Any

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AdminConfig(apps.AdminConfig):
    """Django admin with the project's own site (unionreform.admin_site): Chinese titles, roles."""

    default_site = "unionreform.admin_site.AdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes (failed logins, lockouts) under a Chinese name in the admin, its rows named
    in the reader's language (axes words them in English in its code)."""

    verbose_name = _("Login protection")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt
        AccessFailureLog.__str__ = _failure
        AccessLog.__str__ = _login


def _who(username: str | None) -> str:
    return username or gettext("an unknown user")


def _attempt(row: Any) -> str:
    return gettext("Login attempts of %(user)s") % {"user": _who(row.username)}


def _failure(row: Any) -> str:
    return gettext("Failed login of %(user)s") % {"user": _who(row.username)}


def _login(row: Any) -> str:
    return gettext("Login of %(user)s") % {"user": _who(row.username)}

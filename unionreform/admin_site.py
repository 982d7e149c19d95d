"""The admin site: Chinese titles, and no page at all for an account without a role."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class NamedPeople(AutocompleteJsonView):
    """The admin's autocomplete boxes: a person by the name every page shows, not the login."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, str]:
        from tasks.models.versioning import person

        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, AbstractBaseUser):
            result["text"] = person(obj)
        return result


class AdminSite(admin.AdminSite):
    site_header = _("Union reform task book")
    site_title = _("Union reform task book")
    index_title = _("Administration")

    def _require_role(self, request: HttpRequest) -> None:
        from tasks import permissions

        if not permissions.can_view(request.user):
            raise PermissionDenied(permissions.refusal_reason(request.user))

    def index(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._require_role(request)
        return super().index(request, extra_context)

    def app_index(
        self, request: HttpRequest, app_label: str, extra_context: Any = None
    ) -> HttpResponse:
        self._require_role(request)
        return super().app_index(request, app_label, extra_context)

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return NamedPeople.as_view(admin_site=self)(request)

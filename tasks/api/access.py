"""Who calls the API, what they may do, how often, and the log line of every call.

A key is sent as ``Authorization: Api-Key <key>`` and acts through its own account
(`tasks.models.api`): its federation's subtree, read-only unless granted write. A person
signed in to the site uses the API with their session, and Django's CSRF check applies to
their writes as it does on the pages. Every write is then decided by the same question of
`tasks.permissions` as on the page, asked inside the action (`tasks.reporting.actions`).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from tasks import permissions as rules
from tasks.models import ApiKey
from tasks.models.api import KEY_HEADER_PREFIX

log = logging.getLogger("tasks.api")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <key>``: the key's account, and the key as `request.auth`."""

    def authenticate(self, request: Request):
        keyword, _space, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if keyword.lower() != KEY_HEADER_PREFIX.lower():
            return None
        if not presented.strip():
            raise exceptions.AuthenticationFailed(
                _("The Authorization header holds no key: send “Authorization: Api-Key <key>”.")
            )
        key = ApiKey.objects.authenticate(presented)
        if key is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This API key is not known or no longer active. Ask the system "
                    "administrator for a key (admin, or manage.py create_api_key)."
                )
            )
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return KEY_HEADER_PREFIX


class ApiKeySchema(OpenApiAuthenticationExtension):
    """The key's scheme in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Authorization: Api-Key <key>（接口密钥，由系统管理员发放）",
        }


def api_key(request: Request) -> ApiKey | None:
    """The key the request came with, if it came with one."""
    auth = getattr(request, "_auth", None)
    return auth if isinstance(auth, ApiKey) else None


class CanView(permissions.BasePermission):
    """Any role reads (what its scope holds: the views filter by `tasks.permissions`); a key
    writes only when granted write. Each write then asks its own question."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not rules.can_view(user):
            raise exceptions.PermissionDenied(rules.refusal_reason(user))
        key = api_key(request)
        if request.method not in permissions.SAFE_METHODS and key and not key.can_write:
            raise exceptions.PermissionDenied(
                _(
                    "This API key may only read. Ask the system administrator to grant it "
                    "write (may write) if this system is to file reports."
                )
            )
        return True


class PerClientThrottle(throttling.SimpleRateThrottle):
    """DJANGO_API_RATE calls per key (or per signed-in user, or per address), counted in the
    shared cache, so that every app server counts the same calls."""

    scope = "client"

    def get_cache_key(self, request: Request, view: object) -> str:
        key = api_key(request)
        if key is not None:
            ident = f"key-{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def log_call(request: Request, status: int) -> None:
    """One line per call: the key's name (or the user's), what was asked, the answer."""
    key = api_key(request)
    user = getattr(request, "_user", None)
    if key is not None:
        caller = f"key “{key.name}”"
    elif user is not None and user.is_authenticated:
        caller = f"user {user.get_username()}"
    else:
        caller = "anonymous"
    log.info("api %s %s by %s: %d", request.method, request.get_full_path(), caller, status)

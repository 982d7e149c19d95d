"""What every screen shares: the role check, error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tasks import permissions, reporting
from tasks.models import Measure
from tasks.periods import Period, PeriodError

access_log = logging.getLogger("tasks.access")


def require_view(request: HttpRequest) -> None:
    """Every page: an account with a role (any role sees the whole plan)."""
    if not permissions.can_view(request.user):
        raise PermissionDenied(permissions.refusal_reason(request.user))


def require(
    allowed: bool, request: HttpRequest, model: type | None = None, measure: Measure | None = None
) -> None:
    """Refuse a write the user may not make (to `model`, on `measure`), with the reason."""
    if not allowed:
        raise PermissionDenied(permissions.refusal_reason(request.user, model, measure))


def period_from(request: HttpRequest, default: Period) -> tuple[Period, str | None]:
    """The period named by `?period=`, or `default` with the reason when it names none."""
    text = request.GET.get("period", "").strip()
    if not text:
        return default, None
    try:
        return reporting.parse_period(text), None
    except PeriodError as error:
        return default, str(error)


@login_not_required
@transaction.non_atomic_requests  # a redirect: no transaction, no database
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page, logged in or not."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Every 403 of the site: the reason in the user's language, and a line in the log."""
    reason = str(exception) if exception and exception.args else ""
    access_log.warning(
        "refused %s %s for %s: %s",
        request.method,
        request.get_full_path(),
        request.user.get_username() if request.user.is_authenticated else "anonymous",
        reason or "no permission",
    )
    reason = reason or _("Your account may not open this page or make this change.")
    if request.headers.get("HX-Request") == "true":
        # a form sent by htmx: the reason goes where the page shows its messages, instead of
        # a whole page swapped into one section of it (or nothing shown at all)
        response = render(request, "includes/refusal.html", {"reason": reason}, status=403)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "403.html", {"reason": reason}, status=403)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What django-axes answers while an account or an address is locked after failed logins."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    access_log.warning(
        "login locked for %r from %s", username, request.META.get("REMOTE_ADDR", "?")
    )
    context = {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)),
    }
    return render(request, "registration/locked_out.html", context, status=429)

"""What every screen shares: the role check, error pages."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.templatetags.static import static
from django.urls import Resolver404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tasks import permissions, reporting
from tasks.models import Measure
from tasks.periods import Period, PeriodError
from unionreform.middleware import UnreadableRequest, client_address, refusal
from unionreform.throttling import ADDRESS

access_log = logging.getLogger("tasks.access")


def require_view(request: HttpRequest) -> None:
    """Every page: an account with a role (any role sees the whole plan)."""
    if not permissions.can_view(request.user):
        raise PermissionDenied(permissions.refusal_reason(request.user))


def visible_or_404(request: HttpRequest, measure: Measure) -> Measure:
    """The measure, if the user may see it; else 404 (another federation's plan is not even
    said to exist)."""
    require_view(request)
    if not permissions.can_view_measure(request.user, measure):
        raise Http404(_("There is no such page."))
    return measure


@dataclass(frozen=True)
class PlanChoice:
    """Which federation's plan a page shows (`?federation=`; the user's own by default) and
    which the user may switch to (none when the install has one federation)."""

    federation: int | None
    choices: list[tuple[int, str]]

    @property
    def name(self) -> str:
        return dict(self.choices).get(self.federation, "") if self.federation else ""

    def query(self) -> str:
        return f"federation={self.federation}" if self.choices and self.federation else ""


def plan_from(request: HttpRequest) -> PlanChoice:
    """The plan a list page shows: `?federation=` if the user sees it, else their own."""
    scope = permissions.scope(request.user)
    if scope.is_single():
        return PlanChoice(None, [])
    names = scope.tree.names
    chosen = scope.chosen(request.GET.get("federation")) or scope.home
    return PlanChoice(chosen, [(pk, names.get(pk, "")) for pk in scope.plans(chosen)])


def below_plan(request: HttpRequest, plan: PlanChoice) -> dict[int, str]:
    """The federations directly below the shown plan (id → name), for its 通报 of the level
    below."""
    tree = permissions.scope(request.user).tree
    return {pk: tree.names[pk] for pk in tree.below(plan.federation)}


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
    return refusal(
        request,
        403,
        "403.html",
        reason or _("Your account may not open this page or make this change."),
        why=reason or "no permission",
    )


# get_object_or_404's message names a model in English: not for the reader
_NO_MATCH = re.compile(r"^No .+ matches the given query\.$")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Every 404 of the site, in the user's language; the reason when a view gave one (an
    attachment whose file is missing), else what a missing page usually means."""
    message = "" if isinstance(exception, Resolver404) else str(exception or "")
    reason = "" if _NO_MATCH.match(message) else message
    return refusal(
        request,
        404,
        "404.html",
        reason
        or _(
            "There is nothing at this address: the link may be out of date, or what it showed "
            "has been deleted."
        ),
        why=message or "no such page",
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Every 400 of the site — the reason when the request could not be read (unreadable
    input, refused by unionreform.middleware) — and 413 for one too large to read, which
    Django hands to this handler as a bad request too."""
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return request_too_large(request, exception)
    if isinstance(exception, UnreadableRequest):
        return refusal(request, 400, "400.html", str(exception), why=exception.why)
    reason = _(
        "Your browser sent something this site cannot read. Go back, reload the page and try again."
    )
    return refusal(request, 400, "400.html", reason, why=str(exception) or "bad request")


def request_too_large(request: HttpRequest, exception: Exception) -> HttpResponse:
    """413: more than the site accepts in one request (`DJANGO_REQUEST_MAX_BYTES`), form text
    beyond DATA_UPLOAD_MAX_MEMORY_SIZE, or too many fields or files."""
    if type(exception) is RequestDataTooBig:  # Django's: the form's text alone
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    else:
        limit = settings.TASKS_REQUEST_MAX_BYTES
    reason = _(
        "What you sent is larger than this site accepts at once (at most %(size)s). Send fewer "
        "or smaller files, or shorter text, and try again."
    ) % {"size": filesizeformat(limit)}
    return refusal(request, 413, "413.html", reason, why=str(exception))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What django-axes answers while an account or an address is paused after failed logins
    (unionreform/throttling.py): which of the two, after how many failures, for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    paused = getattr(request, "login_paused", None)
    if paused == ADDRESS:
        limit = settings.TASKS_LOGIN_ADDRESS_FAILURE_LIMIT
    else:
        limit = settings.AXES_FAILURE_LIMIT
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    access_log.warning(
        "login locked for %r from %s: %s paused after %d failures, for %d minutes",
        username,
        getattr(request, "axes_ip_address", None) or client_address(request) or "?",
        paused or "login",
        limit,
        minutes,
    )
    context = {"paused": paused, "limit": limit, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)

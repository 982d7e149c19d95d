"""Search as you type: the names the pickers offer (`tasks.widgets`), twenty a page, as JSON.

`GET /lookup/bodies/?q=市总&page=2` answers
`{"results": [{"id": 12, "text": "市总工会", "detail": "省总工会"}], "pagination": {"more": true}}`
— the shape of Django admin's autocomplete, with a line that tells rows apart (a body's parent,
a person's bodies, an area's source document, a document's author). Every word typed must be
found (in any case) in a body's name, a person's full or login name, an area's title, a
document's title or author; people are named by their full name, and only active accounts are
offered. Any role may ask (the pages name all of these anyway); a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from tasks import permissions
from tasks.views.common import require_view
from tasks.widgets import AREAS, BODIES, PEOPLE, SOURCES, Search

LAST_PAGE = 50  # a thousand names: past that, typing more of the name is the way


def _answer(request: HttpRequest, search: Search, within: Q | None = None) -> JsonResponse:
    require_view(request)
    text = request.GET.get("q", "")[:100]
    try:
        number = min(max(int(request.GET.get("page", "1")), 1), LAST_PAGE)
    except ValueError:
        number = 1
    rows, more = search.page(text, number, within)
    results = [
        {"id": row.pk, "text": search.label(row), "detail": search.detail(row)} for row in rows
    ]
    response = JsonResponse(
        {"results": results, "pagination": {"more": more and number < LAST_PAGE}}
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def lookup_bodies(request: HttpRequest) -> JsonResponse:
    return _answer(request, BODIES)


@require_GET
def lookup_people(request: HttpRequest) -> JsonResponse:
    return _answer(request, PEOPLE)


@require_GET
def lookup_areas(request: HttpRequest) -> JsonResponse:
    return _answer(request, AREAS, _in_plans_seen(request))


@require_GET
def lookup_sources(request: HttpRequest) -> JsonResponse:
    return _answer(request, SOURCES, _in_plans_seen(request))


def _in_plans_seen(request: HttpRequest) -> Q | None:
    """Areas and sources of the plans the user sees (another branch's are not even named)."""
    seen = permissions.scope(request.user).seen
    return None if seen is None else Q(federation__in=seen)

"""来源文献: a source document, each measure's passage marked so the task book can point at it."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tasks import permissions
from tasks.models import Measure, Source
from tasks.views.common import require_view


def marked_segments(text: str, passages: list[tuple[int, str]]) -> list[tuple[int | None, str]]:
    """Cut `text` into (measure id or None, piece) so that each passage is one piece.

    A passage not found verbatim (edited after import) or overlapping an earlier one is skipped.
    """
    found = []
    for pk, passage in passages:
        start = text.find(passage) if passage else -1
        if start >= 0:
            found.append((start, start + len(passage), pk))
    segments: list[tuple[int | None, str]] = []
    position = 0
    for start, end, pk in sorted(found):
        if start < position:
            continue
        if start > position:
            segments.append((None, text[position:start]))
        segments.append((pk, text[start:end]))
        position = end
    if position < len(text):
        segments.append((None, text[position:]))
    return segments


@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_view(request)
    source = get_object_or_404(Source, pk=pk)
    if not permissions.can_view_source(request.user, source):
        raise Http404(_("There is no such page."))
    # the passages of the measures of this plan (a document handed down is marked once)
    passages = list(
        Measure.objects.filter(area__source=source, federation_id=source.federation_id)
        .order_by("rank")
        .values_list("pk", "excerpt")
    )
    context = {"source": source, "segments": marked_segments(source.text, passages)}
    return render(request, "tasks/source_detail.html", context)

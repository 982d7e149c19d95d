from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks.models import ReformArea


@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """任务书: the reform areas in order, each with its measures."""
    areas = ReformArea.objects.with_measures()
    return render(request, "tasks/measure_list.html", {"areas": areas})

"""Importing a new policy document (改革办): upload, edit the proposed breakdown, confirm.

The proposal lives in the user's session until it is confirmed; nothing is written before.
Every edit posts the whole form (titles included, so no rename is lost) with the one change
the pressed button names, and comes back to the same place in the tree.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tasks import notices, permissions
from tasks.forms import DocumentUploadForm
from tasks.intake import importing
from tasks.intake.proposal import EditRefused, Proposal
from tasks.models import Source
from tasks.views.common import require

SESSION_KEY = "document_import"
SOURCE_FIELDS = ("title", "author", "affiliation")


def _require_planner(request: HttpRequest) -> None:
    require(permissions.can_edit_plan(request.user), request, Source)


@require_http_methods(["GET", "POST"])
def document_import(request: HttpRequest) -> HttpResponse:
    """GET the upload form; POST a file to see the proposed breakdown."""
    _require_planner(request)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            importing.check_size(upload.name, upload.size)
            proposal = importing.propose(upload.name, upload.read())
        except importing.DocumentError as error:
            form.add_error("file", str(error))
        else:
            request.session[SESSION_KEY] = proposal.to_data()
            return redirect("tasks:document_preview")
    context = {"form": form, "max_mb": settings.TASKS_DOCUMENT_MAX_BYTES // 1024 // 1024}
    return render(request, "tasks/document_import.html", context)


@require_http_methods(["GET", "POST"])
def document_preview(request: HttpRequest) -> HttpResponse:
    """The proposal as an editable tree; POST one change, or confirm, or start again."""
    _require_planner(request)
    data = request.session.get(SESSION_KEY)
    if not data:
        messages.info(request, _("Upload a document first: there is no proposal to show."))
        return redirect("tasks:document_import")
    proposal = Proposal.from_data(data)
    problems: dict[int, str] = {}
    if request.method == "POST":
        operation, _sep, key = request.POST.get("op", "").partition(":")
        if operation == "cancel":
            del request.session[SESSION_KEY]
            messages.info(request, _("The proposal was discarded; nothing was imported."))
            return redirect("tasks:document_import")
        _read_titles(request, proposal)
        refused = False
        if operation == "confirm":
            problems = proposal.problems()
            if not problems:
                return _confirm(request, proposal)
        elif operation != "save":
            try:
                proposal.apply(operation, int(key) if key.isdigit() else -1)
            except EditRefused as error:
                messages.error(request, str(error))
                refused = True
        request.session[SESSION_KEY] = proposal.to_data()
        if not problems:
            # back to the row just changed; to the top, where the message is, when refused
            anchor = f"#node-{key}" if key.isdigit() and not refused else ""
            return redirect(reverse("tasks:document_preview") + anchor)
    existing = importing.existing_source(proposal, permissions.home_federation(request.user))
    possible = proposal.possible()
    context = {
        "proposal": proposal,
        "counts": proposal.counts(),
        "problems": problems,
        "rows": [(node, problems.get(node.key, ""), possible[node.key]) for node in proposal.nodes],
        "existing": existing,
        "warnings": _warning_messages(proposal),
    }
    return render(request, "tasks/document_preview.html", context, status=400 if problems else 200)


def _read_titles(request: HttpRequest, proposal: Proposal) -> None:
    titles = {}
    for name, value in request.POST.items():
        if name.startswith("title-") and name[6:].isdigit():
            titles[int(name[6:])] = value
    proposal.rename(titles)
    for field in SOURCE_FIELDS:
        if f"source-{field}" in request.POST:
            proposal.source[field] = request.POST[f"source-{field}"].strip()


def _warning_messages(proposal: Proposal) -> list[str]:
    return [notices.describe(warning) for warning in proposal.warnings]


def _confirm(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    try:
        result, existing = importing.write(proposal, permissions.home_federation(request.user))
    except IntegrityError:
        messages.error(
            request,
            _(
                "The same document was imported by someone else a moment ago. Look at the "
                "proposal again: confirming now updates that import."
            ),
        )
        return redirect("tasks:document_preview")
    del request.session[SESSION_KEY]
    source = (result.created or result.unchanged)[0]
    if existing is None:
        messages.success(
            request,
            _(
                "“%(title)s” was imported: %(areas)d areas and %(measures)d measures. "
                "They are listed below; assign them from here."
            )
            % {"title": source.title, "areas": result.areas, "measures": result.measures},
        )
    else:
        messages.success(
            request,
            _(
                "“%(title)s” was updated: %(measures)d new measures added, %(kept)d already "
                "imported left as they were."
            )
            % {"title": source.title, "measures": result.measures, "kept": result.kept},
        )
    return redirect(reverse("tasks:measure_list") + f"?source={source.pk}")

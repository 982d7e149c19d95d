"""进展报告: the period's table, filing and correcting a report, its review, contributions,
attachments, extension requests (延期申请) and closing a measure (销号).

The forms of the measure page's reporting panel post here; a form with a mistake is shown
again on the measure page (`measure_page.page_context` takes it in place of the panel's blank one).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks import clock, permissions, reporting
from tasks.forms import add_rule_errors
from tasks.models import (
    Attachment,
    Chase,
    Contribution,
    ExtensionRequest,
    Measure,
    ProgressReport,
    StaleEdit,
)
from tasks.models.reporting import period_problem
from tasks.models.versioning import conflict_message
from tasks.periods import Period
from tasks.reporting import ReportingRefused, ReportState
from tasks.reporting.forms import (
    ContributionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReportForm,
    ReviewForm,
)
from tasks.views import measure_page
from tasks.views.common import (
    below_plan,
    period_from,
    plan_from,
    require,
    require_view,
    visible_or_404,
)


def _measure(request: HttpRequest, pk: int) -> Measure:
    measures = Measure.objects.select_related("area", "lead_body", "owner").prefetch_related(
        "cooperating_bodies"
    )
    return visible_or_404(request, get_object_or_404(measures, pk=pk))


def _measure_page(measure: Measure, period: Period, anchor: str = "reporting") -> str:
    url = reverse("tasks:measure_detail", args=[measure.pk])
    return f"{url}?period={period}#{anchor}"


def _show_measure_page(request: HttpRequest, measure_pk: int, **forms: BaseForm) -> HttpResponse:
    """The measure page again, with a form that needs correcting in place of the blank one."""
    measure = measure_page.measure_for_page(request, measure_pk)
    return render(
        request, "tasks/measure_detail.html", measure_page.page_context(request, measure, **forms)
    )


def _conflict(stale: StaleEdit) -> str:
    if stale.loaded_version == 0:
        return _(
            "Someone filed this period's report after you opened the form, so yours was not "
            "saved; your text is still in the form. Reload the page to see their report, then "
            "correct it if needed."
        )
    return conflict_message(stale.current, stale.loaded_version)


# -- the measure page's panel -------------------------------------------------------------------


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The period's table: every measure's state, counts per state and lead body, who is late."""
    require_view(request)
    day = clock.today()
    collecting = reporting.current_period(day)
    period, bad_period = period_from(request, collecting)
    if bad_period:
        messages.error(request, bad_period)
    plan = plan_from(request)
    table = reporting.period_table(
        period=period, today=day, federation=plan.federation, below=below_plan(request, plan)
    )
    # each body's last 催报 for the period (who chased it, when): one query
    chases = Chase.objects.filter(
        period=str(period), body__in=[entry.body for entry in table.bodies if entry.body]
    ).select_related("by")
    last = {chase.body_id: chase for chase in chases.order_by("at")}
    for entry in table.bodies:
        entry.chase = last.get(entry.body.pk) if entry.body else None
    shown_state = request.GET.get("state", "")
    if shown_state and shown_state not in ReportState.values:
        messages.error(request, _("There is no such report state; all measures are shown."))
        shown_state = ""
    user = request.user
    # the counts cover every measure; the table shows a page of them
    page = table.page(request.GET.get("page"), shown_state)
    for row in page:
        row.can_file = (
            permissions.can_file_report(user, row.measure)
            and period_problem(str(period), row.measure) is None
            and (row.report is None or permissions.can_edit_report(user, row.report))
        )
    context = {
        "table": table,
        "rows": page,
        "page": page,
        "shown_state": shown_state,
        "states": ReportState,
        "collecting": collecting,
        "previous": period.previous(),
        "next": period.next(),
        "can_review": permissions.can_review_report(user),
        "plan": plan,
    }
    return render(request, "tasks/report_list.html", context)


# -- filing and correcting ----------------------------------------------------------------------


def _limits() -> str:
    return _("Up to %(size)s each; %(kinds)s.") % {
        "size": filesizeformat(settings.TASKS_ATTACHMENT_MAX_BYTES),
        "kinds": "、".join(reporting.allowed_extensions()),
    }


@require_http_methods(["GET", "POST"])
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """File the period's report of a measure, or correct it until it is accepted."""
    measure = _measure(request, pk)
    require(permissions.can_file_report(request.user, measure), request, ProgressReport, measure)
    day = clock.today()
    period, bad_period = period_from(request, measure.reporting_period(day))
    if bad_period:
        messages.error(request, bad_period)
    report = ProgressReport.objects.filter(measure=measure, period=str(period)).first()
    if report is not None:
        report.measure = measure
        if not permissions.can_edit_report(request.user, report):
            raise PermissionDenied(str(reporting.refusal_accepted(report)))
    problem = period_problem(str(period), measure)
    if problem and report is None:  # not begun, or before the measure was in the plan
        messages.error(request, problem)
        url = reverse("tasks:report_file", args=[measure.pk])
        return HttpResponseRedirect(f"{url}?period={measure.reporting_period(day)}")
    instance = report or ProgressReport(
        measure=measure,
        period=str(period),
        progress=measure.progress,
        status=measure.status,
    )
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=instance,
        limits=_limits(),
    )
    if request.method == "POST" and not bad_period and form.is_valid():
        data = form.cleaned_data
        try:
            saved = reporting.file_report(
                measure=measure,
                period=period,
                by=request.user,
                progress=data["progress"],
                status=data["status"],
                done_text=data["done_text"],
                problems=data["problems"],
                next_steps=data["next_steps"],
                loaded_version=data.get("loaded_version") if report else None,
                files=data["attachments"],
                remove=data.get("remove_attachments") or (),
            )
        except StaleEdit as stale:
            form.add_error(None, _conflict(stale))
        except ReportingRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:
            add_rule_errors(form, error)
        else:
            done = (
                _("The report for %(period)s was filed; the reform office will review it.")
                if saved.review_state == ProgressReport.ReviewState.SUBMITTED
                else _("The report for %(period)s was saved.")
            )
            messages.success(request, done % {"period": period})
            return HttpResponseRedirect(_measure_page(measure, period))
    context = {
        "measure": measure,
        "period": period,
        "deadline": reporting.deadline_of(period),
        "state": reporting.state_of(
            report,
            period=period,
            today=day,
            owes=Measure.objects.owing_report(period).filter(pk=measure.pk).exists(),
        ),
        "report": report,
        "attachments": list(report.attachments.all()) if report else [],
        "contributions": Contribution.objects.filter(
            measure=measure, period=str(period)
        ).select_related("body", "author"),
        "form": form,
    }
    return render(request, "tasks/report_form.html", context)


@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a filed report, or return it (退回) with the reason."""
    report = get_object_or_404(ProgressReport.objects.select_related("measure"), pk=pk)
    visible_or_404(request, report.measure)
    require(
        permissions.can_review_report(request.user, report.measure),
        request,
        ProgressReport,
        report.measure,
    )
    period = Period.parse(report.period)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        if "loaded_version" in form.errors or "decision" in form.errors:
            messages.error(
                request, _("The review could not be read; reload the page and try again.")
            )
            return HttpResponseRedirect(_measure_page(report.measure, period))
        return _show_measure_page(request, report.measure_id, review_form=form)
    try:
        reviewed = reporting.review_report(
            report=report,
            by=request.user,
            accept=form.accept,
            reason=form.cleaned_data["reason"],
            loaded_version=form.cleaned_data["loaded_version"],
        )
    except StaleEdit as stale:
        messages.error(request, _conflict(stale))
    except ReportingRefused as refused:
        messages.error(request, str(refused))
    else:
        done = (
            _("The report for %(period)s was accepted.")
            if reviewed.review_state == ProgressReport.ReviewState.ACCEPTED
            else _("The report for %(period)s was returned for correction.")
        )
        messages.success(request, done % {"period": period})
    return HttpResponseRedirect(_measure_page(report.measure, period))


@require_POST
def contribution_save(request: HttpRequest, pk: int) -> HttpResponse:
    """A co-operating body writes (or rewrites) its part of the period's report."""
    measure = _measure(request, pk)
    require(permissions.can_contribute(request.user, measure), request, ProgressReport, measure)
    period, bad_period = period_from(request, measure.reporting_period(clock.today()))
    if bad_period:
        messages.error(request, bad_period)
        return HttpResponseRedirect(_measure_page(measure, period))
    form = ContributionForm(
        request.POST, bodies=reporting.contribution_bodies(request.user, measure)
    )
    if form.is_valid():
        try:
            reporting.save_contribution(
                measure=measure,
                period=period,
                body=form.cleaned_data["body"],
                by=request.user,
                text=form.cleaned_data["text"],
            )
        except ReportingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("The contribution of %(body)s for %(period)s was saved.")
                % {"body": form.cleaned_data["body"], "period": period},
            )
            return HttpResponseRedirect(_measure_page(measure, period))
    return _show_measure_page(request, measure.pk, contribution_form=form)


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A report's attachment, as a download under its original name, for whoever may see its
    measure (another federation's is not even said to exist)."""
    attachment = get_object_or_404(Attachment.objects.select_related("report__measure"), pk=pk)
    visible_or_404(request, attachment.report.measure)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this attachment is missing on the server.")) from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


# -- extension requests and closing -------------------------------------------------------------


@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    """延期申请: a liaison of the measure's bodies asks for a later due date."""
    measure = _measure(request, pk)
    require(permissions.can_request_extension(request.user, measure), request, Measure, measure)
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            reporting.request_extension(
                measure=measure,
                by=request.user,
                requested_due_date=form.cleaned_data["requested_due_date"],
                reason=form.cleaned_data["reason"],
            )
        except ReportingRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as error:
            add_rule_errors(form, error)
        else:
            messages.success(
                request, _("The request was sent; the reform office will decide on it.")
            )
            return HttpResponseRedirect(
                _measure_page(measure, measure.reporting_period(clock.today()))
            )
    return _show_measure_page(request, measure.pk, extension_form=form)


@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The reform office approves a request (the measure takes the date) or rejects it."""
    extension = get_object_or_404(ExtensionRequest.objects.select_related("measure"), pk=pk)
    visible_or_404(request, extension.measure)
    require(
        permissions.can_decide_extension(request.user, extension.measure),
        request,
        Measure,
        extension.measure,
    )
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            decided = reporting.decide_extension(
                extension=extension,
                by=request.user,
                approve=form.approve,
                note=form.cleaned_data["note"],
            )
        except ReportingRefused as refused:
            form.add_error(None, str(refused))
        else:
            done = (
                _("The request was approved: the measure is now due on %(date)s.")
                if decided.state == ExtensionRequest.State.APPROVED
                else _("The request for %(date)s was rejected.")
            )
            messages.success(request, done % {"date": decided.requested_due_date.isoformat()})
            url = reverse("tasks:measure_detail", args=[extension.measure_id])
            return HttpResponseRedirect(f"{url}#extensions")
    return _show_measure_page(request, extension.measure_id, decision_form=form)


@require_POST
def measure_close(request: HttpRequest, pk: int) -> HttpResponse:
    """销号: the office closes a completed measure whose latest report it accepted."""
    measure = _measure(request, pk)
    require(permissions.can_close_measure(request.user, measure), request, Measure, measure)
    try:
        closed = reporting.close_measure(measure=measure, by=request.user)
    except ReportingRefused as refused:
        messages.error(request, _("The measure was not closed: %(reason)s") % {"reason": refused})
    else:
        messages.success(
            request,
            _("The measure was closed (销号) on %(date)s.")
            % {"date": closed.closed_on.isoformat()},
        )
    url = reverse("tasks:measure_detail", args=[measure.pk])
    return HttpResponseRedirect(f"{url}#reporting")

"""台账 exports: the ledger as XLSX and CSV (the task book's filters), the period report (print
page and XLSX), and the round trip — upload an edited ledger, preview, confirm."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tasks import clock, ledger, permissions
from tasks.filters import filtered_measures
from tasks.ledger import upload as round_trip
from tasks.ledger.upload.form import MAX_BYTES, LedgerUploadForm
from tasks.models import Measure
from tasks.periods import Period, PeriodError
from tasks.views.common import plan_from, require

BAR_WIDTH = 300  # pixels of a full bar in the period report's charts
PREVIEW_SHOWN = 200  # rows of each kind the upload's preview lists


def _xlsx_response(write, file_name: str) -> FileResponse:
    """Write a workbook to a temporary file (constant memory), then stream it from there."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes (and so deletes) it
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return FileResponse(out, as_attachment=True, filename=file_name, content_type=ledger.XLSX_TYPE)


@require_GET
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """台账 as an Excel workbook, with the task book's filters (the same query string)."""
    require(permissions.can_export(request.user), request)
    day = clock.today()
    filters = filtered_measures(request.GET, day, request.user)
    rows = ledger.ledger_rows(ledger.ledger_queryset(filters, request.user))
    return _xlsx_response(
        lambda out: ledger.write_ledger_xlsx(out, rows=rows, filters=filters, day=day),
        ledger.ledger_file_name(day, "xlsx"),
    )


def _in_language(lines: Iterator[str], language: str) -> Iterator[bytes]:
    """Lines produced while the response streams, after the view has returned: in the
    request's language still."""
    with translation.override(language):
        for line in lines:
            yield line.encode("utf-8")


@require_GET
def ledger_csv(request: HttpRequest) -> HttpResponse:
    """台账 as CSV (UTF-8 with a BOM for Excel and WPS), streamed row by row."""
    require(permissions.can_export(request.user), request)
    day = clock.today()
    filters = filtered_measures(request.GET, day, request.user)
    rows = ledger.ledger_rows(ledger.ledger_queryset(filters, request.user))
    lines = ledger.csv_lines(ledger.LEDGER_COLUMNS, rows)
    response = StreamingHttpResponse(
        _in_language(lines, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = content_disposition_header(
        True, ledger.ledger_file_name(day, "csv")
    )
    return response


# -- the period report --------------------------------------------------------------------------


def _period_report(request: HttpRequest, text: str) -> ledger.PeriodReport | HttpResponse:
    """The report for the period in the URL, or a 404 page that says what a period looks like."""
    require(permissions.can_export(request.user), request)
    try:
        period = Period.parse(text)
        period.deadline(settings.TASKS_REPORT_DEADLINE_DAY)  # a year out of range raises too
    except (PeriodError, ValueError):
        reason = _(
            "“%(period)s” is not a reporting period: write a month as 2026-11 or a quarter as "
            "2026Q4."
        ) % {"period": text}
        return render(request, "tasks/period_report.html", {"error": reason}, status=404)
    return ledger.period_report(
        period,
        day=clock.today(),
        deadline_day=settings.TASKS_REPORT_DEADLINE_DAY,
        bar_width=BAR_WIDTH,
        federation=plan_from(request).federation,  # the plan shown (?federation=), else own
    )


@require_GET
def period_report_print(request: HttpRequest, period: str) -> HttpResponse:
    """The progress report of one period, to print (A4 landscape, or A3 with ?paper=a3)."""
    report = _period_report(request, period)
    if isinstance(report, HttpResponse):
        return report
    paper = "a3" if request.GET.get("paper") == "a3" else "a4"
    # a page of rows (the counts and charts above them cover the whole period); every row is in
    # the Excel download
    paginator = Paginator(report.measures, ledger.ROWS_PER_PAGE)
    paginator.count = report.total  # counted already
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "report": report,
        "rows": report.rows_of(page.object_list),
        "page": page,
        "paper": paper,
        "bar_width": BAR_WIDTH,
        "previous": report.period.previous(),
        "next": report.period.next(),
        "columns": ledger.PERIOD_COLUMNS,
    }
    return render(request, "tasks/period_report.html", context)


@require_GET
def period_report_xlsx(request: HttpRequest, period: str) -> HttpResponse:
    """The same period report as an Excel workbook."""
    report = _period_report(request, period)
    if isinstance(report, HttpResponse):
        return report
    return _xlsx_response(
        lambda out: ledger.write_xlsx(
            out,
            columns=ledger.PERIOD_COLUMNS,
            rows=report.all_rows(),
            title=report.title,
            subtitle=f"{report.subtitle} {report.summary_line()}",
            sheet_name=str(report.period),
            total_label=_("Total: %(count)d measures"),
        ),
        report.file_name,
    )


# -- the round trip -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ledger_upload(request: HttpRequest) -> HttpResponse:
    """Upload an edited ledger (改革办): GET the form, POST a file to see the preview."""
    require(permissions.can_edit_plan(request.user), request, Measure)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = round_trip.read_ledger(upload, permissions.home_federation(request.user))
        except round_trip.UploadError as error:
            form.add_error("file", str(error))
        else:
            # a whole plan's sheet may change thousands of rows: the page lists the first of
            # each kind and counts the rest (the confirmation applies every fresh change)
            shown = {
                "changes": preview.fresh,
                "stale_rows": preview.stale_rows,
                "errors": preview.errors,
                "ignored": preview.ignored,
            }
            context = {
                "preview": preview,
                "file_name": upload.name,
                **{name: rows[:PREVIEW_SHOWN] for name, rows in shown.items()},
                **{
                    f"more_{name}": max(0, len(rows) - PREVIEW_SHOWN)
                    for name, rows in shown.items()
                },
                "token": round_trip.preview_token(preview, request.user)
                if preview.ok and preview.changes
                else "",
            }
            return render(request, "tasks/ledger_preview.html", context)
    return render(
        request,
        "tasks/ledger_upload.html",
        {"form": form, "max_mb": MAX_BYTES // 1024 // 1024},
    )


@require_POST
def ledger_upload_confirm(request: HttpRequest) -> HttpResponse:
    """Apply the previewed changes: all of them in one transaction, or none."""
    require(permissions.can_edit_plan(request.user), request, Measure)
    try:
        changes = round_trip.planned_changes(request.POST.get("token", ""), request.user)
    except round_trip.UploadError as error:
        messages.error(request, str(error))
        return redirect("tasks:ledger_upload")
    changes = round_trip.chosen(changes, request.POST.getlist("stale"))
    if not changes:
        messages.info(request, _("Nothing was saved: no change was chosen."))
        return redirect("tasks:ledger_upload")
    try:
        count = round_trip.apply_ledger(changes=changes)
    except round_trip.LedgerRefused as refused:
        context = {
            "problems": refused.problems[:PREVIEW_SHOWN],
            "more_problems": max(0, len(refused.problems) - PREVIEW_SHOWN),
            "count": len(changes),
        }
        return render(request, "tasks/ledger_preview.html", context, status=409)
    messages.success(
        request, _("The ledger was applied: %(count)d measures changed.") % {"count": count}
    )
    return redirect(reverse("tasks:measure_list"))

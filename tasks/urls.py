from django.urls import path

from tasks.views import (
    dashboard,
    documents,
    ledger,
    measure_page,
    measures,
    priorities,
    reports,
    sources,
    timetable,
)

app_name = "tasks"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("measures/", measures.measure_list, name="measure_list"),
    path("measures/bulk", measures.measure_bulk, name="measure_bulk"),
    path("measures/export.xlsx", ledger.ledger_xlsx, name="ledger_xlsx"),
    path("measures/export.csv", ledger.ledger_csv, name="ledger_csv"),
    path("measures/upload/", ledger.ledger_upload, name="ledger_upload"),
    path("measures/upload/confirm", ledger.ledger_upload_confirm, name="ledger_upload_confirm"),
    path("measures/<int:pk>/", measure_page.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/assign", measure_page.measure_assign, name="measure_assign"),
    path("measures/<int:pk>/progress", measure_page.measure_progress, name="measure_progress"),
    path("measures/<int:pk>/milestones", measure_page.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/", measure_page.milestone_update, name="milestone_update"),
    path("milestones/<int:pk>/delete", measure_page.milestone_delete, name="milestone_delete"),
    path("measures/<int:pk>/report", reports.report_file, name="report_file"),
    path("measures/<int:pk>/contribution", reports.contribution_save, name="contribution_save"),
    path("measures/<int:pk>/extension", reports.extension_request, name="extension_request"),
    path("measures/<int:pk>/close", reports.measure_close, name="measure_close"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/<int:pk>/review", reports.report_review, name="report_review"),
    path("reports/<str:period>/print", ledger.period_report_print, name="period_report_print"),
    path("reports/<str:period>/export.xlsx", ledger.period_report_xlsx, name="period_report_xlsx"),
    path("attachments/<int:pk>/", reports.attachment_download, name="attachment_download"),
    path("extensions/<int:pk>/decide", reports.extension_decide, name="extension_decide"),
    path("timetable/", timetable.timetable, name="timetable"),
    path("priorities/", priorities.priority_list, name="priority_list"),
    path("priorities/move", priorities.priority_move, name="priority_move"),
    path("sources/<int:pk>/", sources.source_detail, name="source_detail"),
    path("import/", documents.document_import, name="document_import"),
    path("import/preview", documents.document_preview, name="document_preview"),
]

"""The reporting cycle: bodies report each period, the reform office reviews and chases.

- `states`: where a measure stands for a period (the calendar — the period being collected,
  deadlines — is `tasks.schedule`, and who owes a report the models');
- `table`: the period's table (/reports/);
- `actions`: every state change, one function each — file, contribute, review, ask for an
  extension, decide it, close (销号);
- `reminders`: who is reminded of what today;
- `forms`: the forms of the measure page's reporting panel and the report page.

The names most callers need are here too: `from tasks import reporting; reporting.file_report(…)`.
"""

from tasks.reporting.actions import (
    ReportingRefused,
    allowed_extensions,
    check_attachment,
    close_measure,
    closing_blocker,
    contribution_bodies,
    decide_extension,
    file_report,
    latest_report,
    refusal_accepted,
    request_extension,
    review_report,
    save_contribution,
)
from tasks.reporting.reminders import (
    Reminder,
    RemindersPlan,
    already_reminded,
    reminder_message,
    reminders_due,
    send_reminder,
)
from tasks.reporting.states import ReportState, owes_report, state_for, state_of
from tasks.reporting.table import (
    PeriodTable,
    Row,
    liaisons_prefetch,
    period_measures,
    period_rows,
    period_table,
)
from tasks.schedule import current_period, deadline_of, parse_period, period_kind

__all__ = [
    "PeriodTable",
    "Reminder",
    "RemindersPlan",
    "ReportState",
    "ReportingRefused",
    "Row",
    "allowed_extensions",
    "already_reminded",
    "check_attachment",
    "close_measure",
    "closing_blocker",
    "contribution_bodies",
    "current_period",
    "deadline_of",
    "decide_extension",
    "file_report",
    "latest_report",
    "liaisons_prefetch",
    "owes_report",
    "parse_period",
    "period_kind",
    "period_measures",
    "period_rows",
    "period_table",
    "refusal_accepted",
    "reminder_message",
    "reminders_due",
    "request_extension",
    "review_report",
    "save_contribution",
    "send_reminder",
    "state_for",
    "state_of",
]

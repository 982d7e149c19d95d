"""Reminders: who is told what today (overdue and due-soon measures, reports due, late or
returned), one e-mail a person a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tasks import roles
from tasks.models import (
    Measure,
    ReminderLog,
)
from tasks.periods import Period
from tasks.reporting.states import ReportState
from tasks.reporting.table import Row, liaisons_prefetch, period_rows
from tasks.schedule import current_period, deadline_of

# -- reminders ----------------------------------------------------------------------------------


@dataclass
class Reminder:
    """What one person is reminded of today, grouped as the e-mail shows it."""

    user: AbstractBaseUser
    overdue: list[Measure] = field(default_factory=list)
    due_soon: list[Measure] = field(default_factory=list)
    reports_late: list[Row] = field(default_factory=list)
    reports_due: list[Row] = field(default_factory=list)
    reports_returned: list[Row] = field(default_factory=list)
    # overdue or due soon with nobody to tell: no person responsible and no liaison of a lead
    # body (the office is told, to assign them)
    unassigned: list[Measure] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)

    @property
    def count(self) -> int:
        return len(self._seen)

    def add(self, kind: str, item: Measure | Row) -> None:
        if isinstance(item, Measure):
            key = (kind, item.pk, "")
        else:
            key = (kind, item.measure.pk, str(item.period))
        if key not in self._seen:
            self._seen.add(key)
            getattr(self, kind).append(item)


@dataclass
class RemindersPlan:
    today: date
    period: Period
    previous: Period
    reminders: list[Reminder]


def reminders_due(*, today: date) -> RemindersPlan:
    """Who is reminded of what today, each person once:

    - measures overdue or due within TASKS_DUE_SOON_DAYS: their owner and the liaisons of their
      lead body;
    - reports the liaisons of a lead body still owe: for the period being collected once its
      deadline is within TASKS_DUE_SOON_DAYS days, late ones of the period before it, and
      returned reports of either awaiting correction.
    """
    people: dict[int, Reminder] = {}

    def remind(user: AbstractBaseUser | None, kind: str, item: Measure | Row) -> None:
        if user is not None and user.is_active:
            people.setdefault(user.pk, Reminder(user)).add(kind, item)

    horizon = today + timedelta(days=settings.TASKS_DUE_SOON_DAYS)
    measures = (
        Measure.objects.open()
        .filter(due_date__lte=horizon, closed_on__isnull=True)
        .select_related("lead_body", "owner")
        .prefetch_related(liaisons_prefetch())
        .order_by("due_date", "rank")
    )
    office = list(roles.people(roles.COORDINATOR))
    for measure in measures:
        kind = "overdue" if measure.due_date < today else "due_soon"
        remind(measure.owner, kind, measure)
        liaisons = getattr(measure.lead_body, "liaisons", [])
        for liaison in liaisons:
            remind(liaison, kind, measure)
        if measure.owner is None and not liaisons:
            for user in office:
                remind(user, "unassigned", measure)

    period = current_period(today)
    previous = period.previous()
    if (deadline_of(period) - today).days <= settings.TASKS_DUE_SOON_DAYS:
        for row in period_rows(period, today):
            kind = {ReportState.MISSING: "reports_due", ReportState.RETURNED: "reports_returned"}
            if row.state in kind:
                for liaison in row.liaisons:
                    remind(liaison, kind[row.state], row)
    for row in period_rows(previous, today):
        kind = {ReportState.LATE: "reports_late", ReportState.RETURNED: "reports_returned"}
        if row.state in kind:
            for liaison in row.liaisons:
                remind(liaison, kind[row.state], row)
    reminders = sorted(people.values(), key=lambda r: r.user.get_username())
    return RemindersPlan(today=today, period=period, previous=previous, reminders=reminders)


def reminder_message(
    reminder: Reminder, *, plan: RemindersPlan, base_url: str = ""
) -> EmailMessage:
    """The e-mail, in the site's language (users have no language of their own)."""
    base = base_url.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reminder": reminder,
            "user": reminder.user,
            "today": plan.today,
            "period": plan.period,
            "deadline": deadline_of(plan.period),
            "previous": plan.previous,
            "previous_deadline": deadline_of(plan.previous),
            "base": base,
            "reports_url": base + reverse("tasks:report_list"),
        }
        subject = " ".join(render_to_string("email/reminder_subject.txt", context).split())
        body = render_to_string("email/reminder.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
    )


def already_reminded(*, today: date) -> set[int]:
    return set(ReminderLog.objects.filter(sent_on=today).values_list("user_id", flat=True))


def send_reminder(*, reminder: Reminder, plan: RemindersPlan, base_url: str = "") -> bool:
    """Send one person's e-mail unless they had one today: False if they had.

    The log row is written first, in the same transaction as the sending: a second run the same
    day (even at the same moment) finds it and sends nothing; a failed sending leaves no row."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    user=reminder.user, sent_on=plan.today, items=reminder.count
                )
        except IntegrityError:
            return False
        message = reminder_message(reminder, plan=plan, base_url=base_url)
        mailers.default.send_messages([message])
    return True

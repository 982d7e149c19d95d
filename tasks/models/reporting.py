"""The reporting cycle's rows: progress reports, contributions, attachments, extension
requests and the log of reminders sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks import clock, schedule
from tasks.models.plan import Measure, ResponsibleBody, closed_message
from tasks.models.versioning import Versioned
from tasks.periods import PATTERN as PERIOD_PATTERN
from tasks.periods import Period, PeriodError

# What people type, at most (characters): a month's report is a page or two, a reason a few
# lines. Beyond, a form says so and nothing is saved; the ledger's cells stay readable.
REPORT_TEXT_MAX = 5000
REPORT_NOTE_MAX = 3000
REASON_MAX = 1000


def typed_text(label: object, limit: int, **options: object) -> models.TextField:
    """A text people type, with its limit checked on every path and said in its form."""
    return models.TextField(
        label,
        max_length=limit,
        validators=[MaxLengthValidator(limit)],
        help_text=options.pop("help_text", None) or at_most(limit),
        **options,
    )


def at_most(limit: int) -> object:
    return format_lazy(_("At most {limit} characters."), limit=limit)


def period_field(**options: object) -> models.CharField:
    """A reporting period, checked: a month (2026-11) or a quarter (2026Q4)."""
    return models.CharField(
        _("period"),
        max_length=7,
        validators=[
            RegexValidator(
                PERIOD_PATTERN,
                _("Write the period as a month (2026-11) or a quarter (2026Q4)."),
            )
        ],
        **options,
    )


def period_problem(text: str, measure: Measure | None) -> str | None:
    """What is wrong with a report's (or a contribution's) period, if anything: not the kind the
    site collects, not begun yet, or before the measure was added to the plan."""
    try:
        Period.parse(text or "")
    except PeriodError:
        return None  # not a period at all: the field's own validator says so
    try:
        period = schedule.parse_period(text)
    except PeriodError as error:
        return str(error)
    if period.start > clock.today():
        return gettext(
            "The period %(period)s has not begun yet; its report can be filed from %(start)s."
        ) % {"period": period, "start": period.start.isoformat()}
    if measure is not None and measure.created_at and period < measure.first_period():
        return gettext(
            "The measure was added to the plan on %(day)s: it reports from %(first)s on, "
            "not for %(period)s."
        ) % {
            "day": timezone.localdate(measure.created_at).isoformat(),
            "first": measure.first_period(),
            "period": period,
        }
    return None


class ProgressReport(Versioned):
    """进展报告: what a responsible body reports on a measure for one period."""

    class ReviewState(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="reports", verbose_name=_("measure")
    )
    period = period_field(help_text=_("A month such as 2026-11, or a quarter such as 2026Q4."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name=_("author"),
    )
    body = models.ForeignKey(
        ResponsibleBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_reports",
        verbose_name=_("reporting body"),
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Measure.Status, default=Measure.Status.IN_PROGRESS
    )
    done_text = typed_text(_("progress made"), REPORT_TEXT_MAX, blank=True)
    problems = typed_text(_("problems"), REPORT_NOTE_MAX, blank=True)
    next_steps = typed_text(_("next steps"), REPORT_NOTE_MAX, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_state = models.CharField(
        _("review state"), max_length=20, choices=ReviewState, default=ReviewState.SUBMITTED
    )
    return_reason = typed_text(
        _("reason for return"),
        REASON_MAX,
        blank=True,
        help_text=_("Why the office returned the report."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_reports",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # when the row last changed, on any path (the API's sync: ?updated_since=)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period", "measure__rank"]
        indexes = [
            # a period's reports (the period's table and report, reminders)
            models.Index(fields=["period", "measure"], name="report_period_measure"),
            # a completed measure's accepted final report ends what it owes (owes_report)
            models.Index(
                fields=["measure", "period"],
                condition=Q(review_state="accepted", status="done"),
                name="report_final_accepted",
            ),
            models.Index(fields=["updated_at", "id"], name="report_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period"], name="report_one_per_measure_and_period"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="report_progress_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(progress=100), name="report_done_at_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} · {self.period}"

    def clean(self) -> None:
        """Every rule of a report, on every path that files or changes one (the report page,
        the admin, a command):

        - nothing of a closed (销号) measure changes;
        - the period is one of the kind the site collects, has begun, and is not before the
          measure existed;
        - completed means 100%;
        - a review is recorded with who and when, a return with its reason; a report awaiting
          review carries a review only as the return it was corrected after.
        """
        errors: dict[str, str] = {}
        measure = self.measure if self.measure_id else None
        changed = self._state.adding or self.changed_fields()
        if measure is not None and measure.closed_on and changed:
            raise ValidationError(closed_message(measure.closed_on), code="closed")
        problem = period_problem(self.period, measure)
        if problem:
            errors["period"] = problem
        if self.status == Measure.Status.DONE and self.progress != 100:
            errors["progress"] = gettext(
                "A completed measure stands at 100%. Set the progress to 100."
            )
        reviewed = bool(self.reviewed_by_id and self.reviewed_at)
        decided = self.review_state in (self.ReviewState.ACCEPTED, self.ReviewState.RETURNED)
        returned = self.review_state == self.ReviewState.RETURNED
        if (decided and not reviewed) or (returned and not self.return_reason.strip()):
            errors["review_state"] = gettext(
                "A report is accepted or returned by the reform office's review, which records "
                "who reviewed it, when and, for a return, why."
            )
        elif not decided and (reviewed != bool(self.return_reason.strip())):
            errors["review_state"] = gettext(
                "A report awaiting review carries no review, except the return it was "
                "corrected after (who returned it, when and why)."
            )
        if errors:
            raise ValidationError(errors)

    def mark_submitted(self, *, by: AbstractBaseUser) -> None:
        """Stamp a report as filed now by `by` for the measure's lead body, awaiting review."""
        self.author = by
        self.body = self.measure.lead_body
        self.submitted_at = clock.now()
        self.review_state = self.ReviewState.SUBMITTED


class Contribution(models.Model):
    """A co-operating body's part of a shared measure's report for one period."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("measure")
    )
    period = period_field()
    body = models.ForeignKey(
        ResponsibleBody,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("cooperating body"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("author"),
    )
    text = typed_text(_("progress made"), REPORT_NOTE_MAX)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-period", "body__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period", "body"], name="contribution_one_per_body_and_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} · {self.measure} · {self.period}"

    def clean(self) -> None:
        """Nothing of a closed measure changes; the period is one the measure reports for."""
        measure = self.measure if self.measure_id else None
        if measure is not None and measure.closed_on:
            raise ValidationError(closed_message(measure.closed_on), code="closed")
        problem = period_problem(self.period, measure)
        if problem:
            raise ValidationError({"period": problem})


def attachment_path(attachment: Attachment, filename: str) -> str:
    return f"reports/{attachment.report.period}/{attachment.report.measure_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a progress report, served only to users who may see the measure."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("progress report"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(models.Model):
    """延期申请: a body asks for a later due date; the reform office approves or rejects it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="extension_requests",
        verbose_name=_("measure"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="extension_requests",
        verbose_name=_("requested by"),
    )
    current_due_date = models.DateField(_("due date before"), null=True, blank=True)
    requested_due_date = models.DateField(_("requested due date"))
    reason = typed_text(_("reason"), REASON_MAX)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extension_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = typed_text(_("decision note"), REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # when the row last changed, on any path (the API's sync: ?updated_since=)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["updated_at", "id"], name="extension_updated")]
        constraints = [
            # one request at a time waits for the office's decision
            models.UniqueConstraint(
                fields=["measure"], condition=Q(state="pending"), name="extension_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} → {self.requested_due_date}"

    def clean(self) -> None:
        """A request is for a measure still under way, and asks for a later date that is still
        to come and not before the measure's start (checked when it is made; a decision later
        takes it as it was asked)."""
        if not self._state.adding or not self.measure_id or not self.requested_due_date:
            return
        measure = self.measure
        if measure.closed_on:
            raise ValidationError(closed_message(measure.closed_on), code="closed")
        if measure.status in (Measure.Status.DONE, Measure.Status.SUSPENDED):
            raise ValidationError(
                gettext("This measure is %(status)s: it needs no new due date.")
                % {"status": measure.get_status_display()},
                code="finished",
            )
        asked = self.requested_due_date
        if measure.due_date and asked <= measure.due_date:
            problem = gettext("Ask for a date after the current due date (%(date)s).") % {
                "date": measure.due_date.isoformat()
            }
        elif asked < clock.today():
            problem = gettext("The new due date cannot be in the past.")
        elif measure.start_date and asked < measure.start_date:
            problem = gettext("The due date cannot be before the start date.")
        else:
            return
        raise ValidationError({"requested_due_date": problem})


class ReminderLog(models.Model):
    """One reminder e-mail a person got on a day: at most one a day, whatever cron does."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("user"),
    )
    sent_on = models.DateField(_("sent on"))
    items = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.sent_on}"

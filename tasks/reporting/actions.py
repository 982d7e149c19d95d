"""The reporting cycle's state changes, each one function (keyword-only, typed, one
transaction) that every path calls: the page, the admin, the upload, a command.

`file_report`, `save_contribution`, `review_report`, `request_extension`, `decide_extension`,
`close_measure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tasks import clock, permissions
from tasks.models import (
    Attachment,
    Contribution,
    ExtensionRequest,
    Measure,
    ProgressReport,
    ResponsibleBody,
    StaleEdit,
)
from tasks.notifying import events
from tasks.periods import Period
from tasks.reporting.states import ReviewState
from tasks.schedule import periods_after


class ReportingRefused(Exception):
    """A step the reporting rules do not allow now; the message says why and what to do."""


# -- filing, contributing, reviewing ------------------------------------------------------------


def allowed_extensions() -> list[str]:
    return sorted({ext.lower().lstrip(".") for ext in settings.TASKS_ATTACHMENT_EXTENSIONS})


def check_attachment(upload: UploadedFile) -> None:
    """Refuse a file of a kind or size the settings do not allow (ValidationError)."""
    name = Path(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed_extensions():
        raise ValidationError(
            _("“%(name)s” cannot be attached: only these kinds of file are accepted: %(kinds)s.")
            % {"name": name, "kinds": "、".join(allowed_extensions())},
            code="file_type",
        )
    if upload.size > settings.TASKS_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.TASKS_ATTACHMENT_MAX_BYTES),
            },
            code="file_size",
        )
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")


def refusal_accepted(report: ProgressReport) -> ReportingRefused:
    return ReportingRefused(
        _(
            "The report for %(period)s was accepted by the reform office and can no longer be "
            "changed. Ask the reform office (改革办) if something must be corrected."
        )
        % {"period": report.period}
    )


@transaction.atomic
def file_report(
    *,
    measure: Measure,
    period: Period,
    by: AbstractBaseUser,
    progress: int,
    status: str,
    done_text: str,
    problems: str = "",
    next_steps: str = "",
    loaded_version: int | None = None,
    files: Sequence[UploadedFile] = (),
    remove: Iterable[Attachment] = (),
) -> ProgressReport:
    """File the measure's report for the period, or correct it (the same report, versioned).

    A new or corrected report is 已报 (a returned one goes back to review); the office correcting
    an accepted report leaves it accepted. Raises ReportingRefused (accepted, period not begun),
    StaleEdit (someone saved the report since `loaded_version`, or filed it since the form was
    opened: `loaded_version` 0) or ValidationError (a bad file); nothing is saved then."""
    if not permissions.can_file_report(by, measure):
        raise ReportingRefused(permissions.refusal_reason(by, ProgressReport, measure))
    report = (
        ProgressReport.objects.select_for_update()
        .filter(measure=measure, period=str(period))
        .first()
    )
    if report is None:
        report = ProgressReport(measure=measure, period=str(period))
    else:
        report.measure = measure
        if not permissions.can_edit_report(by, report):
            raise refusal_accepted(report)
        if loaded_version is None or report.version != loaded_version:
            raise StaleEdit(report, loaded_version or 0)
    for upload in files:
        check_attachment(upload)
    report.progress, report.status = progress, status
    report.done_text, report.problems, report.next_steps = done_text, problems, next_steps
    office_keeps_review = (
        permissions.can_edit_plan(by, measure.federation_id)
        and report.review_state == ReviewState.ACCEPTED
    )
    if not office_keeps_review:
        report.mark_submitted(by=by)
    report.full_clean(validate_constraints=False)
    if report.pk:
        report.save_versioned(expected_version=report.version)
    else:
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # filed by someone else a moment ago
            current = ProgressReport.objects.get(measure=measure, period=str(period))
            raise StaleEdit(current, 0) from None
    if office_keeps_review:
        _adopt(report)
    for attachment in remove:
        if attachment.report_id == report.pk:
            stored = attachment.file
            attachment.delete()
            transaction.on_commit(lambda stored=stored: stored.delete(save=False))
    for upload in files:
        Attachment.objects.create(
            report=report,
            file=upload,
            name=Path(upload.name).name[:255],
            size=upload.size,
            uploaded_by=by,
        )
    if not office_keeps_review:
        events.report_filed(report, by=by)
    return report


def contribution_bodies(user: AbstractBaseUser, measure: Measure) -> list[ResponsibleBody]:
    """The co-operating bodies the user may write a contribution for (the office: all)."""
    cooperating = list(measure.cooperating_bodies.all())
    if permissions.can_edit_plan(user, measure.federation_id):
        return cooperating
    acting = permissions.acting_body_ids(user)
    return [body for body in cooperating if body.pk in acting]


@transaction.atomic
def save_contribution(
    *,
    measure: Measure,
    period: Period,
    body: ResponsibleBody,
    by: AbstractBaseUser,
    text: str,
) -> Contribution:
    """A co-operating body's part of the period's report: written again, it replaces the last."""
    if body not in contribution_bodies(by, measure):
        raise ReportingRefused(
            _("%(body)s does not co-operate on this measure, or you do not act for it.")
            % {"body": body}
        )
    report = ProgressReport.objects.filter(measure=measure, period=str(period)).first()
    office = permissions.can_edit_plan(by, measure.federation_id)
    if report and report.review_state == ReviewState.ACCEPTED and not office:
        raise refusal_accepted(report)
    contribution = (
        Contribution.objects.select_for_update()
        .filter(measure=measure, period=str(period), body=body)
        .first()
    ) or Contribution(measure=measure, period=str(period), body=body)
    contribution.text, contribution.author = text, by
    try:
        contribution.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise ReportingRefused("；".join(error.messages)) from None
    try:
        with transaction.atomic():
            contribution.save()
    except IntegrityError:
        raise ReportingRefused(
            _("Someone of your body saved a contribution at the same moment. Reload the page.")
        ) from None
    return contribution


@transaction.atomic
def review_report(
    *,
    report: ProgressReport,
    by: AbstractBaseUser,
    accept: bool,
    reason: str = "",
    loaded_version: int | None = None,
) -> ProgressReport:
    """Accept a filed report, or return it (退回) with the reason for correction.

    Accepting records who and when, and makes the report's status and progress the measure's
    (unless a later period's report was accepted already, or the measure is closed)."""
    current = ProgressReport.objects.select_for_update().select_related("measure").get(pk=report.pk)
    if not permissions.can_review_report(by, current.measure):
        raise ReportingRefused(permissions.refusal_reason(by, ProgressReport, current.measure))
    if loaded_version is not None and current.version != loaded_version:
        raise StaleEdit(current, loaded_version)
    if current.review_state != ReviewState.SUBMITTED:
        raise ReportingRefused(
            _(
                "The report for %(period)s is %(state)s: only a filed report awaiting review "
                "can be accepted or returned."
            )
            % {"period": current.period, "state": current.get_review_state_display()}
        )
    if not accept and not reason.strip():
        raise ReportingRefused(
            _("Say why the report is returned, so that the body can correct it.")
        )
    current.review_state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
    if not accept:
        current.return_reason = reason.strip()
    current.reviewed_by, current.reviewed_at = by, clock.now()
    current.full_clean(validate_constraints=False)
    current.save_versioned(expected_version=current.version)
    if accept:
        _adopt(current)
    events.report_reviewed(current, by=by)
    return current


def _adopt(report: ProgressReport) -> None:
    """The accepted figures become the measure's (a versioned save: the history shows it) —
    unless measures below it give it its figures (the roll-up)."""
    measure = Measure.objects.select_for_update().get(pk=report.measure_id)
    later = ProgressReport.objects.filter(
        measure=measure, review_state=ReviewState.ACCEPTED
    ).filter(periods_after(Period.parse(report.period)))
    if measure.closed_on or later.exists() or measure.children.exists():
        return
    if (measure.status, measure.progress) == (report.status, report.progress):
        return
    measure.status, measure.progress = report.status, report.progress
    measure.save_edit(expected_version=measure.version)


# -- extensions and closing ---------------------------------------------------------------------


@transaction.atomic
def request_extension(
    *,
    measure: Measure,
    by: AbstractBaseUser,
    requested_due_date: date,
    reason: str,
) -> ExtensionRequest:
    """延期申请: ask for a later due date. One request at a time per measure.

    Raises ReportingRefused (completed, closed, one pending already) or ValidationError (the
    date), keyed by field."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    pending = measure.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    if pending:
        raise ReportingRefused(_already_pending(pending))
    extension = ExtensionRequest(
        measure=measure,
        requested_by=by,
        current_due_date=measure.due_date,
        requested_due_date=requested_due_date,
        reason=reason.strip(),
    )
    try:
        extension.full_clean(validate_constraints=False)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ReportingRefused("；".join(error.messages)) from None
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError:  # another request a moment ago
        pending = measure.extension_requests.get(state=ExtensionRequest.State.PENDING)
        raise ReportingRefused(_already_pending(pending)) from None
    return extension


def _already_pending(pending: ExtensionRequest) -> str:
    return _(
        "A request for %(date)s is already waiting for the reform office's decision; "
        "wait for it before asking again."
    ) % {"date": pending.requested_due_date.isoformat()}


@transaction.atomic
def decide_extension(
    *,
    extension: ExtensionRequest,
    by: AbstractBaseUser,
    approve: bool,
    note: str = "",
) -> ExtensionRequest:
    """Approve (the measure takes the new due date, in its history) or reject with a reason."""
    current = (
        ExtensionRequest.objects.select_for_update().select_related("measure").get(pk=extension.pk)
    )
    if not permissions.can_decide_extension(by, current.measure):
        raise ReportingRefused(permissions.refusal_reason(by, Measure, current.measure))
    if current.state != ExtensionRequest.State.PENDING:
        raise ReportingRefused(
            _("This request was already decided: %(state)s.")
            % {"state": current.get_state_display()}
        )
    if not approve and not note.strip():
        raise ReportingRefused(_("Say why the request is rejected."))
    if approve:
        measure = Measure.objects.select_for_update().get(pk=current.measure_id)
        measure.due_date = current.requested_due_date
        try:
            measure.save_edit(expected_version=measure.version)
        except ValidationError as error:
            raise ReportingRefused("；".join(error.messages)) from None
    current.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
    current.decided_by, current.decided_at = by, clock.now()
    current.decision_note = note.strip()
    current.save()
    events.extension_decided(current, by=by)
    return current


def latest_report(measure: Measure) -> ProgressReport | None:
    return measure.reports.order_by("-period", "-submitted_at").first()


def closing_blocker(measure: Measure, latest: ProgressReport | None) -> str | None:
    """Why the measure cannot be closed (销号) now, or None when it can."""
    if measure.closed_on:
        return _("This measure was closed on %(date)s.") % {"date": measure.closed_on.isoformat()}
    if measure.status != Measure.Status.DONE:
        return _("Only a completed measure can be closed; this one is %(status)s.") % {
            "status": measure.get_status_display()
        }
    if latest is None:
        return _(
            "There is no progress report yet: a measure is closed after its final report has "
            "been reviewed."
        )
    if latest.review_state != ReviewState.ACCEPTED:
        return _("The latest report (%(period)s) is %(state)s: review and accept it first.") % {
            "period": latest.period,
            "state": latest.get_review_state_display(),
        }
    return None


@transaction.atomic
def close_measure(*, measure: Measure, by: AbstractBaseUser) -> Measure:
    """销号: the office closes a completed measure whose latest report it accepted."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not permissions.can_close_measure(by, measure):
        raise ReportingRefused(permissions.refusal_reason(by, Measure, measure))
    blocker = closing_blocker(measure, latest_report(measure))
    if blocker:
        raise ReportingRefused(blocker)
    measure.closed_on, measure.closed_by = clock.today(), by
    measure.save_edit(expected_version=measure.version)
    return measure

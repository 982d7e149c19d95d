"""Who is told what, for each change that concerns someone: one function per change, called by
the function that makes the change (`tasks.reporting.actions`, the measure's save), so every
path — page, admin, upload, command — tells the same people."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from tasks import clock, federations, roles
from tasks.models import (
    Chase,
    ExtensionRequest,
    Measure,
    Notice,
    ProgressReport,
    ResponsibleBody,
)
from tasks.models.versioning import person
from tasks.notifying.send import notify


def _page(measure: Measure) -> str:
    return reverse("tasks:measure_detail", args=[measure.pk])


def _liaisons(body: ResponsibleBody | None) -> list[AbstractBaseUser]:
    if body is None:
        return []
    return list(roles.people(roles.LIAISON).filter(bodies=body))


def _office(measure: Measure | None = None) -> Iterable[AbstractBaseUser]:
    """The reform office that oversees a measure: its own plan's, and the one that handed it
    down (every coordinator when no measure is named)."""
    if measure is None:
        return roles.people(roles.COORDINATOR)
    people = list(federations.office(measure.federation_id, roles.COORDINATOR))
    if measure.parent_id and measure.parent.federation_id != measure.federation_id:
        people += federations.office(measure.parent.federation_id, roles.COORDINATOR)
    return people


def report_filed(report: ProgressReport, *, by: AbstractBaseUser) -> None:
    """A body filed or corrected its report: the office that oversees the measure reviews it."""
    measure = report.measure
    notify(
        Notice.Kind.REPORT_FILED,
        text=_("%(who)s filed the %(period)s report of “%(title)s”: it waits for review.")
        % {"who": person(by), "period": report.period, "title": measure.title},
        url=_page(measure),
        recipients=_office(measure),
        measure=measure,
        by=by,
    )


def report_reviewed(report: ProgressReport, *, by: AbstractBaseUser) -> None:
    """The office accepted or returned a report: whoever filed it and the body's liaisons."""
    measure = report.measure
    values = {"period": report.period, "title": measure.title, "reason": report.return_reason}
    if report.review_state == ProgressReport.ReviewState.RETURNED:
        kind = Notice.Kind.REPORT_RETURNED
        text = _("The %(period)s report of “%(title)s” was returned: %(reason)s") % values
    else:
        kind = Notice.Kind.REPORT_ACCEPTED
        text = _("The %(period)s report of “%(title)s” was accepted.") % values
    notify(
        kind,
        text=text,
        url=_page(measure),
        recipients=[report.author, *_liaisons(measure.lead_body)],
        bodies=[measure.lead_body],
        measure=measure,
        by=by,
    )


def extension_decided(extension: ExtensionRequest, *, by: AbstractBaseUser) -> None:
    measure = extension.measure
    values = {
        "title": measure.title,
        "date": extension.requested_due_date.isoformat(),
        "note": extension.decision_note,
    }
    if extension.state == ExtensionRequest.State.APPROVED:
        text = _("The extension of “%(title)s” to %(date)s was approved.") % values
    else:
        text = _("The extension of “%(title)s” to %(date)s was rejected: %(note)s") % values
    notify(
        Notice.Kind.EXTENSION_DECIDED,
        text=text,
        url=_page(measure),
        recipients=[extension.requested_by, *_liaisons(measure.lead_body)],
        bodies=[measure.lead_body],
        measure=measure,
        by=by,
    )


def measure_assigned(
    measure: Measure, *, owner_changed: bool, lead_changed: bool, by: AbstractBaseUser | None
) -> None:
    """A measure got a new person responsible or a new lead body: they are told."""
    recipients: list[AbstractBaseUser | None] = []
    if owner_changed:
        recipients.append(measure.owner)
    if lead_changed:
        recipients += _liaisons(measure.lead_body)
    if not recipients:
        return
    text = _("“%(title)s” was assigned: lead body %(body)s, person responsible %(owner)s.") % {
        "title": measure.title,
        "body": measure.lead_body or "—",
        "owner": person(measure.owner) or "—",
    }
    notify(
        Notice.Kind.MEASURE_ASSIGNED,
        text=text,
        url=_page(measure),
        recipients=recipients,
        bodies=[measure.lead_body] if lead_changed else [],
        measure=measure,
        by=by,
    )


def handed_down(measure: Measure, *, by: AbstractBaseUser | None) -> None:
    """下达: a measure was handed down to a federation: its reform office takes it on."""
    notify(
        Notice.Kind.HANDED_DOWN,
        text=_(
            "%(from)s handed down “%(title)s” to your plan (due %(date)s): break it down or "
            "assign it."
        )
        % {
            "from": measure.parent.federation,
            "title": measure.title,
            "date": measure.due_date.isoformat() if measure.due_date else "—",
        },
        url=_page(measure),
        recipients=federations.office(measure.federation_id, roles.COORDINATOR),
        bodies=[measure.federation],
        measure=measure,
        by=by,
    )


def chase(body: ResponsibleBody, *, period: str, late: int, by: AbstractBaseUser) -> Chase:
    """催报: the office reminds a late body now, by every channel its liaisons have."""
    record = Chase.objects.create(body=body, period=period, by=by, at=clock.now(), measures=late)
    notify(
        Notice.Kind.CHASED,
        text=_(
            "The reform office reminds %(body)s: %(count)d reports for %(period)s are late. "
            "Please file them now."
        )
        % {"body": body.name, "count": late, "period": period},
        url=reverse("tasks:todo"),
        recipients=_liaisons(body),
        bodies=[body],
        by=by,
    )
    return record


def acting_user(measure: Measure) -> AbstractBaseUser | None:
    """Who is saving the measure: the user a command named, else the request's."""
    named = getattr(measure, "_history_user", None)
    if named is not None:
        return named
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def on_assigned(sender: type, *, measure: Measure, owner_changed: bool, lead_changed: bool, **_):
    """The receiver of `tasks.models.plan.assigned` (connected in the app's `ready`)."""
    measure_assigned(
        measure, owner_changed=owner_changed, lead_changed=lead_changed, by=acting_user(measure)
    )

"""The ledger: its measures in one query, as rows, and its title, filters and file name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    CharField,
    F,
    OuterRef,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tasks import permissions
from tasks.filters import MeasureFilter
from tasks.ledger.columns import (
    LEDGER_SHEET_COLUMNS,
    AreaRow,
    MeasureRow,
    MilestoneLine,
    Row,
    area_label,
)
from tasks.ledger.writers import write_xlsx
from tasks.models import ExtensionRequest, Light, Measure, Milestone, ProgressReport
from tasks.models.plan import EPOCH, DayNumber
from tasks.models.versioning import person

CHUNK_SIZE = 1000  # measures read from the database at a time
SEPARATOR = "、"  # between co-operating bodies, in the ledger and in an uploaded one
_AGG_SEPARATOR = "\x1f"  # inside the database aggregate; never part of a body's name


def _cooperating_names() -> Subquery:
    links = (
        Measure.cooperating_bodies.through.objects.filter(measure=OuterRef("pk"))
        .order_by()
        .values("measure")
        .annotate(
            names=StringAgg("responsiblebody__name", delimiter=Value(_AGG_SEPARATOR)),
        )
        .values("names")
    )
    return Subquery(links)


def _latest_report(field_name: str) -> Subquery:
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-period", "-pk")
    return Subquery(latest.values(field_name)[:1])


def _names(aggregated: str | None) -> str:
    return SEPARATOR.join(sorted(filter(None, (aggregated or "").split(_AGG_SEPARATOR))))


_FIELD_SEPARATOR = "\x1e"  # between a milestone's fields inside the aggregate


def _day_text(field_name: str) -> Coalesce:
    """A date as its day number in text (the same on SQLite and PostgreSQL, whatever the
    server's date style), '' for none."""
    return Coalesce(Cast(DayNumber(field_name), CharField()), Value(""))


def _milestone_lines() -> Subquery:
    """Each measure's milestones in one text (due day, done day, id, title for each), so that
    the ledger's one query carries them: no query per measure, nor per chunk of measures."""
    fields = Concat(
        _day_text("due_date"),
        Value(_FIELD_SEPARATOR),
        _day_text("done_on"),
        Value(_FIELD_SEPARATOR),
        Cast("pk", CharField()),
        Value(_FIELD_SEPARATOR),
        "title",
        output_field=TextField(),
    )
    lines = (
        Milestone.objects.filter(measure=OuterRef("pk"))
        .order_by()
        .values("measure")
        .annotate(lines=StringAgg(fields, delimiter=Value(_AGG_SEPARATOR)))
        .values("lines")
    )
    return Subquery(lines)


def _milestones(aggregated: str | None) -> tuple[MilestoneLine, ...]:
    """The milestones of `_milestone_lines`, in the measure's order (by date, then as made)."""
    found = []
    for line in filter(None, (aggregated or "").split(_AGG_SEPARATOR)):
        due, done, pk, title = line.split(_FIELD_SEPARATOR, 3)
        done_on = EPOCH + timedelta(days=int(done)) if done else None
        found.append(
            (int(due), int(pk), MilestoneLine(title, EPOCH + timedelta(days=int(due)), done_on))
        )
    return tuple(milestone for _due, _pk, milestone in sorted(found))


def _next_milestone(milestones: tuple[MilestoneLine, ...]) -> str:
    """下一时间节点: the first milestone not done yet, its date and title."""
    for milestone in milestones:
        if milestone.done_on is None:
            return f"{milestone.due_date.isoformat()} {milestone.title}"
    return ""


def _approved_extension(field_name: str, *, first: bool) -> Subquery:
    """A field of the measure's first (or latest) approved extension request."""
    decided = F("decided_at")
    order = (
        (decided.asc(nulls_last=True), "pk") if first else (decided.desc(nulls_last=True), "-pk")
    )
    approved = ExtensionRequest.objects.filter(
        measure=OuterRef("pk"), state=ExtensionRequest.State.APPROVED
    ).order_by(*order)
    return Subquery(approved.values(field_name)[:1])


def _extension(before: date | None, after: date | None) -> str:
    """延期: the due date before the first approved extension and the one the last granted
    ("原 2026-06-30 → 2026-09-30"); '' when none was approved."""
    if after is None:
        return ""
    if before is None:
        return _("extended to %(after)s") % {"after": after.isoformat()}
    return _("was %(before)s → %(after)s") % {
        "before": before.isoformat(),
        "after": after.isoformat(),
    }


def ledger_queryset(filters: MeasureFilter, user: AbstractBaseUser | None) -> QuerySet[Measure]:
    """The task book's measures (its filters and sort, grouped by area) that `user` may see
    (None: the server itself, as in a management command), with everything a ledger row
    shows, in one query."""
    measures = filters.qs
    if user is not None:
        measures = measures & permissions.visible_measures(user)
    return (
        measures.prefetch_related(None)
        .annotate(
            cooperating_names=_cooperating_names(),
            latest_done=_latest_report("done_text"),
            latest_problems=_latest_report("problems"),
            latest_next=_latest_report("next_steps"),
            milestone_lines=_milestone_lines(),
            extended_from=_approved_extension("current_due_date", first=True),
            extended_to=_approved_extension("requested_due_date", first=False),
        )
        .order_by("area__order", "area_id", *filters.ordering)
    )


def ledger_rows(measures: QuerySet[Measure]) -> Iterator[Row]:
    """The ledger as plain rows: a group row per area, then its measures numbered from 1.

    `measures` comes from `ledger_queryset`; it is read in chunks, never held whole."""
    priorities, statuses = dict(Measure.Priority.choices), dict(Measure.Status.choices)
    lights = dict(Light.choices)
    area_id, area_count, number, label = None, 0, 0, ""
    for measure in measures.iterator(chunk_size=CHUNK_SIZE):
        if measure.area_id != area_id:
            area_id, area_count, number = measure.area_id, area_count + 1, 0
            label = area_label(area_count, measure.area)
            yield AreaRow(label)
        number += 1
        milestones = _milestones(measure.milestone_lines)
        yield MeasureRow(
            {
                "number": number,
                "area": label,
                "title": measure.title,
                "lead_body": measure.lead_body.name if measure.lead_body else "",
                "cooperating": _names(measure.cooperating_names),
                "owner": person(measure.owner),
                "start_date": measure.start_date,
                "due_date": measure.deadline_as_written(),
                "next_milestone": _next_milestone(milestones),
                "extension": _extension(measure.extended_from, measure.extended_to),
                "priority": str(priorities.get(measure.priority, measure.priority)),
                "rank": measure.rank,
                "status": str(statuses.get(measure.status, measure.status)),
                "light": str(lights.get(measure.light, "")),
                "progress": measure.progress,
                "closed_on": measure.closed_on,
                "latest_progress": measure.latest_done or "",
                "problems": measure.latest_problems or "",
                "next_steps": measure.latest_next or "",
                "id": measure.pk,
                "version": measure.version,
            },
            light=measure.light,
            milestones=milestones,
        )


def describe_filters(filters: MeasureFilter) -> str:
    """The filters in force, in words (改革领域：第一 …；状态：推进中); invalid ones left out."""
    filters.is_valid()
    cleaned = getattr(filters.form, "cleaned_data", {})
    parts = []
    for name, form_field in filters.form.fields.items():
        value = cleaned.get(name)
        if name == "sort" or value in (None, "", []):
            continue
        if isinstance(value, slice):
            if value.start is None and value.stop is None:
                continue
            shown = f"{value.start or '…'} – {value.stop or '…'}"
        elif isinstance(value, AbstractBaseUser):
            shown = person(value)
        elif hasattr(value, "pk"):
            shown = str(value)
        elif isinstance(form_field, forms.ChoiceField):
            shown = str(dict(form_field.choices).get(value, value))
        else:
            shown = str(value)
        parts.append(f"{form_field.label}：{shown}")
    if not parts:
        return _("All measures")
    return _("Filters: %(filters)s") % {"filters": "；".join(parts)}


def ledger_title(day: date) -> str:
    return _("Union reform task ledger (as of %(day)s)") % {"day": day.isoformat()}


def ledger_file_name(day: date, extension: str) -> str:
    name = pgettext("file name", "union-reform-ledger")
    return f"{name}-{day:%Y%m%d}.{extension}"


def write_ledger_xlsx(
    out: IO[bytes], *, rows: Iterator[Row], filters: MeasureFilter, day: date
) -> int:
    """The ledger's workbook, as the task book's export and `export_ledger` both write it:
    titled for the day, its filters in words under the title, the measures' milestones on a
    second sheet; how many measures it holds."""
    return write_xlsx(
        out,
        columns=LEDGER_SHEET_COLUMNS,
        rows=rows,
        title=ledger_title(day),
        subtitle=describe_filters(filters),
        sheet_name=pgettext("sheet name", "Ledger"),
        total_label=_("Total: %(count)d measures"),
        milestone_sheet_name=pgettext("sheet name", "Milestones"),
    )

"""The ledger: its measures in one query, as rows, and its title, filters and file name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import IO

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tasks import permissions
from tasks.filters import MeasureFilter
from tasks.ledger.columns import LEDGER_COLUMNS, AreaRow, MeasureRow, Row, area_label
from tasks.ledger.writers import write_xlsx
from tasks.models import Light, Measure, ProgressReport
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
        yield MeasureRow(
            {
                "number": number,
                "area": label,
                "title": measure.title,
                "lead_body": measure.lead_body.name if measure.lead_body else "",
                "cooperating": _names(measure.cooperating_names),
                "owner": person(measure.owner),
                "start_date": measure.start_date,
                "due_date": measure.due_date or measure.deadline_note,
                "priority": str(priorities.get(measure.priority, measure.priority)),
                "rank": measure.rank,
                "status": str(statuses.get(measure.status, measure.status)),
                "light": str(lights.get(measure.light, "")),
                "progress": measure.progress,
                "latest_progress": measure.latest_done or "",
                "problems": measure.latest_problems or "",
                "next_steps": measure.latest_next or "",
                "id": measure.pk,
                "version": measure.version,
            },
            light=measure.light,
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
    titled for the day, its filters in words under the title; how many measures it holds."""
    return write_xlsx(
        out,
        columns=LEDGER_COLUMNS,
        rows=rows,
        title=ledger_title(day),
        subtitle=describe_filters(filters),
        sheet_name=pgettext("sheet name", "Ledger"),
        total_label=_("Total: %(count)d measures"),
    )

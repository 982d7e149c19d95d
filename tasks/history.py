"""The change history of a measure, its milestones and its reports, as one readable timeline.

Who, when, and each field's old → new value, with names instead of ids. A fixed number of
queries whatever the length of the history: the records, their people, the bodies and areas
they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tasks.models import Measure, Milestone, ProgressReport, ReformArea, ResponsibleBody

# Bookkeeping, not content.
SKIPPED = {"id", "version", "created_at", "updated_at", "excerpt"}
M2M_ACCESSOR = "historicalmeasure_cooperating_bodies_set"


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    when: datetime
    who: str
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _show(value: Any, model_field: models.Field, names: dict[tuple[type, Any], str]) -> str:
    if value in (None, ""):
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:78] + "…"
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return str(formats.localize(value))


def _names(records: list[Any]) -> dict[tuple[type, Any], str]:
    """Names for every user, body and area the records point at (three queries)."""
    wanted: dict[type, set[Any]] = {}
    for record in records:
        for model_field in record.instance_type._meta.concrete_fields:
            if model_field.is_relation and model_field.name != "measure":
                value = getattr(record, model_field.attname)
                if value is not None:
                    wanted.setdefault(model_field.related_model, set()).add(value)
        for link in getattr(record, "_bodies", ()):
            wanted.setdefault(ResponsibleBody, set()).add(link)
    names: dict[tuple[type, Any], str] = {}
    user_model = get_user_model()
    for model, ids in wanted.items():
        if model is user_model:
            rows = user_model.objects.filter(pk__in=ids)
            names.update({(model, u.pk): u.get_full_name() or u.get_username() for u in rows})
        elif model in (ResponsibleBody, ReformArea, Measure):
            names.update({(model, o.pk): str(o) for o in model.objects.filter(pk__in=ids)})
    return names


def _body_names(ids: frozenset[int], names: dict[tuple[type, Any], str]) -> str:
    return "、".join(sorted(names.get((ResponsibleBody, pk), f"#{pk}") for pk in ids)) or "—"


def _entries(records: list[Any], subject, names) -> list[Entry]:  # type: ignore[no-untyped-def]
    entries = []
    previous: dict[Any, Any] = {}
    for record in records:
        who = record.history_user
        who = (who.get_full_name() or who.get_username()) if who else _("the system")
        before = previous.get(record.id)
        kind = {"+": _("created"), "~": _("changed"), "-": _("deleted")}[record.history_type]
        entry = Entry(record.history_date, who, subject(record), str(kind))
        if before is not None and record.history_type == "~":
            for model_field in record.instance_type._meta.concrete_fields:
                if model_field.name in SKIPPED:
                    continue
                old, new = (
                    getattr(before, model_field.attname),
                    getattr(record, model_field.attname),
                )
                if old != new:
                    entry.changes.append(
                        Change(
                            str(model_field.verbose_name),
                            _show(old, model_field, names),
                            _show(new, model_field, names),
                        )
                    )
            old_bodies, new_bodies = (
                getattr(before, "_bodies", None),
                getattr(record, "_bodies", None),
            )
            if old_bodies is not None and old_bodies != new_bodies:
                label = str(Measure._meta.get_field("cooperating_bodies").verbose_name)
                entry.changes.append(
                    Change(label, _body_names(old_bodies, names), _body_names(new_bodies, names))
                )
            if not entry.changes:
                previous[record.id] = record
                continue  # a save that changed nothing a reader cares about
        entries.append(entry)
        previous[record.id] = record
    return entries


def measure_timeline(measure: Measure) -> list[Entry]:
    """Every change to the measure, its milestones and its reports, newest first."""
    measure_records = list(
        measure.history.select_related("history_user")
        .prefetch_related(M2M_ACCESSOR)
        .order_by("history_date", "history_id")
    )
    for record in measure_records:
        record._bodies = frozenset(
            link.responsiblebody_id for link in getattr(record, M2M_ACCESSOR).all()
        )
    milestone_records = list(
        Milestone.history.filter(measure_id=measure.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    report_records = list(
        ProgressReport.history.filter(measure_id=measure.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = _names(measure_records + milestone_records + report_records)
    entries = _entries(measure_records, lambda r: _("the measure"), names)
    entries += _entries(milestone_records, lambda r: _("milestone %s") % r.title, names)
    entries += _entries(report_records, lambda r: _("report %s") % r.period, names)
    # newest first; records of the same instant in the order they were written
    order = {id(entry): position for position, entry in enumerate(entries)}
    return sorted(entries, key=lambda e: (e.when, order[id(e)]), reverse=True)

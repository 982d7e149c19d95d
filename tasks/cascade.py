"""层层分解: handing a measure down to the federations below (下达) and breaking it down within a
plan (分解). Each is one function that every path calls (the measure page, a command), and asks
`tasks.permissions` first; the rules of a measure below another (never due after it, in its
own plan or one directly below) are the model's (`Measure.clean`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tasks import federations, permissions
from tasks.models import Measure, Milestone, ReformArea, ResponsibleBody
from tasks.notifying import events


class CascadeRefused(Exception):
    """Nothing was handed down or added: the message says why, in words the user can act on."""


def mirrored_area(area: ReformArea, federation_id: int) -> ReformArea:
    """The area of a federation's plan that mirrors `area` of the plan above (made the first
    time a measure of it is handed down there): same source, ordinal and title."""
    found = ReformArea.objects.filter(
        federation_id=federation_id, source_id=area.source_id, title=area.title
    ).first()
    if found is not None:
        return found
    last = ReformArea.objects.filter(federation_id=federation_id).aggregate(m=Max("order"))["m"]
    return ReformArea.objects.create(
        federation_id=federation_id,
        source_id=area.source_id,
        ordinal=area.ordinal,
        title=area.title,
        summary=area.summary,
        order=(last or 0) + 1,
    )


@transaction.atomic
def hand_down(
    *,
    measure: Measure,
    federation_ids: Iterable[int],
    by: AbstractBaseUser | None,
    due_date: date | None = None,
    milestones: bool = False,
) -> list[Measure]:
    """下达: one child measure per federation (each directly below the measure's own), in that
    federation's plan, led by it, under the mirrored area, with the title, description and
    source passage carried over and due by `due_date` or the measure's own due date. With
    `milestones`, the measure's milestones (those due by then) are copied to each.

    All or nothing: a federation not directly below, one handed down to already, or a due
    date after the measure's refuses the lot (CascadeRefused). Each receiving federation's
    reform office is told (a notice; the measure is in its 待办 until taken on)."""
    if by is not None and not permissions.can_hand_down(by, measure):
        raise CascadeRefused(permissions.refusal_reason(by, Measure, measure))
    # locked: two hand-downs of the same measure at once queue, and the second sees the first's
    parent = Measure.objects.select_for_update().select_related("area").get(pk=measure.pk)
    tree = federations.load()
    chosen = list(dict.fromkeys(int(pk) for pk in federation_ids))
    if not chosen:
        raise CascadeRefused(_("Choose at least one federation to hand the measure down to."))
    below = set(tree.below(parent.federation_id))
    stray = [pk for pk in chosen if pk not in below]
    if stray:
        raise CascadeRefused(
            _("%(names)s is not a federation directly below this measure's plan.")
            % {"names": "、".join(tree.names.get(pk, str(pk)) for pk in stray)}
        )
    already = set(
        Measure.objects.filter(parent=parent, federation_id__in=chosen).values_list(
            "federation_id", flat=True
        )
    )
    if already:
        raise CascadeRefused(
            _("“%(title)s” was handed down to %(names)s already.")
            % {
                "title": parent.title,
                "names": "、".join(sorted(tree.names.get(pk, "") for pk in already)),
            }
        )
    due = due_date or parent.due_date
    start = (
        parent.start_date
        if parent.start_date and (due is None or parent.start_date <= due)
        else None
    )
    copied = []
    if milestones:  # those due by the child's due date (all of them when it has none)
        copied = list(
            parent.milestones.filter(due_date__lte=due) if due else parent.milestones.all()
        )
    children = []
    for federation_id in sorted(chosen):
        child = Measure(
            federation_id=federation_id,
            area=mirrored_area(parent.area, federation_id),
            parent=parent,
            lead_body_id=federation_id,
            title=parent.title,
            description=parent.description,
            excerpt=parent.excerpt,
            priority=parent.priority,
            start_date=start,
            due_date=due,
            deadline_note=parent.deadline_note if due == parent.due_date else "",
        )
        try:
            child.save_edit()
        except ValidationError as error:
            raise CascadeRefused("；".join(error.messages)) from None
        Milestone.objects.bulk_create(
            Milestone(measure=child, title=milestone.title, due_date=milestone.due_date)
            for milestone in copied
        )
        children.append(child)
        events.handed_down(child, by=by)
    return children


@transaction.atomic
def break_down(
    *,
    measure: Measure,
    title: str,
    by: AbstractBaseUser | None,
    lead_body: ResponsibleBody | None = None,
    due_date: date | None = None,
) -> Measure:
    """分解: a sub-measure of a measure of the user's own plan, in the same plan and area, led by
    one of its bodies (a department, or a federation below to hand it on to)."""
    if by is not None and not permissions.can_edit_plan(by, measure.federation_id):
        raise CascadeRefused(permissions.refusal_reason(by, Measure, measure))
    if permissions.is_closed(measure):
        raise CascadeRefused(permissions.refusal_reason(by, Measure, measure))
    child = Measure(
        federation_id=measure.federation_id,
        area_id=measure.area_id,
        parent=measure,
        title=title,
        lead_body=lead_body,
        priority=measure.priority,
        due_date=due_date or measure.due_date,
        start_date=measure.start_date,
    )
    try:
        child.save_edit()
    except ValidationError as error:
        raise CascadeRefused("；".join(error.messages)) from None
    return child

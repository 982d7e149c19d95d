"""Writing an outline into the plan: a source, its areas and measures, their bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from tasks import federations
from tasks.intake.proposal import due_dates
from tasks.models import Measure, ReformArea, ResponsibleBody, Source
from tasks.outline import Item, Outline
from tasks.outline.bodies import LEAD


@dataclass
class ImportResult:
    created: list[Source] = field(default_factory=list)
    unchanged: list[Source] = field(default_factory=list)
    areas: int = 0
    measures: int = 0
    bodies: int = 0
    kept: int = 0  # measures already there (an updated document)


def _create_measure(
    item: Item,
    *,
    area: ReformArea,
    parent: Measure | None,
    bodies: dict[str, ResponsibleBody],
    result: ImportResult,
    dues: dict[int, date | None],
    existing: dict[str, Measure] | None = None,
) -> None:
    """Create the measure an outline item describes, with its bodies and sub-measures.

    A measure already imported from the same passage (`existing`, by excerpt) is kept exactly
    as it is — users may have assigned and reported on it — and only what is new is added.
    """
    measure = (existing or {}).get(item.excerpt) if item.excerpt else None
    if measure is not None:
        result.kept += 1
    else:
        measure = _new_measure(
            item, area=area, parent=parent, bodies=bodies, result=result, dues=dues
        )
    for child in item.children:
        _create_measure(
            child,
            area=area,
            parent=measure,
            bodies=bodies,
            result=result,
            dues=dues,
            existing=existing,
        )


def _new_measure(
    item: Item,
    *,
    area: ReformArea,
    parent: Measure | None,
    bodies: dict[str, ResponsibleBody],
    result: ImportResult,
    dues: dict[int, date | None],
) -> Measure:
    lead: ResponsibleBody | None = None
    cooperating: list[ResponsibleBody] = []
    for mention in item.bodies:
        body = bodies.get(mention.name)
        if body is None:
            body, created = ResponsibleBody.objects.get_or_create(
                name=mention.name, defaults={"kind": mention.kind}
            )
            bodies[mention.name] = body
            result.bodies += created
        if mention.role == LEAD and lead is None:
            lead = body
        elif body not in cooperating:
            cooperating.append(body)
    measure = Measure(
        area=area,
        parent=parent,
        ordinal=item.ordinal,
        title=item.title[:300],
        description=item.description,
        excerpt=item.excerpt,
        # the deadline as written, and the day it means in the plan's year (not today's)
        deadline_note=item.deadline[:100],
        due_date=dues.get(id(item)),
        lead_body=lead,
        rank=None,  # last in its plan's priority order
    )
    measure.save_edit(cooperating_bodies=cooperating)
    result.measures += 1
    return measure


def create_areas(
    source: Source,
    outline: Outline,
    *,
    bodies: dict[str, ResponsibleBody],
    result: ImportResult,
    update: bool = False,
) -> None:
    """The outline's areas and measures under a source; on update, reuse what is there."""
    areas: dict[tuple[str, str], ReformArea] = {}
    existing: dict[str, Measure] = {}
    if update:
        areas = {(area.ordinal, area.title): area for area in source.areas.all()}
        existing = {
            measure.excerpt: measure
            for measure in Measure.objects.filter(area__source=source).exclude(excerpt="")
        }
    dues = due_dates(outline)  # the day each deadline means, in the plan's year
    for area_outline in outline.areas:
        area = areas.get((area_outline.ordinal, area_outline.title[:300]))
        if area is None:
            area = ReformArea(
                source=source,
                ordinal=area_outline.ordinal,
                title=area_outline.title[:300],
                summary=area_outline.summary,
                order=ReformArea.next_order(),
            )
            area.full_clean()
            area.save()
            result.areas += 1
        for item in area_outline.measures:
            _create_measure(
                item,
                area=area,
                parent=None,
                bodies=bodies,
                result=result,
                dues=dues,
                existing=existing,
            )


def matching_source(
    *, content_hash: str, file_name: str, title: str, federation: int | None = None
) -> Source | None:
    """The source an uploaded document would update in a federation's plan (the root's when
    None): the same text, or the same file and title."""
    plan = Source.objects.filter(
        federation_id=federation if federation is not None else federations.root_id()
    )
    return (
        plan.filter(content_hash=content_hash).first()
        or plan.filter(file_name=file_name, title=title).first()
    )


@transaction.atomic
def save_document(
    outline: Outline,
    *,
    file_name: str,
    content_hash: str,
    update: Source | None = None,
    federation: int | None = None,
) -> ImportResult:
    """Write a confirmed document: a new source with its areas and measures, in one transaction.

    With `update` (the source matching_source found), the source's text and details are
    replaced and the outline's areas and measures are added to it where they are new; measures
    already there (by passage) stay as they are.
    """
    result = ImportResult()
    if update is not None:
        source = Source.objects.select_for_update().get(pk=update.pk)
    else:
        source = Source(federation_id=federation)  # none: the root federation's plan
    # checked beforehand (Proposal.source_too_long): never cut without a word
    source.title = outline.title
    source.subtitle = outline.subtitle[:300]  # a kicker the parser read, not one typed
    source.author = outline.author
    source.affiliation = outline.affiliation
    source.published_on = outline.published_on or None
    source.text = outline.text
    source.file_name = file_name[:255]
    source.content_hash = content_hash
    source.warnings = outline.warnings
    source.full_clean()
    source.save()
    (result.unchanged if update is not None else result.created).append(source)
    create_areas(source, outline, bodies={}, result=result, update=update is not None)
    return result

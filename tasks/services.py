"""Operations that cross models or touch files: reading the seed documents and importing them."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks import notices
from tasks.models import Measure, ReformArea, ResponsibleBody, Source, StaleEdit
from tasks.outline import Item, Outline, OutlineError, parse_article, split_page
from tasks.outline.bodies import LEAD

MANIFEST = "manifest.toml"


class SeedError(Exception):
    """The seed documents cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class SeedArticle:
    """One article as the manifest describes it (or as a file without manifest entries is read)."""

    file: str
    title: str
    starts: str = ""
    subtitle: str = ""
    author: str = ""
    column: str = ""


@dataclass
class ParsedDocument:
    article: SeedArticle
    outline: Outline


@dataclass
class ImportResult:
    created: list[Source] = field(default_factory=list)
    unchanged: list[Source] = field(default_factory=list)
    areas: int = 0
    measures: int = 0
    bodies: int = 0
    kept: int = 0  # measures already there (an updated document)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise SeedError(
            _("%(file)s is empty. Put the document's text in it, or remove the file.")
            % {"file": path.name}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SeedError(
            _(
                "%(file)s is not UTF-8 text (unreadable byte at position %(position)s). "
                "Save it as UTF-8 and run the import again."
            )
            % {"file": path.name, "position": error.start}
        ) from None


def _read_manifest(seeds_dir: Path) -> list[SeedArticle]:
    path = seeds_dir / MANIFEST
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [SeedArticle(**entry) for entry in data.get("article", [])]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, TypeError) as error:
        raise SeedError(
            _("%(file)s cannot be read: %(error)s. Fix the file and run the import again.")
            % {"file": MANIFEST, "error": error}
        ) from None


def read_seed_documents(seeds_dir: Path) -> list[ParsedDocument]:
    """Read every .txt document in the seeds folder and parse it into outlines, one per article.

    Raises SeedError (with a translated message) before anything is written.
    """
    if not seeds_dir.is_dir():
        raise SeedError(
            _(
                "The seeds folder %(path)s does not exist. Run the command from the project "
                "folder, or set DJANGO_SEEDS_DIR to the folder that holds the seed documents."
            )
            % {"path": seeds_dir}
        )
    files = sorted(seeds_dir.glob("*.txt"))
    if not files:
        raise SeedError(
            _("The seeds folder %(path)s holds no .txt documents.") % {"path": seeds_dir}
        )
    manifest = _read_manifest(seeds_dir)
    documents = []
    for path in files:
        text = _read_text(path)
        articles = [article for article in manifest if article.file == path.name]
        try:
            if articles:
                chunks = split_page(text, [article.starts for article in articles])
            else:
                first_line = next(line.strip() for line in text.splitlines() if line.strip())
                articles = [SeedArticle(file=path.name, title=first_line[:300])]
                chunks = [text]
            for article, chunk in zip(articles, chunks, strict=True):
                outline = parse_article(
                    chunk, title=article.title, author=article.author, ignore=[article.subtitle]
                )
                documents.append(ParsedDocument(article, outline))
        except OutlineError as error:
            raise SeedError(
                f"{path.name}: {notices.describe_error(error.code, error.params)}"
            ) from None
    return documents


def _create_measure(
    item: Item,
    *,
    area: ReformArea,
    parent: Measure | None,
    bodies: dict[str, ResponsibleBody],
    result: ImportResult,
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
        measure = _new_measure(item, area=area, parent=parent, bodies=bodies, result=result)
    for child in item.children:
        _create_measure(
            child, area=area, parent=measure, bodies=bodies, result=result, existing=existing
        )


def _new_measure(
    item: Item,
    *,
    area: ReformArea,
    parent: Measure | None,
    bodies: dict[str, ResponsibleBody],
    result: ImportResult,
) -> Measure:
    measure = Measure(
        area=area,
        parent=parent,
        ordinal=item.ordinal,
        title=item.title[:300],
        description=item.description,
        excerpt=item.excerpt,
        deadline_note=item.deadline[:100],
        rank=Measure.objects.next_rank(),
    )
    measure.full_clean()
    measure.save()
    result.measures += 1
    cooperating = []
    for mention in item.bodies:
        body = bodies.get(mention.name)
        if body is None:
            body, created = ResponsibleBody.objects.get_or_create(
                name=mention.name, defaults={"kind": mention.kind}
            )
            bodies[mention.name] = body
            result.bodies += created
        if mention.role == LEAD and measure.lead_body_id is None:
            measure.lead_body = body
            measure.save(update_fields=["lead_body"])
        else:
            cooperating.append(body)
    measure.cooperating_bodies.add(*cooperating)
    return measure


def _create_areas(
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
                item, area=area, parent=None, bodies=bodies, result=result, existing=existing
            )


@transaction.atomic
def import_documents(*, documents: list[ParsedDocument]) -> ImportResult:
    """Create the sources, areas, measures and bodies the documents describe.

    Keyed on natural keys: a source already imported (same file and title) is left exactly as
    it is, with everything users changed since, so running the import again creates nothing.
    """
    result = ImportResult()
    bodies: dict[str, ResponsibleBody] = {}
    for document in documents:
        article, outline = document.article, document.outline
        existing = Source.objects.filter(file_name=article.file, title=article.title).first()
        if existing:
            result.unchanged.append(existing)
            continue
        source = Source(
            title=article.title,
            subtitle=article.subtitle,
            author=article.author,
            affiliation=outline.affiliation,
            column=article.column,
            standfirst=outline.standfirst,
            text=outline.text,
            file_name=article.file,
            content_hash=hashlib.sha256(outline.text.encode()).hexdigest(),
            warnings=outline.warnings,
        )
        source.full_clean()
        source.save()
        result.created.append(source)
        _create_areas(source, outline, bodies=bodies, result=result)
    return result


def matching_source(*, content_hash: str, file_name: str, title: str) -> Source | None:
    """The source an uploaded document would update: the same text, or the same file and title."""
    return (
        Source.objects.filter(content_hash=content_hash).first()
        or Source.objects.filter(file_name=file_name, title=title).first()
    )


@transaction.atomic
def save_document(
    outline: Outline, *, file_name: str, content_hash: str, update: Source | None = None
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
        source = Source()
    source.title = outline.title[:300]
    source.subtitle = outline.subtitle[:300]
    source.author = outline.author[:100]
    source.affiliation = outline.affiliation[:300]
    source.published_on = outline.published_on or None
    source.text = outline.text
    source.file_name = file_name[:255]
    source.content_hash = content_hash
    source.warnings = outline.warnings
    source.full_clean()
    source.save()
    (result.unchanged if update is not None else result.created).append(source)
    _create_areas(source, outline, bodies={}, result=result, update=update is not None)
    return result


class BulkEditRefused(Exception):
    """A bulk edit that could not be applied to every ticked measure: none was changed."""

    def __init__(self, problems: list[tuple[Measure, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


@transaction.atomic
def bulk_assign(
    *, measures: list[Measure], field: str, value: object, versions: dict[int, int]
) -> int:
    """Set one assignment field on every measure, all or nothing.

    Each measure is checked as if edited alone (due date not before its start, milestones
    within its dates) and saved only if nobody changed it since the list was loaded; one
    problem anywhere and nothing is saved (BulkEditRefused lists every problem).
    """
    if field not in {"owner", "lead_body", "due_date", "priority"}:
        raise ValueError(field)
    problems: list[tuple[Measure, str]] = []
    for measure in measures:
        setattr(measure, field, value)
        try:
            measure.full_clean(validate_unique=False)
            if field == "due_date" and value is not None:
                late = [m for m in measure.milestones.all() if m.due_date > value]
                if late:
                    raise ValidationError(
                        _("its milestone %(title)s is due after that date")
                        % {"title": late[0].title}
                    )
            measure.save_versioned(expected_version=versions.get(measure.pk, measure.version))
        except ValidationError as error:
            problems.append((measure, "；".join(error.messages)))
        except StaleEdit:
            problems.append((measure, _("someone changed it after the list was loaded")))
    if problems:
        raise BulkEditRefused(problems)
    return len(measures)

"""The seed documents (`seeds/`, `manage.py import_seeds`): read, parsed into outlines, written
in one transaction, keyed on natural keys so that a second run creates nothing."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from tasks import notices
from tasks.intake.writing import ImportResult, create_areas
from tasks.models import ResponsibleBody, Source
from tasks.outline import Outline, OutlineError, parse_article, split_page

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
        create_areas(source, outline, bodies=bodies, result=result)
    return result

"""From a file to a proposal: read it, parse it, refuse what holds no breakdown."""

from __future__ import annotations

from django.conf import settings

from tasks.intake import writing
from tasks.intake.proposal import Proposal
from tasks.intake.reading import DocumentError, read_document, too_large
from tasks.models import Source
from tasks.outline import parse_document

__all__ = ["DocumentError", "check_size", "existing_source", "propose", "write"]

# Items (areas, measures, background) one import may propose: a 实施方案 has a few hundred, a
# document at the 5 MB limit shaped like one some five thousand; ten thousand is a list that
# is no plan (or a file made to overload the site: 5 MB of tiny items make 350,000).
MAX_ITEMS = 10000


def propose(
    name: str, data: bytes, *, max_bytes: int | None = None, max_items: int = MAX_ITEMS
) -> Proposal:
    """The proposed breakdown of an uploaded document; DocumentError says why there is none."""
    text = read_document(name, data, max_bytes=max_bytes)
    outline = parse_document(text, name=name)
    if not any(outline.all_measures()) and not outline.context:
        raise DocumentError("no_enumeration", name=name)
    proposal = Proposal.from_outline(outline, file_name=name)
    if len(proposal.nodes) > max_items:  # kept in the session, shown and edited on one page
        raise DocumentError("too_many_items", name=name, items=len(proposal.nodes), limit=max_items)
    return proposal


def check_size(name: str, size: int) -> None:
    """Refuse a file over the limit before reading it into memory."""
    limit = settings.TASKS_DOCUMENT_MAX_BYTES
    if size > limit:
        raise too_large(name, size, limit)


def existing_source(proposal: Proposal, federation: int | None = None) -> Source | None:
    """The source this document was imported as before into a federation's plan (the root's
    when None), if it was (same text, or same file and title): confirming then updates it."""
    return writing.matching_source(
        content_hash=proposal.source["content_hash"],
        file_name=proposal.source["file_name"],
        title=proposal.source["title"],
        federation=federation,
    )


def write(
    proposal: Proposal, federation: int | None = None
) -> tuple[writing.ImportResult, Source | None]:
    """Import the proposal in one transaction into a federation's plan (the root's when None):
    a new source, or an update of the one it was imported as before (returned second).
    IntegrityError: imported by someone else meanwhile."""
    existing = existing_source(proposal, federation)
    result = writing.save_document(
        proposal.to_outline(),
        file_name=proposal.source["file_name"],
        content_hash=proposal.source["content_hash"],
        update=existing,
        federation=federation,
    )
    return result, existing

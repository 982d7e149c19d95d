"""From a file to a proposal: read it, parse it, refuse what holds no breakdown."""

from __future__ import annotations

from django.conf import settings

from tasks.intake.proposal import Proposal
from tasks.intake.reading import DocumentError, read_document, too_large
from tasks.outline import parse_document

__all__ = ["DocumentError", "check_size", "propose"]


def propose(name: str, data: bytes, *, max_bytes: int | None = None) -> Proposal:
    """The proposed breakdown of an uploaded document; DocumentError says why there is none."""
    text = read_document(name, data, max_bytes=max_bytes)
    outline = parse_document(text, name=name)
    if not any(outline.all_measures()) and not outline.context:
        raise DocumentError("no_enumeration", name=name)
    return Proposal.from_outline(outline, file_name=name)


def check_size(name: str, size: int) -> None:
    """Refuse a file over the limit before reading it into memory."""
    limit = settings.TASKS_DOCUMENT_MAX_BYTES
    if size > limit:
        raise too_large(name, size, limit)

"""python manage.py import_document PATH [--dry-run] [--format json] — one policy document.

The same reading, parsing and writing as the upload page (/import/), without the editing:
the proposal is imported as the parser made it. Bad input exits with code 2 and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import notices
from tasks.intake.importing import DocumentError, check_size, propose, write
from tasks.intake.proposal import Proposal, outline_json
from tasks.management.base import TranslatedCommand

BAD_INPUT = 2
ROLES = {
    "lead": gettext_lazy("lead"),
    "cooperating": gettext_lazy("cooperating"),
    "mentioned": gettext_lazy("named"),
}


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import a policy document (.txt or .docx): its reform areas, measures and bodies. "
        "The same document imported again updates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("The document file (.txt or .docx)."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Show what would be imported; write nothing."),
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("How to print the outline: text (a tree) or json."),
        )

    def handle(self, *args: object, path: Path, dry_run: bool, format: str, **options) -> None:
        proposal = self._read(path)
        outline = proposal.to_outline()
        if format == "json":
            self.stdout.write(json.dumps(outline_json(outline), ensure_ascii=False, indent=2))
        else:
            self._print_tree(proposal)
        if dry_run:
            if format != "json":
                self.stdout.write(_("Dry run: nothing was written."))
            return
        too_long = proposal.source_too_long()
        if too_long:  # the page asks for a shorter one; here there is no page to ask on
            raise CommandError(
                _("Nothing was imported: %(reason)s") % {"reason": too_long},
                returncode=BAD_INPUT,
            )
        try:
            result, existing = write(proposal)
        except IntegrityError:
            raise CommandError(
                _("The same document was imported at the same moment; run the command again."),
                returncode=BAD_INPUT,
            ) from None
        out = self.stderr if format == "json" else self.stdout
        if existing is None:
            message = _(
                "Imported “%(title)s”: %(areas)d areas, %(measures)d measures, "
                "%(bodies)d new responsible bodies."
            )
        else:
            message = _(
                "Updated “%(title)s” (imported before): %(measures)d new measures, "
                "%(kept)d already there left as they were."
            )
        out.write(
            self.style.SUCCESS(
                message
                % {
                    "title": outline.title,
                    "areas": result.areas,
                    "measures": result.measures,
                    "bodies": result.bodies,
                    "kept": result.kept,
                }
            )
        )

    def _read(self, path: Path) -> Proposal:
        if not path.is_file():
            raise CommandError(
                _("There is no file %(path)s. Check the path and run the command again.")
                % {"path": path},
                returncode=BAD_INPUT,
            )
        try:
            check_size(path.name, path.stat().st_size)
            return propose(path.name, path.read_bytes())
        except DocumentError as error:
            raise CommandError(
                _("Nothing was imported. %(reason)s") % {"reason": error}, returncode=BAD_INPUT
            ) from None

    def _print_tree(self, proposal: Proposal) -> None:
        source = proposal.source
        header = f"《{source['title']}》 {source['author']} {source['affiliation']}"
        self.stdout.write(header.strip())
        for node in proposal.nodes:
            if node.context:
                continue
            bodies = "、".join(f"{body['name']}（{ROLES[body['role']]}）" for body in node.bodies)
            line = "  " * node.depth + f"{node.ordinal} {node.title}".strip()
            self.stdout.write(f"{line}  [{bodies}]" if bodies else line)
        context = [node for node in proposal.nodes if node.context]
        if context:
            self.stdout.write(_("Background (not measures):"))
            for node in context:
                self.stdout.write(f"  {node.ordinal} {node.title}".rstrip())
        counts = proposal.counts()
        self.stdout.write(
            _("%(areas)d areas, %(measures)d measures, %(context)d background items.") % counts
        )
        for warning in proposal.warnings:
            self.stdout.write(
                self.style.WARNING(_("warning: %(text)s") % {"text": notices.describe(warning)})
            )

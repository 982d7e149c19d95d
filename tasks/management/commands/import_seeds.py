"""python manage.py import_seeds — create sources, areas, measures and bodies from seeds/."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.intake.seeds import SeedError, import_documents, read_seed_documents
from tasks.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import the seed documents: sources, reform areas, measures and responsible bodies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seeds-dir",
            type=Path,
            default=None,
            help=_("Folder of seed documents (default: DJANGO_SEEDS_DIR or seeds/)."),
        )

    def handle(self, *args: object, seeds_dir: Path | None, **options: object) -> None:
        folder = seeds_dir or settings.SEEDS_DIR
        try:
            documents = read_seed_documents(folder)
        except SeedError as error:
            raise CommandError(_("Nothing was imported. %(reason)s") % {"reason": error}) from None
        self.stdout.write(
            _("Read %(count)d documents from %(folder)s.")
            % {"count": len(documents), "folder": folder}
        )
        result = import_documents(documents=documents)
        for source in result.created:
            self.stdout.write(
                _("  + %(title)s: %(areas)d areas, %(measures)d measures")
                % {
                    "title": source.title,
                    "areas": source.areas.count(),
                    "measures": sum(area.measures.count() for area in source.areas.all()),
                }
            )
            for warning in source.warning_messages():
                self.stdout.write(
                    self.style.WARNING(_("    warning: %(text)s") % {"text": warning})
                )
        for source in result.unchanged:
            self.stdout.write(
                _("  = %(title)s: already imported, left as it is") % {"title": source.title}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done: %(sources)d new sources, %(areas)d areas, %(measures)d measures, "
                    "%(bodies)d new responsible bodies; %(unchanged)d sources already there."
                )
                % {
                    "sources": len(result.created),
                    "areas": result.areas,
                    "measures": result.measures,
                    "bodies": result.bodies,
                    "unchanged": len(result.unchanged),
                }
            )
        )

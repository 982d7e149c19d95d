"""python manage.py generate_demo --measures N --seed S — realistic demo data at any scale.

The data and its rules are described in `tasks.demo.generate`. This command reads the counts,
refuses a database with real data in it (exit code 2, like every usage error here) unless told
``--force``, and prints each phase as it is written, with the time since the start, so that a run of
hundreds of thousands of rows shows where it is.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tasks.demo import generate as demo
from tasks.management.base import TranslatedCommand

USAGE_ERROR = 2  # argparse's exit code for a bad option, and ours for a refusal


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`, with a message that says so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except (TypeError, ValueError):
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                _("“%(value)s” is not a whole number of at least %(minimum)d.")
                % {"value": text, "minimum": minimum}
            )
        return value

    return parse


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Fill the database with realistic demo data: Chinese titles, an organisation tree, "
        "people, dates over three years and monthly reports; the same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--measures",
            required=True,
            type=_whole_number(demo.MINIMUM["measures"]),
            help=_("How many measures to generate."),
        )
        parser.add_argument(
            "--areas",
            type=_whole_number(demo.MINIMUM["areas"]),
            help=_("How many reform areas (default: one per 50 measures, at least 3)."),
        )
        parser.add_argument(
            "--bodies",
            type=_whole_number(demo.MINIMUM["bodies"]),
            help=_("How many responsible bodies (default: one per 10 measures, at least 10)."),
        )
        parser.add_argument(
            "--users",
            type=_whole_number(demo.MINIMUM["users"]),
            help=_("How many users (default: one per 20 measures, at least 5)."),
        )
        parser.add_argument(
            "--reports",
            type=_whole_number(demo.MINIMUM["reports"]),
            help=_(
                "How many progress reports (default: 10 per measure, at most one per measure "
                "and period of its life)."
            ),
        )
        parser.add_argument(
            "--seed",
            required=True,
            type=_whole_number(0),
            help=_("The random seed: the same seed and counts give the same data."),
        )
        parser.add_argument(
            "--federations",
            action="store_true",
            help=_(
                "A province of 13 cities and 100 counties (150 bodies at least): one in five of "
                "the province's measures handed down to every city and on to every county, "
                "with reform offices, leaders and reports at each level."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Add demo data even though the database holds real data."),
        )

    def handle(self, *args: object, **options: object) -> None:
        values = {}
        # Options given to call_command() as keywords skip argparse: check them the same way.
        for name, minimum in [*demo.MINIMUM.items(), ("seed", 0)]:
            value = options.get(name)
            if value is None:
                continue
            try:
                values[name] = _whole_number(minimum)(str(value))
            except argparse.ArgumentTypeError as error:
                raise CommandError(f"--{name}: {error}", returncode=USAGE_ERROR) from None
        seed = values.pop("seed")
        counts = demo.Counts.scaled(**values, federations=bool(options.get("federations")))
        header = _(
            "Generating demo data for seed %(seed)d: %(measures)d measures, %(areas)d areas, "
            "%(bodies)d bodies, %(users)d users, up to %(reports)d reports."
        ) % {"seed": seed, **counts.__dict__}
        started = time.monotonic()
        labels = {
            "bodies": _("responsible bodies"),
            "users": _("users"),
            "areas": _("reform areas"),
            "measures": _("measures"),
            "cooperations": _("cooperating bodies"),
            "milestones": _("milestones"),
            "reports": _("progress reports"),
            "federations": _("measures handed down to the cities and counties"),
        }

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "checked":
                self.stdout.write(header)
                return
            self.stdout.write(
                _("  %(phase)s %(done)d/%(total)d (%(seconds).1f s)")
                % {
                    "phase": labels[phase],
                    "done": done,
                    "total": total,
                    "seconds": time.monotonic() - started,
                }
            )
            self.stdout.flush()

        try:
            written = demo.generate(
                counts, seed=seed, force=bool(options["force"]), progress=progress
            )
        except demo.RealDataFound as found:
            raise CommandError(
                ngettext(
                    "The database holds real data: %(count)d source document not created by "
                    "generate_demo (“%(title)s”). Nothing was written. Add --force to add demo "
                    "data anyway.",
                    "The database holds real data: %(count)d source documents not created by "
                    "generate_demo (for example “%(title)s”). Nothing was written. Add --force "
                    "to add demo data anyway.",
                    found.count,
                )
                % {"count": found.count, "title": found.example},
                returncode=USAGE_ERROR,
            ) from None
        except demo.SeedTaken:
            raise CommandError(
                _(
                    "Demo data for seed %(seed)d is already in the database. Nothing was "
                    "written. Choose another --seed to add more, or start from an empty database."
                )
                % {"seed": seed},
                returncode=USAGE_ERROR,
            ) from None
        if written.reports < counts.reports:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Only %(written)d reports fit (one per measure and period, from its "
                        "start to the last closed period), not %(wanted)d."
                    )
                    % {"written": written.reports, "wanted": counts.reports}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Done in %(seconds).1f s: “%(source)s”, %(measures)d measures, "
                    "%(reports)d reports."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "source": written.source.title,
                    "measures": written.measures,
                    "reports": written.reports,
                }
            )
        )

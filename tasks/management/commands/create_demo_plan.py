"""python manage.py create_demo_plan — the seed plan as a plan in use (DEBUG only).

What it makes, and why so, is described in `tasks.demo.lived_in`. This command refuses without
DEBUG, and on a database holding anything but the untouched seed import and the demo accounts
(real data is never touched); run a second time, it finds the demo there and changes nothing.
`make run` runs it after import_seeds and create_demo_users.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.demo import lived_in
from tasks.intake.seeds import SeedError
from tasks.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Turn the imported seed plan into a plan in use, for trying the app (only with DEBUG "
        "on): bodies, people, dates, milestones, priorities and a few months of reports."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "The demo plan is only made with DJANGO_DEBUG=1: it invents people, dates "
                    "and reports, for trying the app on your own machine, never on a server."
                )
            )
        try:
            built = lived_in.build(seeds_dir=settings.SEEDS_DIR)
        except (lived_in.Refused, SeedError) as refused:
            raise CommandError(str(refused)) from None
        if not built.created:
            self.stdout.write(_("The demo plan is there already; nothing was changed."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo plan made, reporting period %(period)s: %(measures)d measures, "
                    "%(bodies)d responsible bodies, %(people)d people, %(reports)d progress "
                    "reports."
                )
                % {
                    "period": built.period,
                    "measures": built.measures,
                    "bodies": built.bodies,
                    "people": built.people,
                    "reports": built.reports,
                }
            )
        )
        self.stdout.write(
            _(
                "  Log in as gaigeban to review the reports awaiting review and decide the "
                "extension request, as lianluoyuan (%(body)s) to file this period's reports."
            )
            % {"body": built.liaison_body}
        )

"""Recompute every rolled-up figure (DESIGN §7): after rows were written outside the app, or
after DJANGO_BEHIND_MARGIN or DJANGO_DUE_SOON_DAYS changed (the kept lights of the measures below
depend on them). The app keeps them up to date by itself on every change it makes.

    python manage.py roll_up
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.management.base import TranslatedCommand
from tasks.models import Measure


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Recompute the progress, status and lights every measure takes from the measures below it."
    )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            changed = Measure.objects.roll_up_all()
        done = _("%(count)d measures were brought up to date.") % {"count": changed}
        self.stdout.write(self.style.SUCCESS(done))

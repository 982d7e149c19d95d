"""E-mail reminders: measures due soon or overdue, and progress reports not yet filed.

For cron, once a day (running it again the same day sends nothing twice):

    15 8 * * *  cd /srv/unionreform && .venv/bin/python manage.py send_reminders

Each person gets at most one e-mail a day, with everything that concerns them in it (see
`tasks.reporting.reminders_due`). Users without an e-mail address are skipped and counted.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import clock, notifying, reporting
from tasks.management.base import TranslatedCommand
from tasks.models.versioning import person


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD, for example 2026-12-03.")
            % {"value": text}
        ) from None


class Command(TranslatedCommand):
    help = gettext_lazy(
        "E-mail owners and liaisons about measures due soon or overdue and reports not filed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            dest="day",
            help=_("The day to remind for, YYYY-MM-DD (default: today)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Show who would get which reminders; send and record nothing."),
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "TASKS_SITE_URL", ""),
            help=_(
                "The site's address for the links in the e-mails, e.g. https://tasks.example.org"
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        day = _day(options["day"]) if options["day"] else clock.today()
        dry_run = bool(options["dry_run"])
        plan = reporting.reminders_due(today=day)
        reminded = reporting.already_reminded(today=day)
        if not dry_run:  # notices a mail server or a group robot did not take last time
            resent, failed = notifying.retry_pending()
            if resent or failed:
                self.stdout.write(
                    _("Notices sent again: %(sent)d; still failing: %(failed)d.")
                    % {"sent": resent, "failed": failed}
                )
        sent = skipped_today = no_address = items = 0
        unreachable: list[str] = []
        for reminder in plan.reminders:
            user = reminder.user
            if not user.email:
                no_address += 1
                unreachable.append(person(user))
                continue
            if user.pk in reminded:
                skipped_today += 1
                continue
            if dry_run:
                self.stdout.write(
                    _("%(user)s <%(email)s>: %(count)d items")
                    % {"user": user.get_username(), "email": user.email, "count": reminder.count}
                )
                sent += 1
                items += reminder.count
                continue
            if reporting.send_reminder(
                reminder=reminder, plan=plan, base_url=str(options["base_url"])
            ):
                sent += 1
                items += reminder.count
            else:
                skipped_today += 1
        counts = {
            "day": day.isoformat(),
            "sent": sent,
            "items": items,
            "today": skipped_today,
            "no_address": no_address,
        }
        if dry_run:
            summary = _(
                "Reminders for %(day)s (dry run, nothing sent): would send %(sent)d "
                "(%(items)d items); already reminded today: %(today)d; without an e-mail "
                "address: %(no_address)d."
            )
        else:
            summary = _(
                "Reminders for %(day)s: sent %(sent)d (%(items)d items); already reminded "
                "today: %(today)d; without an e-mail address: %(no_address)d."
            )
        self.stdout.write(summary % counts)
        if unreachable:
            self.stdout.write(
                _("Not reached (no e-mail address; they see their reminders on 待办): %(names)s")
                % {"names": "、".join(sorted(unreachable))}
            )

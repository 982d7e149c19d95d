"""python manage.py create_api_key NAME --federation ID|name [--write] — a key for a system
that calls the API (README, "The API"). The key is printed once; only its digest is kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import federations
from tasks.management.base import TranslatedCommand
from tasks.models import ApiKey, ResponsibleBody


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Make an API key for a system that calls the API: it reads the plans of the federation "
        "given and of those below it; with --write it also files reports and asks for "
        "extensions. Prints the key once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=_("The system that uses the key (unique)."))
        parser.add_argument(
            "--federation", required=True, help=_("The key's federation, by id or by name.")
        )
        parser.add_argument(
            "--write",
            action="store_true",
            help=_("Let the key file and correct reports and ask for extensions."),
        )

    def handle(self, *args: object, **options: object) -> None:
        found = federations.find(options["federation"])
        if found is None:
            raise CommandError(
                _("No federation is “%(name)s”: give a federation's id or its full name.")
                % {"name": str(options["federation"]).strip()}
            )
        try:
            key, text = ApiKey.objects.issue(
                name=str(options["name"]),
                federation=ResponsibleBody.objects.get(pk=found),
                write=bool(options["write"]),
            )
        except ValidationError as error:
            problems = "; ".join(
                message for messages in error.message_dict.values() for message in messages
            )
            raise CommandError(problems) from None
        scope = _("read and write") if key.can_write else _("read only")
        self.stderr.write(
            _("Key “%(name)s” for %(federation)s (%(scope)s). Keep it now: it is not shown again.")
            % {"name": key.name, "federation": key.federation, "scope": scope}
        )
        self.stdout.write(text)

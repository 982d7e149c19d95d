"""What every command of the app shares."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class TranslatedCommand(BaseCommand):
    """A command whose description (`help`, a lazy translation) is worded in the language active
    when it is shown, not when its module was first imported; argparse takes only a string."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

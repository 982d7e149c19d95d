"""python manage.py export_ledger --format xlsx|csv --output FILE [filters] — the 台账 for scripts.

The filters are the task book's (the same FilterSet, fed the same query string), so a script
gets exactly what /measures/export.xlsx?… gives a user. The command runs with the server's
rights: it exports every measure the filters select.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import clock, federations, ledger
from tasks.filters import MeasureFilter, filtered_measures
from tasks.management.base import TranslatedCommand
from tasks.models import Light, Measure, ReformArea, ResponsibleBody

FORMATS = ("xlsx", "csv")


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Export the ledger (台账) as an Excel workbook or a CSV file, with the task book's "
        "filters. Exits with 1, writing nothing, when an option is not valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            dest="file_format",
            default="xlsx",
            metavar="xlsx|csv",
            help=_("xlsx (default) or csv."),
        )
        parser.add_argument(
            "--output",
            required=True,
            metavar="FILE",
            help=_("The file to write; “-” writes CSV to stdout."),
        )
        parser.add_argument(
            "--federation",
            help=_("Whose plan: a federation, by id or by name (default: the root federation's)."),
        )
        parser.add_argument("--q", help=_("Words that must appear in the title or text."))
        parser.add_argument("--area", help=_("A reform area, by id or by title."))
        parser.add_argument("--lead-body", help=_("A lead body, by id or by name."))
        parser.add_argument(
            "--body", help=_("A cooperating body (and those below it), by id or by name.")
        )
        parser.add_argument("--owner", help=_("The person responsible, by user name."))
        parser.add_argument(
            "--status", help=_("not_started, in_progress, done or suspended (or the label).")
        )
        parser.add_argument("--priority", help=_("1, 2 or 3 (high, medium, low), or the label."))
        parser.add_argument("--light", help=_("red, yellow, green or grey (or the label)."))
        parser.add_argument("--overdue", choices=["yes", "no"], help=_("Overdue only, or not."))
        parser.add_argument("--due-after", help=_("Due on or after this day (YYYY-MM-DD)."))
        parser.add_argument("--due-before", help=_("Due on or before this day (YYYY-MM-DD)."))
        parser.add_argument(
            "--sort", help=_("rank (default), due, -due, progress or -progress, within each area.")
        )

    def handle(self, *args: object, **options: object) -> None:
        file_format = str(options["file_format"]).lower()
        if file_format not in FORMATS:
            raise CommandError(
                _("Unknown format “%(format)s”: use xlsx or csv.") % {"format": file_format}
            )
        output = str(options["output"])
        if output == "-" and file_format != "csv":
            raise CommandError(_("Only CSV can be written to stdout; give a file name for xlsx."))
        day = clock.today()
        query = self._query(options)
        filters = filtered_measures(query, day, plan=self._plan(options.get("federation")))
        if query and not filters.is_valid():
            problems = "；".join(
                f"{filters.form.fields[name].label}: {' '.join(errors)}"
                for name, errors in filters.form.errors.items()
            )
            raise CommandError(_("Nothing was exported: %(problems)s") % {"problems": problems})
        rows = ledger.ledger_rows(ledger.ledger_queryset(filters, None))
        if output == "-":
            for line in ledger.csv_lines(ledger.LEDGER_COLUMNS, rows):
                self.stdout.write(line, ending="")
            return
        count = self._write(Path(output), file_format, rows, filters, day)
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(count)d measures to %(file)s.") % {"count": count, "file": output}
            )
        )

    def _plan(self, asked: object) -> int | None:
        """The federation whose plan is exported: the one named, else the root's."""
        if not asked:
            return federations.load().root_id
        found = federations.find(asked)
        if found is None:
            raise CommandError(
                _("No federation is “%(name)s”: give a federation's id or its full name.")
                % {"name": str(asked).strip()}
            )
        return found

    def _write(self, path: Path, file_format: str, rows, filters: MeasureFilter, day) -> int:
        """Write next to the target, then move it into place: never a half-written file."""
        folder = path.resolve().parent
        if not folder.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": folder})
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".ledger-", suffix=path.suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                if file_format == "xlsx":
                    count = ledger.write_ledger_xlsx(out, rows=rows, filters=filters, day=day)
                else:
                    count = ledger.write_csv(out, ledger.LEDGER_COLUMNS, rows)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return count

    def _query(self, options: dict) -> QueryDict:
        """The options as the task book's query string; names resolved to ids."""
        query = QueryDict(mutable=True)
        simple = {"q": "q", "overdue": "overdue", "sort": "sort"}
        simple |= {"due_after": "due_after", "due_before": "due_before"}
        for option, name in simple.items():
            if options.get(option):
                query[name] = options[option]
        if options.get("area"):
            query["area"] = self._pk(options["area"], "area")
        for option, name in (("lead_body", "lead_body"), ("body", "body")):
            if options.get(option):
                query[name] = self._pk(options[option], "body")
        if options.get("owner"):
            query["owner"] = self._pk(options["owner"], "owner")
        choices = {
            "status": Measure.Status.choices,
            "priority": Measure.Priority.choices,
            "light": Light.choices,
        }
        for option, pairs in choices.items():
            if options.get(option):
                query[option] = self._choice(str(options[option]), pairs)
        return query

    def _pk(self, value: str, kind: str) -> str:
        value = str(value).strip()
        if value.isdigit():
            return value
        found = {
            "area": lambda: ReformArea.objects.filter(title=value),
            "body": lambda: ResponsibleBody.objects.filter(name=value),
            "owner": lambda: get_user_model().objects.filter(username=value),
        }[kind]()
        pks = list(found.values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            raise CommandError(
                _("Nothing was exported: “%(value)s” names no single %(kind)s.")
                % {"value": value, "kind": self._kind(kind)}
            )
        return str(pks[0])

    @staticmethod
    def _kind(kind: str) -> str:
        return {
            "area": _("reform area"),
            "body": _("responsible body"),
            "owner": _("user"),
        }[kind]

    @staticmethod
    def _choice(value: str, pairs: list[tuple[object, object]]) -> str:
        for key, label in pairs:
            if value.strip().lower() in {str(key).lower(), str(label).lower()}:
                return str(key)
        return value  # left for the filters to refuse, with their own message

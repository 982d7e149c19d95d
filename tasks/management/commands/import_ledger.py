"""python manage.py import_ledger PATH [--dry-run] [--format text|json] [--include-stale]
[--user NAME] — an edited ledger (台账) read back, as the upload page reads it.

The same checks of the file, the same preview and the same confirmation as /measures/upload/:
`--dry-run` prints what the file would change and writes nothing; without it, the changes are
applied all or none. A stale row (its measure changed since the sheet was exported) is applied
only with `--include-stale`, as the page applies it only when ticked. A file that cannot be
used, or a row that cannot, exits with code 2 and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import federations, permissions
from tasks.ledger.upload import (
    LedgerRefused,
    Preview,
    UploadError,
    apply_ledger,
    planned,
    preview_data,
    read_ledger,
)
from tasks.ledger.upload.form import LedgerUploadForm
from tasks.management.base import TranslatedCommand

BAD_INPUT = 2


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Read an edited ledger (.xlsx) back into the task book: the same checks and preview as "
        "the upload page. With --dry-run it writes nothing; without, it applies every change or "
        "none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("The edited ledger (.xlsx)."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Show what would change; write nothing.")
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help=_("How to print the preview: text or json."),
        )
        parser.add_argument(
            "--include-stale",
            action="store_true",
            help=_(
                "Also apply the changes of stale rows (measures changed since the sheet was "
                "exported); without it they are listed and left as they are."
            ),
        )
        parser.add_argument(
            "--user", help=_("The user name the history records as having made the changes.")
        )

    def handle(
        self,
        *args: object,
        path: Path,
        dry_run: bool,
        format: str,
        include_stale: bool,
        user: str | None,
        **options: object,
    ) -> None:
        by = self._user(user)
        # the plan of the user's federation; without a user, the root federation's
        plan = permissions.home_federation(by) if by is not None else federations.root_id()
        preview = self._read(path, plan)
        if format == "json":
            data = preview_data(preview, include_stale=include_stale)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            self._print(preview, include_stale)
        out = self.stderr if format == "json" else self.stdout
        if preview.errors:
            if dry_run:
                return
            raise CommandError(
                _("Nothing was written: %(n)d rows cannot be used (listed above).")
                % {"n": len({error.row for error in preview.errors})},
                returncode=BAD_INPUT,
            )
        changes = [c for c in planned(preview) if include_stale or not c.stale]
        if dry_run or not changes:
            if not changes:
                out.write(_("Nothing to write: the file changes nothing that is applied."))
            return
        try:
            count = apply_ledger(changes=changes, by=by)
        except LedgerRefused as refused:
            raise CommandError(
                _("Nothing was written:") + "\n" + "\n".join(refused.problems),
                returncode=BAD_INPUT,
            ) from None
        out.write(
            self.style.SUCCESS(
                _("The ledger was applied: %(count)d measures changed.") % {"count": count}
            )
        )

    def _user(self, name: str | None):
        if not name:
            return None
        found = get_user_model().objects.filter(is_active=True, username=name).first()
        if found is None:
            raise CommandError(
                _("No active user is named “%(name)s”.") % {"name": name}, returncode=BAD_INPUT
            )
        return found

    def _read(self, path: Path, plan: int | None) -> Preview:
        if not path.is_file():
            raise CommandError(
                _("There is no file %(path)s. Check the path and run the command again.")
                % {"path": path},
                returncode=BAD_INPUT,
            )
        with path.open("rb") as handle:
            form = LedgerUploadForm(files={"file": File(handle, name=path.name)})
            try:
                if not form.is_valid():  # the page's checks: the name, the size, a zip
                    raise UploadError("；".join(form.errors["file"]))
                return read_ledger(form.cleaned_data["file"], plan)
            except UploadError as error:
                raise CommandError(
                    _("Nothing was written. %(reason)s") % {"reason": error},
                    returncode=BAD_INPUT,
                ) from None

    def _print(self, preview: Preview, include_stale: bool) -> None:
        write = self.stdout.write
        write(
            _(
                "%(rows)d rows read: %(changes)d measures change, %(unchanged)d unchanged, "
                "%(stale)d stale, %(ignored)d cells ignored, %(errors)d problems."
            )
            % {
                "rows": preview.rows,
                "changes": len(preview.fresh),
                "unchanged": preview.unchanged,
                "stale": len(preview.stale_rows),
                "ignored": len(preview.ignored),
                "errors": len(preview.errors),
            }
        )
        for change in preview.fresh:
            self._print_change(change)
        for stale in preview.stale_rows:
            write(
                self.style.WARNING(
                    _("Row %(row)d, stale: %(summary)s")
                    % {"row": stale.row, "summary": stale.summary}
                )
            )
            if stale.change is not None:
                self._print_change(stale.change)
                if not include_stale:
                    write("  " + _("(not applied: run with --include-stale to apply it)"))
        for cell in preview.ignored:
            write(
                _("Row %(row)d, %(column)s: “%(value)s” ignored. %(reason)s")
                % {
                    "row": cell.row,
                    "column": cell.column,
                    "value": cell.value,
                    "reason": cell.reason,
                }
            )
        for error in preview.errors:
            write(
                self.style.ERROR(
                    _("Row %(row)d, %(column)s: %(message)s")
                    % {"row": error.row, "column": error.column, "message": error.message}
                )
            )

    def _print_change(self, change) -> None:
        self.stdout.write(
            _("Row %(row)d, “%(title)s”:") % {"row": change.row, "title": change.title}
        )
        for field in change.changes:
            self.stdout.write(f"  {field.label}: {field.before} → {field.after}")

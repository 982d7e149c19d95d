"""The round trip: an edited ledger (XLSX) read back, previewed, then applied all at once.

Where things live, in the order an upload goes through them:
- `cells`: reading one cell (dates, 完成时限 through `tasks.deadlines`, 优先级, 进度, people,
  bodies), and telling a cell left as the export wrote it.
- `sheet`: finding the ledger's header row in the workbook and the data rows under it.
- `compare`: what a measure holds now and at the version a sheet was exported at, and why each
  column the upload does not change is read-only.
- `preview`: matching each row to its measure, checking it, and the `Preview` of what changes.
- `apply`: the signed token that carries the preview to the confirmation, and `apply_ledger`.
- `form`: the upload form (`LedgerUploadForm`): an .xlsx under the size limit.

The office exports the ledger, edits it in Excel or WPS and uploads it (on the page, or with
`python manage.py import_ledger`); the columns read are 牵头单位, 配合单位, 责任人, 开始时间,
完成时限, 优先级 and 进度. Every other column is the ledger's own: a cell there that says
something else than the export wrote is listed as ignored, with where that value is changed
instead. Nothing typed is dropped without a word. Two steps:

1. `read_ledger(file)` reads the first sheet with a ledger header row and returns a `Preview`
   (plain data): for each row that differs from the database, every field's old → new value;
   for each row that cannot be used, the row number and why; each ignored cell and why; each
   stale row. A cell is compared on its meaning with what the measure holds, so an unchanged
   export changes nothing. Nothing is written.
2. `apply_ledger(changes=…)` writes the previewed changes in one transaction, each through the
   measure's versioned save: if any measure was changed by someone since the preview (its
   version moved on), or a body or user named has gone, nothing is written and
   `LedgerRefused` says which. Unchanged rows are not saved at all: no new version, no history.

Stale rows: the export writes each measure's version in the hidden `VERSION` column. A row
whose measure was saved since is stale: the preview says what changed in between and by whom.
Its cells that still hold the older values keep the newer ones (an old export never reverts a
liaison's progress); what else it changes is applied only when the office ticks the row
(`chosen`).

Matching rows to measures: by the hidden `ID` column the export writes (the measure's id),
checked against the row's title, so a sheet whose rows were sorted apart from that column is
caught instead of applied to the wrong measure. A ledger without the ID column (typed by hand,
or the column deleted) is matched by 优先序 (rank) and title together: both must name the same
measure. Ranks move when the priority order changes, so an old ledger without IDs may no
longer match; the preview says so row by row.

Carrying the preview to the confirmation: the changes (measure id, the version previewed, the
new values — a few numbers and dates a measure) are signed with the site's secret key
(`django.core.signing`, bound to the user, valid for two hours) and sent back as a hidden form
field. Nothing is kept on the server between the two requests, so any app server can take the
confirmation, and a tampered or stale form is refused.
"""

from tasks.ledger.upload.apply import (
    LedgerRefused,
    PlannedChange,
    apply_ledger,
    chosen,
    planned,
    planned_changes,
    preview_token,
)
from tasks.ledger.upload.preview import (
    FieldChange,
    Ignored,
    Preview,
    RowChange,
    RowError,
    Staleness,
    preview_data,
    read_ledger,
)
from tasks.ledger.upload.sheet import UploadError

__all__ = [
    "FieldChange",
    "Ignored",
    "LedgerRefused",
    "PlannedChange",
    "Preview",
    "RowChange",
    "RowError",
    "Staleness",
    "UploadError",
    "apply_ledger",
    "chosen",
    "planned",
    "planned_changes",
    "preview_data",
    "preview_token",
    "read_ledger",
]

"""台账, both ways: the ledger and the period report as plain rows, the XLSX and CSV writers for
them, and reading an edited ledger back.

Where things live:
- `columns`: `Column`, `LEDGER_COLUMNS`, the row types (`AreaRow`, `MeasureRow`) and the numbering
  (一、二、三… for areas) that both exports share.
- `export`: the ledger's query and rows, the filters in words, its title and file name.
- `period_report`: the period report (`period_report`, `PeriodReport`, `PERIOD_COLUMNS`).
- `writers`: `write_xlsx`, `write_csv` and `csv_lines`.
- `upload/`: an edited ledger read back, previewed and applied (`tasks.ledger.upload`).

The ledger follows the task book's filters and order: one group row per reform area (numbered
一、二、三…), its measures numbered 1, 2, 3… within it. Each measure row carries the latest
progress report's text (最新进展, 存在问题, 下步计划) and the measure's id, in a hidden column
`ID` that lets an edited ledger be uploaded back (`upload/`).

Memory and queries stay flat however large the plan: the measures come from one query, read
with `.iterator()` (the co-operating bodies and the latest report are annotations, not
prefetches), and the XLSX is written row by row in XlsxWriter's `constant_memory` mode.
"""

from tasks.ledger.columns import (
    ID_HEADER,
    LEDGER_COLUMNS,
    AreaRow,
    Column,
    MeasureRow,
    Row,
    area_label,
)
from tasks.ledger.export import (
    SEPARATOR,
    describe_filters,
    ledger_file_name,
    ledger_queryset,
    ledger_rows,
    ledger_title,
    write_ledger_xlsx,
)
from tasks.ledger.period_report import (
    PERIOD_COLUMNS,
    REPORT_STATES,
    ROWS_PER_PAGE,
    PeriodReport,
    period_report,
)
from tasks.ledger.writers import XLSX_TYPE, csv_lines, text_width, write_csv, write_xlsx

__all__ = [
    "ID_HEADER",
    "LEDGER_COLUMNS",
    "PERIOD_COLUMNS",
    "REPORT_STATES",
    "ROWS_PER_PAGE",
    "SEPARATOR",
    "XLSX_TYPE",
    "AreaRow",
    "Column",
    "MeasureRow",
    "PeriodReport",
    "Row",
    "area_label",
    "csv_lines",
    "describe_filters",
    "ledger_file_name",
    "ledger_queryset",
    "ledger_rows",
    "ledger_title",
    "period_report",
    "text_width",
    "write_csv",
    "write_ledger_xlsx",
    "write_xlsx",
]

"""台账, both ways: the ledger and the period report as plain rows, the XLSX and CSV writers for
them, and reading an edited ledger back.

Where things live:
- `columns`: `Column`, `LEDGER_COLUMNS` (the CSV's; the workbook's `LEDGER_SHEET_COLUMNS` leave
  out the area, which its group rows say), the row types (`AreaRow`, `MeasureRow`) and the
  areas' numbering (`area_label`) every export shares.
- `export`: the ledger's query and rows, the filters in words, its title and file name.
- `period_report`: the period report (`period_report`, `PeriodReport`, `PERIOD_COLUMNS`).
- `writers`: `write_xlsx` (rows as tall as their text: `row_height`), `write_csv`, `csv_lines`.
- `upload/`: an edited ledger read back, previewed and applied (`tasks.ledger.upload`).

The ledger follows the task book's filters and order: one group row per reform area (numbered
once: by the area's own ordinal as written, else 一、二、三…), its measures numbered 1, 2, 3…
within it. Each measure row carries its next milestone, an approved extension, the day it was
closed, the latest progress report's text (最新进展, 存在问题, 下步计划) and the measure's id, in a
hidden column `ID` that lets an edited ledger be uploaded back (`upload/`). A second sheet
lists the measures' milestones.

Memory and queries stay flat however large the plan: the measures come from one query, read
with `.iterator()` (the co-operating bodies, the latest report, the milestones and the
extensions are annotations, not prefetches), and the XLSX is written row by row in
XlsxWriter's `constant_memory` mode.
"""

from tasks.ledger.columns import (
    ID_HEADER,
    LEDGER_COLUMNS,
    LEDGER_SHEET_COLUMNS,
    MILESTONE_COLUMNS,
    AreaRow,
    Column,
    MeasureRow,
    MilestoneLine,
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
from tasks.ledger.writers import (
    XLSX_TYPE,
    csv_lines,
    row_height,
    text_lines,
    text_width,
    write_csv,
    write_xlsx,
)

__all__ = [
    "ID_HEADER",
    "LEDGER_COLUMNS",
    "LEDGER_SHEET_COLUMNS",
    "MILESTONE_COLUMNS",
    "PERIOD_COLUMNS",
    "REPORT_STATES",
    "ROWS_PER_PAGE",
    "SEPARATOR",
    "XLSX_TYPE",
    "AreaRow",
    "Column",
    "MeasureRow",
    "MilestoneLine",
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
    "row_height",
    "text_lines",
    "text_width",
    "write_csv",
    "write_ledger_xlsx",
    "write_xlsx",
]

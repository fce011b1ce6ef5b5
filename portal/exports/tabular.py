"""CSV and XLSX: tables for spreadsheets, with spreadsheet-formula injection neutralised.

Every text cell that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe; the rule is the analysis module's `neutralise_cell`, reused so that all exports of
the portal behave alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from portal.analysis.reader import neutralise_cell

__all__ = ["CSV", "XLSX", "neutralise_cell", "to_csv", "to_xlsx"]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _clean(row: Iterable[Any]) -> list[Any]:
    return [neutralise_cell("" if value is None else value) for value in row]


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel then reads Czech letters right), separated by semicolons."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_clean(header))
    for row in rows:
        writer.writerow(_clean(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export") -> bytes:
    """A one-sheet workbook; every cell is written as a value, never as a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(_clean(header))
    for number, row in enumerate(rows, start=2):
        values = _clean(row)
        sheet.append(values)
        # By row number, not `sheet[sheet.max_row]`: max_row scans every cell, which made large sheets
        # quadratic (5,000 rows took 9 s instead of under 2).
        for column in range(1, len(values) + 1):
            cell = sheet.cell(row=number, column=column)
            if cell.data_type == "f":  # openpyxl guesses "=..." as a formula; neutralised text never is
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

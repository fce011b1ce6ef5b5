"""Helpers to build analysis input files in tests (plain Python, no Flask)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

SAMPLE = Path("/work/shared/analysis/sample")

SCHOOL_HEADER = [
    "school_year",
    "territory",
    "school_id",
    "school_name",
    "school_type",
    "pupils",
    "disadvantaged",
    "sen",
    "mild_id",
    "dropouts",
    "leavers",
    "leavers_matura",
    "disadvantaged_leavers",
    "disadvantaged_leavers_matura",
    "competence_score",
    "funding_per_pupil",
    "grade5_pupils",
    "gym_outflow",
]
CLASS_HEADER = ["school_year", "school_id", "grade", "class_name", "pupils", "disadvantaged", "stream"]


def to_csv(
    header: list[str], rows: list[dict[str, object]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    """Serialise rows (missing keys → empty cells) the way a spreadsheet would export them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return buffer.getvalue().encode(encoding)


def school(**values: object) -> dict[str, object]:
    """A valid school row with sensible defaults; override any column."""
    row: dict[str, object] = {
        "school_year": "2025/26",
        "territory": "ORP Test",
        "school_id": "100",
        "school_name": "ZŠ Test",
        "school_type": "ZS",
        "pupils": 100,
        "disadvantaged": 10,
    }
    row.update(values)
    return row


def klass(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "school_year": "2025/26",
        "school_id": "100",
        "grade": 1,
        "class_name": "1.A",
        "pupils": 20,
        "disadvantaged": 2,
    }
    row.update(values)
    return row


# (column, cell, expected code): the values from the issue and their relatives.
NASTY_SCHOOL_CELLS = [
    ("pupils", "+1" + "0" * 400, "number_too_long"),
    ("pupils", "1e400", "not_a_number"),
    ("pupils", "1E+400", "not_a_number"),
    ("funding_per_pupil", "1" + "0" * 400 + ",5", "number_too_long"),  # decimal comma overflow
    ("competence_score", "1" + "0" * 330 + ".5", "number_too_long"),
    ("pupils", "9" * 5000, "number_too_long"),  # beyond Python's 4,300-digit int() limit
    ("dropouts", "1" * 4301, "number_too_long"),
    ("pupils", "2147483648", "too_large"),  # PostgreSQL integer + 1
    ("sen", "2 147 483 648", "too_large"),
    ("grade5_pupils", "99999999999", "too_large"),
    ("funding_per_pupil", "Infinity", "not_finite"),
    ("funding_per_pupil", "-inf", "not_finite"),
    ("funding_per_pupil", "+INF", "not_finite"),
    ("competence_score", "NaN", "not_finite"),
    ("competence_score", "nan", "not_finite"),
    ("funding_per_pupil", "∞", "not_finite"),
    ("funding_per_pupil", "1 000 000 000 000,01", "too_large"),  # above MAX_DECIMAL
    ("pupils", "12.5", "not_integer"),
    ("pupils", "١٢", "not_a_number"),  # Arabic-Indic digits are not an accepted form
    ("pupils", "１２", "not_a_number"),  # nor are full-width ones
    ("funding_per_pupil", "-0,5", "negative"),
    ("pupils", "-0,5", "not_integer"),
]

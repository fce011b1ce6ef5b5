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

"""What an annual report is made of, as plain data: sections of blocks, each figure with a stable key.

`portal.reports.sections` builds one `Section` per part of the report from the areas' read functions (the
figures the portal shows elsewhere, never a second calculation); the renderers turn a `Report` into HTML,
PDF and DOCX; the stored version keeps `Report.to_json()` and its `digest()`.

Every value in a section is already what people read (translated labels, formatted dates) or a plain
number, so that the JSON of a report is the whole of what it says, and its digest changes exactly when the
data it was made from changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Cell = str | int | float | None


@dataclass
class Figure:
    """A named figure (e.g. key "meetings_held", label "Konaná jednání", value 5); tests and the digest
    find figures by key."""

    key: str
    label: str
    value: Cell
    unit: str | None = None  # shown after the value ("%", "osob")


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[Cell]]


@dataclass
class Chart:
    """A chart and the table beside it, which holds the same numbers (its text equivalent).

    kind: "bar" (one value per label, horizontal bars), "stacked" (several series per label, stacked
    horizontal bars), "column" (one value per label, e.g. per year or per meeting), "line" (several series
    over labels, e.g. an index per school year)."""

    key: str
    title: str
    kind: Literal["bar", "stacked", "column", "line"]
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    table: Table
    unit: str | None = None


@dataclass
class Text:
    text: str


@dataclass
class Items:
    items: list[str]


Block = Figure | Table | Chart | Text | Items


@dataclass
class Section:
    """One part of the report. `available` is False where the feature it reports on is not in the portal
    (the section then says so in `note` instead of being left out)."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    available: bool = True
    note: str | None = None

    def figure(self, key: str) -> Figure | None:
        return next((b for b in self.blocks if isinstance(b, Figure) and b.key == key), None)


@dataclass
class Report:
    group_id: int
    group_name: str
    territory_name: str | None
    start: date
    end: date
    language: str
    title: str
    foreword: str | None
    notes: str | None
    sections: list[Section]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        for section, raw in zip(self.sections, data["sections"], strict=True):
            for block, raw_block in zip(section.blocks, raw["blocks"], strict=True):
                raw_block["type"] = type(block).__name__
        return data

    def to_json(self) -> str:
        """Canonical JSON: the same report always gives the same bytes."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: what the report was made from (foreword and notes included)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

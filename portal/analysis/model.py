"""Data model of the selectivity analysis: input rows, validation problems.

Only aggregate counts per school site and per class are modelled (SPEC section 1, "Privacy"):
no pupil-level data ever enters this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: School types in the order used for output; rules compare only sites of the same type.
SCHOOL_TYPES: tuple[str, ...] = ("MS", "ZS", "SS", "GYM")

#: Czech labels of the school types, for messages.
SCHOOL_TYPE_LABELS: dict[str, str] = {"MS": "MŠ", "ZS": "ZŠ", "SS": "SŠ", "GYM": "víceleté gymnázium"}


@dataclass(frozen=True, slots=True)
class School:
    """One school site in one school year (a row of the ``schools`` table)."""

    school_year: str
    territory: str
    school_id: str
    school_name: str
    school_type: str
    pupils: int
    disadvantaged: int
    sen: int | None = None
    mild_id: int | None = None
    dropouts: int | None = None
    leavers: int | None = None
    leavers_matura: int | None = None
    disadvantaged_leavers: int | None = None
    disadvantaged_leavers_matura: int | None = None
    competence_score: float | None = None
    funding_per_pupil: float | None = None
    grade5_pupils: int | None = None
    gym_outflow: int | None = None
    #: Row in the source file as a spreadsheet user counts it (header = 1); 0 when built in code.
    row: int = 0

    @property
    def share(self) -> float | None:
        """Share of disadvantaged pupils, ``None`` for a site with no pupils."""
        return self.disadvantaged / self.pupils if self.pupils else None


@dataclass(frozen=True, slots=True)
class SchoolClass:
    """One class of a school site in one school year (a row of the ``classes`` table)."""

    school_year: str
    school_id: str
    grade: int
    class_name: str
    pupils: int
    disadvantaged: int
    stream: str | None = None
    row: int = 0

    @property
    def share(self) -> float | None:
        return self.disadvantaged / self.pupils if self.pupils else None


@dataclass(slots=True)
class Dataset:
    """A validated input: all school sites and (optionally) their classes.

    ``has_classes`` tells whether a classes table was supplied at all (class-level rules and indices
    run only then); an empty classes table counts as supplied.
    """

    schools: list[School]
    classes: list[SchoolClass] = field(default_factory=list)
    has_classes: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason why an input was rejected.

    ``source`` is the file or sheet name, ``row`` the spreadsheet row (header = 1, ``None`` for problems of
    the whole file), ``column`` the column as named in the SPEC (``None`` if not tied to one), ``code`` a
    stable machine-readable reason and ``message`` a Czech sentence for the user.
    """

    source: str
    row: int | None
    column: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.row is not None:
            where.append(f"řádek {self.row}")
        if self.column is not None:
            where.append(f"sloupec „{self.column}“")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


class ValidationFailed(Exception):
    """The input was rejected as a whole; ``problems`` lists every problem found (never empty)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problém(ů) ve vstupních datech")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

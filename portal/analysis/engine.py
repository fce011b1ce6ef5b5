"""The whole analysis: :func:`analyse` turns a validated dataset into a :class:`Result` (SPEC section 4)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .config import RuleSet, default_rules
from .findings import Finding, group_flags
from .indices import IndexRow, class_level_indices, school_level_indices
from .model import Dataset
from .rules import Flag, Skip, apply_rules


@dataclass(frozen=True, slots=True)
class Result:
    """Indices, flags and skipped checks of one analysis.

    Order (deterministic): ``indices`` — first all "schools" rows by (school_year, territory, school_type in
    the order MS, ZS, SS, GYM), then all "classes" rows by (school_year, territory, school_type, school_id);
    ``flags`` — by (school_year, territory, rule in catalogue order, school_type, school_id, grade,
    class_name); ``skipped`` — by (school_year, territory, rule, school_id, reason).
    """

    indices: list[IndexRow]
    flags: list[Flag]
    skipped: list[Skip]

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        """The JSON shape of SPEC section 4 (fractions, full float precision, ``None`` for undefined)."""
        return {
            "indices": [row.to_dict() for row in self.indices],
            "flags": [flag.to_dict() for flag in self.flags],
            "skipped": [skip.to_dict() for skip in self.skipped],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def findings(self) -> list[Finding]:
        """Flags grouped for the UI (see :func:`portal.analysis.findings.group_flags`)."""
        return group_flags(self.flags)


def analyse(dataset: Dataset, rules: RuleSet | None = None) -> Result:
    """Compute the indices and apply the rules (defaults unless ``rules`` is given)."""
    rules = rules or default_rules()
    sites = {(s.school_year, s.school_id): s for s in dataset.schools}
    indices = school_level_indices(dataset.schools)
    if dataset.has_classes:
        indices += class_level_indices(dataset.classes, sites)
    flags, skipped = apply_rules(dataset, rules)
    return Result(indices=indices, flags=flags, skipped=skipped)

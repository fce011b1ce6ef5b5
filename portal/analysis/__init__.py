"""Selectivity analysis of school data for a MAP territory (plain Python, no Flask, no database).

Typical use::

    from portal.analysis import read_path, analyse, load_rules
    result = analyse(read_path("data/"), load_rules("pravidla.toml"))
    print(result.to_json())

See ``SPEC.md`` (input, rules, indices, output). Flags are signals to look into, never findings of law.
"""

from .config import (
    Reference,
    RuleConfig,
    RulesError,
    RuleSet,
    default_rules,
    load_rules,
    rules_from_mapping,
    rules_from_toml,
)
from .defaults import DEFAULT_RULES_TOML
from .engine import Result, analyse
from .findings import Finding, group_flags
from .indices import INDEX_NAMES, IndexRow, IndexValues, segregation_indices
from .model import SCHOOL_TYPES, Dataset, Problem, School, SchoolClass, ValidationFailed
from .reader import DEFAULT_MAX_BYTES, neutralise_cell, read_path, read_upload
from .rules import Flag, Skip, flag_identity

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RULES_TOML",
    "INDEX_NAMES",
    "SCHOOL_TYPES",
    "Dataset",
    "Finding",
    "Flag",
    "IndexRow",
    "IndexValues",
    "Problem",
    "Reference",
    "Result",
    "RuleConfig",
    "RuleSet",
    "RulesError",
    "School",
    "SchoolClass",
    "Skip",
    "ValidationFailed",
    "analyse",
    "default_rules",
    "flag_identity",
    "group_flags",
    "load_rules",
    "neutralise_cell",
    "read_path",
    "read_upload",
    "rules_from_mapping",
    "rules_from_toml",
    "segregation_indices",
]

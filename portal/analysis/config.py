"""Rules configuration: built-in defaults plus an optional TOML rules file (SPEC section 2).

A rules file has ``[rules.<rule id>]`` tables (keys ``enabled``, ``severity``, ``threshold``, ``mode``,
``school_types``, ``source`` and, for ``small_segregated_school``, ``max_pupils``) and
``[references.<name>]`` tables (``value``, ``source``, ``date``). It overrides only what it names; anything
unknown or out of range is an error (:class:`RulesError` lists them all), never silently ignored.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .defaults import DEFAULT_RULES_TOML
from .model import SCHOOL_TYPES

SEVERITIES = ("warning", "info")
SPREAD_MODES = ("pairwise", "vs_average")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a rule accepts.

    ``share`` thresholds are fractions 0..1 (percentage points), ``relative`` ones are ≥ 0.
    """

    threshold_kind: str
    modes: tuple[str, ...] = ()
    by_type: bool = True
    extra: tuple[str, ...] = ()


#: The rule catalogue in output order (SPEC section 2).
RULE_SPECS: dict[str, RuleSpec] = {
    "disadvantaged_spread_schools": RuleSpec("share", SPREAD_MODES),
    "disadvantaged_spread_classes": RuleSpec("share", SPREAD_MODES),
    "sen_share_territory": RuleSpec("share", by_type=False),
    "mild_id_share_territory": RuleSpec("share", by_type=False),
    "sen_share_school": RuleSpec("share"),
    "mild_id_share_school": RuleSpec("share"),
    "dropout_gap": RuleSpec("relative"),
    "further_ed_gap": RuleSpec("relative"),
    "competence_gap": RuleSpec("relative"),
    "funding_gap": RuleSpec("relative"),
    "disadvantaged_matura_gap": RuleSpec("relative"),
    "small_segregated_school": RuleSpec("share", extra=("max_pupils",)),
    "high_disadvantage_school": RuleSpec("share"),
    "high_disadvantage_territory": RuleSpec("share", by_type=False),
    "gym_outflow_high": RuleSpec("share"),
}
RULE_ORDER: dict[str, int] = {rule_id: n for n, rule_id in enumerate(RULE_SPECS)}
REFERENCE_KEYS = ("value", "source", "date")


class RulesError(ValueError):
    """An invalid rules file; ``errors`` lists every problem as a Czech sentence."""

    def __init__(self, errors: list[str], source: str = ""):
        self.errors = errors
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + e for e in errors))


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Settings of one rule. ``source`` cites the guide section the rule comes from."""

    id: str
    enabled: bool
    severity: str
    threshold: float
    source: str
    mode: str | None = None
    school_types: tuple[str, ...] = SCHOOL_TYPES
    max_pupils: int | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference value the rules compare against (e.g. the national competence score), with its source."""

    value: float | None
    source: str
    date: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: dict[str, RuleConfig]
    references: dict[str, Reference]

    def __getitem__(self, rule_id: str) -> RuleConfig:
        return self.rules[rule_id]

    def reference(self, name: str) -> Reference:
        return self.references.get(name, Reference(None, "", ""))


def default_rules() -> RuleSet:
    """The built-in rule set (see :mod:`portal.analysis.defaults`)."""
    return _DEFAULTS


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Defaults overridden by the TOML rules file at ``path`` (if given). Raises :class:`RulesError`."""
    if path is None:
        return _DEFAULTS
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError([f"Soubor pravidel nelze přečíst ({exc})."], str(path)) from exc
    return rules_from_toml(text, source=str(path))


def rules_from_toml(text: str, *, source: str = "", base: RuleSet | None = None) -> RuleSet:
    """Parse rules TOML ``text`` over ``base`` (the defaults unless given)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([f"Soubor pravidel není platný TOML ({exc})."], source) from exc
    return rules_from_mapping(data, source=source, base=base)


def rules_from_mapping(data: Mapping[str, Any], *, source: str = "", base: RuleSet | None = None) -> RuleSet:
    """Apply an already parsed rules mapping (e.g. stored settings in the portal) over ``base``."""
    base = base or _DEFAULTS
    errors: list[str] = []
    rules = dict(base.rules)
    references = dict(base.references)
    for key in data:
        if key not in ("rules", "references"):
            errors.append(f"Neznámá sekce „{key}“; povolené jsou [rules.<pravidlo>] a [references.<název>].")
    rule_tables = data.get("rules", {})
    if not isinstance(rule_tables, Mapping):
        errors.append("Sekce „rules“ musí obsahovat tabulky [rules.<pravidlo>].")
        rule_tables = {}
    for rule_id, table in rule_tables.items():
        if rule_id not in RULE_SPECS:
            errors.append(f"Neznámé pravidlo „{rule_id}“; známá pravidla: {', '.join(RULE_SPECS)}.")
            continue
        if not isinstance(table, Mapping):
            errors.append(f"[rules.{rule_id}] musí být tabulka.")
            continue
        current = rules.get(rule_id)
        rules[rule_id] = _apply_rule(rule_id, table, current, errors)
    ref_tables = data.get("references", {})
    if not isinstance(ref_tables, Mapping):
        errors.append("Sekce „references“ musí obsahovat tabulky [references.<název>].")
        ref_tables = {}
    for name, table in ref_tables.items():
        if not isinstance(table, Mapping):
            errors.append(f"[references.{name}] musí být tabulka.")
            continue
        references[name] = _apply_reference(name, table, references.get(name), errors)
    missing = [rule_id for rule_id in RULE_SPECS if rule_id not in rules]
    if missing:
        errors.append(f"Chybí nastavení pravidel: {', '.join(missing)}.")
    if errors:
        raise RulesError(errors, source)
    return RuleSet(rules={rule_id: rules[rule_id] for rule_id in RULE_SPECS}, references=references)


def _apply_rule(
    rule_id: str, table: Mapping[str, Any], current: RuleConfig | None, errors: list[str]
) -> RuleConfig:
    spec = RULE_SPECS[rule_id]
    allowed = {"enabled", "severity", "threshold", "source"}
    if spec.modes:
        allowed.add("mode")
    if spec.by_type:
        allowed.add("school_types")
    allowed.update(spec.extra)
    where = f"[rules.{rule_id}]"
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in allowed:
            errors.append(f"{where}: neznámý klíč „{key}“; povolené jsou {', '.join(sorted(allowed))}.")
        elif key == "enabled":
            if isinstance(value, bool):
                changes[key] = value
            else:
                errors.append(f"{where}: enabled musí být true nebo false.")
        elif key == "severity":
            if value in SEVERITIES:
                changes[key] = value
            else:
                errors.append(f"{where}: severity musí být „warning“ nebo „info“, ne „{value}“.")
        elif key == "mode":
            if value in spec.modes:
                changes[key] = value
            else:
                errors.append(f"{where}: mode musí být jedno z {', '.join(spec.modes)}, ne „{value}“.")
        elif key == "threshold":
            threshold = _number(value)
            if threshold is None or threshold < 0 or (spec.threshold_kind == "share" and threshold > 1):
                kind = (
                    "zlomek 0–1 (25 % = 0.25)"
                    if spec.threshold_kind == "share"
                    else "nezáporné číslo (25 % = 0.25)"
                )
                errors.append(f"{where}: threshold musí být {kind}, ne „{value}“.")
            else:
                changes[key] = threshold
        elif key == "max_pupils":
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                changes[key] = value
            else:
                errors.append(f"{where}: max_pupils musí být kladné celé číslo, ne „{value}“.")
        elif key == "school_types":
            if (
                isinstance(value, list)
                and value
                and all(isinstance(v, str) and v in SCHOOL_TYPES for v in value)
            ):
                changes[key] = tuple(t for t in SCHOOL_TYPES if t in value)
            else:
                errors.append(f"{where}: school_types musí být neprázdný seznam z {', '.join(SCHOOL_TYPES)}.")
        elif key == "source":
            if isinstance(value, str):
                changes[key] = value
            else:
                errors.append(f"{where}: source musí být text.")
    if current is not None:
        return replace(current, **changes)
    # Building the defaults themselves: every rule must be complete.
    required = (
        {"enabled", "severity", "threshold", "source"} | ({"mode"} if spec.modes else set()) | set(spec.extra)
    )
    missing = sorted(required - changes.keys())
    if missing:
        errors.append(f"{where}: chybí {', '.join(missing)}.")
        changes.update({"enabled": False, "severity": "info", "threshold": 0.0, "source": ""})
    return RuleConfig(id=rule_id, **changes)


def _apply_reference(
    name: str, table: Mapping[str, Any], current: Reference | None, errors: list[str]
) -> Reference:
    where = f"[references.{name}]"
    value = current.value if current else None
    source = current.source if current else ""
    date = current.date if current else ""
    for key, item in table.items():
        if key not in REFERENCE_KEYS:
            errors.append(f"{where}: neznámý klíč „{key}“; povolené jsou value, source, date.")
        elif key == "value":
            value = _number(item)
            if value is None:
                errors.append(f"{where}: value musí být číslo, ne „{item}“.")
        elif key == "source":
            if isinstance(item, str):
                source = item
            else:
                errors.append(f"{where}: source musí být text.")
        else:
            date = str(item)  # TOML dates are welcome, so is free text such as "2024/25"
    return Reference(value, source, date)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _load_defaults() -> RuleSet:
    data = tomllib.loads(DEFAULT_RULES_TOML)
    return rules_from_mapping(data, source="defaults", base=RuleSet(rules={}, references={}))


_DEFAULTS = _load_defaults()

"""Grouping flags into findings for the UI (SPEC section 2, last paragraph).

Pair flags of one spread rule in one scope — sites of one (school_year, territory, school_type), or classes
of one (school_year, school_id, grade) — become one finding: "5 škol se liší o více než 25 p. b.; krajní
hodnoty: X 54,5 %, Y 6,2 %", with the flagged sites listed under it. Every other flag is a finding of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .rules import SIGNAL, Flag, flag_identity, pct, pp, type_label

GROUPED_RULES = ("disadvantaged_spread_schools", "disadvantaged_spread_classes")


@dataclass(frozen=True, slots=True)
class Finding:
    """One item for the UI: a group of spread flags, or a single flag. ``flags`` keeps the flag order."""

    rule: str
    severity: str
    school_year: str
    territory: str | None
    school_type: str | None
    school_id: str | None
    grade: int | None
    message: str
    flags: tuple[Flag, ...]

    @property
    def identity(self) -> str:
        """Year-independent identity, like :attr:`Flag.identity` (for a group, without the class name)."""
        if len(self.flags) == 1 and self.rule not in GROUPED_RULES:
            return self.flags[0].identity
        return flag_identity(self.rule, self.territory, self.school_type, self.school_id, self.grade, None)


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n == 1:
        return f"{n} {one}"
    if 2 <= n <= 4:
        return f"{n} {few}"
    return f"{n} {many}"


def _extremes(flags: tuple[Flag, ...]) -> str:
    shared = [f for f in flags if f.unit_share is not None]
    if not shared:
        return ""
    high = max(shared, key=lambda f: f.unit_share or 0.0)
    low = min(shared, key=lambda f: f.unit_share or 0.0)
    shown = [high] if high is low else [high, low]
    return "; krajní hodnoty: " + ", ".join(f"{f.unit_label} {pct(f.unit_share or 0.0)}" for f in shown)


def _group_message(rule: str, flags: tuple[Flag, ...]) -> str:
    first = flags[0]
    threshold = pp(first.threshold)
    pairwise = any(f.counterpart_id is not None for f in flags)
    if rule == "disadvantaged_spread_schools":
        units = _plural(len(flags), "škola", "školy", "škol")
        scope = f"typu {type_label(first.school_type)} v území {first.territory}"
        section = "II.3"
    else:
        units = _plural(len(flags), "třída", "třídy", "tříd")
        school = f"„{first.school_name}“" if first.school_name else f"s IZO {first.school_id}"
        scope = f"{first.grade}. ročníku školy {school}"
        section = "II.6"
    if pairwise:
        head = f"{units} {scope} se v podílu znevýhodněných žáků navzájem liší o více než {threshold}"
    else:
        head = f"{units} {scope} s podílem znevýhodněných žáků o více než {threshold} nad souhrnným podílem"
    text = f"{head}{_extremes(flags)}"
    # "p. b." already ends with a full stop
    return f"{text}{'' if text.endswith('.') else '.'} {SIGNAL} (příručka {section})."


def group_flags(flags: Iterable[Flag]) -> list[Finding]:
    """Group the spread flags of one scope into one finding each; other flags stay single findings.

    Findings come in the order of their first flag (so ``Result.flags`` order is kept).
    """
    order: list[tuple[object, ...]] = []
    buckets: dict[tuple[object, ...], list[Flag]] = {}
    for flag in flags:
        if flag.rule in GROUPED_RULES:
            key: tuple[object, ...] = (
                flag.rule,
                flag.school_year,
                flag.territory,
                flag.school_type,
                flag.school_id if flag.rule == "disadvantaged_spread_classes" else None,
                flag.grade,
            )
        else:
            key = ("single", len(order))
        if key not in buckets:
            buckets[key] = []
            order.append(key)
        buckets[key].append(flag)
    findings = []
    for key in order:
        group = tuple(buckets[key])
        first = group[0]
        if key[0] == "single" or len(group) == 1:
            message = first.message
        else:
            message = _group_message(first.rule, group)
        findings.append(
            Finding(
                rule=first.rule,
                severity=first.severity,
                school_year=first.school_year,
                territory=first.territory,
                school_type=first.school_type,
                school_id=first.school_id
                if first.rule != "disadvantaged_spread_schools" or len(group) == 1
                else None,
                grade=first.grade,
                message=message,
                flags=group,
            )
        )
    return findings

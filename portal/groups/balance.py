"""Balanced membership of a working group (DOMAIN.md, "Balanced membership").

Pure computation over membership rows; the database queries live in `portal.groups.services`.

Rules, with every number taken from the group's settings (`Thresholds`):

* **categories_present** — every one of the seven categories has at least `min_per_category` active members;
* **no_dominant_category** — no category holds more than `max_share_multiple` times its equal share of the
  active members (equal share = total / 7); a count exactly at the limit holds;
* **support_needs_parent** — at least `required_support_parents` active members of the category *parent*
  declared themselves parents of a child with support needs. Traits have no history (withdrawal erases
  them), so for a past date this rule uses today's declarations of the members active on that date.
  A setting of 0 switches the rule off (it always holds).

Evenness is Pielou's J = H / ln k, with H = -Σ p_i ln p_i over the categories that have members and k = 7
(all categories, present or not, so a group missing categories scores lower). Edge cases: an empty group has
no evenness (None, shown as "—"); a group whose members all share one category (including a group of one)
has H = 0, so J = 0; J = 1 only when all seven categories hold the same number of members.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from flask_babel import lazy_gettext as _l

# Under the name the message extractor knows (`flask translate` adds only `-k _l` to the defaults).
from flask_babel import lazy_ngettext as ngettext

from portal.models.groups import Category, GroupRole

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)

GROUP_ROLE_LABELS = {
    GroupRole.CHAIR.value: _l("chair"),
    GroupRole.COORDINATOR.value: _l("coordinator"),
    GroupRole.MEMBER.value: _l("member"),
}

CATEGORY_LABELS = {
    Category.FOUNDER.value: _l("school founder representative"),
    Category.DIRECTOR.value: _l("school director"),
    Category.TEACHER.value: _l("teacher"),
    Category.YOUTH_WORKER.value: _l("youth worker"),
    Category.COUNSELLING.value: _l("counselling staff"),
    Category.EXPERT.value: _l("other expert"),
    Category.PARENT.value: _l("parent"),
}

# Names of the rules, not statements: they follow "met" / "not met" and "Balance rule not met:".
RULE_LABELS = {
    "categories_present": _l("Representation of every category"),
    "no_dominant_category": _l("Limit on the share of one category"),
    "support_needs_parent": _l("Representation of parents of children with support needs"),
}


@dataclass(frozen=True)
class Thresholds:
    min_per_category: int = 1
    max_share_multiple: float = 2.0
    required_support_parents: int = 1

    @classmethod
    def of(cls, group) -> Thresholds:
        return cls(group.min_per_category, float(group.max_share_multiple), group.required_support_parents)


@dataclass
class RuleResult:
    code: str
    holds: bool
    # Lazy strings: translated when shown, so an assessment can be made outside a request (CLI, reports).
    fixes: list = field(default_factory=list)

    @property
    def label(self):
        return RULE_LABELS[self.code]


@dataclass
class Assessment:
    on: date
    counts: dict[str, int]
    thresholds: Thresholds
    rules: list[RuleResult]
    evenness: float | None
    support_parents: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def equal_share(self) -> float:
        return self.total / len(CATEGORIES)

    @property
    def limit(self) -> float:
        """The most members one category may have before the dominance rule fails."""
        return self.thresholds.max_share_multiple * self.equal_share

    @property
    def max_members(self) -> int:
        """The limit in whole people: the most members a category may have and still hold the dominance
        rule (count × 7 ≤ multiple × total, so the limit rounded down; 2.3 allows 2)."""
        multiple = Fraction(self.thresholds.max_share_multiple).limit_denominator(1000)
        return math.floor(multiple * self.total / len(CATEGORIES))

    @property
    def ok(self) -> bool:
        return all(rule.holds for rule in self.rules)

    @property
    def failing(self) -> list[RuleResult]:
        return [rule for rule in self.rules if not rule.holds]

    def share(self, category: str) -> float:
        return self.counts[category] / self.total if self.total else 0.0


def evenness(counts: Iterable[int], k: int = len(CATEGORIES)) -> float | None:
    """Pielou's J over k categories; None for an empty group (or k < 2, where ln k is 0)."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total == 0 or k < 2:
        return None
    h = -sum((c / total) * math.log(c / total) for c in values)
    return max(0.0, min(1.0, h / math.log(k)))


def counts_on(rows: Iterable[tuple[str, date, date | None]], on: date) -> dict[str, int]:
    """Active members per category on a date, from (category, joined_on, left_on) rows."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for category, joined_on, left_on in rows:
        if joined_on <= on and (left_on is None or on < left_on) and category in counts:
            counts[category] += 1
    return counts


def assess(counts: dict[str, int], thresholds: Thresholds, on: date,
           support_parents: int | None = None) -> Assessment:
    """Check the balance rules on the given composition; each failing rule carries what would fix it.

    `support_parents` is the number of active parent members with the support-needs declaration; None
    leaves that rule out (used for past snapshots in the timeline).
    """
    counts = {c: counts.get(c, 0) for c in CATEGORIES}
    total = sum(counts.values())
    k = len(CATEGORIES)
    rules: list[RuleResult] = []

    present = RuleResult("categories_present", True)
    for category in CATEGORIES:
        missing = thresholds.min_per_category - counts[category]
        if missing > 0:
            present.holds = False
            present.fixes.append(ngettext(
                "Add %(num)s member in the category “%(category)s”.",
                "Add %(num)s members in the category “%(category)s”.",
                missing, category=CATEGORY_LABELS[category],
            ))
    rules.append(present)

    dominant = RuleResult("no_dominant_category", True)
    multiple = Fraction(thresholds.max_share_multiple).limit_denominator(1000)
    for category in CATEGORIES:
        count = counts[category]
        # count <= multiple * total / k, in exact arithmetic so "exactly at the limit" holds.
        if total and count * k > multiple * total:
            dominant.holds = False
            more = math.ceil(Fraction(count * k) / multiple - total)
            dominant.fixes.append(ngettext(
                "The category “%(category)s” has too large a share (%(count)s of %(total)s). Add at least "
                "%(num)s member from other categories, or end a membership in this category.",
                "The category “%(category)s” has too large a share (%(count)s of %(total)s). Add at least "
                "%(num)s members from other categories, or end memberships in this category.",
                more, category=CATEGORY_LABELS[category], count=count, total=total,
            ))
    rules.append(dominant)

    if support_parents is not None:
        needed = thresholds.required_support_parents
        support = RuleResult("support_needs_parent", support_parents >= needed)
        if not support.holds:
            support.fixes.append(_l(
                "Invite a parent of a child with support needs to the group. Parents declare this "
                "themselves, voluntarily, on their own profile page."
            ))
        rules.append(support)

    return Assessment(on, counts, thresholds, rules, evenness(counts.values(), k), support_parents)


def month_starts(today: date, months: int = 12) -> list[date]:
    """The 1st of each of the last `months` months (this one included), then today unless it is a 1st."""
    dates = []
    year, month = today.year, today.month
    for back in range(months - 1, -1, -1):
        m = month - back
        y = year + (m - 1) // 12
        m = (m - 1) % 12 + 1
        dates.append(date(y, m, 1))
    if not dates or dates[-1] != today:
        dates.append(today)
    return dates


@dataclass
class Snapshot:
    on: date
    counts: dict[str, int]
    evenness: float | None
    ok: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def timeline(rows: Sequence[tuple[str, date, date | None]], dates: Sequence[date],
             thresholds: Thresholds) -> list[Snapshot]:
    """Composition on each date, from rows already loaded (no query per date)."""
    snapshots = []
    for on in dates:
        counts = counts_on(rows, on)
        result = assess(counts, thresholds, on)
        snapshots.append(Snapshot(on, counts, result.evenness, result.ok))
    return snapshots


SMALL_COUNT = 3


def suppressed(count: int | None) -> str:
    """A count of people with a sensitive trait as shown to anyone: below 3 (0 included) it is "< 3".

    Showing 0 exactly would let a viewer tell "nobody" from "one or two" and, with the membership history,
    single out who declared; the balance rule's verdict is the only finer signal shown.
    """
    if count is None:
        return "—"
    return f"< {SMALL_COUNT}" if count < SMALL_COUNT else str(count)

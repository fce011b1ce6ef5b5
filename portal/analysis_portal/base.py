"""What the analysis pages, services and reads share: refusals, who sees what, labels and flag titles."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.analysis import (
    RuleSet,
    default_rules,
)
from portal.models import (
    AnalysisFlag,
    User,
)
from portal.models.analysis import FlagState

#: Units (schools, classes) with fewer pupils show their shares but not their counts to non-coordinators.
SMALL_UNIT = 10
INDEX_FIELDS = ("dissimilarity", "isolation", "exposure", "correlation_ratio", "theil_h", "gini")

RULE_LABELS: dict[str, Any] = {
    "disadvantaged_spread_schools": _l("Difference in the share of disadvantaged pupils between schools"),
    "disadvantaged_spread_classes": _l("Difference in the share of disadvantaged pupils between classes"),
    "sen_share_territory": _l("Share of pupils with special educational needs in the territory"),
    "mild_id_share_territory": _l("Share of pupils with mild intellectual disability in the territory"),
    "sen_share_school": _l("Share of pupils with special educational needs in a school"),
    "mild_id_share_school": _l("Share of pupils with mild intellectual disability in a school"),
    "dropout_gap": _l("Dropouts and repeated grades above the territory"),
    "further_ed_gap": _l("Continuation to matura programmes below the territory"),
    "competence_gap": _l("National testing results below the reference"),
    "funding_gap": _l("Less funding per pupil with more disadvantaged pupils"),
    "disadvantaged_matura_gap": _l("Disadvantaged leavers continue to matura programmes less often"),
    "small_segregated_school": _l("Small school with a high share of disadvantaged pupils"),
    "high_disadvantage_school": _l("High share of disadvantaged pupils in a school"),
    "high_disadvantage_territory": _l("High share of disadvantaged pupils in the territory"),
    "gym_outflow_high": _l("High outflow to multi-year gymnasia"),
}

STATE_LABELS: dict[str, Any] = {
    FlagState.NEW.value: _l("new"),
    FlagState.DISCUSSED.value: _l("discussed"),
    FlagState.ADDRESSED.value: _l("addressed by a proposal"),
    FlagState.MONITORED.value: _l("monitored"),
    FlagState.CLOSED.value: _l("closed"),
}

SEVERITY_LABELS: dict[str, Any] = {"warning": _l("calls for a plan"), "info": _l("informational")}

TYPE_LABELS: dict[str, Any] = {
    "MS": _l("kindergarten (MŠ)"),
    "ZS": _l("primary school (ZŠ)"),
    "SS": _l("secondary school (SŠ)"),
    "GYM": _l("multi-year gymnasium"),
}

class AnalysisError(ValueError):
    """A user-facing refusal; the message is already translated."""


def rules_for(territory_id: int | None) -> RuleSet:
    """The territory's rules. The defaults for now; a settings page may store overrides later
    (``portal.analysis.rules_from_mapping``)."""
    return default_rules()


def in_territory(user: User, territory_id: int | None) -> bool:
    """Objects of a territory are for its people; portal administrators see every territory."""
    return user.is_admin or (territory_id is not None and user.territory_id == territory_id)


def sees_counts(user: User) -> bool:
    """Coordinators and administrators see the counts of small units; members see their shares only."""
    return user.is_coordinator


def count_visible(pupils: int | None, user: User) -> bool:
    return sees_counts(user) or (pupils is not None and pupils >= SMALL_UNIT)


#: Rules whose value and threshold are a difference of two shares (percentage points); the other rules'
#: values are shares or relative gaps (per cent).
POINTS_RULES = frozenset({
    "disadvantaged_spread_schools", "disadvantaged_spread_classes", "small_segregated_school",
})


def rule_label(rule: str) -> str:
    return str(RULE_LABELS.get(rule, rule))


def rule_source(rule: str, territory_id: int | None) -> str:
    config = rules_for(territory_id).rules.get(rule)
    return config.source if config else ""


def flag_subject(flag: AnalysisFlag) -> str:
    """What the flag is about, e.g. "ZŠ Vzorov, Sídliště Jih, class 6.B" or the territory."""
    if flag.class_name:
        return _("%(school)s, class %(class_name)s", school=flag.school_name or flag.school_id,
                 class_name=flag.class_name)
    if flag.school_id:
        return flag.school_name or flag.school_id
    return flag.territory_label or ""


def flag_title(flag: AnalysisFlag) -> str:
    return f"{rule_label(flag.rule)}: {flag_subject(flag)}"



"""Segregation indices (SPEC section 3), in pure Python.

For units (school sites or classes) with t_i pupils of whom x_i are disadvantaged, with T = Σt_i, X = Σx_i,
P = X/T, p_i = x_i/t_i, y_i = t_i − x_i and Y = T − X:

* dissimilarity D = ½ Σ |x_i/X − y_i/Y|
* isolation xPx = Σ (x_i/X)·p_i
* exposure (interaction) xPy = Σ (x_i/X)·(1 − p_i)
* correlation ratio V = (xPx − P)/(1 − P)   (Kertesi–Kézdi's school segregation index)
* Theil's H = Σ t_i (E − E_i) / (E·T), E the binary entropy of P and E_i of p_i (natural log, 0·ln 0 = 0)
* Gini G = Σ_i Σ_j t_i t_j |p_i − p_j| / (2 T² P (1 − P))

These are the definitions of PySAL ``segregation`` 2.5 (``singlegroup.Dissim``, ``Isolation``,
``Interaction``, ``CorrelationR``, ``Entropy``, ``Gini``); PySAL writes D as Σ t_i|p_i − P| / (2TP(1 − P)),
which is the same quantity. Units with t_i = 0 are left out (PySAL counts them with weight zero, which gives
the same values). Where P is 0 or 1 every index is undefined and reported as ``None`` (PySAL returns NaN or
infinity there).

Gini is computed in O(n log n) by sorting units by p_i instead of summing all n² pairs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import SCHOOL_TYPES, School, SchoolClass

INDEX_NAMES: tuple[str, ...] = (
    "dissimilarity",
    "isolation",
    "exposure",
    "correlation_ratio",
    "theil_h",
    "gini",
)


@dataclass(frozen=True, slots=True)
class IndexValues:
    """Indices of one set of units; ``units`` counts units with pupils (the ones the indices use)."""

    units: int
    pupils: int
    disadvantaged: int
    share: float | None
    dissimilarity: float | None = None
    isolation: float | None = None
    exposure: float | None = None
    correlation_ratio: float | None = None
    theil_h: float | None = None
    gini: float | None = None


def _entropy(p: float) -> float:
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -p * math.log(p) - (1.0 - p) * math.log(1.0 - p)


def segregation_indices(units: Iterable[tuple[int, int]]) -> IndexValues:
    """Compute the six indices for ``units`` given as (pupils, disadvantaged) pairs."""
    pairs = [(t, x) for t, x in units if t > 0]
    total = sum(t for t, _ in pairs)
    focal = sum(x for _, x in pairs)
    if total == 0:
        return IndexValues(units=0, pupils=0, disadvantaged=0, share=None)
    share = focal / total
    if focal == 0 or focal == total:
        # P = 0 or 1: nobody (or everybody) is in the focal group, segregation is undefined.
        return IndexValues(units=len(pairs), pupils=total, disadvantaged=focal, share=share)
    others = total - focal
    entropy = _entropy(share)
    dissim = isolation = exposure = theil_sum = 0.0
    shares: list[tuple[float, int]] = []
    for t, x in pairs:
        p = x / t
        shares.append((p, t))
        dissim += abs(x / focal - (t - x) / others)
        weight = x / focal
        isolation += weight * p
        exposure += weight * (1.0 - p)
        theil_sum += t * (entropy - _entropy(p))
    # Σ_i Σ_j t_i t_j |p_i − p_j| = 2 Σ_k t_k (p_k·W_k − S_k) over units sorted by p, where W_k and S_k are
    # the running sums of t and t·p of the units before k.
    shares.sort()
    running_t = 0
    running_tp = 0.0
    pair_sum = 0.0
    for p, t in shares:
        pair_sum += t * (p * running_t - running_tp)
        running_t += t
        running_tp += t * p
    return IndexValues(
        units=len(pairs),
        pupils=total,
        disadvantaged=focal,
        share=share,
        dissimilarity=_unit(dissim / 2.0),
        isolation=_unit(isolation),
        exposure=_unit(exposure),
        correlation_ratio=_unit((isolation - share) / (1.0 - share)),
        theil_h=_unit(theil_sum / (entropy * total)),
        gini=_unit(pair_sum / (total * total * share * (1.0 - share))),
    )


def _unit(value: float) -> float:
    """Clip float noise (e.g. V = −1e-17 for perfectly even classes) to the index's range [0, 1]."""
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One entry of ``indices`` in the output (SPEC section 4).

    Every entry has the same keys: ``level`` "schools" rows describe the sites of one (school_year,
    territory, school_type) and have ``school_id`` None; ``level`` "classes" rows describe the classes of one
    (school_year, school_id) and carry that site's territory and school_type for context.
    """

    level: str
    school_year: str
    territory: str | None
    school_type: str | None
    school_id: str | None
    values: IndexValues

    def to_dict(self) -> dict[str, object]:
        v = self.values
        return {
            "level": self.level,
            "school_year": self.school_year,
            "territory": self.territory,
            "school_type": self.school_type,
            "school_id": self.school_id,
            "units": v.units,
            "pupils": v.pupils,
            "disadvantaged": v.disadvantaged,
            "share": v.share,
            "dissimilarity": v.dissimilarity,
            "isolation": v.isolation,
            "exposure": v.exposure,
            "correlation_ratio": v.correlation_ratio,
            "theil_h": v.theil_h,
            "gini": v.gini,
        }


def _type_order(school_type: str | None) -> int:
    return SCHOOL_TYPES.index(school_type) if school_type in SCHOOL_TYPES else len(SCHOOL_TYPES)


def school_level_indices(schools: Iterable[School]) -> list[IndexRow]:
    """Indices over sites for each (school_year, territory, school_type), sorted by those keys."""
    groups: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for s in schools:
        groups[(s.school_year, s.territory, s.school_type)].append((s.pupils, s.disadvantaged))
    keys = sorted(groups, key=lambda k: (k[0], k[1], _type_order(k[2])))
    return [
        IndexRow(
            "schools",
            year,
            territory,
            school_type,
            None,
            segregation_indices(groups[(year, territory, school_type)]),
        )
        for year, territory, school_type in keys
    ]


def class_level_indices(
    classes: Iterable[SchoolClass], schools: Mapping[tuple[str, str], School]
) -> list[IndexRow]:
    """Indices over classes for each (school_year, school_id), sorted by year, territory, type, school_id.

    ``schools`` maps (school_year, school_id) to the site, for its territory and type.
    """
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for c in classes:
        groups[(c.school_year, c.school_id)].append((c.pupils, c.disadvantaged))
    rows = []
    for (year, school_id), units in groups.items():
        site = schools.get((year, school_id))
        territory = site.territory if site else None
        school_type = site.school_type if site else None
        rows.append(IndexRow("classes", year, territory, school_type, school_id, segregation_indices(units)))
    rows.sort(key=lambda r: (r.school_year, r.territory or "", _type_order(r.school_type), r.school_id or ""))
    return rows

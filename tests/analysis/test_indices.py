"""Segregation indices (SPEC section 3) agree with PySAL ``segregation`` to 1e-9."""

from __future__ import annotations

import math
import random
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.analysis import INDEX_NAMES, read_path, segregation_indices

from .builders import SAMPLE

# PySAL pulls in geopandas/numba, which may warn on import or on NaN arithmetic; silence only those.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandas as pd
    from segregation.singlegroup import CorrelationR, Dissim, Entropy, Gini, Interaction, Isolation

PYSAL = {
    "dissimilarity": Dissim,
    "isolation": Isolation,
    "exposure": Interaction,
    "correlation_ratio": CorrelationR,
    "theil_h": Entropy,
    "gini": Gini,
}


def pysal_indices(units: list[tuple[int, int]]) -> dict[str, float]:
    frame = pd.DataFrame({"t": [t for t, _ in units], "x": [x for _, x in units]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 for empty units inside PySAL
        return {name: float(cls(frame, "x", "t").statistic) for name, cls in PYSAL.items()}


def assert_agrees(units: list[tuple[int, int]]) -> None:
    ours = segregation_indices(units)
    theirs = pysal_indices(units)
    for name in INDEX_NAMES:
        value = getattr(ours, name)
        assert value is not None, (name, units)
        assert abs(value - theirs[name]) <= 1e-9, (name, value, theirs[name], units)


def test_sample_groups_agree_with_pysal():
    dataset = read_path(SAMPLE)
    groups: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for s in dataset.schools:
        groups.setdefault((s.school_year, s.territory, s.school_type), []).append((s.pupils, s.disadvantaged))
    for c in dataset.classes:
        groups.setdefault((c.school_year, c.school_id), []).append((c.pupils, c.disadvantaged))
    assert len(groups) == 6 + 21
    for units in groups.values():
        assert_agrees(units)


def test_random_data_with_empty_units_agrees_with_pysal():
    rng = random.Random(20251125)
    checked = 0
    for _ in range(150):
        units = []
        for _ in range(rng.randint(2, 40)):
            t = rng.choice([0, rng.randint(1, 30), rng.randint(1, 900)])
            units.append((t, rng.randint(0, t)))
        focal = sum(x for _, x in units)
        total = sum(t for t, _ in units)
        if 0 < focal < total:
            assert_agrees(units)
            checked += 1
    assert checked > 100


def test_known_values():
    # two units, complete separation: every index at its maximum, exposure 0
    full = segregation_indices([(10, 10), (30, 0)])
    assert (full.dissimilarity, full.isolation, full.exposure) == (1.0, 1.0, 0.0)
    assert full.correlation_ratio == pytest.approx(1.0)
    assert full.theil_h == pytest.approx(1.0) and full.gini == pytest.approx(1.0)
    # identical shares: no segregation
    even = segregation_indices([(20, 5), (40, 10), (4, 1)])
    assert even.dissimilarity == pytest.approx(0.0, abs=1e-15)
    assert even.correlation_ratio == pytest.approx(0.0, abs=1e-15)
    assert even.theil_h == pytest.approx(0.0, abs=1e-15) and even.gini == pytest.approx(0.0, abs=1e-15)
    assert even.share == 0.25


@pytest.mark.parametrize(
    "units",
    [
        [(10, 0), (20, 0)],  # P = 0
        [(10, 10), (5, 5), (0, 0)],  # P = 1
        [(0, 0), (0, 0)],  # nobody at all
        [],
    ],
)
def test_undefined_indices_are_none(units: list[tuple[int, int]]):
    values = segregation_indices(units)
    assert all(getattr(values, name) is None for name in INDEX_NAMES)
    assert values.units == sum(1 for t, _ in units if t > 0)


def test_units_with_no_pupils_are_left_out():
    with_empty = segregation_indices([(10, 2), (0, 0), (30, 20), (0, 0)])
    without = segregation_indices([(10, 2), (30, 20)])
    assert with_empty == without
    assert with_empty.units == 2 and with_empty.pupils == 40 and with_empty.disadvantaged == 22


unit_lists = st.lists(
    st.integers(min_value=0, max_value=2000).flatmap(lambda t: st.tuples(st.just(t), st.integers(0, t))),
    min_size=0,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(unit_lists)
def test_indices_stay_in_range(units: list[tuple[int, int]]):
    values = segregation_indices(units)
    for name in INDEX_NAMES:
        value = getattr(values, name)
        if value is not None:
            assert 0.0 <= value <= 1.0, (name, value)
            assert math.isfinite(value)
    if values.isolation is not None and values.exposure is not None:
        assert values.isolation + values.exposure == pytest.approx(1.0)

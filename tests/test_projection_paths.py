"""Path shapes: where each one starts, how it moves and where it ends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from milex.projection import PathSpec, Target
from milex.projection._paths import build_part, real_spending_path, share_path

YEARS = np.arange(2024, 2036)


@given(
    base=st.floats(0.0, 10.0),
    target=st.floats(0.0, 20.0),
    deadline=st.integers(2025, 2035),
)
def test_linear_reaches_the_target_exactly_in_the_deadline_year_in_equal_steps(
    base, target, deadline
):
    path = share_path(PathSpec(shape="linear"), YEARS, base, target, deadline)
    k = deadline - 2024
    assert path[0] == base and path[k] == target and np.all(path[k:] == target)
    np.testing.assert_allclose(np.diff(path[: k + 1]), (target - base) / k, atol=1e-12)


@pytest.mark.parametrize("power", [1.5, 2.0, 3.0])
def test_front_loaded_is_ahead_of_linear_and_back_loaded_behind(power):
    linear = share_path(PathSpec(), YEARS, 2.0, 3.5, 2035)
    front = share_path(PathSpec(shape="front_loaded", power=power), YEARS, 2.0, 3.5, 2035)
    back = share_path(PathSpec(shape="back_loaded", power=power), YEARS, 2.0, 3.5, 2035)
    inner = slice(1, -1)
    assert np.all(front[inner] > linear[inner]) and np.all(back[inner] < linear[inner])
    assert front[-1] == back[-1] == 3.5 and front[0] == back[0] == 2.0
    steps_front, steps_back = np.diff(front), np.diff(back)
    assert np.all(np.diff(steps_front) < 0) and np.all(np.diff(steps_back) > 0)


def test_hold_share_and_plan():
    assert np.all(share_path(PathSpec(shape="hold_share"), YEARS, 2.1, 3.5, 2035) == 2.1)
    plan = PathSpec(shape="plan", plan={2025: 2.4, 2026: 2.9, 2027: 3.1})
    path = share_path(plan, YEARS, 2.1, 3.5, 2035)
    assert path[:4].tolist() == [2.1, 2.4, 2.9, 3.1] and np.all(path[4:] == 3.1)


def test_constant_real_growth_compounds():
    np.testing.assert_allclose(real_spending_path(YEARS[:3], 100.0, 5.0), [100.0, 105.0, 110.25])


def test_allies_above_the_target_hold_their_share_unless_cuts_are_allowed():
    base = np.array([2.0, 4.1])
    gdp = np.array([100.0, 100.0])
    held = build_part(Target(target_pct=3.5), ["DEU", "POL"], YEARS, base, gdp, 2035)
    assert held.share[-1].tolist() == [3.5, 4.1]
    assert np.all(held.share[:, 1] == held.share[0, 1]) and "POL" in held.notes[0]
    cut = build_part(
        Target(target_pct=3.5, allow_cuts=True), ["DEU", "POL"], YEARS, base, gdp, 2035
    )
    assert cut.share[-1].tolist() == [3.5, 3.5] and not cut.notes


def test_overrides_give_one_ally_its_own_path_and_target():
    target = Target(
        target_pct=3.5,
        overrides={
            "ESP": {"target_pct": 2.1},
            "TUR": {"path": {"shape": "constant_real_growth", "real_growth_pct": 10}},
        },
    )
    part = build_part(
        target, ["DEU", "ESP", "TUR"], YEARS, np.array([2.0, 1.3, 2.0]), np.full(3, 1000.0), 2035
    )
    assert part.share[-1, :2].tolist() == [3.5, 2.1]
    assert part.share[1:, 2].tolist() == [0.0] * 11 and part.real[0, 2] == 0.0
    assert part.real[2, 2] == pytest.approx(20.0 * 1.1**2)  # 2% of 1000, +10% a year
    assert part.shapes == ["linear", "linear", "constant_real_growth"]

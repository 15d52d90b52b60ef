"""Wright's law by hand, the pooling properties (hypothesis), and the pooling example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milex.industry import (
    Curve,
    IndustryError,
    collaborate,
    consolidate,
    load_pooling_model,
    pool,
    run_pooling,
    total_cost,
    unit_cost,
)
from milex.industry.pooling import power_sum, split

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "industry" / "pooling-eu.toml"
THEORIES = ("unit", "cumulative_average")


# -- Wright's law by hand --------------------------------------------------------------------------
@pytest.mark.parametrize("q", [1, 2, 3, 10, 37, 1000, 123_456])
def test_doubling_cumulative_quantity_multiplies_unit_cost_by_the_learning_rate(q):
    assert unit_cost(2 * q, 100.0, 0.8) / unit_cost(q, 100.0, 0.8) == pytest.approx(0.8, rel=1e-12)


def test_unit_costs_and_a_total_worked_by_hand():
    # C(Q) = C1 Q^log2(b); log2(0.8) = -0.321928...; 3^-0.321928 = 0.702104...
    assert unit_cost(1, 100.0, 0.8) == 100.0
    assert unit_cost(4, 100.0, 0.8) == pytest.approx(64.0)
    assert unit_cost(3, 100.0, 0.8) == pytest.approx(70.2104, abs=1e-4)
    assert total_cost(4, 100.0, 0.8) == pytest.approx(100 + 80 + 70.2104 + 64, abs=1e-3)
    # cumulative-average theory: the first Q units cost C1 Q^(1 + log2 b) in all
    assert total_cost(4, 100.0, 0.8, "cumulative_average") == pytest.approx(4 * 64.0)


def test_no_learning_means_every_unit_costs_the_first_units_cost():
    assert total_cost(1000, 7.0, 1.0) == 7000.0
    assert total_cost(250_000, 7.0, 1.0) == 1_750_000.0  # Euler-Maclaurin branch, still exact


@pytest.mark.parametrize("s", [0.0, -0.152, -0.3219, -0.5, -1.0])
@pytest.mark.parametrize(("n", "offset"), [(70_000, 0), (300_000, 0), (100_000, 5_000)])
def test_the_long_sums_agree_with_brute_force(s, n, offset):
    terms = np.arange(offset + 1, offset + n + 1, dtype=float) ** s
    assert power_sum(n, s, offset) == pytest.approx(math.fsum(terms.tolist()), rel=1e-12)


# -- pooling properties ----------------------------------------------------------------------------
buys = st.lists(st.integers(min_value=1, max_value=100_000), min_size=2, max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    quantities=buys,
    b=st.floats(min_value=0.51, max_value=0.999),
    c1=st.floats(min_value=0.01, max_value=1e8),
    theory=st.sampled_from(THEORIES),
)
def test_pooling_saves_money_whenever_there_is_learning_and_more_than_one_buyer(
    quantities, b, c1, theory
):
    result = pool(quantities, Curve(c1, b, theory))
    assert result.savings > 0
    assert 0 < result.savings_pct < 100
    assert result.cost_after < result.cost_before


@settings(max_examples=150, deadline=None)
@given(
    quantities=st.lists(st.integers(min_value=1, max_value=300_000), min_size=1, max_size=8),
    c1=st.floats(min_value=0.01, max_value=1e8),
    theory=st.sampled_from(THEORIES),
    share=st.floats(min_value=0, max_value=100),
)
def test_without_learning_pooling_saves_exactly_nothing(quantities, c1, theory, share):
    curve = Curve(c1, 1.0, theory)
    assert pool(quantities, curve).savings == 0.0
    assert collaborate(quantities, share, curve).savings == pytest.approx(0.0, abs=1e-9 * c1)
    assert consolidate(sum(quantities), 7, 2, curve).savings == 0.0


def test_a_single_buyer_saves_nothing_by_pooling():
    assert pool([120], Curve(5.0, 0.8)).savings == 0.0


@settings(max_examples=60, deadline=None)
@given(total=st.integers(min_value=1, max_value=10_000), lines=st.integers(1, 300))
def test_a_quantity_splits_over_lines_as_evenly_as_whole_units_allow(total, lines):
    parts = split(total, lines)
    assert sum(parts) == total and len(parts) == lines and max(parts) - min(parts) <= 1


def test_fewer_systems_cost_less_and_the_saving_grows_with_learning():
    savings = [consolidate(5000, 178, 30, Curve(1.0, b)).savings_pct for b in (0.95, 0.85, 0.75)]
    assert 0 < savings[0] < savings[1] < savings[2]
    many = consolidate(5000, 178, 30, Curve(1.0, 0.85))
    assert (many.lines_before, many.lines_after, many.units) == (178, 30, 5000)


def test_collaboration_saves_its_share_of_the_pooling_saving():
    quantities, curve = [40, 50, 80], Curve(3.0, 0.85)
    full = pool(quantities, curve)
    part = collaborate(quantities, 40, curve)
    assert part.savings == pytest.approx(0.4 * full.savings)
    assert part.savings_pct == pytest.approx(0.4 * full.savings_pct)
    assert part.lines_after == pytest.approx(0.6 * 3 + 0.4 * 1)


def test_line_set_up_costs_and_a_joint_programme_overhead():
    quantities = [10, 20, 30]
    no_learning = Curve(1.0, 1.0, setup=50.0)
    assert pool(quantities, no_learning).savings == pytest.approx(2 * 50.0)  # two lines fewer
    overhead = Curve(1.0, 1.0, overhead_pct=10.0)
    assert pool(quantities, overhead).savings == pytest.approx(-6.0)  # 10% more on 60 units


# -- the example model ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def example():
    return run_pooling(EXAMPLE)


def test_the_example_cites_the_fragmentation_figures_and_the_eu_target(example):
    model = example.model
    frag = model.fragmentation[0]
    assert (frag.systems.value, frag.benchmark_systems.value) == (178, 30)
    assert frag.systems.source == ["commission-2017-06"]
    shares = {s.name: s.share_pct for s in model.collaboration.scenarios}
    assert shares["EU target by 2030"].value == 40
    assert shares["EU target by 2030"].source == ["edis-2024-03"]
    cited = {s["id"]: s for s in example.sources()}
    assert {"commission-2017-06", "edis-2024-03", "politico-2019-12"} <= set(cited)
    assert all(s["url"].startswith("https://") and s["date"] for s in example.sources())


def test_the_example_runs_the_sensitivity_from_0_75_to_0_95(example):
    frame = example.frame()
    pooled = frame[frame["view"] == "pooling"].sort_values("learning_rate")
    assert list(pooled["learning_rate"]) == pytest.approx([0.75, 0.8, 0.85, 0.9, 0.95])
    assert pooled["savings_pct"].is_monotonic_decreasing
    assert pooled["model_rate"].sum() == 1
    assert set(frame["view"]) == {"pooling", "fragmentation", "collaboration"}
    assert (frame["savings"] > 0).all()


def test_the_example_collaboration_gain_is_applied_to_the_eda_budget(example):
    frame = example.frame()
    at_model = frame[frame["model_rate"] & (frame["view"] == "collaboration")].set_index("case")
    pooled = frame[frame["model_rate"] & (frame["view"] == "pooling")]["savings_pct"].iloc[0]
    target = at_model.loc["EU target by 2030: 40% bought together"]
    assert target["savings_pct"] == pytest.approx(0.40 * pooled)
    assert target["budget_savings"] == pytest.approx(61e9 * 0.40 * pooled / 100)
    (gain, _) = example.summary["collaboration"][1:]
    assert gain["gain_pct_points"] == pytest.approx((0.40 - 0.178) * pooled)


def test_small_buyers_save_most_and_everyone_pays_the_pooled_unit_cost(example):
    buyers = example.buyers()
    assert buyers["savings_pct"].is_monotonic_decreasing  # quantities rise down the table
    assert buyers["avg_unit_cost_pooled"].nunique() == 1
    pooled = example.frame().query("view == 'pooling' and model_rate")
    assert buyers["savings"].sum() == pytest.approx(pooled["savings"].iloc[0])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("value = 0.85", "value = 1.2", r"learning_rate\.value = 1\.2: input should be less than"),
        ("first_unit_cost = {", "first_unit_price = {", r"first_unit_cost: missing \(required\)"),
        ("value = 40, source", "value = -40, source", r"buyers\[0\]\.quantity\.value = -40"),
        ("value = 40, source", "value = 0, source", r"buyers\[0\]\.quantity\.value = 0: a buyer"),
        ('item = "main_battle_tank"', 'item = "tank"', r"item = 'tank': unknown item"),
        ("value = 178,", "value = 17.8,", r"fragmentation\[0\]\.systems\.value = 17\.8"),
        (
            '{ value = 17.8, source = "politico',
            '{ value = 178, source = "politico',
            r"share_pct\.value = 178",
        ),
    ],
)
def test_bad_pooling_input_is_one_error_naming_the_key(old, new, message):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(IndustryError, match=message):
        load_pooling_model(text.replace(old, new, 1))

"""The stock-flow model: conservation every period, never above capacity, the examples, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milex.industry import CAPACITY_COLUMNS, CapacityModel, IndustryError, load_capacity_model
from milex.industry import run_capacity as run
from milex.industry.capacity import met_period

from .conftest import ROOT

EU = ROOT / "examples" / "industry" / "eu-155mm.toml"
US = ROOT / "examples" / "industry" / "us-155mm.toml"
A = "assumption"


def check_flows(result: Any) -> None:
    """Units conserved every period; production within capacity; demand shipped or owed."""
    frame = result.frame()
    stock = float(result.model.stock.initial.value)
    owed = 0.0
    flows = ["capacity", "stock", "demand_consumption", "demand_deliveries", "backlog_consumption",
             "backlog_deliveries"]  # fmt: skip
    scale = max(1.0, float(frame[flows].abs().to_numpy().max()), stock)
    for row in frame.itertuples():
        expected = stock + row.production - row.shipped_consumption - row.shipped_deliveries
        assert row.stock == pytest.approx(expected, abs=1e-9 * scale)
        assert row.production <= row.capacity * (1 + 1e-12) + 1e-9
        assert row.production >= 0 and row.stock >= -1e-9 * scale
        due = owed + row.demand_consumption + row.demand_deliveries
        shipped = row.shipped_consumption + row.shipped_deliveries
        now_owed = row.backlog_consumption + row.backlog_deliveries
        assert shipped + now_owed + row.unmet == pytest.approx(due, abs=1e-9 * scale)
        stock, owed = row.stock, now_owed


# -- the examples --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eu():
    return run(EU)


@pytest.fixture(scope="module")
def us():
    return run(US)


def test_the_eu_example_carries_the_cited_capacity_figures(eu):
    frame = eu.frame().set_index("period")
    assert frame.loc["2022-01", "capacity_per_year"] == pytest.approx(300_000)
    assert frame.loc["2024-01", "capacity_per_year"] == pytest.approx(1_000_000)
    assert frame.loc["2025-12", "capacity_per_year"] == pytest.approx(2_000_000)
    assert list(eu.frame().columns) == list(CAPACITY_COLUMNS)
    assert len(frame) == 9 * 12
    cited = {s["id"] for s in eu.sources()}
    assert {"defenseone-2023-09", "commission-2024-03", "rutte-2025-08"} <= cited


def test_the_us_example_carries_14500_a_month_in_2022_and_40000_by_mid_2025(us):
    frame = us.frame().set_index("period")
    assert frame.loc["2022-01", "capacity"] == pytest.approx(14_500)
    assert frame.loc["2025-06", "capacity"] == pytest.approx(40_000)
    assert frame.loc["2026-06", "capacity"] == pytest.approx(100_000)
    assert us.summary["capex_total"] == pytest.approx(85_500 * 12 * 5_360)


@pytest.mark.parametrize("name", ["eu", "us"])
def test_the_examples_conserve_units_and_meet_the_target_once_it_holds(name, request):
    result = request.getfixturevalue(name)
    check_flows(result)
    frame = result.frame()
    target = result.summary["stock_target"]
    met = result.target_met
    assert met is not None
    i = list(frame["period"]).index(met)
    assert (frame["stock"].iloc[i:] >= target - 1e-6).all()
    assert frame["stock"].iloc[i - 1] < target
    assert frame["stock_p5"].le(frame["stock_p50"] + 1e-9).all()
    assert frame["stock_p50"].le(frame["stock_p95"] + 1e-9).all()


def test_comparisons_put_russian_output_beside_the_model(eu):
    russia = eu.comparisons().iloc[0]
    assert russia["rate_per_year"] == 3_000_000 and bool(russia["estimate"])
    own = eu.frame().set_index("period").loc["2024-03", "capacity_per_year"]
    assert russia["ratio_to_model"] == pytest.approx(3_000_000 / own)


def test_yearly_sums_flows_and_keeps_closing_levels(eu):
    months, years = eu.frame(), eu.yearly()
    assert len(years) == 9
    y2025 = years.set_index("year").loc[2025]
    in_2025 = months[months["year"] == 2025]
    assert y2025["production"] == pytest.approx(in_2025["production"].sum())
    assert y2025["stock"] == pytest.approx(in_2025["stock"].iloc[-1])


def test_lead_time_draws_are_reproducible_and_seeded(eu):
    again = run(EU, paths=300, seed=7)
    same = run(EU, paths=300, seed=7)
    assert again.summary == same.summary
    assert again.summary["paths"] == 300
    assert 0 <= again.summary["target_met_probability_by_deadline"] <= 1


def test_the_target_is_met_from_the_period_it_holds_to_the_horizon():
    stock = np.array([[5, 1, 5, 6], [1, 1, 1, 1], [5, 5, 5, 5], [5, 5, 5, 1.0]])
    assert list(met_period(stock, 5)) == [2, -1, 0, -1]


# -- properties on random models -------------------------------------------------------------------
def fig(value: float, per: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "source": A}
    return out | ({"per": per} if per else {})


@st.composite
def models(draw: Any) -> CapacityModel:
    period = draw(st.sampled_from(["month", "year"]))
    years = draw(st.integers(1, 6))
    expansions = [
        {
            "name": f"e{i}",
            "decided": f"2022-{draw(st.integers(1, 12)):02d}",
            "added": fig(draw(st.floats(0, 2e6))),
            "lead_time_months": fig(draw(st.integers(0, 11))),
            "ramp_months": fig(draw(st.integers(0, 24))),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    demand = [
        {
            "name": f"d{i}",
            "kind": draw(st.sampled_from(["consumption", "deliveries"])),
            "schedule": [
                {
                    "from": f"{2022 + j}-{draw(st.integers(1, 12)):02d}",
                    **fig(draw(st.floats(0, 3e6))),
                }
                for j in range(draw(st.integers(1, 3)))
            ],
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    target = draw(st.one_of(st.none(), st.integers(0, 5_000_000)))
    stock = {
        "initial": fig(draw(st.integers(0, 3_000_000))),
        "floor": fig(draw(st.integers(0, 10))),
    }
    if target is not None:
        stock |= {"target": fig(target + 10), "target_by": 2022 + years - 1}
    return CapacityModel.model_validate(
        {
            "item": "shell_155mm",
            "period": period,
            "start": 2022,
            "end": f"{2022 + years}-12",
            "capacity": {"initial": fig(draw(st.floats(0, 3e6))), "expansions": expansions},
            "stock": stock,
            "demand": demand,
            "policy": {
                "produce": draw(st.sampled_from(["as_needed", "at_capacity"])),
                "priority": draw(st.sampled_from(["pro_rata", "consumption", "deliveries"])),
                "backlog": draw(st.booleans()),
            },
        }
    )


@settings(max_examples=60, deadline=None)
@given(model=models())
def test_every_period_conserves_units_and_never_produces_above_capacity(model):
    result = run(model)
    check_flows(result)
    if model.policy.produce == "at_capacity":
        frame = result.frame()
        assert np.allclose(frame["production"], frame["capacity"])


# -- bad input: one error naming the key --------------------------------------------------------------
def eu_text() -> str:
    return EU.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (  # a missing parameter
            "initial = { value = 300_000,",
            "former = { value = 300_000,",
            r"capacity\.initial: missing \(required\)",
        ),
        (  # a negative parameter
            'initial = { value = 0, source = "assumption", note = "drawable',
            'initial = { value = -5, source = "assumption", note = "drawable',
            r"stock\.initial\.value = -5: input should be greater than or equal to 0",
        ),
        (  # a lead time beyond the horizon
            "lead_time_months = { value = 9, min = 6, max = 21,",
            "lead_time_months = { value = 90, max = 90,",
            r"capacity\.expansions\[1\]\.lead_time_months\.value = 90: decided 2024-03, it comes "
            r"online 2031-09, after the horizon",
        ),
        (  # an unknown item
            'item = "shell_155mm"',
            'item = "shell_156mm"',
            r"item = 'shell_156mm': unknown item; did you mean shell_155mm",
        ),
        (  # a source the file does not define
            'source = "wiwo-2024-02", estimate = true, note = "the Unterluess',
            'source = "wiwo-2024-03", estimate = true, note = "the Unterluess',
            r"capacity\.expansions\[0\]\.capex_per_unit\.source = 'wiwo-2024-03': not in "
            r"\[sources\] \(did you mean 'wiwo-2024-02'\?\)",
        ),
        (  # a misspelt key
            'ramp_months = { value = 12, source = "assumption", note = "lines',
            'ramp_month = { value = 12, source = "assumption", note = "lines',
            r"capacity\.expansions\[0\]\.ramp_month: unknown key \(did you mean 'ramp_months'\?\)",
        ),
        ('target_by = "2028-12"', "", r"stock\.target_by: missing \(required with stock\.target\)"),
        (
            'ramp_months = { value = 12, source = "assumption", note = "lines',
            'ramp_months = { value = 12, max = 20, source = "assumption", note = "lines',
            r"capacity\.expansions\[0\]\.ramp_months: min/max are drawn for lead times only",
        ),
        (
            '{ from = "2025-01"',
            '{ from = "2023-01"',
            r"demand\[0\]\.schedule\[2\]\.from = '2023-01'",
        ),
        ('per = "year", source = "aljazeera', 'per = "week", source = "aljazeera', r"per = 'week'"),
    ],
)
def test_bad_input_is_one_error_naming_the_key(old, new, message):
    text = eu_text()
    assert old in text
    with pytest.raises(IndustryError, match=message) as info:
        load_capacity_model(text.replace(old, new, 1))
    assert "\n" not in str(info.value)


def test_files_that_are_missing_or_not_toml(tmp_path):
    with pytest.raises(IndustryError, match="capacity model file not found"):
        load_capacity_model(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("item = [", encoding="utf-8")
    with pytest.raises(IndustryError, match="is not valid TOML"):
        load_capacity_model(broken)


def test_a_yearly_model_runs_january_to_december():
    text = (
        eu_text()
        .replace('period = "month"', 'period = "year"')
        .replace('start = "2022-01"', 'start = "2022-03"')
    )
    with pytest.raises(IndustryError, match="a yearly model runs from January to December"):
        load_capacity_model(text)

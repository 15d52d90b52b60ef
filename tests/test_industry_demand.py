"""Procurement demand: NATO's equipment expenditure read from the data, bloc totals, projections."""

from __future__ import annotations

import numpy as np
import pytest

import milex
from milex.industry import DEMAND_COLUMNS, EquipmentShare, IndustryError, equipment_demand
from milex.industry.demand import eur_per_usd
from milex.projection import Scenario, Target

from .conftest import ROOT


@pytest.fixture(scope="module")
def history(dataset):
    return equipment_demand(dataset)


@pytest.fixture(scope="module")
def projected(dataset):
    scenario = Scenario(countries=["DEU", "POL", "FRA"], uncertainty={"paths": 200})
    return equipment_demand(dataset, scenario=scenario, equipment=EquipmentShare(30, 2030))


def nato(dataset, measure, iso3, year):
    frame = dataset.series(measure, iso3, "nato", year, include_secondary=False)
    (value,) = frame["value"]
    return float(value)


@pytest.mark.parametrize(
    ("iso3", "year"), [("DEU", 2014), ("POL", 2024), ("USA", 2019), ("EST", 2022)]
)
def test_equipment_expenditure_is_natos_spending_times_natos_equipment_share(
    history, dataset, iso3, year
):
    spending = nato(dataset, "milex_usd", iso3, year)
    share = nato(dataset, "equipment_pct", iso3, year)
    assert history.value(iso3, "equipment_usd", year) == pytest.approx(spending * share / 100)
    assert history.value(iso3, "equipment_share_pct", year) == share
    const = nato(dataset, "milex_usd_const", iso3, year)
    assert history.value(iso3, "equipment_usd_const", year) == pytest.approx(const * share / 100)


def test_euros_use_natos_implied_rate_of_the_year_as_the_tracker_does(history, dataset):
    rate = eur_per_usd(dataset, [2014, 2024])
    assert rate[2024] == pytest.approx(milex.tracker(2024, dataset=dataset).summary["eur_per_usd"])
    usd = history.value("FRA", "equipment_usd", 2024)
    assert history.value("FRA", "equipment_eur", 2024) == pytest.approx(usd * rate[2024])


def test_bloc_totals_sum_that_years_members(history, dataset):
    frame = history.frame()
    allies = frame[(frame["row_type"] == "ally") & (frame["measure"] == "equipment_usd")]
    for year in (2014, 2023, 2024):
        members = [m for m in dataset.registry.members("NATO", year) if m != "ISL"]
        in_year = allies[(allies["year"] == year) & allies["iso3"].isin(members)]
        assert len(in_year) == len(members)
        assert history.value("NATO", "equipment_usd", year) == pytest.approx(in_year["value"].sum())
    assert "SWE" in dataset.registry.members("NATO", 2024)
    assert "FIN" not in dataset.registry.members("NATO", 2014)
    eu_ca = history.value("NATO_EU_CA", "equipment_usd", 2024)
    usa = history.value("USA", "equipment_usd", 2024)
    assert history.value("NATO", "equipment_usd", 2024) == pytest.approx(eu_ca + usa)


def test_increases_over_2014_in_money_and_in_real_terms(history):
    for code in ("POL", "NATO_EU_CA"):
        level = history.value(code, "equipment_usd", 2024) - history.value(
            code, "equipment_usd", 2014
        )
        assert history.value(code, "increase_since_2014_usd", 2024) == pytest.approx(level)
        real = history.value(code, "equipment_usd_const", 2024) / history.value(
            code, "equipment_usd_const", 2014
        )
        assert history.value(code, "real_change_since_2014_pct", 2024) == pytest.approx(
            (real - 1) * 100
        )
    summary = history.summary().set_index("iso3")
    assert summary.loc["NATO", "equipment_usd_base_m"] == history.value(
        "NATO", "equipment_usd", 2024
    )
    assert "horizon" not in summary.columns


def test_fixed_membership_counts_todays_allies_in_every_year(dataset, history):
    fixed = equipment_demand(dataset, members_as_of=2024)
    joined = set(dataset.registry.members("NATO", 2024)) - set(
        dataset.registry.members("NATO", 2014)
    )
    assert {"FIN", "SWE", "MKD", "MNE"} <= joined
    added = sum(history.value(c, "equipment_usd", 2014) for c in joined)
    difference = fixed.value("NATO", "equipment_usd", 2014) - history.value(
        "NATO", "equipment_usd", 2014
    )
    assert difference == pytest.approx(added)


def test_the_frame_is_tidy_with_stable_columns(history):
    frame = history.frame()
    assert list(frame.columns) == list(DEMAND_COLUMNS)
    assert set(frame["basis"]) == {"nato"}
    assert frame[["p5", "p95"]].isna().all().all()  # history is certain
    assert frame.loc[frame["iso3"] == "USA", "flags"].str.contains("estimate").any()
    assert not frame["value"].isna().any()


def test_projected_equipment_is_defence_spending_times_the_share_on_every_path(projected):
    frame = projected.frame()
    proj = frame[(frame["basis"] == "projection") & (frame["row_type"] == "ally")]
    wide = proj.pivot_table(
        index=["iso3", "year"], columns="measure", values=["value", "p5", "p95"]
    )
    for col in ("value", "p5", "p95"):
        ratio = wide[(col, "equipment_usd")] / wide[(col, "defence_usd")] * 100
        assert np.allclose(ratio, wide[(col, "equipment_share_pct")], rtol=1e-9)
    assert (wide[("p5", "equipment_usd")] < wide[("p95", "equipment_usd")]).all()


def test_the_share_converges_by_the_year_and_allies_above_it_hold(projected):
    assert projected.value("FRA", "equipment_share_pct", 2030) == pytest.approx(30)
    assert projected.value("FRA", "equipment_share_pct", 2035) == pytest.approx(30)
    pol_base = projected.value("POL", "equipment_share_pct", 2024)
    assert pol_base > 30
    assert projected.value("POL", "equipment_share_pct", 2035) == pytest.approx(pol_base)
    deu_base = projected.value("DEU", "equipment_share_pct", 2024)
    middle = projected.value("DEU", "equipment_share_pct", 2027)
    assert middle == pytest.approx(deu_base + (30 - deu_base) * 3 / 6)


def test_the_total_is_the_sum_of_allies_and_the_base_year_links(projected):
    for year in (2025, 2035):
        allies = sum(projected.value(c, "equipment_usd", year) for c in ("DEU", "POL", "FRA"))
        assert projected.value("TOTAL", "equipment_usd", year) == pytest.approx(allies)
    first = projected.value("DEU", "equipment_usd", 2014)
    change = projected.value("DEU", "increase_since_2014_usd", 2030)
    assert change == pytest.approx(projected.value("DEU", "equipment_usd", 2030) - first)
    summary = projected.summary().set_index("iso3")
    assert summary.loc["TOTAL", "horizon"] == 2035
    assert summary.loc["TOTAL", "cum_extra_usd_p5_m"] < summary.loc["TOTAL", "cum_extra_usd_m"]
    assert any("equipment share moves in a straight line to 30%" in n for n in projected.notes)


def test_the_hague_example_projects_equipment_on_the_core_target(dataset):
    path = ROOT / "examples" / "hague-2035.toml"
    scenario = Scenario.from_toml(path).with_changes(
        countries=["NLD"], bloc=None, uncertainty={"paths": 50}
    )
    result = equipment_demand(dataset, scenario=scenario)
    assert any("Only target 'core'" in n for n in result.notes)
    base = result.value("NLD", "equipment_share_pct", 2024)
    assert result.value("NLD", "equipment_share_pct", 2035) == pytest.approx(base)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"equipment": EquipmentShare(30, 2030)}, "applies to projected years: give a scenario"),
        ({"bloc": "EU"}, "bloc = 'EU': must be one of NATO, NATO_EU_CA"),
        ({"members_as_of": 1900}, "members_as_of = 1900: NATO had no members that year"),
        ({"target": "core"}, "a target applies to projected years"),
        ({"scenario": {"countries": ["DEU"]}, "target": "core2"}, "target = 'core2' is not in"),
        ({"scenario": {"countries": ["DEU"]}, "equipment": EquipmentShare(30, 2024)}, "by = 2024"),
        (
            {
                "scenario": Scenario(
                    countries=["DEU"],
                    targets=[
                        Target(
                            target_pct=3,
                            path={"shape": "constant_real_growth", "real_growth_pct": 2},
                        )
                    ],
                )
            },
            r"targets\[0\]\.path = 'constant_real_growth'",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(dataset, kwargs, message):
    with pytest.raises(IndustryError, match=message):
        equipment_demand(dataset, **kwargs)


def test_the_equipment_share_needs_a_level_and_a_year():
    with pytest.raises(IndustryError, match="give target_pct and by together"):
        EquipmentShare(30)
    with pytest.raises(IndustryError, match="target_pct = 120: must be 0-100"):
        EquipmentShare(120, 2030)

"""National plans: sourced rows only, the comparison with the line, and the national_plans shape."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from milex.analysis import hague, review
from milex.analysis.plans import load_plans, plan_share
from milex.data.plan_ledger import COLUMNS, PLANS_FILE, PlanError
from milex.projection import PathSpec, Scenario, ScenarioError, Target, project
from milex.projection._paths import plan_share_path


def _write(tmp_path, rows):
    path = tmp_path / "plans.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


GOOD = ["DEU:a", "DEU", "plan", "adopted", "2029", "", "3.5", "percent of GDP", "nato", "",
        "Finance plan", "https://example.org/plan", "2025-06-24", "3,5 Prozent", "verbatim", "",
        "national_plan", ""]  # fmt: skip


def test_every_bundled_plan_figure_has_a_source_url_a_date_and_the_flag():
    plans = load_plans()
    assert plans.figures, "the bundled file has plans"
    with PLANS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["status"] != "no public plan found":
            assert row["source_url"].startswith("http") and row["date"], row
            assert row["flag"] == "national_plan"
            assert row["quote"] or row["quote_type"] == "not recorded", row
    # every ally with armed forces is listed: a plan, or "no public plan found"
    listed = {f.iso3 for f in plans.figures} | set(plans.no_plan)
    assert {"DEU", "POL", "GBR", "CAN", "ESP", "USA"} <= listed and "ISL" not in listed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source_url", "", "source_url '' is missing"),
        ("date", "", "date '' is missing"),
        ("source_url", "example.org/plan", "not an http(s) URL"),
        ("date", "24 June 2025", "not YYYY-MM-DD"),
        ("flag", "", "must be 'national_plan'"),
        ("kind", "pledge", "kind 'pledge' is not one of"),
        ("status", "current", "status 'current' is not one of"),
        ("quote", "", "quote is empty for quote_type 'verbatim'"),
        ("quote_type", "exact", "quote_type 'exact' is not one of"),
        ("supersedes", "DEU:nowhere", "supersedes 'DEU:nowhere': no row has that id"),
    ],
)
def test_a_plan_row_without_a_source_url_or_date_is_rejected_naming_the_row(
    tmp_path, field, value, message
):
    bad = ["DEU:b", *GOOD[1:]]
    bad[COLUMNS.index(field)] = value
    path = _write(tmp_path, [[*GOOD[:4], "2025", *GOOD[5:]], bad])
    with pytest.raises(PlanError) as err:
        load_plans(path)
    assert "plans.csv row 3 (DEU)" in str(err.value) and message in str(err.value)
    assert "row 2" not in str(err.value)


def test_a_figure_stated_twice_and_a_no_plan_row_with_figures_are_rejected(tmp_path):
    no_plan = ["", "USA", "", "no public plan found", "2030", *[""] * 13]
    path = _write(tmp_path, [GOOD, ["DEU:b", *GOOD[1:]], no_plan])
    with pytest.raises(PlanError) as err:
        load_plans(path)
    message = str(err.value)
    assert "row 3 (DEU): 2029 plan percent of GDP (nato) is also stated in row 2" in message
    assert "mark the older 'superseded'" in message
    assert "row 4 (USA): a 'no public plan found' row has no year" in message


def test_germany_line_plan_and_verdict_in_2029_come_from_the_data(dataset):
    base_year = dataset.latest_year("milex_pct_gdp", "nato")
    raw = dataset.series("milex_pct_gdp", "DEU", "nato", base_year, include_secondary=False)
    base = float(raw["value"].iloc[0])
    line = base + (3.5 - base) * (2029 - base_year) / (2035 - base_year)
    stated = [
        f
        for f in load_plans().for_country("DEU")
        if f.year == 2029 and f.unit.startswith("percent")
    ]
    assert [f.value for f in stated] == [plan_share("DEU", 2029)]
    row = review.plans_table(dataset, ["DEU"]).frame().set_index("year").loc[2029]
    assert row["line_pct"] == pytest.approx(line, abs=1e-12)
    assert row["plan_pct"] == stated[0].value and row["plan_basis"] == "stated"
    expected = "plan at or above the line" if stated[0].value >= line else "plan below the line"
    assert row["verdict"] == expected


def test_plan_levels_are_exact_where_stated_straight_between_and_held_after():
    plans = load_plans()
    points = plans.core_points("SVN")  # 2.0 in 2025 ... 3.0 in 2030, one figure a year
    levels = review.plan_levels(plans, "SVN", (2024, 1.3), {}, 2035)
    assert {y: levels[y].share for y in points} == {y: f.value for y, f in points.items()}
    assert levels[2031].basis == "held after plan end" and levels[2031].share == points[2030].value
    gbr = review.plan_levels(plans, "GBR", (2024, 2.3), {}, 2035)  # 2.6 in 2027, 3.5 in 2035
    assert gbr[2026].basis == "interpolated" and gbr[2026].share == pytest.approx(2.3 + 0.3 * 2 / 3)
    assert gbr[2031].share == pytest.approx(2.6 + 0.9 * 4 / 8)


def test_money_plans_become_shares_of_weo_gdp():
    plans = load_plans()
    levels = review.plan_levels(plans, "FRA", (2024, 2.06), {2027: 3_200_000.0}, 2030)
    assert levels[2027].basis == "from money"
    assert levels[2027].share == pytest.approx(100 * 64_000 / 3_200_000)


def test_plan_share_path_hits_each_point_exactly():
    years = np.arange(2024, 2036)
    path = plan_share_path(years, 2.1, {2024: 9.9, 2026: 2.7, 2029: 3.5})
    assert path[0] == 2.1 and path[2] == 2.7 and path[5] == 3.5 and np.all(path[5:] == 3.5)
    assert path[1] == pytest.approx(2.4)


def test_national_plans_scenario_reproduces_each_plan_share_exactly(dataset):
    scenario = Scenario(
        countries=["DEU", "SVN", "POL", "ITA"],
        targets=[Target(guideline="hague_core_3_5pct",
                        path=PathSpec(shape="national_plans", default="hold_share"))],
        uncertainty={"growth_sd_pct": 0, "inflation_sd_pct": 0, "paths": 2},
    )  # fmt: skip
    result = project(scenario, dataset)
    frame = result.frame()
    share = frame[(frame["measure"] == "share_pct") & (frame["target"] == "core")]
    plans = load_plans()
    base = result.years[0]
    for iso3 in ("DEU", "SVN", "POL"):
        for year, figure in plans.core_points(iso3).items():
            if base < year <= 2035:
                got = share[(share["iso3"] == iso3) & (share["year"] == year)]
                assert got["central"].iloc[0] == figure.value, (iso3, year)
                assert got["p5"].iloc[0] == got["p95"].iloc[0] == figure.value
    italy = share[share["iso3"] == "ITA"]["central"]  # no plan: the default, hold_share
    assert italy.nunique() == 1
    assert any("national plans" in n for n in result.notes)


def test_default_is_only_for_national_plans():
    with pytest.raises(ScenarioError, match="default is only for shape 'national_plans'"):
        PathSpec(shape="linear", default="hold_share")
    assert PathSpec(shape="national_plans").default is None
    spec = PathSpec(shape="national_plans", default="back_loaded")
    assert Scenario(targets=[Target(target_pct=3.5, path=spec)]).to_dict()["targets"][0][
        "path"
    ] == {"shape": "national_plans", "default": "back_loaded", "power": 2.0}


def test_hague_module_line_matches_the_plans_table(dataset):
    table = review.plans_table(dataset, ["ESP"]).frame()
    start = hague.base_year(dataset)
    base = hague.reach_year(dataset, "ESP").base_share
    assert base is not None
    for row in table.itertuples():
        assert row.line_pct == hague.path_value(base, start, row.year)

"""The Hague review: counts from the data, a money gap by hand, and the capped trend."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from milex.analysis import hague, review
from milex.analysis.plans import load_plans
from milex.cli import app
from milex.data.registry import NO_ARMED_FORCES


@pytest.fixture(scope="module")
def view(dataset):
    return review.review(dataset, 2029)


def test_review_counts_are_computed_from_the_data(dataset, view):
    start = hague.base_year(dataset)
    allies = [c for c in dataset.registry.members("NATO", start) if c not in NO_ARMED_FORCES]
    base = dataset.series("milex_pct_gdp", allies, "nato", start, include_secondary=False)
    base_by = dict(zip(base["iso3"], base["value"], strict=True))
    latest = dataset.series("milex_pct_gdp", allies, "nato", (start, 2035))
    latest = latest.sort_values("year").groupby("iso3").last()
    plans, at, below, none = load_plans(), 0, 0, 0
    for iso3 in allies:
        line = hague.path_value(base_by[iso3], start, 2029)
        weo = dataset.series("gdp_lcu", iso3, "imf_weo", (start, 2035))
        gdp = dict(zip(weo["year"], weo["value"], strict=True))
        levels = review.plan_levels(
            plans, iso3, (int(latest.loc[iso3, "year"]), latest.loc[iso3, "value"]), gdp
        )
        level = levels.get(2029)
        if level is None:
            none += 1
        elif level.share >= line:
            at += 1
        else:
            below += 1
    a, view = view.summary, view.frame()
    assert (a["count_plan_at_or_above"], a["count_plan_below"], a["count_no_plan"]) == (
        at, below, none)  # fmt: skip
    assert at + below + none == a["allies"] == len(allies) == len(view)
    assert a["count_latest_at_or_above"] == int((view["latest_pct"] >= view["line_pct"]).sum())


def test_the_gap_to_the_line_for_spain_by_hand_equals_the_tools(dataset, view):
    start = hague.base_year(dataset)
    base = dataset.series("milex_pct_gdp", "ESP", "nato", start, include_secondary=False)
    newest = dataset.series("milex_pct_gdp", "ESP", "nato").iloc[-1]
    gdp = dataset.series("gdp_lcu", "ESP", "imf_weo", 2029)["value"].iloc[0]
    gdp_usd = dataset.series("gdp_usd", "ESP", "imf_weo", 2029)["value"].iloc[0]
    b = float(base["value"].iloc[0])
    line = b + (3.5 - b) * (2029 - start) / (2035 - start)
    gap_eur = max(0.0, line - float(newest["value"])) / 100 * gdp
    row = view.frame().set_index("iso3").loc["ESP"]
    assert row["latest_year"] == newest["year"] and row["latest_edition"] == newest["edition"]
    assert row["gap_lcu_m"] == pytest.approx(gap_eur, rel=1e-12) and gap_eur > 0
    assert row["gap_usd_m"] == pytest.approx(gap_eur / (gdp / gdp_usd), rel=1e-12)
    assert row["gap_eur_m"] == gap_eur == row["gap_lcu_m"]  # the euro area converts at 1


def test_the_related_leg_is_a_ceiling_listed_never_summed(view):
    related, view = view.summary["related"], view.frame()
    assert related["kind"] == "up to" and related["ceiling_pct"] == 1.5
    assert "never summed" in related["note"]
    assert set(related["stated"]) == set(view.loc[view["related_plan"] != "", "iso3"])


def test_a_review_year_outside_the_line_is_an_error_naming_the_option(dataset):
    with pytest.raises(Exception, match="--review 2040"):
        review.review(dataset, 2040)


def test_a_surge_is_capped_and_labelled_arithmetic_not_a_forecast():
    surge = hague.reach("XXX", 2024, 2.0, [25.0, 25.0, 25.0], {2028: 1.0, 2029: 1.0, 2030: 1.0})
    assert surge.capped and surge.spending_growth_pct == hague.MAX_TREND_GROWTH_PCT
    assert surge.observed_growth_pct == pytest.approx(25.0)
    assert "capped from +25.0%" in surge.note and "not a forecast" in surge.note
    level = 2.0
    for year in range(2025, (surge.year or 2025) + 1):
        level *= 1.10 / 1.01
        assert surge.level(year) == pytest.approx(level)
    assert surge.year == next(y for y, v in surge.levels if v >= 3.5)
    steady = hague.reach("XXX", 2024, 2.0, [3.0, 3.0, 3.0], {2028: 1.0, 2029: 1.0, 2030: 1.0})
    assert not steady.capped and "capped" not in steady.note


def test_the_cli_prints_the_review_and_fails_in_one_line():
    runner = CliRunner()
    ok = runner.invoke(app, ["hague", "--review", "2029"])
    assert ok.exit_code == 0, ok.output
    assert "The Hague review, 2029" in ok.output and "1.5% leg" in ok.output
    bad = runner.invoke(app, ["hague", "--review", "2020"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    plans = runner.invoke(app, ["plans", "--country", "DEU,ESP", "--format", "csv"])
    assert plans.exit_code == 0 and plans.output.count("\nDEU,") == 11

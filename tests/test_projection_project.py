"""project() on the bundled data: allies, targets, macro path, currencies and what it says it used."""

from __future__ import annotations

import numpy as np
import pytest

from milex.errors import QueryError
from milex.projection import FRAME_COLUMNS, Scenario, ScenarioError, Target, project

from .conftest import ROOT

QUIET = {"growth_sd_pct": 0.0, "inflation_sd_pct": 0.0, "paths": 50}


@pytest.fixture(scope="module")
def nato(dataset):
    return project(Scenario(uncertainty={"paths": 400}), dataset)


@pytest.fixture(scope="module")
def hague(dataset):
    scenario = Scenario.from_toml(ROOT / "examples" / "hague-2035.toml")
    return project(scenario.with_changes(uncertainty={"paths": 400}), dataset)


def test_default_run_covers_every_ally_but_iceland_plus_nato_and_europe_canada(nato):
    assert nato.base_year == 2026 and nato.horizon == 2035  # the newest year with NATO figures
    assert len(nato.entities) == 31 + 2 and nato.entities[-2:] == ("NATO", "NATO_EU_CA")
    assert "ISL" not in nato.entities and "ISL" in nato.excluded
    assert any(n.startswith("ISL excluded: no armed forces") for n in nato.notes)


def test_bloc_totals_are_the_sums_of_their_members(nato):
    frame = nato.frame()
    central = frame[(frame["measure"] == "spending") & (frame["year"] == 2035)].set_index("iso3")[
        "central"
    ]
    allies = central.drop(["NATO", "NATO_EU_CA"])
    assert central["NATO"] == pytest.approx(allies.sum(), rel=1e-12)
    assert central["NATO_EU_CA"] == pytest.approx(allies.drop("USA").sum(), rel=1e-12)


def test_linear_path_reaches_3_5_percent_in_2035_in_equal_steps_with_no_uncertainty(dataset):
    result = project(Scenario(countries=["DEU", "ESP"], uncertainty=QUIET), dataset)
    frame = result.frame()
    share = frame[(frame["measure"] == "share_pct") & (frame["iso3"] == "ESP")][
        "central"
    ].to_numpy()
    assert share[-1] == 3.5
    assert share[0] == 2.0  # Spain's newest NATO figure, 2025's, held to the 2026 base
    np.testing.assert_allclose(np.diff(share), (3.5 - share[0]) / 9, atol=1e-12)
    for column in ("p5", "p25", "p50", "p75", "p95"):
        assert (frame[column] == frame["central"]).all(), column


def test_hold_share_costs_nothing_extra(dataset):
    scenario = Scenario(countries=["FRA"], targets=[Target(target_pct=3.5, path="hold_share")])
    frame = project(scenario.with_changes(uncertainty={"paths": 200}), dataset).frame()
    extra = frame[frame["measure"].str.contains("extra")]
    assert len(extra) == 4 * 10 and not extra[["central", "p5", "p50", "p95"]].to_numpy().any()


def test_central_gdp_follows_the_weo_to_2030(dataset, nato):
    weo = dataset.wide("gdp_lcu", list(nato.entities[:-2]), "imf_weo", (2026, 2030))
    fx = nato.assumptions().set_index("iso3")["fx_base"]
    result = project(Scenario(currency="national", uncertainty=QUIET), dataset)
    for year in range(2026, 2031):
        for iso3 in weo.index:
            assert result.value(iso3, "gdp", year) == pytest.approx(weo.loc[iso3, year], rel=5e-4)
    assert fx["USA"] == 1.0


def test_the_hague_parts_add_up_to_the_total(hague):
    assert hague.targets == ("core", "related", "total")
    for iso3 in ("DEU", "POL", "NATO"):
        for year in (2030, 2035):
            parts = sum(hague.value(iso3, "spending", year, t) for t in ("core", "related"))
            assert hague.value(iso3, "spending", year, "total") == pytest.approx(parts, rel=1e-12)
    assert hague.value("DEU", "share_pct", 2035, "related") == 1.5
    assert hague.value("DEU", "share_pct", 2035, "total") == pytest.approx(5.0)


def test_euro_members_convert_at_one_and_others_at_the_weo_rate(dataset):
    eur = project(Scenario(countries=["DEU", "POL"], currency="EUR", uncertainty=QUIET), dataset)
    nat = project(
        Scenario(countries=["DEU", "POL"], currency="national", uncertainty=QUIET), dataset
    )
    assert eur.value("DEU", "spending", 2030) == nat.value("DEU", "spending", 2030)
    ratio = eur.value("POL", "spending", 2026) / nat.value("POL", "spending", 2026)

    def per_usd(iso3):
        lcu = dataset.series("gdp_lcu", iso3, "imf_weo", 2026)["value"].iloc[0]
        return lcu / dataset.series("gdp_usd", iso3, "imf_weo", 2026)["value"].iloc[0]

    assert ratio == pytest.approx(per_usd("DEU") / per_usd("POL"), rel=1e-12)
    assert eur.currencies == ("EUR", "EUR", "EUR") and nat.currencies == ("EUR", "PLN")
    assert "TOTAL" not in nat.entities  # no sum across currencies
    assert any("EUR per USD from DEU" in n for n in eur.notes)


def test_base_year_exchange_rates_hold_the_base_years_rate(dataset):
    base = project(
        Scenario(countries=["TUR"], exchange_rates="base_year", uncertainty=QUIET), dataset
    )
    weo = project(Scenario(countries=["TUR"], uncertainty=QUIET), dataset)
    assert base.value("TUR", "spending", 2026) == weo.value("TUR", "spending", 2026)
    assert base.value("TUR", "spending", 2030) > 1.5 * weo.value("TUR", "spending", 2030)


def test_frame_and_summary_shapes(nato):
    frame = nato.frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert len(frame) == 33 * 8 * 10
    assert set(frame["unit"]) == {"USD m", "USD m constant 2026", "percent"}
    summary = nato.summary()
    assert len(summary) == 33 and summary.set_index("iso3").loc["POL", "extra_to_horizon_m"] == 0
    row = summary.set_index("iso3").loc["DEU"]
    assert (
        row["extra_to_horizon_p5_m"] < row["extra_to_horizon_p50_m"] < row["extra_to_horizon_p95_m"]
    )
    assert 2027 <= row["peak_increase_year"] <= 2035 and row["peak_increase_m"] > 0


def test_sources_editions_and_assumptions_are_carried(nato):
    used = {(s["source"], s["edition"]) for s in nato.sources()}
    assert used == {
        ("nato", "2014-2024 (2024-06-17)"),  # Hungary's newest figure, 2024's
        ("nato", "2014-2025 (2025-08-28)"),
        ("nato", "2014-2026 (2026-07)"),
        ("nato", "SG Annual Report 2025 (2026-03-26)"),
        ("imf_weo", "WEO 2025-10"),
    }
    assert all(s.get("citation") for s in nato.sources())
    meta = nato.meta()
    assert meta["scenario"]["base_year"] == 2026 and meta["scenario"]["bloc"] == "NATO"
    assert any("long-run assumption" in n for n in meta["notes"])
    table = nato.assumptions().set_index("iso3")
    assert table.loc["POL", "core_base_pct"] == 4.68  # Poland's 2026 figure
    assert table.loc["POL", "start_year"] == 2026
    assert table.loc["POL", "start_edition"] == "2014-2026 (2026-07)"
    assert table.loc["DEU", "long_run_growth_pct"] == pytest.approx(np.mean([1.203, 0.980, 0.679]))


def test_the_resolved_scenario_reproduces_the_run(dataset, tmp_path):
    first = project(Scenario(countries=["LTU"], uncertainty={"paths": 300, "seed": 4}), dataset)
    path = tmp_path / "run.toml"
    first.scenario.to_toml(path)
    again = project(path, dataset)
    np.testing.assert_array_equal(first.quantiles, again.quantiles)


def test_a_country_without_nato_figures_needs_a_stated_baseline(dataset):
    with pytest.raises(
        QueryError, match=r"JPN: no NATO milex_pct_gdp for 2014-2026 \(set targets\[0\].base_pct"
    ):
        project(Scenario(countries=["Japan"], uncertainty=QUIET), dataset)
    result = project(
        Scenario(
            countries=["Japan"], targets=[Target(target_pct=2.0, base_pct=1.4)], uncertainty=QUIET
        ),
        dataset,
    )
    assert result.value("JPN", "share_pct", 2035) == 2.0


def test_iceland_alone_is_nothing_to_project(dataset):
    with pytest.raises(ScenarioError, match="nothing to project: ISL excluded"):
        project(Scenario(countries=["Iceland"]), dataset)


def test_deadline_before_the_default_base_year_is_an_error(dataset):
    with pytest.raises(
        ScenarioError, match=r"targets\[0\].deadline = 2023: must be after the base year 2026"
    ):
        project(Scenario(targets=[Target(target_pct=3.5, deadline=2023)]), dataset)


def test_an_aggregate_must_be_fully_projected(dataset):
    with pytest.raises(ScenarioError, match="aggregates = 'NATO_EU_CA': members"):
        project(Scenario(countries=["DEU", "FRA"], aggregates=["NATO_EU_CA"]), dataset)


def test_the_fan_chart_of_a_result(nato):
    pytest.importorskip("altair")
    import milex.present.charts  # noqa: F401  (the presentation layer registers its fan chart)

    spec = nato.chart("DEU", measure="spending").to_dict()
    assert "layer" in spec or "vconcat" in spec or "hconcat" in spec


def test_a_new_seed_reuses_the_data_read_and_gives_what_a_fresh_run_gives(dataset):
    """prepare() is memoised on everything but the Monte Carlo settings: same numbers, new notes."""
    from milex.projection._inputs import prepare
    from milex.projection.engine import simulate

    first = project(Scenario(countries=["DEU", "POL"], uncertainty={"paths": 300}), dataset)
    again = Scenario(countries=["DEU", "POL"], uncertainty={"paths": 500, "seed": 9})
    memoised = project(again, dataset)
    fresh = prepare(again, dataset)
    out = simulate(fresh.inputs, fresh.shocks)
    assert memoised.quantiles.tobytes() == out.quantiles.tobytes()
    assert memoised.scenario.uncertainty.seed == 9 and memoised.paths == 500
    assert [n for n in memoised.notes if not n.startswith("Engine: ")] == fresh.notes
    assert any("500 paths, seed 9" in n for n in memoised.notes)
    assert not any("300 paths" in n for n in memoised.notes) and first.paths == 300


def test_each_ally_starts_from_its_newest_figure_and_the_notes_say_which_year(nato):
    """The base year is the newest with NATO figures (2026); an ally without a 2026 figure starts
    from its newest one, named per ally: Spain 2025, Hungary 2024."""
    table = nato.assumptions().set_index("iso3")
    assert table.loc["ESP", "start_year"] == 2025 and table.loc["ESP", "core_base_pct"] == 2.0
    assert table.loc["HUN", "start_year"] == 2024
    assert table.loc["HUN", "start_edition"] == "2014-2024 (2024-06-17)"
    assert table.loc["BGR", "start_edition"] == "SG Annual Report 2025 (2026-03-26)"
    note = next(n for n in nato.notes if n.startswith("Each ally starts from its newest"))
    assert "2026 for 10" in note and "2024 for 1 (HUN)" in note and "ESP" in note
    assert nato.value("ESP", "share_pct", 2026) == 2.0


def test_a_stated_base_year_still_starts_there(dataset):
    result = project(Scenario(countries=["POL"], base_year=2024, uncertainty=QUIET), dataset)
    table = result.assumptions().set_index("iso3")
    assert result.base_year == 2024 and table.loc["POL", "start_year"] == 2024
    assert table.loc["POL", "core_base_pct"] == pytest.approx(4.1202, abs=1e-4)

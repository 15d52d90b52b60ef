"""Burden-sharing, the Olson-Zeckhauser rank test and proximity to Moscow."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from milex.analysis.burden import (
    burden_sharing,
    capital_distance_km,
    great_circle_km,
    olson_zeckhauser,
    proximity,
    rank_correlations,
)
from milex.errors import MilexError

from .conftest import ROOT
from .test_balance import cli, make_dataset

#: NATO accession years, typed from NATO's "Member countries" page (independent of the registry).
ACCESSION = {
    1949: "BEL CAN DNK FRA ISL ITA LUX NLD NOR PRT GBR USA",
    1952: "GRC TUR",
    1955: "DEU",
    1982: "ESP",
    1999: "CZE HUN POL",
    2004: "BGR EST LVA LTU ROU SVK SVN",
    2009: "ALB HRV",
    2017: "MNE",
    2020: "MKD",
    2023: "FIN",
    2024: "SWE",
}


def allies_with_forces(year: int) -> set[str]:
    return {c for y, cs in ACCESSION.items() if y <= year for c in cs.split()} - {"ISL"}


@pytest.fixture(autouse=True)
def bundled_snapshot(monkeypatch):
    monkeypatch.delenv("MILEX_DATA_DIR", raising=False)


def haversine_km(lat1, lon1, lat2, lon2, radius=6371.0):
    """Written out independently of milex.analysis.burden, with the textbook radius."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return float(2 * radius * np.arctan2(np.sqrt(a), np.sqrt(1 - a)))


# ----------------------------------------------------------------------------------------------
def test_rank_correlations_equal_scipy_on_a_small_frame():
    frame = pd.DataFrame(
        {
            "year": [2000] * 6 + [2001] * 5 + [2002] * 2 + [2003] * 4,
            "gdp": [10, 250, 30, 40, 4000, 30, 5, 6, 7, 8, 9, 1, 2, 1, 2, 3, 4],
            "milex_pct_gdp": [1.2, 2.5, 1.1, 1.9, 3.3, 1.0, 2, 2, 1, 3, None, 1, 2, 2, 2, 2, 2],
        }
    )
    out = rank_correlations(frame).set_index("year")
    for year in (2000, 2001):
        part = frame[frame["year"] == year].dropna()
        rho = stats.spearmanr(part["gdp"], part["milex_pct_gdp"])
        tau = stats.kendalltau(part["gdp"], part["milex_pct_gdp"])
        assert out.loc[year, "n"] == len(part)
        assert out.loc[year, "spearman_rho"] == pytest.approx(rho.statistic, abs=1e-12)
        assert out.loc[year, "spearman_p"] == pytest.approx(rho.pvalue, abs=1e-12)
        assert out.loc[year, "kendall_tau"] == pytest.approx(tau.statistic, abs=1e-12)
        assert out.loc[year, "kendall_p"] == pytest.approx(tau.pvalue, abs=1e-12)
    assert out.loc[2001, "n"] == 4  # the missing share is left out, not read as 0
    assert math.isnan(out.loc[2002, "spearman_rho"])  # two allies: no correlation
    assert math.isnan(out.loc[2003, "kendall_tau"])  # constant shares: NaN, no warning


def test_member_count_per_year_follows_accession_dates(dataset):
    nato = olson_zeckhauser(dataset, "nato").table.set_index("year")
    for year in range(2014, 2025):
        assert nato.loc[year, "members"] == len(allies_with_forces(year)), year
        assert nato.loc[year, "n"] == nato.loc[year, "members"]
    assert list(nato.loc[[2016, 2017, 2019, 2020, 2022, 2023, 2024], "members"]) == [
        27, 28, 28, 29, 29, 30, 31,
    ]  # fmt: skip
    sipri = olson_zeckhauser(dataset, "sipri").table.set_index("year")
    for year in (1990, 1998, 1999, 2003, 2004, 2008, 2009):
        assert sipri.loc[year, "members"] == len(allies_with_forces(year)), year


def test_olson_zeckhauser_from_1949_on_a_dataset_that_reaches_back(tmp_path):
    rows = []
    for year in (1949, 1952, 1955, 1982):
        for i, iso3 in enumerate(sorted(allies_with_forces(year))):
            rows += [
                (iso3, year, "milex_pct_gdp", "sipri", 1.0 + (i * 7 % 5), "percent"),
                (iso3, year, "milex_usd", "sipri", 10.0 + i * 3),
            ]
    ds = make_dataset(tmp_path, rows)
    result = olson_zeckhauser(ds, "sipri")
    table = result.table.set_index("year")
    assert result.years == (1949, 1982) and result.notes[0] == "sipri: covers 1949-1982"
    assert list(table["members"]) == [11, 13, 14, 15] and list(table["n"]) == [11, 13, 14, 15]
    assert set(table["gdp_source"]) == {"sipri_implied"}
    part = result.data[result.data["year"] == 1955]
    expected = stats.spearmanr(part["gdp"], part["milex_pct_gdp"]).statistic
    assert table.loc[1955, "spearman_rho"] == pytest.approx(expected)


def test_on_the_bundled_extract_the_sipri_run_says_which_years_it_covers(dataset):
    result = olson_zeckhauser(dataset, "sipri")
    assert result.years == (1990, dataset.latest_year("milex_pct_gdp", "sipri"))
    assert result.notes[0].startswith("sipri: covers 1990-") and "from 1949" in result.notes[0]
    table = result.table.set_index("year")
    # SIPRI's own GDP (US$ spending over share of GDP) where it has US$ figures, else the IMF's
    assert table.loc[2010:, "gdp_source"].eq("sipri_implied").all()
    assert table.loc[:2009, "gdp_source"].eq("imf_weo").all()
    pol = result.data.query("iso3 == 'POL' and year == 2020").iloc[0]
    usd = dataset.series("milex_usd", "POL", "sipri", 2020)["value"].iloc[0]
    assert pol["gdp"] == pytest.approx(usd / pol["milex_pct_gdp"] * 100)


def test_the_trend_is_a_least_squares_fit_of_rho_on_the_year(dataset):
    result = olson_zeckhauser(dataset, "sipri")
    trend = result.trend().iloc[0]
    fit = stats.linregress(result.table["year"], result.table["spearman_rho"])
    assert trend["rho_slope_per_decade"] == pytest.approx(fit.slope * 10)
    assert trend["slope_p"] == pytest.approx(fit.pvalue)
    decades = result.by_decade().set_index("decade")
    nineties = result.table[result.table["year"].between(1990, 1999)]
    assert decades.loc[1990, "mean_spearman_rho"] == pytest.approx(nineties["spearman_rho"].mean())


# ----------------------------------------------------------------------------------------------
def test_warsaw_moscow_distance_is_within_one_percent_of_an_independent_haversine(registry):
    independent = haversine_km(52.2297, 21.0122, 55.7558, 37.6173)  # Warsaw, Moscow (Wikipedia)
    assert capital_distance_km(registry, "POL", "RUS") == pytest.approx(independent, rel=0.01)
    assert great_circle_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, rel=0.02)
    assert great_circle_km(10, 20, 10, 20) == 0


latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
def test_great_circle_distance_is_a_metric_on_the_sphere(lat1, lon1, lat2, lon2, lat3, lon3):
    ab, ba = great_circle_km(lat1, lon1, lat2, lon2), great_circle_km(lat2, lon2, lat1, lon1)
    assert ab == pytest.approx(ba, abs=1e-6) and 0 <= ab <= math.pi * 6371.0088 + 1e-6
    via = great_circle_km(lat1, lon1, lat3, lon3) + great_circle_km(lat3, lon3, lat2, lon2)
    assert ab <= via + 1e-6


def test_proximity_fits_equal_scipy_and_the_points_are_the_scatter_table(dataset):
    result = proximity(dataset, "nato")
    fits = result.fits.set_index("year")
    points = result.points[result.points["year"] == 2024]
    assert set(points["iso3"]) == allies_with_forces(2024)
    fit = stats.linregress(points["distance_km"] / 1000, points["milex_pct_gdp"])
    assert fits.loc[2024, "slope_pp_per_1000km"] == pytest.approx(fit.slope)
    assert fits.loc[2024, "pearson_r"] == pytest.approx(fit.rvalue)
    rho = stats.spearmanr(points["distance_km"], points["milex_pct_gdp"])
    assert fits.loc[2024, "spearman_rho"] == pytest.approx(rho.statistic)
    europe = proximity(dataset, "nato", 2024, exclude=("USA", "Canada"))
    assert {"USA", "CAN"}.isdisjoint(europe.points["iso3"]) and europe.fits.iloc[0]["n"] == 29


# ----------------------------------------------------------------------------------------------
def test_shares_of_gdp_and_spending_sum_to_100_and_the_us_share_matches_natos_total(dataset):
    result = burden_sharing(dataset)
    allies = result.allies
    sums = allies.groupby("year")[["milex_share_pct", "gdp_share_pct"]].sum()
    assert np.allclose(sums, 100)
    assert set(allies.loc[allies["year"] == 2022, "iso3"]) == allies_with_forces(2022)
    assert "ISL" not in set(allies["iso3"]) and any("ISL excluded" in n for n in result.notes)
    published = dataset.sql(
        "SELECT value FROM observations WHERE iso3 = 'NATO' AND measure = 'milex_usd' "
        "AND source = 'nato' AND year = 2024 AND flags NOT LIKE '%secondary%'"
    )["value"].iloc[0]
    usa = dataset.series("milex_usd", "USA", "nato", 2024)["value"].iloc[0]
    alliance = result.alliance.set_index("year")
    assert alliance.loc[2024, "us_milex_share_pct"] == pytest.approx(usa / published * 100)
    assert alliance.loc[2024, "us_to_eu_ca_milex_ratio"] == pytest.approx(usa / (published - usa))


def test_per_capita_per_service_member_and_equipment_figures(dataset):
    pol = burden_sharing(dataset, 2024).allies.query("iso3 == 'POL'").iloc[0]

    def one(measure, source):
        return dataset.series(measure, "POL", source, 2024)["value"].iloc[0]

    usd, people = one("milex_usd", "nato"), one("population", "imf_weo")
    assert pol["milex_per_capita_usd"] == pytest.approx(usd * 1e6 / people)
    assert pol["milex_per_service_member_usd"] == pytest.approx(
        usd * 1e6 / (one("mil_personnel", "nato") * 1000)
    )
    assert pol["equipment_per_capita_usd"] == pytest.approx(
        usd * one("equipment_pct", "nato") / 100 * 1e6 / people
    )
    assert pol["share_ratio"] == pytest.approx(pol["milex_share_pct"] / pol["gdp_share_pct"])


def test_burden_on_sipri_figures_leaves_natos_own_measures_empty(dataset):
    result = burden_sharing(dataset, (2023, 2024), source="sipri")
    assert result.allies["equipment_per_capita_usd"].isna().all()
    assert result.alliance["published_milex_usd_m"].isna().all()
    assert any("SIPRI publishes no equipment" in n for n in result.notes)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ds: burden_sharing(ds, source="imf"), "unknown source 'imf'"),
        (lambda ds: burden_sharing(ds, population_source="un"), "unknown population_source"),
        (lambda ds: burden_sharing(ds, 2005), "year 2005 has no nato figures"),
        (lambda ds: olson_zeckhauser(ds, "nato", gdp_source="sipri_implied"), "gdp_source"),
        (lambda ds: olson_zeckhauser(ds, "sipri", (2020, 2010)), "runs backwards"),
        (lambda ds: proximity(ds, target="Atlantis"), "unknown country name"),
    ],
)
def test_bad_parameters_are_clear_errors(dataset, call, message):
    with pytest.raises(MilexError, match=message):
        call(dataset)


# ----------------------------------------------------------------------------------------------
def test_burden_command_shows_the_latest_year_with_notes():
    result = cli("burden")
    assert result.exit_code == 0, result.output
    assert "Burden-sharing 2024 (nato)" in result.stdout and "ISL excluded" in result.stdout


@pytest.mark.parametrize(
    ("args", "column"),
    [
        (["--view", "alliance"], "us_milex_share_pct"),
        (["--view", "olson", "--source", "nato"], "kendall_p"),
        (["--view", "proximity", "--from", "2020"], "slope_pp_per_1000km"),
        (["--view", "scatter", "--year", "2023"], "distance_km"),
        (["--year", "2023"], "share_ratio"),
    ],
)
def test_burden_views_as_csv(args, column):
    result = cli("burden", *args, "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert column in frame.columns and len(frame) > 0


def test_burden_olson_json_carries_the_notes_and_trend():
    result = cli("burden", "--view", "olson", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["data"][0]["year"] == 1990 and payload["data"][0]["source"] == "sipri"
    assert any(n.startswith("trend: mean Spearman rho") for n in payload["notes"])
    assert {s["source"] for s in payload["sources"]} >= {"sipri", "imf_weo"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--view", "pie"], "unknown view 'pie'"),
        (["--source", "imf"], "unknown source 'imf'"),
        (["--year", "1990"], "year 1990 has no nato figures; the data covers 2014-"),
        (["--year", "2020", "--from", "2014"], "give --year or --from/--to"),
    ],
)
def test_burden_bad_input_is_one_line_and_exit_1(tmp_path, args, message):
    out = tmp_path / "burden.csv"
    result = cli("burden", *args, "--output", str(out))
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_python_examples_in_the_analyses_docs_run():
    text = (ROOT / "docs" / "analyses.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/analyses.md", "exec"), {})

"""NATO against SIPRI: side by side for every ally-year both cover, never merged."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from milex.analysis.reconcile import reconcile
from milex.errors import MilexError

from .test_balance import cli, make_dataset


@pytest.fixture(autouse=True)
def bundled_snapshot(monkeypatch):
    monkeypatch.delenv("MILEX_DATA_DIR", raising=False)


def publisher_figures(dataset, source: str) -> dict[tuple[str, int], float]:
    frame = dataset.series("milex_pct_gdp", "NATO", source, (2014, 2024), include_secondary=False)
    return {(i, int(y)): v for i, y, v in frame[["iso3", "year", "value"]].itertuples(index=False)}


def test_each_ally_year_both_cover_sits_side_by_side_with_the_difference(dataset):
    table = reconcile(dataset).table
    nato, sipri = publisher_figures(dataset, "nato"), publisher_figures(dataset, "sipri")
    both = (set(nato) & set(sipri)) - {(c, y) for c, y in nato if c == "ISL"}
    assert set(zip(table["iso3"], table["year"], strict=True)) == both
    for row in table.itertuples(index=False):
        assert row.nato_pct_gdp == nato[(row.iso3, row.year)]
        assert row.sipri_pct_gdp == sipri[(row.iso3, row.year)]
        assert row.difference_pp == pytest.approx(row.nato_pct_gdp - row.sipri_pct_gdp)
    assert table.groupby("year").size().loc[2022] == 29  # allies of the year, Iceland aside
    assert set(table.loc[table["iso3"] == "FIN", "year"]) == {2023, 2024}
    assert set(table.loc[table["iso3"] == "SWE", "year"]) == {2024}


def test_each_gap_splits_into_spending_and_gdp_parts(dataset):
    table = reconcile(dataset, 2024).table.dropna(subset=["spending_ratio"])
    assert len(table) == 31
    assert (table["nato_pct_gdp"] / table["sipri_pct_gdp"]).to_numpy() == pytest.approx(
        (table["spending_ratio"] / table["gdp_ratio"]).to_numpy(), rel=1e-12
    )


def test_largest_gaps_come_first_and_by_country_summarises(dataset):
    result = reconcile(dataset)
    gaps = result.largest_gaps(5)
    assert len(gaps) == 5
    assert list(gaps["abs_difference_pp"]) == sorted(gaps["abs_difference_pp"], reverse=True)
    assert gaps["abs_difference_pp"].iloc[0] == result.table["abs_difference_pp"].max()
    summary = result.by_country().set_index("iso3")
    tur = result.table[result.table["iso3"] == "TUR"]
    assert summary.loc["TUR", "mean_difference_pp"] == pytest.approx(tur["difference_pp"].mean())
    assert summary.loc["TUR", "years"] == len(tur)
    with pytest.raises(MilexError, match="n must be at least 1"):
        result.largest_gaps(0)


def test_secondary_restatements_stay_out_unless_asked_for(dataset):
    assert reconcile(dataset).years[1] == 2024
    with_press = reconcile(dataset, include_secondary=True).table
    latest = with_press[with_press["year"] == 2025]
    assert len(latest) > 0
    assert latest["nato_flags"].str.contains("secondary").all()


def test_an_ally_one_publisher_covers_alone_is_noted_not_filled(tmp_path):
    ds = make_dataset(
        tmp_path,
        [
            ("POL", 2024, "milex_pct_gdp", "nato", 4.1, "percent"),
            ("POL", 2024, "milex_pct_gdp", "sipri", 4.2, "percent"),
            ("DEU", 2024, "milex_pct_gdp", "nato", 2.1, "percent"),
            ("ISL", 2024, "milex_pct_gdp", "sipri", 0.0, "percent"),
        ],
    )
    result = reconcile(ds)
    assert list(result.table["iso3"]) == ["POL"]
    assert result.table["difference_pp"].iloc[0] == pytest.approx(-0.1)
    assert any("only nato has % of GDP for DEU (2024)" in n for n in result.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"years": 2030}, "year 2030 has no nato figures"),
        ({"years": (2024, 2014)}, "runs backwards"),
        ({"countries": "Ruritania"}, "unknown country name"),
    ],
)
def test_bad_parameters_are_clear_errors(dataset, kwargs, message):
    with pytest.raises(MilexError, match=message):
        reconcile(dataset, **kwargs)


def test_reconcile_command_lists_the_years_gaps_largest_first():
    result = cli("reconcile", "--year", "2024", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert len(frame) == 31 and set(frame["year"]) == {2024}
    assert list(frame["abs_difference_pp"]) == sorted(frame["abs_difference_pp"], reverse=True)
    payload = json.loads(cli("reconcile", "--top", "3", "--format", "json").stdout)
    assert len(payload["data"]) == 3 and {s["source"] for s in payload["sources"]} == {
        "nato",
        "sipri",
    }
    assert any("never merged" in n for n in payload["notes"])
    table = cli("reconcile", "--top", "3")
    assert table.exit_code == 0 and "largest gaps first" in table.stdout
    assert "never merged" in table.stdout


def test_reconcile_command_bad_input_is_one_line_exit_1(tmp_path):
    out = tmp_path / "gaps.csv"
    for args in (["--year", "2030"], ["--year", "2024", "--all-years"]):
        result = cli("reconcile", *args, "--output", str(out))
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output and not out.exists()

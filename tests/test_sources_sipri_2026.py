"""SIPRI's April 2026 workbook (1949-2025, constant 2024 US$): the layout parses and Belarus's
1992-2013 share of GDP, published 1,000x too large, is corrected by a named function."""

from __future__ import annotations

import pytest

from milex.data.sources import sipri

from .test_sources_sipri import small_workbook

ROWS_2026 = [
    ("Europe", None),
    ("Poland", [0.0326, 0.0415, ("blue", 0.0448)]),
    ("Belarus", [14.5, 13.2, 0.0118]),  # 2012-2013 1,000x too large as in the 2026 file, then 2014
]


@pytest.fixture
def workbook_2026(tmp_path):
    return small_workbook(
        tmp_path / "SIPRI-Milex-data-1949-2025_v1.2.xlsx",
        rows=ROWS_2026,
        years=(2012, 2013, 2014),
        base=2024,
    )


def test_constant_2024_dollars_are_read_from_the_sheet_name(workbook_2026, registry):
    obs = sipri.parse_workbook(workbook_2026, registry)
    units = set(obs.loc[obs["measure"] == "milex_usd_const", "unit"])
    assert units == {"USD m constant 2024"}
    assert obs.attrs["edition"]["price_base"] == 2024


def test_belarus_share_of_gdp_is_divided_by_1000_and_says_so(workbook_2026, registry):
    obs = sipri.parse_workbook(workbook_2026, registry)
    share = obs[(obs["measure"] == "milex_pct_gdp") & (obs["iso3"] == "BLR")].set_index("year")
    assert share.loc[2012, "value"] == pytest.approx(1.45)
    assert share.loc[2013, "value"] == pytest.approx(1.32)
    assert "corrected" in share.loc[2013, "flags"].split(";")
    assert "divided by 1,000" in share.loc[2013, "origin"]
    assert share.loc[2014, "value"] == pytest.approx(1.18)  # outside the error: untouched
    assert "corrected" not in share.loc[2014, "flags"]


def test_the_correction_leaves_a_fixed_edition_alone(tmp_path, registry):
    rows = [("Belarus", [0.0145, 0.0132, 0.0118])]
    path = small_workbook(tmp_path / "fixed.xlsx", rows=rows, years=(2012, 2013, 2014))
    obs = sipri.parse_workbook(path, registry)
    share = obs[obs["measure"] == "milex_pct_gdp"]
    assert share["value"].round(4).tolist() == [1.45, 1.32, 1.18]
    assert not share["flags"].str.contains("corrected").any()


@pytest.mark.parametrize(
    "values",
    [
        [1.45, 1.32, 0.0118],  # x100, not the documented x1000: 145% would become 0.145%
        [14.5, 1.32, 0.0118],  # one cell x1000, one x100: the pattern does not hold for all
        [14.5, 13.2, 11.8],  # 2014 is outside the documented years
    ],
)
def test_only_the_documented_pattern_is_corrected(tmp_path, registry, values):
    path = small_workbook(
        tmp_path / "x100.xlsx", rows=[("Belarus", values)], years=(2012, 2013, 2014)
    )
    obs = sipri.parse_workbook(path, registry)
    share = obs[obs["measure"] == "milex_pct_gdp"]
    assert share["value"].round(4).tolist() == [round(v * 100, 4) for v in values]
    assert not share["flags"].str.contains("corrected").any()


def test_other_countries_are_never_corrected(workbook_2026, registry):
    obs = sipri.parse_workbook(workbook_2026, registry)
    poland = obs[(obs["measure"] == "milex_pct_gdp") & (obs["iso3"] == "POL")]
    assert poland["value"].tolist() == [3.26, 4.15, 4.48]


def test_a_country_listed_twice_is_an_error_naming_both_rows(tmp_path, registry):
    from milex.errors import SourceError

    rows = [("Poland", [0.02, 0.03, 0.04]), ("Poland", [0.02, 0.03, 0.05])]
    path = small_workbook(tmp_path / "twice.xlsx", rows=rows)
    with pytest.raises(SourceError, match=r"!A9.*'Poland' appears twice \(rows 8 and 9\)"):
        sipri.parse_workbook(path, registry)

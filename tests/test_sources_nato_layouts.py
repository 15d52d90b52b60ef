"""NATO's 2025 and 2026 layouts, on workbooks the tests build (tests/nato_layouts.py): recognised by
content, figures read back cell for cell, editions described, unknown layouts rejected by cell."""

from __future__ import annotations

import pytest

from milex.data.sources import nato
from milex.errors import SourceError

from .nato_layouts import build_workbook, edited, expected_value
from .test_sources_nato import one


@pytest.fixture(scope="module", params=["2025", "2026"])
def parsed(request, tmp_path_factory, registry):
    layout = request.param
    path = build_workbook(tmp_path_factory.mktemp(layout) / f"def-exp-{layout}-en.xlsx", layout)
    return layout, nato.parse_workbook(path, registry)


def test_every_figure_equals_the_cell_it_came_from(parsed):
    layout, obs = parsed
    last = int(layout)
    for iso3, measure in [
        ("SWE", "milex_pct_gdp"),
        ("USA", "milex_usd_const"),
        ("POL", "milex_lcu"),
    ]:
        got = one(obs, iso3=iso3, year=last, measure=measure)
        assert got["value"] == expected_value(layout, iso3, last, measure)
        assert "estimate" in got["flags"].split(";")


def test_sweden_and_us_latest_estimate_carry_edition_flag_and_constant_2021_unit(parsed):
    layout, obs = parsed
    for iso3 in ("SWE", "USA"):
        row = one(obs, iso3=iso3, year=int(layout), measure="milex_usd_const")
        assert row["unit"] == "USD m constant 2021"
        assert row["edition"].startswith(f"2014-{layout} (")
        assert row["flags"] == "estimate"
        assert row["origin"].startswith("Table 2!")


def test_only_the_two_last_years_are_estimates(parsed):
    layout, obs = parsed
    estimates = set(obs[obs["flags"].str.contains("estimate")]["year"])
    assert estimates == {int(layout) - 1, int(layout)}


def test_currency_in_table_1_labels_is_not_part_of_the_name(parsed):
    _, obs = parsed
    assert set(obs[obs["measure"] == "milex_lcu"]["iso3"]) >= {"GBR", "USA", "POL", "TUR"}


def test_iceland_appears_only_in_the_gdp_table(parsed):
    _, obs = parsed
    assert set(obs[obs["iso3"] == "ISL"]["measure"]) == {"gdp_usd", "gdp_usd_const"}


def test_aggregates_are_kept_under_stable_codes(parsed):
    layout, obs = parsed
    total = one(obs, iso3="NATO", year=int(layout), measure="milex_pct_gdp")
    assert total["value"] == pytest.approx(
        expected_value(layout, "NATO", int(layout), "milex_pct_gdp")
    )


def test_star_means_what_the_editions_note_says(parsed):
    """In these editions '*' marks Slovenia with a note of its own, not the national 2% law."""
    _, obs = parsed
    slovenia = set(obs[obs["iso3"] == "SVN"]["flags"].str.split(";").explode())
    assert "nato_footnote" in slovenia and "national_2pct_law" not in slovenia


def test_edition_is_described_from_the_workbook(parsed):
    layout, obs = parsed
    edition = obs.attrs["edition"]
    assert edition["price_base"] == 2021
    assert edition["family"] == "2025+ tables"
    if layout == "2026":
        assert edition["definition"] == nato.CORE_DEFENCE
        assert edition["title"] == "Defence Investment of NATO Countries (2014-2026)"
        assert edition["published"] == "2026-07-10"
    else:
        assert edition["definition"] == nato.DEFENCE
        assert edition["edition"] == "2014-2025 (2025-08-28)"


def test_a_cover_sheet_names_the_publication(tmp_path, registry):
    path = build_workbook(tmp_path / "w.xlsx", "2026", cover=True)
    assert (
        nato.parse_workbook(path, registry)
        .attrs["edition"]["title"]
        .startswith("Defence Investment of NATO Countries")
    )


def test_a_defence_related_table_is_read_when_an_edition_has_one(tmp_path, registry):
    def add_table(workbook):
        sheet = workbook.create_sheet("Table 9")
        for line in (
            ["Table 9: Defence- and security-related expenditure"],
            ["Percentage of GDP"],
            ["Share of GDP (%)"],
            [None, 2025, "2026e"],
            ["Poland", 0.9, 1.1],
        ):
            sheet.append(line)

    path = edited(build_workbook(tmp_path / "w.xlsx", "2026"), add_table)
    obs = nato.parse_workbook(path, registry)
    row = one(obs, iso3="POL", year=2026, measure="related_pct_gdp")
    assert row["value"] == 1.1 and row["flags"] == "estimate" and row["origin"] == "Table 9!C5"


# --- unknown or damaged layouts fail naming sheet and cell ------------------------------------
def test_year_header_that_skips_a_year_is_an_error_naming_the_cell(tmp_path, registry):
    def skip(workbook):
        workbook["Table 3"]["E5"] = 2019  # 2014 2015 2016 2019 ...

    path = edited(build_workbook(tmp_path / "w.xlsx", "2026"), skip)
    with pytest.raises(SourceError, match=r"Table 3!E5.*strictly increasing"):
        nato.parse_workbook(path, registry)


def test_unknown_block_heading_is_an_error_naming_the_cell(tmp_path, registry):
    heading = "Constant 2021 prices and exchange rates"
    rows: list[int] = []

    def rename(workbook):
        sheet = workbook["Table 2"]
        rows.append(next(c.row for c in sheet["A"] if c.value == heading))
        sheet.cell(rows[0], 1).value = "Purchasing power parities"

    path = edited(build_workbook(tmp_path / "w.xlsx", "2025"), rename)
    row = rows[0]
    with pytest.raises(SourceError, match=rf"Table 2!A{row}.*unknown block heading"):
        nato.parse_workbook(path, registry)


def test_a_country_twice_in_one_block_is_an_error_naming_the_row(tmp_path, registry):
    def repeat(workbook):
        workbook["Table 3"]["A7"] = "Albania"  # row 7 was Belgium

    path = edited(build_workbook(tmp_path / "w.xlsx", "2026"), repeat)
    with pytest.raises(SourceError, match=r"Table 3!A7.*ALB appears twice"):
        nato.parse_workbook(path, registry)


def test_text_in_a_number_cell_is_an_error_naming_the_cell(tmp_path, registry):
    path = build_workbook(
        tmp_path / "w.xlsx", "2026", overrides={("POL", 2026, "milex_pct_gdp"): "n/a"}
    )
    with pytest.raises(SourceError, match=r"Table 3!N27.*'n/a'"):
        nato.parse_workbook(path, registry)


def test_an_ally_missing_from_every_table_is_missing_and_a_warning_naming_it(tmp_path, registry):
    """One ally's missing figures are missing values and a warning, never the edition refused."""
    path = build_workbook(tmp_path / "w.xlsx", "2026", drop=("EST",))
    with pytest.warns(
        nato.NatoWarning, match=r"Estonia \(EST\) has no figure.*milex_pct_gdp 2014-2026"
    ):
        obs = nato.parse_workbook(path, registry)
    assert "EST" not in set(obs["iso3"]) and "LVA" in set(obs["iso3"])


def test_a_sheet_with_no_table_title_is_an_error(tmp_path, registry):
    def add_sheet(workbook):
        workbook.create_sheet("Sheet9")["A1"] = 12.5

    path = edited(build_workbook(tmp_path / "w.xlsx", "2026"), add_sheet)
    with pytest.raises(SourceError, match=r"Sheet9.*no 'Table N: \.\.\.' title"):
        nato.parse_workbook(path, registry)

"""NATO's workbook: figures equal the publisher's cells; unknown layouts fail naming sheet and cell."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from milex.data.sources import nato
from milex.errors import SourceError, UnknownCountryError

WORKBOOK = nato.RESOURCE.path


@pytest.fixture(scope="module")
def observations(raw_dir, registry):
    return nato.parse_workbook(raw_dir / WORKBOOK, registry)


def cell_value(raw_dir: Path, sheet: str, ref: str):
    return openpyxl.load_workbook(raw_dir / WORKBOOK, data_only=True)[sheet][ref].value


def one(frame, **where):
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return rows.iloc[0]


@pytest.mark.parametrize(("iso3", "ref"), [("POL", "N32"), ("USA", "N41"), ("ESP", "N37")])
def test_2024_share_of_gdp_equals_the_cell_at_full_precision(
    raw_dir, observations, dataset, iso3, ref
):
    published = cell_value(raw_dir, "TABLE3", ref)
    parsed = one(observations, iso3=iso3, year=2024, measure="milex_pct_gdp")
    assert parsed["value"] == published
    assert "estimate" in parsed["flags"].split(";")
    shipped = dataset.series("milex_pct_gdp", iso3, "nato", 2024, include_secondary=False)
    assert shipped["value"].tolist() == [published]


def test_poland_2024_estimate_is_4_12_percent(observations):
    assert one(observations, iso3="POL", year=2024, measure="milex_pct_gdp")[
        "value"
    ] == pytest.approx(4.1202, abs=1e-4)


def test_star_becomes_a_flag_not_part_of_the_name(observations):
    poland = one(observations, iso3="POL", year=2022, measure="milex_pct_gdp")
    assert poland["flags"] == "national_2pct_law"
    assert one(observations, iso3="FRA", year=2022, measure="milex_pct_gdp")["flags"] == ""


def test_only_2023e_and_2024e_are_estimates(observations):
    estimates = set(observations[observations["flags"].str.contains("estimate")]["year"])
    assert estimates == {2023, 2024}


def test_every_table_and_block_is_read(observations):
    measures = set(observations["measure"])
    assert measures == {
        "milex_lcu",
        "milex_lcu_const",
        "milex_usd",
        "milex_usd_const",
        "milex_pct_gdp",
        "milex_real_change_pct",
        "milex_real_change_since_2014_pct",
        "gdp_usd",
        "gdp_usd_const",
        "gdp_per_capita_usd_const",
        "milex_per_capita_usd_const",
        "mil_personnel",
        "equipment_pct",
        "personnel_pct",
        "infrastructure_pct",
        "other_pct",
    }
    assert (
        one(observations, iso3="POL", year=2015, measure="milex_lcu_const")["unit"]
        == "national currency m constant 2015"
    )


def test_table7_one_column_shift_is_handled(raw_dir, observations):
    assert cell_value(raw_dir, "TABLE7", "D44") == "Poland"
    assert one(observations, iso3="POL", year=2024, measure="mil_personnel")["value"] == cell_value(
        raw_dir, "TABLE7", "O44"
    )


def test_aggregates_are_kept_under_stable_codes(raw_dir, observations):
    total = one(observations, iso3="NATO", year=2024, measure="milex_pct_gdp")
    assert total["value"] == cell_value(raw_dir, "TABLE3", "N43")
    assert one(observations, iso3="NATO_EU_CA", year=2024, measure="milex_usd")[
        "value"
    ] == cell_value(raw_dir, "TABLE2", "N42")


def test_ref_residue_and_footnotes_are_ignored(observations):
    assert not observations["value"].isna().any()
    assert set(observations["origin"].str.extract(r"!\D+(\d+)$")[0].astype(int)) <= set(
        range(11, 80)
    )


def test_cumulative_real_change_from_table4(raw_dir, observations):
    row = one(observations, iso3="POL", measure="milex_real_change_since_2014_pct")
    assert row["year"] == 2024 and row["value"] == cell_value(raw_dir, "TABLE4", "F44")


# --- bad input ---------------------------------------------------------------------------------
def modified(raw_dir: Path, tmp_path: Path, change) -> Path:
    workbook = openpyxl.load_workbook(raw_dir / WORKBOOK)
    change(workbook)
    out = tmp_path / "nato.xlsx"
    workbook.save(out)
    return out


def test_missing_sheet_is_an_error_naming_the_table(raw_dir, tmp_path, registry):
    path = modified(raw_dir, tmp_path, lambda wb: wb.remove(wb["TABLE3"]))
    with pytest.raises(SourceError, match=r"lacks table\(s\) 3"):
        nato.parse_workbook(path, registry)


def test_shifted_header_row_is_an_error_naming_sheet_and_cell(raw_dir, tmp_path, registry):
    def shift(wb):
        ws = wb["TABLE3"]
        ws.move_range("D8:N8", rows=0, cols=1)

    path = modified(raw_dir, tmp_path, shift)
    with pytest.raises(SourceError, match=r"TABLE3!E8.*does not line up"):
        nato.parse_workbook(path, registry)


def test_text_in_a_numeric_cell_is_an_error_naming_the_cell(raw_dir, tmp_path, registry):
    def damage(wb):
        wb["TABLE3"]["N32"] = "n/a"

    path = modified(raw_dir, tmp_path, damage)
    with pytest.raises(SourceError, match=r"TABLE3!N32.*'n/a'"):
        nato.parse_workbook(path, registry)


def test_unknown_country_is_an_error_listing_the_name(raw_dir, tmp_path, registry):
    def rename(wb):
        wb["TABLE5"]["C20"] = "Narnia"

    path = modified(raw_dir, tmp_path, rename)
    with pytest.raises(UnknownCountryError, match="Narnia") as info:
        nato.parse_workbook(path, registry)
    assert "TABLE5" in str(info.value)


def test_unknown_table_title_is_an_error_naming_the_cell(raw_dir, tmp_path, registry):
    def retitle(wb):
        wb["TABLE6"]["B4"] = "Table 6 : Something new entirely"

    path = modified(raw_dir, tmp_path, retitle)
    with pytest.raises(SourceError, match=r"TABLE6!B4.*unknown table layout"):
        nato.parse_workbook(path, registry)


def test_truncated_file_is_an_error_naming_the_file(raw_dir, tmp_path, registry):
    data = (raw_dir / WORKBOOK).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="truncated.xlsx"):
        nato.parse_workbook(path, registry)


def test_newer_edition_layout_with_renamed_sheets_and_2021_prices_parses(
    raw_dir, tmp_path, registry
):
    """The 2025 edition renames sheets ('Table 1'), titles ('Core defence expenditure'), rebases."""

    def newer(wb):
        for ws in wb.worksheets:
            ws.title = ws.title.replace("TABLE", "Table ")
        wb["Table 1"]["B4"] = "Table 1 : Core defence expenditure"
        wb["Table 1"]["B43"] = "Constant 2021 prices"

    path = modified(raw_dir, tmp_path, newer)
    observations = nato.parse_workbook(path, registry)
    row = one(observations, iso3="POL", year=2024, measure="milex_lcu_const")
    assert row["unit"] == "national currency m constant 2021"
    assert row["origin"].startswith("Table 1!")

"""IMF WEO and World Bank files: figures carried exactly, projections flagged, odd codes handled."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from milex.data.sources import imf, worldbank
from milex.errors import SourceError, UnknownCountryError


def weo_cell(raw_dir, area: str, concept: str, year: str) -> str:
    with (raw_dir / imf.RESOURCE.path).open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if rec["ref_area"] == area and rec["concept"] == concept:
                return rec[year]
    raise AssertionError(f"{area} {concept} not in the WEO file")


def test_usa_gdp_2024_in_usd_equals_the_weo_cell(raw_dir, dataset):
    billions = weo_cell(raw_dir, "USA", "NGDPD", "2024")
    assert billions == "29298.025"  # the figure SOURCES.md quotes
    shipped = dataset.series("gdp_usd", "USA", "imf_weo", 2024)
    assert shipped["value"].tolist() == [float(Decimal(billions) * 1000)]
    assert shipped["unit"].tolist() == ["USD m"]
    assert shipped["flags"].tolist() == [""]


def test_years_after_the_last_actual_year_are_projections(dataset):
    gdp = dataset.series("gdp_usd", "USA", "imf_weo", (2023, 2030)).set_index("year")["flags"]
    assert gdp[2024] == "" and gdp[2025] == "projection" and gdp[2030] == "projection"


def test_population_is_in_persons_and_constant_prices_carry_the_base_year(dataset):
    pop = dataset.series("population", "POL", "imf_weo", 2024)["value"].iloc[0]
    assert 35e6 < pop < 40e6 and pop == round(pop)
    unit = dataset.series("gdp_lcu_const", "POL", "imf_weo", 2024)["unit"].iloc[0]
    assert unit.startswith("national currency m constant ")


def test_north_korea_is_absent_from_weo_and_kosovo_maps_to_xkx(dataset):
    assert dataset.series("gdp_usd", "PRK", "imf_weo").empty
    assert not dataset.series("gdp_usd", "Kosovo", "imf_weo", 2024).empty


def test_weo_unknown_area_code_is_an_error(tmp_path, raw_dir, registry):
    lines = (raw_dir / imf.RESOURCE.path).read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "weo.csv"
    bad.write_text("\n".join([lines[0], "ZZZ" + lines[1][3:]]) + "\n", encoding="utf-8")
    with pytest.raises(UnknownCountryError, match="ZZZ"):
        imf.parse(bad, registry)


def test_weo_text_in_a_numeric_cell_names_row_and_year(tmp_path, raw_dir, registry):
    lines = (raw_dir / imf.RESOURCE.path).read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "weo.csv"
    bad.write_text(
        "\n".join([lines[0], lines[1].rsplit(",", 1)[0] + ",n/a"]) + "\n", encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"row 2, column 2030.*'n/a'"):
        imf.parse(bad, registry)


def test_world_bank_namibia_na_code_is_not_read_as_missing(dataset):
    assert not dataset.series("ppp_factor", "NAM", "worldbank").empty


def test_world_bank_gdp_is_in_usd_millions_and_aggregates_are_skipped(raw_dir, dataset):
    with (raw_dir / worldbank.INDICATORS[0].resource.path).open(encoding="utf-8") as fh:
        cell = next(
            r["Value"]
            for r in csv.DictReader(fh)
            if r["Country Code"] == "POL" and r["Year"] == "2023"
        )
    shipped = dataset.series("gdp_usd", "POL", "worldbank", 2023)["value"].tolist()
    assert shipped == [float(Decimal(cell) / 1_000_000)]
    assert dataset.series("gdp_usd", "WLD", "worldbank").empty


def test_world_bank_unknown_code_is_an_error_naming_file_and_column(tmp_path, registry):
    folder = tmp_path / "worldbank"
    folder.mkdir()
    ind = worldbank.INDICATORS[0]
    (tmp_path / ind.resource.path).write_text(
        "Country Name,Country Code,Year,Value\nPoland,POL,2020,1\nAtlantis,ATL,2020,2\n",
        encoding="utf-8",
    )
    with pytest.raises(UnknownCountryError, match=r"Country Code.*ATL"):
        worldbank.parse(tmp_path, ind, registry)

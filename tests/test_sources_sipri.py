"""SIPRI's workbook: header by content, regions dropped, '...'/'xxx' missing, colours become flags."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from openpyxl.styles.colors import Color

from milex.data.sources import sipri
from milex.errors import SourceError, UnknownCountryError

SHEETS = {  # sheet name -> metadata columns before the years
    "Local currency calendar years": ["Country", "Currency", "Notes"],
    "Constant (2023) US$": ["Country", "", "Notes"],
    "Current US$": ["Country", "Notes"],
    "Share of GDP": ["Country", "Notes"],
    "Per capita": ["Country", "Notes"],
    "Share of Govt. spending": ["Country", "Notes", "Reporting year"],
}
BLUE, RED = Font(color=Color(indexed=12)), Font(color=Color(indexed=10))
#: A row's figures are shares of GDP as fractions (0.0415 = 4.15%); the US$ sheets hold them times
#: about Poland's GDP in US$ m, so that Poland's figures sit where SIPRI's and NATO's real ones do (a
#: build checks SIPRI's current US$ against NATO's, milex.data.checks._magnitudes.SIPRI_NATO).
USD_M_PER_SHARE = 850_000.0
#: The real workbook's legend and key above each data sheet's header (its 2025 edition, A3:A4).
LEGEND = "Figures in blue are SIPRI estimates. Figures in red indicate highly uncertain data."
MISSING_KEY = (
    '". ." = data unavailable. "xxx" = country did not exist or was not independent during all '
    "or part of the year in question."
)


def small_workbook(
    path: Path,
    header_row: int = 6,
    rows=None,
    drop: str | None = None,
    years: tuple[int, ...] = (2022, 2023, 2024),
    base: int = 2023,
    legend: bool = True,
) -> Path:
    """A SIPRI-shaped workbook with three countries and two regions, built from scratch.

    ``years`` and ``base`` give the 2026 layout (1949-2025, constant 2024 US$) when asked. Each
    data sheet states its unit in A2 and, unless ``legend`` is False, SIPRI's colour legend and
    missing-data key in A3:A4, as the real workbook does.
    """
    rows = rows or [
        ("Europe", None),
        ("Central Europe", None),
        ("Poland", [0.02, 0.0326, ("blue", 0.0415)]),
        ("Eastern Europe", None),
        ("Russia", [0.041, ("red", 0.054), ("blue", 0.0705)]),
        ("Korea, North", ["...", "...", "..."]),
        ("Czechoslovakia", ["xxx", "xxx", "xxx"]),
    ]
    wb = openpyxl.Workbook()
    wb.active.title = "Front page"
    for name, meta in SHEETS.items():
        if name == drop:
            continue
        name = name.replace("(2023)", f"({base})")
        ws = wb.create_sheet(name)
        ws["A1"] = f"Military expenditure ({name})     © SIPRI 2024"
        ws["A2"] = "Figures are in US $m." if "US$" in name else "Figures are in local currency."
        if legend:
            ws["A3"] = LEGEND
            ws["A4"] = MISSING_KEY
        for c, text in enumerate([*meta, *years], start=1):
            ws.cell(header_row, c, text)
        r = header_row + 2
        for label, values in rows:
            ws.cell(r, 1, label)
            for i, value in enumerate(values or []):
                target = ws.cell(r, len(meta) + 1 + i)
                if isinstance(value, tuple):
                    target.font = BLUE if value[0] == "blue" else RED
                    value = value[1]
                if "US$" in name and isinstance(value, int | float):
                    value = round(value * USD_M_PER_SHARE, 6)
                target.value = value
            r += 1
    wb.save(path)
    return path


@pytest.fixture
def small(tmp_path):
    return small_workbook(tmp_path / "sipri.xlsx")


def test_shares_become_percent_and_colours_become_flags(small, registry):
    obs = sipri.parse_workbook(small, registry)
    share = obs[obs["measure"] == "milex_pct_gdp"].set_index(["iso3", "year"])
    assert share.loc[("POL", 2024), "value"] == 4.15
    assert share.loc[("POL", 2024), "flags"] == "estimate"
    assert share.loc[("RUS", 2023), "flags"] == "uncertain"
    assert share.loc[("POL", 2022), "flags"] == ""
    assert share.loc[("POL", 2022), "unit"] == "percent"


def test_missing_markers_are_missing_never_zero_and_regions_are_dropped(small, registry):
    obs = sipri.parse_workbook(small, registry)
    assert "PRK" not in set(obs["iso3"]) and "CSK" not in set(obs["iso3"])
    assert set(obs["iso3"]) == {"POL", "RUS"}
    assert (obs["value"] != 0).all()


def test_constant_price_base_year_is_read_from_the_sheet(small, registry):
    obs = sipri.parse_workbook(small, registry)
    assert set(obs[obs["measure"] == "milex_usd_const"]["unit"]) == {"USD m constant 2023"}


def test_header_row_is_found_by_content_wherever_it_is(tmp_path, registry):
    obs = sipri.parse_workbook(small_workbook(tmp_path / "s.xlsx", header_row=9), registry)
    assert len(obs[obs["measure"] == "milex_pct_gdp"]) == 6


def test_header_row_missing_is_an_error_naming_the_sheet(tmp_path, registry):
    path = small_workbook(tmp_path / "s.xlsx", header_row=22)
    with pytest.raises(
        SourceError, match=r"\[Share of GDP\]: no header row starting with 'Country'"
    ):
        sipri.parse_workbook(path, registry)


def test_missing_sheet_is_an_error_naming_it(tmp_path, registry):
    path = small_workbook(tmp_path / "s.xlsx", drop="Share of GDP")
    with pytest.raises(SourceError, match="missing sheet.*Share of GDP"):
        sipri.parse_workbook(path, registry)


def test_text_in_a_numeric_cell_is_an_error_naming_the_cell(tmp_path, registry):
    path = small_workbook(tmp_path / "s.xlsx", rows=[("Poland", [0.02, "n.a.", 0.04])])
    with pytest.raises(SourceError, match=r"Local currency calendar years!E8.*'n.a.'"):
        sipri.parse_workbook(path, registry)


def test_unknown_country_names_are_all_listed(tmp_path, registry):
    path = small_workbook(tmp_path / "s.xlsx", rows=[("Narnia", [1, 2, 3]), ("Oz", [1, 2, 3])])
    with pytest.raises(UnknownCountryError, match="Narnia.*Oz"):
        sipri.parse_workbook(path, registry)


def test_truncated_workbook_is_an_error_naming_the_file(small, tmp_path, registry):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(small.read_bytes()[:2000])
    with pytest.raises(SourceError, match="cut.xlsx"):
        sipri.parse_workbook(cut, registry)


# --- the real workbook ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(raw_dir, registry):
    return sipri.parse_workbook(raw_dir / sipri.RESOURCE.path, registry)


def test_russia_2024_share_of_gdp_equals_the_cell_as_percent(raw_dir, real, dataset):
    workbook = openpyxl.load_workbook(raw_dir / sipri.RESOURCE.path, read_only=True)
    try:
        ws = workbook["Share of GDP"]
        rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    finally:
        workbook.close()  # a read-only workbook keeps its file open until closed
    header = rows["Country"]
    fraction = rows["Russia"][header.index(2024)]
    expected = sipri.as_percent(fraction)
    assert expected == pytest.approx(fraction * 100, rel=1e-12)
    parsed = real[
        (real["iso3"] == "RUS") & (real["year"] == 2024) & (real["measure"] == "milex_pct_gdp")
    ]
    assert parsed["value"].tolist() == [expected]
    shipped = dataset.series("milex_pct_gdp", "RUS", "sipri", 2024, include_secondary=False)
    assert shipped["value"].tolist() == [expected]
    assert shipped["flags"].tolist() == ["estimate"]  # SIPRI shows Russia 2024 in blue


def test_real_workbook_has_every_sheet_and_north_korea_only_uncertain_money_figures(real):
    assert set(real["measure"]) == {s.measure for s in sipri.SHEETS}
    north_korea = real[real["iso3"] == "PRK"]
    assert "milex_pct_gdp" not in set(north_korea["measure"])
    assert set(north_korea["flags"]) == {"uncertain"}
    assert real[(real["iso3"] == "USA") & (real["year"] == 1949)]["measure"].nunique() >= 3


def test_local_currency_units_become_millions(small, registry):
    obs = sipri.parse_workbook(small, registry)
    lcu = obs[(obs["measure"] == "milex_lcu") & (obs["iso3"] == "POL") & (obs["year"] == 2022)]
    assert lcu["value"].tolist() == [0.02 / 1e6] and lcu["unit"].tolist() == ["national currency m"]


def test_a_sheet_whose_unit_text_changed_is_an_error(tmp_path, registry):
    path = small_workbook(tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Current US$"]["A2"] = "Figures are in US dollars."
    wb.save(path)
    with pytest.raises(SourceError, match=r"Current US\$!A2.*no longer states US\$ millions"):
        sipri.parse_workbook(path, registry)


def test_real_local_currency_figures_are_in_millions_like_natos(real, dataset):
    usa = real[(real["iso3"] == "USA") & (real["year"] == 2024)].set_index("measure")["value"]
    assert usa["milex_lcu"] == usa["milex_usd"] == 997309.0  # dollars: both sheets agree
    nato = dataset.series("milex_lcu", "POL", "nato", 2024)["value"].iloc[0]
    sipri_pol = dataset.series("milex_lcu", "POL", "sipri", 2024)["value"].iloc[0]
    assert 0.9 < sipri_pol / nato < 1.1


def test_placeholder_zeros_in_current_dollars_are_dropped_but_true_zeros_kept(real):
    usd = real[real["measure"] == "milex_usd"]
    assert usd[(usd["iso3"] == "PRK") & (usd["value"] == 0)].empty  # footnote 57: no US$ figures
    assert usd[(usd["iso3"] == "SUN")].empty or (usd[usd["iso3"] == "SUN"]["value"] > 0).all()
    costa_rica = usd[(usd["iso3"] == "CRI") & (usd["year"] == 2024)]
    assert costa_rica["value"].tolist() == [0.0]  # no armed forces: a real zero


# --- the legend: colours announced are colours shown ---------------------------------------------
def long_workbook(path: Path, legend: bool = True, blue: bool = False) -> Path:
    """Two countries over 1949-2024: 152 figures a sheet, over LEGEND_MIN_FIGURES; Russia's in
    red, Poland's in blue only if ``blue``."""
    years = tuple(range(1949, 2025))
    poland = [("blue", 0.02 + i / 1e4) if blue else 0.02 + i / 1e4 for i in range(len(years))]
    russia = [("red", 0.04 + i / 1e4) for i in range(len(years))]
    rows = [("Europe", None), ("Poland", poland), ("Russia", russia)]
    return small_workbook(path, rows=rows, years=years, legend=legend)


def test_the_legend_is_recorded_as_each_sheet_states_it(small, registry):
    obs = sipri.parse_workbook(small, registry)
    assert set(obs.attrs["legend"]) == set(SHEETS)
    assert obs.attrs["legend"]["Current US$"] == {
        "estimate": "Figures in blue are SIPRI estimates",
        "uncertain": "Figures in red indicate highly uncertain data",
    }


def test_a_sheet_whose_legend_announces_blue_but_shows_none_is_refused(tmp_path, registry):
    path = long_workbook(tmp_path / "pale.xlsx")
    with pytest.raises(SourceError) as caught:
        sipri.parse_workbook(path, registry)
    message = str(caught.value)
    assert message.startswith(
        "pale.xlsx [Local currency calendar years]: the sheet's legend says "
        "'Figures in blue are SIPRI estimates', yet none of its 152 figures"
    )
    assert sipri.parse_workbook(long_workbook(tmp_path / "b.xlsx", blue=True), registry).size


def test_a_workbook_without_the_legend_is_not_required_to_have_colours(tmp_path, registry):
    obs = sipri.parse_workbook(long_workbook(tmp_path / "plain.xlsx", legend=False), registry)
    assert set(obs["flags"]) == {"", "uncertain"}
    assert all(legend == {} for legend in obs.attrs["legend"].values())


def test_the_real_workbook_without_its_font_colours_is_refused_naming_file_and_sheet(
    raw_dir, tmp_path, registry
):
    import zipfile

    src, bad = raw_dir / sipri.RESOURCE.path, tmp_path / "SIPRI-Milex-data-1949-2024_2.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/styles.xml":
                for colour in (b'<color indexed="12"/>', b'<color indexed="10"/>'):
                    assert colour in data
                    data = data.replace(colour, b'<color indexed="8"/>')
            zout.writestr(info, data)
    with pytest.raises(
        SourceError,
        match=r"^SIPRI-Milex-data-1949-2024_2.xlsx \[Local currency "
        r"calendar years\]: the sheet's legend says 'Figures in blue",
    ):
        sipri.parse_workbook(bad, registry)

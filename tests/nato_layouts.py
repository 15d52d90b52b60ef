"""Build NATO defence-expenditure workbooks in each layout NATO has published, for parser tests.

The 2025 and 2026 editions ("Defence Expenditure of NATO Countries (2014-2025)", constant 2021
prices; "Defence Investment of NATO Countries (2014-2026)", tables renamed "Core defence
expenditure") could not be downloaded here, so the tests build workbooks in their layout as public
parsers of those files describe it: sheets ``Table 1`` .. ``Table 8b``; A1 reads "Table N: ...", row
2 the unit; blocks headed in column A ("Current prices", "Constant 2021 prices", "Share of real GDP
(%)"), each followed by a year row (column A empty, years from column B, ``2025e`` for estimates),
one row per ally until a blank row, NATO's aggregates last, a "Notes:" row at the end; Iceland
appears only in the GDP table.

The figures are synthetic but internally consistent, as NATO's are: Table 3's share equals Table 2's
constant-price spending over Table 5's constant-price GDP, the four category shares sum to 100 and
the aggregates are the sums of that year's members (Iceland's GDP in the denominator). Their
magnitudes follow each ally's real ones (``SIZES``), within the tolerance a build allows between
NATO's and SIPRI's figures.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from milex.data.registry import default_registry

#: NATO's own labels (Table 1 adds the currency), in NATO's order.
ALLIES: tuple[tuple[str, str, str], ...] = (
    ("ALB", "Albania", "Leks"), ("BEL", "Belgium", "Euros"), ("BGR", "Bulgaria", "Leva"),
    ("CAN", "Canada", "Canadian dollars"), ("HRV", "Croatia", "Euros"),
    ("CZE", "Czechia", "Koruny"), ("DNK", "Denmark", "Kroner"), ("EST", "Estonia", "Euros"),
    ("FIN", "Finland", "Euros"), ("FRA", "France", "Euros"), ("DEU", "Germany", "Euros"),
    ("GRC", "Greece", "Euros"), ("HUN", "Hungary", "Forint"), ("ITA", "Italy", "Euros"),
    ("LVA", "Latvia", "Euros"), ("LTU", "Lithuania", "Euros"), ("LUX", "Luxembourg", "Euros"),
    ("MNE", "Montenegro", "Euros"), ("NLD", "Netherlands", "Euros"),
    ("MKD", "North Macedonia", "Denars"), ("NOR", "Norway", "Kroner"),
    ("POL", "Poland", "Zlotys"), ("PRT", "Portugal", "Euros"), ("ROU", "Romania", "New Lei"),
    ("SVK", "Slovak Republic", "Euros"), ("SVN", "Slovenia", "Euros"), ("ESP", "Spain", "Euros"),
    ("SWE", "Sweden", "Kronor"), ("TUR", "Türkiye", "Liras"),
    ("GBR", "United Kingdom", "Pounds"), ("USA", "United States", "US dollars"),
)  # fmt: skip
AGGREGATES = (("NATO_EU_CA", "NATO Europe and Canada"), ("NATO", "NATO Total"))
#: Each ally's 2014 GDP (US$ m, constant 2021 prices), its 2014 share of GDP spent on defence (%)
#: and the yearly change of that share (percentage points), rounded from NATO's 2014-2024 tables
#: (GDP: the 2015-price figure x 1.1; change: 2014 to 2024 over ten years). The synthetic figures
#: thus sit where the real ones do: a build checks NATO's current US$ and shares of GDP against
#: SIPRI's workbook (milex.data.checks._magnitudes.SIPRI_NATO), which the tests read from the raw files.
SIZES: dict[str, tuple[float, float, float]] = {
    "ALB": (12_300, 1.35, 0.07), "BEL": (498_000, 0.97, 0.03), "BGR": (54_000, 1.31, 0.12),
    "CAN": (1_700_000, 1.01, 0.04), "HRV": (54_100, 1.81, 0.0), "CZE": (196_000, 0.94, 0.12),
    "DNK": (325_000, 1.15, 0.12), "EST": (24_600, 1.93, 0.15), "FIN": (257_000, 1.45, 0.1),
    "FRA": (2_660_000, 1.82, 0.02), "DEU": (3_650_000, 1.19, 0.09), "GRC": (216_000, 2.22, 0.09),
    "HUN": (133_000, 0.86, 0.13), "ITA": (2_010_000, 1.14, 0.04), "LVA": (28_900, 0.94, 0.22),
    "LTU": (44_700, 0.88, 0.2), "LUX": (64_700, 0.37, 0.06), "MNE": (4_310, 1.5, 0.05),
    "NLD": (826_000, 1.15, 0.09), "MKD": (10_700, 1.09, 0.11), "NOR": (419_000, 1.54, 0.07),
    "POL": (502_000, 1.88, 0.22), "PRT": (215_000, 1.31, 0.02), "ROU": (190_000, 1.35, 0.09),
    "SVK": (93_000, 0.98, 0.1), "SVN": (46_400, 0.97, 0.03), "ESP": (1_270_000, 0.92, 0.04),
    "SWE": (533_000, 1.06, 0.11), "TUR": (896_000, 1.45, 0.06), "GBR": (3_150_000, 2.14, 0.02),
    "USA": (19_500_000, 3.71, -0.03),
}  # fmt: skip
CUMULATIVE = "milex_real_change_since_2014_pct"


#: What differs between the published layouts: last year, estimate years, title prefix, file
#: date and what NATO's '*' marks.
LAYOUTS: dict[str, dict[str, Any]] = {
    "2025": {
        "last": 2025,
        "estimates": (2024, 2025),
        "core": "",
        "modified": dt.datetime(2025, 8, 28, 9, 0),
        "star": ("SVN",),
        "note": "* Slovenia: figures revised.",
    },
    "2026": {
        "last": 2026,
        "estimates": (2025, 2026),
        "core": "Core ",
        "modified": dt.datetime(2026, 7, 10, 9, 55),
        "star": ("SVN",),
        "note": "* Slovenia: the 2026 figure is a planning estimate.",
    },
}


def layout_info(layout: str) -> dict[str, Any]:
    """Years, estimate years, titles and dates of one published layout."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: {' or '.join(LAYOUTS)}")
    return LAYOUTS[layout]


def figures(layout: str) -> dict[tuple[str, int, str], float]:
    """Every figure the workbook of ``layout`` holds, keyed (iso3, year, measure)."""
    info = layout_info(layout)
    years = range(2014, info["last"] + 1)
    registry = default_registry()
    out: dict[tuple[str, int, str], float] = {}
    for i, (iso3, _, _) in enumerate(ALLIES):
        rate = 1.0 + 0.5 * (i % 7)  # national currency per US dollar
        gdp_2014, share_2014, rise = SIZES[iso3]
        for year in years:
            step = year - 2014
            share = round(share_2014 + rise * step, 6)
            gdp_const = gdp_2014 * (1.015**step)
            gdp_cur = gdp_const * (1.02**step)
            const = share * gdp_const / 100
            current = const * (1.02**step)
            equipment = round(15 + (i % 9) * 2.5 + step * 0.8, 6)
            personnel = round(55 - (i % 5) * 3 - step * 0.5, 6)
            infrastructure = round(5 + (i % 3), 6)
            out |= {
                (iso3, year, "milex_pct_gdp"): share,
                (iso3, year, "milex_usd_const"): const,
                (iso3, year, "milex_usd"): current,
                (iso3, year, "milex_lcu"): current * rate,
                (iso3, year, "milex_lcu_const"): const * rate,
                (iso3, year, "gdp_usd_const"): gdp_const,
                (iso3, year, "gdp_usd"): gdp_cur,
                (iso3, year, "gdp_per_capita_usd_const"): 20.0 + i,
                (iso3, year, "milex_per_capita_usd_const"): 300.0 + 10 * i + step,
                (iso3, year, "mil_personnel"): 10.0 + 3 * i,
                (iso3, year, "equipment_pct"): equipment,
                (iso3, year, "personnel_pct"): personnel,
                (iso3, year, "infrastructure_pct"): infrastructure,
                (iso3, year, "other_pct"): 100 - equipment - personnel - infrastructure,
            }
            if year > 2014:
                before = out[(iso3, year - 1, "milex_usd_const")]
                out[(iso3, year, "milex_real_change_pct")] = 100 * (const / before - 1)
    out = {key: round(value, 6) for key, value in out.items()}  # what a cell round-trips exactly
    last = info["last"]
    for iso3, _, _ in ALLIES:  # Table 4: the real change since 2014
        first, latest = out[(iso3, 2014, "milex_usd_const")], out[(iso3, last, "milex_usd_const")]
        out[(iso3, last, CUMULATIVE)] = 100 * (latest / first - 1)
    for year in years:
        out[("ISL", year, "gdp_usd_const")] = 25_000.0 * (1.01 ** (year - 2014))
        out[("ISL", year, "gdp_usd")] = 27_000.0 * (1.03 ** (year - 2014))
        for code, _ in AGGREGATES:
            members = registry.members(code, year)
            allies = [m for m in members if m != "ISL"]
            for measure in ("milex_usd_const", "milex_usd", "gdp_usd_const", "gdp_usd"):
                pool = members if measure.startswith("gdp") else allies
                out[(code, year, measure)] = sum(out[(m, year, measure)] for m in pool)
            out[(code, year, "milex_pct_gdp")] = (
                100 * out[(code, year, "milex_usd_const")] / out[(code, year, "gdp_usd_const")]
            )
            out[(code, year, "mil_personnel")] = sum(
                out[(m, year, "mil_personnel")] for m in allies
            )
            total = out[(code, year, "milex_usd")]
            for measure in ("equipment_pct", "personnel_pct", "infrastructure_pct", "other_pct"):
                out[(code, year, measure)] = (
                    sum(out[(m, year, measure)] * out[(m, year, "milex_usd")] for m in allies)
                    / total
                )
    return {key: round(value, 6) for key, value in out.items()}


def expected_value(layout: str, iso3: str, year: int, measure: str) -> float:
    """The figure ``build_workbook(layout)`` writes for one country, year and measure."""
    return figures(layout)[(iso3, year, measure)]


# (sheet, title, unit row, [(block heading, measure, with aggregates)], currency labels?)
def _tables(layout: str) -> list[tuple[str, str, str, list[tuple[str, str, bool]], bool]]:
    core = layout_info(layout)["core"]
    expenditure = f"{core}defence expenditure".capitalize()
    return [
        ("Table 1", expenditure, "Million national currency units",
         [("Current prices", "milex_lcu", False),
          ("Constant 2021 prices", "milex_lcu_const", False)], True),
        ("Table 2", expenditure, "Million US dollars",
         [("Current prices and exchange rates", "milex_usd", True),
          ("Constant 2021 prices and exchange rates", "milex_usd_const", True)], False),
        ("Table 3", f"{expenditure} as a share of GDP and annual real change",
         "Based on 2021 prices",
         [("Share of real GDP (%)", "milex_pct_gdp", True),
          ("Annual real change (%)", "milex_real_change_pct", False)], False),
        ("Table 5", "GDP", "Million US dollars",
         [("Current prices and exchange rates", "gdp_usd", True),
          ("Constant 2021 prices and exchange rates", "gdp_usd_const", True)], False),
        ("Table 6", f"GDP per capita and {core.lower()}defence expenditure per capita",
         "Constant 2021 prices and exchange rates",
         [("GDP per capita (thousand US dollars)", "gdp_per_capita_usd_const", False),
          (f"{core}defence expenditure per capita (US dollars)".capitalize(),
           "milex_per_capita_usd_const", False)], False),
        ("Table 7", "Military personnel", "Thousands", [("", "mil_personnel", True)], False),
        ("Table 8a", f"Distribution of {core.lower()}defence expenditure by main category",
         "Percentage of total",
         [("Equipment (%)", "equipment_pct", True), ("Personnel (%)", "personnel_pct", True)],
         False),
        ("Table 8b", f"Distribution of {core.lower()}defence expenditure by main category",
         "Percentage of total",
         [("Infrastructure (%)", "infrastructure_pct", True), ("Other (%)", "other_pct", True)],
         False),
    ]  # fmt: skip


def build_workbook(
    path: Path,
    layout: str = "2026",
    *,
    overrides: dict[tuple[str, int, str], Any] | None = None,
    drop: tuple[str, ...] = (),
    cover: bool = False,
    table4: bool = False,
    note: str | None = "",
) -> Path:
    """Write a whole NATO workbook in ``layout`` ("2025" or "2026") to ``path``.

    ``overrides`` replaces cells (any value, to test bad input); ``drop`` leaves allies out (ISO3);
    ``cover`` adds the publication's cover sheet first, as the 2026 file's title page; ``table4``
    adds Table 4 (real change since 2014); ``note`` replaces the '*' note under each table (None:
    no note says what '*' marks).
    """
    info = dict(layout_info(layout))
    if note != "":
        info["note"] = note
    values = figures(layout)
    values.update(overrides or {})
    years = list(range(2014, info["last"] + 1))
    header = [None, *(f"{y}e" if y in info["estimates"] else y for y in years)]
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if cover:
        title = (
            "Defence Investment of NATO Countries"
            if layout == "2026"
            else ("Defence Expenditure of NATO Countries")
        )
        sheet = workbook.create_sheet("Cover")
        sheet["A1"] = f"{title} (2014-{info['last']})"
    for name, title, unit, blocks, currency in _tables(layout):
        sheet = workbook.create_sheet(name)
        sheet.append([f"{name}: {title}"])
        sheet.append([unit])
        for heading, measure, aggregates in blocks:
            sheet.append([])
            if heading:
                sheet.append([heading])
            sheet.append(header)
            rows = [(iso3, label, cur) for iso3, label, cur in ALLIES if iso3 not in drop]
            if measure.startswith("gdp_usd"):
                rows.insert(14, ("ISL", "Iceland", "Krónur"))
            for iso3, label, cur in rows:
                text = label + ("*" if iso3 in info["star"] else "")
                if currency:
                    text += f" ({cur})"
                sheet.append([text, *(values.get((iso3, y, measure)) for y in years)])
            if aggregates:
                for code, label in AGGREGATES:
                    sheet.append([label, *(values.get((code, y, measure)) for y in years)])
        _notes(sheet, info)
        if table4 and name == "Table 3":
            _table4(workbook.create_sheet("Table 4"), info, values, drop)
    workbook.properties.title = f"Defence expenditure of NATO countries (2014-{info['last']})"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    _set_modified(path, info["modified"])
    return path


def _notes(sheet: Any, info: dict[str, Any]) -> None:
    sheet.append([])
    sheet.append([f"Notes: Figures for {info['estimates'][0]} and {info['last']} are estimates."])
    if info["note"] is not None:
        sheet.append([info["note"]])


def _table4(
    sheet: Any, info: dict[str, Any], values: dict[tuple[str, int, str], Any], drop: tuple[str, ...]
) -> None:
    """Table 4 as the 2025+ tables lay it out: 2014 and the last year in constant US$, the real
    change between them, and the share of GDP in both years."""
    last, core = info["last"], info["core"]
    title = f"{core}defence expenditure".capitalize()
    sheet.append([f"Table 4: {title} real change 2014-{last}e"])
    sheet.append(["Million US dollars (2021 prices and exchange rates)"])
    sheet.append([])
    sheet.append(
        [None, 2014, f"{last}e", f"Real change 2014-{last}e (%)", "Share of real GDP 2014 (%)",
         f"Share of real GDP {last}e (%)"]
    )  # fmt: skip
    for iso3, label, _ in ALLIES:
        if iso3 in drop:
            continue
        keys = [(2014, "milex_usd_const"), (last, "milex_usd_const"), (last, CUMULATIVE),
                (2014, "milex_pct_gdp"), (last, "milex_pct_gdp")]  # fmt: skip
        sheet.append([label, *(values.get((iso3, year, measure)) for year, measure in keys)])
    _notes(sheet, info)


def edited(path: Path, change: Callable[[Any], None]) -> Path:
    """Apply ``change`` to the workbook at ``path`` (openpyxl, in place) and save it, keeping the
    file's last-modified stamp (the edition's date)."""
    workbook = openpyxl.load_workbook(path)
    stamp = workbook.properties.modified
    change(workbook)
    workbook.save(path)
    if stamp is not None:
        _set_modified(path, stamp)
    return path


def _set_modified(path: Path, when: dt.datetime) -> None:
    """Stamp the file's last-modified property (openpyxl always writes the time of saving)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rf"\g<1>{when:%Y-%m-%dT%H:%M:%SZ}\g<2>",
        core,
    )
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

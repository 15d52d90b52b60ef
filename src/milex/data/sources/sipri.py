"""SIPRI Military Expenditure Database workbook, and the secondary restatement of its 2025 figures.

Each data sheet has a header row starting with "Country" (found by content), region and subregion
label rows mixed in with the countries (dropped), ``...`` and ``xxx`` for missing figures (never
zero), blue font for SIPRI estimates and red for highly uncertain figures. Shares are fractions in
the file and become percent here.

The colours are read against the legend each sheet states above its header ("Figures in blue are
SIPRI estimates. Figures in red indicate highly uncertain data."): the parser records what the
legend says (``attrs["legend"]``, sheet -> flag -> sentence) and refuses a sheet whose legend
announces a colour that none of its figures shows, as happens when a workbook loses its fonts'
colours; a sheet without such a legend is not required to show any.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from milex.data.registry import Registry
from milex.data.sources._common import (
    Resource,
    frame,
    open_workbook,
    parse_number,
    read_csv,
    require_columns,
    row,
)
from milex.data.sources._sipri_corrections import (
    correct_belarus_share_of_gdp,
    drop_placeholder_zeros,
)
from milex.data.sources._years import check_axis, check_observations, edition_year, swapped_pairs
from milex.errors import SourceError

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "sipri"
CITATION = "SIPRI Military Expenditure Database 2025, https://www.sipri.org/databases/milex"
RESOURCE = Resource(
    name="sipri-milex-1949-2024",
    source=SOURCE,
    path="sipri/SIPRI-Milex-data-1949-2024_2.xlsx",
    publisher="Stockholm International Peace Research Institute (SIPRI)",
    url="https://www.sipri.org/sites/default/files/SIPRI-Milex-data-1949-2024_2.xlsx",
    edition="2025-04 (1949-2024)",
    notes="Release of April 2025, revision '_2' (file modified 2025-04-30).",
    licence="SIPRI fair use: non-commercial, cited, at most 3,500 data units reproduced",
    retrieved="2025-05-17",
    citation=CITATION,
)
SECONDARY = Resource(
    name="sipri-2025-top40-icaew",
    source=SOURCE,
    path="sipri/sipri_2025_top40_secondary_icaew.csv",
    publisher="ICAEW (restating SIPRI Military Expenditure Database, April 2026 release)",
    url="https://www.icaew.com/insights/viewpoints-on-the-news/2026/may-2026/"
    "chart-of-the-week-top-20-military-spenders",
    edition="2026-04 (2025 figures, ICAEW restatement 2026-05)",
    licence="SIPRI fair use (as above); facts restated by ICAEW",
    retrieved="2026-05-31",
    citation=CITATION + " (as restated by ICAEW, May 2026)",
)

ESTIMATE_COLOUR, UNCERTAIN_COLOUR = 12, 10
#: The legend's sentence for each colour flag, as SIPRI words it above each data sheet's header.
LEGEND = {
    "estimate": re.compile(r"figures in blue (?:are|indicate)[^.]*", re.IGNORECASE),
    "uncertain": re.compile(r"figures in red (?:are|indicate)[^.]*", re.IGNORECASE),
}
#: A sheet of at least this many figures shows every colour its legend announces (SIPRI's 2025
#: workbook: 626-1,966 blue and 101-188 red figures on each of its six data sheets).
LEGEND_MIN_FIGURES = 100
MISSING = {"...", "xxx", ". .", ".."}
REGIONS = frozenset(
    {
        "Africa",
        "North Africa",
        "sub-Saharan Africa",
        "Americas",
        "Central America and the Caribbean",
        "North America",
        "South America",
        "Asia & Oceania",
        "Oceania",
        "South Asia",
        "East Asia",
        "South East Asia",
        "Central Asia",
        "Europe",
        "Central Europe",
        "Eastern Europe",
        "Western Europe",
        "Middle East",
    }
)


@dataclass(frozen=True)
class SheetSpec:
    """A data sheet: name pattern, measure, unit and how a cell becomes the stored value."""

    name: str  # regex on the sheet name
    measure: str
    unit: str  # may contain {base}, read from the sheet name or title
    percent: bool = False  # cells are fractions to store as percent
    to_millions: bool = False  # cells are in currency units; stored in millions


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        r"^Local currency calendar years$", "milex_lcu", "national currency m", to_millions=True
    ),
    SheetSpec(r"^Constant \((\d{4})\) US\$$", "milex_usd_const", "USD m constant {base}"),
    SheetSpec(r"^Current US\$$", "milex_usd", "USD m"),
    SheetSpec(r"^Share of GDP$", "milex_pct_gdp", "percent", percent=True),
    SheetSpec(r"^Per capita$", "milex_per_capita_usd", "USD"),
    SheetSpec(r"^Share of Govt\. spending$", "milex_pct_govt", "percent", percent=True),
)
HEADER_SEARCH_ROWS = 20


def as_percent(value: float) -> float:
    """A fraction as percent, rounded once from its shortest decimal form (0.0415 -> 4.15)."""
    return float(Decimal(repr(value)).scaleb(2))


def scaled(value: float, spec: SheetSpec) -> float:
    """A cell as stored: fractions as percent, currency units as millions, rounded once."""
    if spec.percent:
        return as_percent(value)
    if spec.to_millions:
        return float(Decimal(repr(value)).scaleb(-6))
    return float(value)


def check_units(ws: Any, spec: SheetSpec, path: Path) -> None:
    """The sheet's own description must state the unit the spec assumes (SIPRI words it in A2)."""
    text = " ".join(str(ws.cell(r, 1).value or "") for r in (1, 2, 3)).lower()
    says_millions = "m." in text or "million" in text
    if spec.to_millions and says_millions:
        raise SourceError(path, f"{ws.title}!A2", "sheet now states millions; expected currency "
                          "units: update the sheet spec")  # fmt: skip
    if spec.measure in ("milex_usd", "milex_usd_const") and not says_millions:
        raise SourceError(path, f"{ws.title}!A2", "sheet no longer states US$ millions")


def find_header(ws: Any, path: Path, edition: int | None = None) -> tuple[int, dict[int, int]]:
    """Row index (1-based) of the 'Country' header and its year columns (column -> year).

    Every number in the header is a year: together they must be a contiguous run of columns,
    increasing by one, within SIPRI's span up to the edition's year (see milex.data.sources._years).
    """
    for r, values in enumerate(
        ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True), start=1
    ):
        if values and isinstance(values[0], str) and values[0].strip().lower() == "country":
            numbers = {
                c: v
                for c, v in enumerate(values, start=1)
                if c > 1 and isinstance(v, int | float) and not isinstance(v, bool)
            }
            if not numbers:
                raise SourceError(path, f"{ws.title}!A{r}", "header row has no year columns")
            _check_year_header(ws, r, values, numbers, path, edition)
            return r, {c: int(v) for c, v in numbers.items()}
    raise SourceError(
        path, ws.title, f"no header row starting with 'Country' in rows 1-{HEADER_SEARCH_ROWS}"
    )


def _check_year_header(
    ws: Any,
    r: int,
    values: tuple[Any, ...],
    numbers: dict[int, Any],
    path: Path,
    edition: int | None,
) -> None:
    """Raise, naming the cell, unless the header's years are whole numbers in a contiguous run of
    columns, increasing by one, within SIPRI's plausible span for the edition."""
    for c, v in numbers.items():
        if not float(v).is_integer():
            raise SourceError(path, f"{ws.title}!{get_column_letter(c)}{r}", f"not a year: {v!r}")
    first, last = min(numbers), max(numbers)
    for c in range(first, last + 1):
        if c not in numbers:
            found = values[c - 1] if c <= len(values) else None
            raise SourceError(
                path,
                f"{ws.title}!{get_column_letter(c)}{r}",
                f"year header is not a contiguous run of columns: {found!r} between "
                f"{get_column_letter(first)}{r} and {get_column_letter(last)}{r}",
            )
    cells = [(f"{ws.title}!{get_column_letter(c)}{r}", int(numbers[c])) for c in sorted(numbers)]
    check_axis(cells, path, SOURCE, edition)


def _check_beyond_header(ws: Any, cells: tuple[Any, ...], last: int, path: Path) -> None:
    """A number right of the last year column means the header is short of the data."""
    for cell in cells[last:]:
        value = cell.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise SourceError(
                path,
                f"{ws.title}!{get_column_letter(cell.column)}{cell.row}",
                f"figure {value!r} right of the year header, which ends at column "
                f"{get_column_letter(last)}: the header is short of the data",
            )


def colour_flags(font: Any) -> set[str]:
    colour = getattr(font, "color", None)
    indexed = getattr(colour, "indexed", None) if colour is not None else None
    if indexed == ESTIMATE_COLOUR:
        return {"estimate"}
    if indexed == UNCERTAIN_COLOUR:
        return {"uncertain"}
    return set()


def read_legend(ws: Any) -> dict[str, str]:
    """flag -> the legend's sentence ("Figures in blue are SIPRI estimates"), from the text in
    column A above the 'Country' header; a flag the legend does not mention is absent."""
    legend: dict[str, str] = {}
    for (text,) in ws.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=1, values_only=True):
        if not isinstance(text, str):
            continue
        if text.strip().lower() == "country":
            break
        for flag, pattern in LEGEND.items():
            if flag not in legend and (m := pattern.search(text)):
                legend[flag] = " ".join(m[0].split())
    return legend


def check_legend(rows: list[dict[str, Any]], legend: dict[str, str], ws: Any, path: Path) -> None:
    """Refuse a sheet whose legend announces a colour none of its figures shows."""
    if len(rows) < LEGEND_MIN_FIGURES:
        return
    shown = {flag for r in rows for flag in r["flags"].split(";")}
    for flag, sentence in legend.items():
        if flag not in shown:
            raise SourceError(
                path,
                ws.title,
                f"the sheet's legend says {sentence!r}, yet none of its {len(rows)} figures is "
                f"in that colour: has the workbook lost its fonts' colours?",
            )


def parse_sheet(
    ws: Any, spec: SheetSpec, path: Path, registry: Registry, edition: str
) -> list[dict[str, Any]]:
    check_units(ws, spec, path)
    header, years = find_header(ws, path, edition_year(edition))
    unit = spec.unit
    if "{base}" in unit:
        m = re.search(r"\((\d{4})\)", ws.title) or re.search(
            r"constant \((\d{4})\)", str(ws["A1"].value or "")
        )
        if not m:
            raise SourceError(path, f"{ws.title}!A1", "constant-price sheet without a base year")
        unit = unit.format(base=m.group(1))
    rows_by_name: dict[str, tuple[Any, ...]] = {}
    for cells in ws.iter_rows(min_row=header + 1):
        label = cells[0].value
        if not isinstance(label, str) or not label.strip() or label.strip() in REGIONS:
            if label is None and any(c.value not in (None, "") for c in cells[1:]):
                raise SourceError(path, f"{ws.title}!A{cells[0].row}", "figures without a country")
            continue
        if label.strip() in rows_by_name:
            first = rows_by_name[label.strip()][0].row
            raise SourceError(
                path,
                f"{ws.title}!A{cells[0].row}",
                f"{label.strip()!r} appears twice (rows {first} and {cells[0].row})",
            )
        _check_beyond_header(ws, cells, max(years), path)
        rows_by_name[label.strip()] = cells
    names = registry.resolve_all(sorted(rows_by_name), f"{path.name} [{ws.title}]")
    out = []
    for name, cells in rows_by_name.items():
        for c, year in years.items():
            if c > len(cells):
                continue
            cell = cells[c - 1]
            value = cell.value
            if value is None or (isinstance(value, str) and value.strip() in MISSING | {""}):
                continue
            where = f"{ws.title}!{get_column_letter(c)}{cell.row}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SourceError(path, where, f"expected a number or '...'/'xxx', found {value!r}")
            stored = scaled(value, spec)
            out.append(
                row(
                    names[name],
                    year,
                    spec.measure,
                    SOURCE,
                    edition,
                    stored,
                    unit,
                    colour_flags(cell.font),
                    where,
                )
            )
    _check_not_swapped(out, ws, header, years, path)
    return out


def _check_not_swapped(
    out: list[dict[str, Any]], ws: Any, header: int, years: dict[int, int], path: Path
) -> None:
    """Two year columns whose figures fit each other's neighbours better are swapped data."""
    import pandas as pd

    if not out:
        return
    wide = pd.DataFrame(out).pivot_table(index="iso3", columns="year", values="value")
    for year, share, series in swapped_pairs(wide):
        column = {y: c for c, y in years.items()}
        left, right = get_column_letter(column[year]), get_column_letter(column[year + 1])
        raise SourceError(
            path,
            f"{ws.title}!{left}{header}:{right}{header}",
            f"the figures under {year} and {year + 1} look swapped: in {share:.0%} of {series} "
            "countries each column fits the other's neighbouring years better",
        )


def parse_workbook(path: Path, registry: Registry) -> pd.DataFrame:
    """All six data sheets of the SIPRI workbook as observations."""
    workbook = open_workbook(path, styles=True)
    try:
        by_spec = {}
        for spec in SHEETS:
            match = [ws for ws in workbook.worksheets if re.match(spec.name, ws.title)]
            if not match:
                raise SourceError(
                    path,
                    None,
                    f"missing sheet matching {spec.name!r}; sheets: {workbook.sheetnames}",
                )
            by_spec[spec] = match[0]
        modified = revised_on(workbook) or workbook.properties.modified
        first_ws = by_spec[SHEETS[3]]
        stated = edition_year(RESOURCE.edition) if modified is None else modified.year
        years = find_header(first_ws, path, stated)[1].values()
        edition = f"{modified:%Y-%m} ({min(years)}-{max(years)})" if modified else RESOURCE.edition
        rows = []
        legends: dict[str, dict[str, str]] = {}
        for spec, ws in by_spec.items():
            sheet = parse_sheet(ws, spec, path, registry, edition)
            legends[ws.title] = read_legend(ws)
            check_legend(sheet, legends[ws.title], ws, path)
            rows.extend(sheet)
    finally:
        workbook.close()
    observations = correct_belarus_share_of_gdp(drop_placeholder_zeros(frame(rows)))
    check_observations(observations, path)
    observations.attrs["edition"] = describe(observations, edition, modified)
    observations.attrs["legend"] = legends
    if m := FILE_VERSION.search(path.stem):
        observations.attrs["edition"]["title"] += f", version {m[1]}"
    return observations


#: "Data revised on 27 April 2026", "revised on 2026-04-27": the workbook's own release date.
REVISED = re.compile(
    r"revised\s+(?:on\s+)?(\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})", re.IGNORECASE
)
FILE_VERSION = re.compile(r"_(v\d+(?:\.\d+)*)$", re.IGNORECASE)
REVISED_SEARCH_ROWS = 12


def revised_on(workbook: Any) -> dt.date | None:
    """The date of a "revised on ..." note near the top of any sheet, if the workbook has one.

    SIPRI's own statement of when it released the figures labels the edition; the file's
    modification time is the fallback, and the download date is never used.
    """
    for ws in workbook.worksheets:
        for cells in ws.iter_rows(max_row=REVISED_SEARCH_ROWS, values_only=True):
            for value in cells:
                if isinstance(value, str) and (m := REVISED.search(value)):
                    return _date(m[1])
    return None


def _date(text: str) -> dt.date | None:
    for fmt in ("%d %B %Y", "%Y-%m-%d", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def describe(observations: pd.DataFrame, edition: str, modified: Any) -> dict[str, Any]:
    """The SIPRI edition a workbook holds: its span, release month and constant-price base."""
    units = observations.loc[observations["measure"] == "milex_usd_const", "unit"].unique()
    base = next((int(u[-4:]) for u in units if u[-4:].isdigit()), None)
    years = observations["year"]
    span = f"{years.min()}-{years.max()}" if len(years) else ""
    return {
        "edition": edition,
        "title": f"SIPRI Military Expenditure Database ({span})",
        "published": f"{modified:%Y-%m-%d}" if modified else "",
        "price_base": base,
        "definition": "military expenditure (SIPRI definition)",
    }


def parse_secondary(path: Path, registry: Registry) -> pd.DataFrame:
    """The ICAEW restatement of SIPRI's 2025 figures, flagged ``secondary``."""
    table = read_csv(path)
    columns = ("country", "year", "milex_current_usd_bn", "milex_share_of_gdp_pct")
    require_columns(table, columns, path)
    names = registry.resolve_all(sorted(set(table["country"])), path.name)
    rows = []
    for line, rec in enumerate(table.to_dict("records"), start=2):
        year = parse_number(rec["year"], path, f"row {line}, field year")
        if year is None:
            raise SourceError(path, f"row {line}, field year", "missing year")
        usd = rec["milex_current_usd_bn"].strip()
        if parse_number(usd, path, f"row {line}, field milex_current_usd_bn") is not None:
            rows.append(
                row(
                    names[rec["country"]],
                    int(year),
                    "milex_usd",
                    SOURCE,
                    SECONDARY.edition,
                    float(Decimal(usd).scaleb(3)),
                    "USD m",
                    {"secondary"},
                    SECONDARY.url,
                )
            )
        share = parse_number(
            rec["milex_share_of_gdp_pct"], path, f"row {line}, field milex_share_of_gdp_pct"
        )
        if share is not None:
            rows.append(
                row(
                    names[rec["country"]],
                    int(year),
                    "milex_pct_gdp",
                    SOURCE,
                    SECONDARY.edition,
                    share,
                    "percent",
                    {"secondary"},
                    SECONDARY.url,
                )
            )
    obs = frame(rows)
    check_observations(obs, path)
    return obs

"""IMF World Economic Outlook (October 2025): the wide CSV of selected concepts, one row per area."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.data.schema import COLUMNS
from milex.data.sources._common import Resource, frame, read_csv, require_columns, row
from milex.data.sources._years import check_axis, check_observations, swapped_pairs
from milex.data.sources.weo import (
    AGGREGATE,
    CONCEPTS,
    MISSING,
    SOURCE,
    area_iso3,
    last_actual_year,
    scaled,
    unit_of,
    weo_record,
)
from milex.errors import SourceError, UnknownCountryError

if TYPE_CHECKING:
    import pandas as pd

AREAS_PATH = "imf/weo_oct2025_areas.csv"
RESOURCE = Resource(
    name="imf-weo-2025-10",
    source=SOURCE,
    path="imf/weo_oct2025_selected_wide.csv",
    publisher="International Monetary Fund",
    url="https://data.imf.org/en/datasets/IMF.RES:WEO",
    edition="WEO 2025-10",
    licence="IMF Copyright and Usage (https://www.imf.org/external/terms.htm), reuse with attribution",
    retrieved="2025-10-16",
    citation="IMF, World Economic Outlook Database, October 2025",
    notes="Wide pivot of 16 concepts from the WEO dataset IMF.RES:WEO 9.0.0; values unchanged.",
)

META = (
    "ref_area",
    "area_name",
    "concept",
    "description",
    "unit",
    "scale",
    "lastactualdate",
    "base_year",
)


def parse(path: Path, registry: Registry) -> pd.DataFrame:
    """Observations for every registry country; years after ``lastactualdate`` flagged projection."""
    table = read_csv(path)
    require_columns(table, META, path)
    years = [c for c in table.columns if c not in META]
    if not years or not all(y.isdigit() for y in years):
        raise SourceError(
            path, "header", f"year columns expected after the metadata, got {years[:5]}"
        )
    first = list(table.columns).index(years[0])
    if list(table.columns)[first:] != years:
        raise SourceError(
            path, "header", "year columns are not a contiguous run after the metadata"
        )
    check_axis(
        [(f"header, column {first + i + 1}", int(y)) for i, y in enumerate(years)],
        path,
        SOURCE,
        RESOURCE.edition,
    )
    unknown = sorted(
        {
            code
            for code in table["ref_area"]
            if not AGGREGATE.match(code) and registry.lookup(code) is None
        }
    )
    if unknown:
        raise UnknownCountryError(unknown, path.name)
    fallback = _area_last_actual(table)
    rows: list[dict[str, Any]] = []
    for line, rec in enumerate(table.to_dict("records"), start=2):
        code, concept = rec["ref_area"], rec["concept"]
        if AGGREGATE.match(code) or concept not in CONCEPTS:
            continue
        measure, unit, target = CONCEPTS[concept]
        if "{base}" in unit:
            if not rec["base_year"].strip():
                raise SourceError(
                    path,
                    f"row {line}, field base_year",
                    f"{concept} needs a base year, found {rec['base_year']!r}",
                )
            unit = unit.format(base=rec["base_year"])
        try:
            scale = int(rec["scale"])
        except ValueError:
            raise SourceError(
                path, f"row {line}, field scale", f"not an integer: {rec['scale']!r}"
            ) from None
        last = last_actual_year(rec["lastactualdate"]) or fallback.get(code)
        iso3 = registry.resolve(code)
        for year in years:
            text = rec[year].strip()
            if text == "":
                continue
            value = scaled(text, scale, target, path, f"row {line}, column {year}")
            if measure == "population":
                value = float(round(value))
            flags = {"projection"} if last is not None and int(year) > last else set()
            rows.append(
                row(
                    iso3,
                    int(year),
                    measure,
                    SOURCE,
                    RESOURCE.edition,
                    value,
                    unit,
                    flags,
                    f"row {line}, {concept} {year}",
                )
            )
    obs = frame(rows)
    check_observations(obs, path)
    _check_not_swapped(obs, path, {int(y): first + i + 1 for i, y in enumerate(years)})
    return obs


def _check_not_swapped(obs: pd.DataFrame, path: Path, columns: dict[int, int]) -> None:
    """Year columns swapped under a correct header, seen in population (smooth in every country:
    the only WEO concept smooth enough to tell; see milex.data.sources._years.swapped_pairs)."""
    people = obs[obs["measure"] == "population"]
    if people.empty:
        return
    wide = people.pivot_table(index="iso3", columns="year", values="value")
    for year, share, series in swapped_pairs(wide):
        raise SourceError(
            path,
            f"header, columns {columns[year]}-{columns[year + 1]}",
            f"the figures under {year} and {year + 1} look swapped: in {share:.0%} of {series} "
            "countries' population each column fits the other's neighbouring years better",
        )


def _area_last_actual(table: pd.DataFrame) -> dict[str, int]:
    """Per area, the latest last-actual year of any concept: used where a row leaves it blank."""
    out: dict[str, int] = {}
    for code, text in zip(table["ref_area"], table["lastactualdate"], strict=True):
        if (year := last_actual_year(text)) is not None:
            out[code] = max(out.get(code, year), year)
    return out


# ----------------------------------------------------------------------------------------------
# The IMF's own bulk files, as `milex data update` downloads them.
#
# * Up to April 2025: "WEO<Mon><YYYY>all.xls", which is tab-delimited text despite its name (UTF-16
#   in recent editions, Latin-1 before), one row per (country, concept), years as columns, numbers
#   with thousands separators, "n/a"/"--" for missing, "Estimates Start After" last.
# * Since October 2025: the data portal's IMF.RES:WEO "full dataset" CSV, observation per row
#   ("ID and Name": COUNTRY.ID, INDICATOR.ID, SCALE.ID, UNIT.ID, LATEST_ACTUAL_ANNUAL_DATA,
#   BASE_YEAR, TIME_PERIOD, OBS_VALUE, ...), values in units (not divided by the scale).

SCALES = {"billions": 9, "millions": 6, "thousands": 3, "units": 0, "": 0}
TSV_META = ("ISO", "WEO Subject Code", "Scale", "Country/Series-specific Notes")
PORTAL_META = ("country_id", "indicator_id", "time_period", "obs_value")
BASE_YEAR = re.compile(r"base\s+year\s*:?\s*((?:FY)?\d{4}(?:/\d{2})?)", re.IGNORECASE)
EDITION_LINE = re.compile(r"World Economic Outlook Database,\s+(April|September|October)\s+(\d{4})")
MONTH_NUMBERS = {"Apr": "04", "Sep": "09", "Oct": "10"}
PORTAL_OPTIONAL = (
    "frequency_id",
    "latest_actual_annual_data",
    "base_year",
    "publication_date",
)


def bulk_edition(path: Path, text_head: str = "") -> str | None:
    """The WEO edition a bulk file's name (or footer line) states, e.g. 'WEO 2024-10'.

    A data-portal download's name holds only when it was downloaded: that never labels an edition
    (a file fetched on 1-12 October 2026 holds April's data; the October WEO came out on the 13th).
    """
    if m := re.match(r"^WEO(Apr|Sep|Oct)(\d{4})all", path.name):
        return f"WEO {m[2]}-{MONTH_NUMBERS[m[1]]}"
    if m := EDITION_LINE.search(text_head):
        number = {"April": "04", "September": "09", "October": "10"}[m[1]]
        return f"WEO {m[2]}-{number}"
    return None


def parse_bulk(path: Path, registry: Registry, edition: str | None = None) -> pd.DataFrame:
    """An IMF bulk WEO file in either layout (recognised by its header) as observations."""
    from milex.data.sources._common import require_file

    require_file(path)
    text = _decode(path)
    first = text.split("\n", 1)[0]
    if "\t" in first and "WEO Subject Code" in first:
        own = bulk_edition(path, text[-2000:])
        if own and edition and own != edition:
            raise SourceError(path, None, f"the file says it is {own}, not {edition}")
        return _parse_tsv(path, text, registry, _need_edition(path, own or edition))
    from milex.data.sources import imf_sdmx

    raw_header = next(csv_reader([first])) if first.strip() else []
    header = [_normal(h) for h in raw_header]
    if all(col in header for col in PORTAL_META):  # before SDMX-CSV: it has COUNTRY (names) too
        return _parse_portal(path, registry, edition)
    if text.lstrip().startswith("{") or imf_sdmx.is_sdmx_csv(raw_header):
        return imf_sdmx.parse_sdmx(path, text, registry, edition)
    raise SourceError(
        path,
        "header",
        "not a WEO file: expected an SDMX-CSV or SDMX-JSON answer of the IMF's SDMX API, the "
        "tab-delimited 'WEO Subject Code' layout or the data portal's CSV (COUNTRY.ID, "
        f"INDICATOR.ID, TIME_PERIOD, OBS_VALUE); found {first[:120]!r}",
    )


def csv_reader(lines: Any, delimiter: str = ",") -> Any:
    import csv

    return csv.reader(lines, delimiter=delimiter)


def _need_edition(path: Path, label: str | None) -> str:
    if not label:
        raise SourceError(
            path,
            None,
            "cannot tell which WEO edition this is (no publication date in the file; it is never "
            "taken from the download date): name it with --edition 'WEO YYYY-MM'",
        )
    return label


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_tsv(path: Path, text: str, registry: Registry, edition: str) -> pd.DataFrame:
    lines = text.splitlines()
    reader = csv_reader(lines, "\t")
    header = [h.strip() for h in next(reader)]
    missing = [c for c in TSV_META if c not in header]
    if missing:
        raise SourceError(path, "header", f"missing column(s) {missing}")
    years = [(i, int(h)) for i, h in enumerate(header) if h.isdigit()]
    if not years:
        raise SourceError(path, "header", "no year columns")
    check_axis([(f"header, column {i + 1}", y) for i, y in years], path, SOURCE, edition)
    if [i for i, _ in years] != list(range(years[0][0], years[-1][0] + 1)):
        raise SourceError(path, "header", "year columns are not a contiguous run")
    col = {h: i for i, h in enumerate(header)}
    rows: list[dict[str, Any]] = []
    unknown = set()
    for line, rec in enumerate(reader, start=2):
        if len(rec) < len(header):
            if len(rec) <= 1:  # the footer line names the database and edition
                continue
            raise SourceError(path, f"row {line}", f"{len(rec)} fields, header has {len(header)}")
        concept = rec[col["WEO Subject Code"]].strip()
        if concept not in CONCEPTS:
            continue
        code = rec[col["ISO"]].strip()
        iso3 = area_iso3(code, registry)
        if iso3 is None:
            unknown.add(code)
            continue
        rows += _tsv_row(rec, col, years, line, iso3, path, edition)
    if unknown:
        raise UnknownCountryError(sorted(unknown), f"{path.name}, column ISO")
    obs = frame(rows)
    check_observations(obs, path)
    return obs


def _parse_portal(path: Path, registry: Registry, edition: str | None) -> pd.DataFrame:
    """The portal's CSV, labelled from its PUBLICATION_DATE column (or the edition given)."""
    from milex.data.sources import imf_sdmx

    header = read_csv(path, nrows=0).columns
    wanted = {c: _normal(c) for c in header if _normal(c) in PORTAL_META + PORTAL_OPTIONAL}
    table = read_csv(path, usecols=list(wanted)).rename(columns=wanted)
    require_columns(table, PORTAL_META, path)
    for optional in PORTAL_OPTIONAL:
        if optional not in table.columns:
            table[optional] = ""
    dated = imf_sdmx.dataset_edition(path, (d.strip() for d in table["publication_date"]))
    if dated and edition and dated[0] != edition:
        raise SourceError(path, "PUBLICATION_DATE", f"the file holds {dated[0]}, not {edition}")
    edition = _need_edition(path, dated[0] if dated else edition)
    table["_line"] = range(2, len(table) + 2)
    table = table[table["indicator_id"].isin(CONCEPTS.keys())]
    table = table[table["frequency_id"].isin(["A", ""])]
    table = table[~table["country_id"].map(lambda c: bool(AGGREGATE.match(c)))]
    codes = {c: area_iso3(c, registry) for c in set(table["country_id"])}
    unknown = sorted(c for c, iso3 in codes.items() if iso3 is None)
    if unknown:
        raise UnknownCountryError(unknown, f"{path.name}, column COUNTRY.ID")
    rows: list[dict[str, Any]] = []
    for rec in table.to_dict("records"):
        text = rec["obs_value"].strip()
        if text in MISSING:
            continue
        line, concept = rec["_line"], rec["indicator_id"]
        _, unit, target = CONCEPTS[concept]
        unit = unit_of(unit, concept, rec["base_year"].strip(), path, f"row {line}, BASE_YEAR")
        try:
            year = int(rec["time_period"])
        except ValueError:
            raise SourceError(
                path, f"row {line}, TIME_PERIOD", f"not a year: {rec['time_period']!r}"
            ) from None
        value = scaled(text, 0, target, path, f"row {line}, OBS_VALUE")
        last = last_actual_year(rec["latest_actual_annual_data"])
        iso3 = codes[rec["country_id"]]
        assert iso3 is not None
        rows.append(_bulk_row(iso3, year, concept, unit, value, last, line, edition))
    obs = frame(rows)
    check_observations(obs, path)
    return obs


def _bulk_row(
    iso3: str,
    year: int,
    concept: str,
    unit: str,
    value: float,
    last: int | None,
    line: int,
    edition: str,
) -> dict[str, Any]:
    """One observation of a bulk WEO file, as a dict (see :func:`weo_record`)."""
    return dict(zip(COLUMNS, weo_record(iso3, year, concept, unit, value, last, line, edition),
                    strict=True))  # fmt: skip


def _tsv_row(
    rec: list[str],
    col: dict[str, int],
    years: list[tuple[int, int]],
    line: int,
    iso3: str,
    path: Path,
    edition: str,
) -> list[dict[str, Any]]:
    """The observations of one (country, concept) row of the tab-delimited WEO file."""
    concept = rec[col["WEO Subject Code"]].strip()
    _, unit, target = CONCEPTS[concept]
    notes = rec[col["Country/Series-specific Notes"]]
    base = m[1] if (m := BASE_YEAR.search(notes)) else ""
    unit = unit_of(unit, concept, base, path, f"row {line}, Country/Series-specific Notes")
    scale_text = rec[col["Scale"]].strip().lower()
    if scale_text not in SCALES:
        raise SourceError(path, f"row {line}, Scale", f"unknown scale {rec[col['Scale']]!r}")
    last_text = rec[col["Estimates Start After"]] if "Estimates Start After" in col else ""
    last = last_actual_year(last_text)
    out = []
    for i, year in years:
        cell = rec[i].strip().replace(",", "")
        if cell in MISSING:
            continue
        value = scaled(cell, SCALES[scale_text], target, path, f"row {line}, column {year}")
        out.append(_bulk_row(iso3, year, concept, unit, value, last, line, edition))
    return out

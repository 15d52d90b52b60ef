"""The Kiel Institute's Ukraine Support Tracker: military aid to Ukraine by donor, a memo line.

The Tracker's workbook (``<uuid>-Ukraine_Support_Tracker_Release_<N>.xlsx``, found on its page by
``milex.data.update._kiel``) has a sheet ``Country Summary (€)``: a header row holding ``Country``
(column A, or B from release 28), below it a units row (``€ billion``, ``% 2021 GDP``; a label
appears once per unit), then one row per donor down to ``Total``. Columns are matched on (label,
unit). The reader takes ``Military allocations`` in both units; it refuses, naming sheet and
cell, a workbook without the sheet, the header, either column or with text in a number cell.

Figures are a memo line beside an ally's NATO share ("military aid to Ukraine: X% of GDP (Kiel,
release N)"), never added to or subtracted from NATO's figures. The bundle ships none of them:
Kiel's licence terms could not be confirmed, so `milex data update --source kiel` keeps them in
the user's data directory (``kiel_military_aid.csv``) with Kiel's citation.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from milex.errors import SourceError

SHEET = "Country Summary (€)"
HEADER_SEARCH_ROWS = 30
LABEL = "Military allocations"
UNITS = {"eur_bn": "€ billion", "pct_gdp": "% 2021 GDP"}
RELEASE = re.compile(r"Ukraine_Support_Tracker_Release_(\d+)\.xlsx$", re.IGNORECASE)
CITATION = "Kiel Institute for the World Economy, Ukraine Support Tracker"
TRACKER_PAGE = "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/"
MEMO_FILE = "kiel_military_aid.csv"
MEMO_COLUMNS = ("iso3", "donor", "military_eur_bn", "military_pct_gdp_2021", "release", "cell",
                "file", "url", "retrieved")  # fmt: skip
#: Donors in the workbook that are not countries (skipped, never an error).
NOT_COUNTRIES = ("EU (Commission and Council)", "EU Institutions", "Total", "European Union")


@dataclass(frozen=True)
class Aid:
    """One donor's military allocations in one release, with the cell it came from."""

    iso3: str
    donor: str
    eur_bn: float | None
    pct_gdp: float | None
    release: int | None
    cell: str


def column_letter(index: int) -> str:
    """0-based column index as a spreadsheet letter (0 -> A)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def release_of(name: str) -> int | None:
    """The release number in a Tracker file name, if it has one."""
    found = RELEASE.search(name)
    return int(found.group(1)) if found else None


def _header(rows: list[tuple[Any, ...]], path: Path) -> tuple[int, int]:
    """(row index, column index) of the ``Country`` header cell in the first rows."""
    for r, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for c, value in enumerate(values[:3]):
            if isinstance(value, str) and value.strip() == "Country":
                return r, c
    raise SourceError(
        path, f"{SHEET}!A1:C{HEADER_SEARCH_ROWS}",
        "no 'Country' header in the first rows: the Tracker's layout changed",
    )  # fmt: skip


def _columns(rows: list[tuple[Any, ...]], r: int, path: Path) -> dict[str, int]:
    header, units = rows[r], rows[r + 1] if r + 1 < len(rows) else ()
    found: dict[str, int] = {}
    for c, label in enumerate(header):
        unit = units[c] if c < len(units) else None
        if not isinstance(label, str) or label.strip() != LABEL or not isinstance(unit, str):
            continue
        for key, wanted in UNITS.items():
            if unit.strip() == wanted:
                found[key] = c
    missing = [UNITS[k] for k in UNITS if k not in found]
    if missing:
        last = column_letter(max(len(header), 1) - 1)
        raise SourceError(
            path, f"{SHEET}!A{r + 1}:{last}{r + 2}",
            f"no '{LABEL}' column in {', '.join(missing)} under the header: the layout changed",
        )  # fmt: skip
    return found


def _number(value: Any, path: Path, cell: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "..", "-")):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceError(path, f"{SHEET}!{cell}", f"expected a number, found {value!r}")
    return float(value)


def read_country_summary(path: Path, resolve: Any, *, release: int | None = None) -> list[Aid]:
    """Every donor country's military allocations from the workbook at ``path``.

    ``resolve(name)`` gives a donor's ISO3 code or None (donors it does not know are left out);
    ``release`` defaults to the number in the file name.
    """
    from milex.data.sources._common import open_workbook

    workbook = open_workbook(path, styles=False)
    try:
        if SHEET not in workbook.sheetnames:
            raise SourceError(
                path, SHEET, f"no sheet {SHEET!r}; sheets: {', '.join(workbook.sheetnames)}"
            )
        rows = [tuple(r) for r in workbook[SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()
    r, c = _header(rows, path)
    columns = _columns(rows, r, path)
    release = release if release is not None else release_of(path.name)
    out = []
    for i in range(r + 2, len(rows)):
        values = rows[i]
        donor = values[c] if c < len(values) else None
        if not isinstance(donor, str) or not donor.strip():
            continue
        donor = donor.strip()
        if donor == "Total":
            break
        if donor in NOT_COUNTRIES:
            continue
        code = resolve(donor)
        if code is None:
            continue
        figures = {
            key: _number(values[col] if col < len(values) else None, path,
                         f"{column_letter(col)}{i + 1}")
            for key, col in columns.items()
        }  # fmt: skip
        cell = f"{SHEET}!{column_letter(columns['pct_gdp'])}{i + 1}"
        out.append(Aid(code, donor, figures["eur_bn"], figures["pct_gdp"], release, cell))
    if not out:
        raise SourceError(
            path, f"{SHEET}!{column_letter(c)}{r + 3}", "no donor rows under the header"
        )
    return out


def write_memo(aid: list[Aid], path: Path, *, file: str, url: str, retrieved: str) -> Path:
    """The memo table (MEMO_COLUMNS) at ``path``, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MEMO_COLUMNS)
        for a in aid:
            writer.writerow([a.iso3, a.donor, "" if a.eur_bn is None else a.eur_bn,
                             "" if a.pct_gdp is None else a.pct_gdp, a.release or "", a.cell,
                             file, url, retrieved])  # fmt: skip
    tmp.replace(path)
    return path


def read_memo(path: Path) -> dict[str, dict[str, Any]]:
    """The memo table by ISO3 (empty where there is no file)."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["iso3"]: dict(row) for row in csv.DictReader(handle)}


def memo_line(row: dict[str, Any]) -> str:
    """'military aid to Ukraine: 2.75% of GDP (Kiel, release 28)' for one memo row."""
    share = row.get("military_pct_gdp_2021")
    release = f", release {row['release']}" if row.get("release") else ""
    if share in (None, ""):
        return f"military aid to Ukraine: no share of GDP given (Kiel{release})"
    return f"military aid to Ukraine: {float(share):.2f}% of 2021 GDP (Kiel{release})"

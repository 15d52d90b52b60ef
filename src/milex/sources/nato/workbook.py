"""NATO's defence-expenditure workbook, in every layout since the 2014-2024 edition.

Two layout families are recognised by content, never by file name:
- ``2014-2024 tables`` (sheets ``TABLE1``..): the title in column B a few rows down, one year header
  shared by the blocks of a sheet, labels in column C, NATO's aggregates in column B;
- ``2025+ tables`` (sheets ``Table 1``.., the 2025 and 2026 editions): the title in A1, the unit in
  row 2, and under each block heading in column A a year row of its own (column A empty).
One scanner reads both: a year row sets the columns, a heading row sets the block, a labelled row
with numbers is data, a "Notes" row ends the table. What it does not recognise is an error naming
the sheet and cell.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from milex.errors import SourceError
from milex.registry import NO_ARMED_FORCES, Registry
from milex.sources._common import frame, open_workbook, row
from milex.sources.nato.tables import (
    PUBLICATION,
    RELATED,
    SPEC_BY_NUMBER,
    TABLES,
    TITLE,
    Block,
    TableSpec,
)

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "nato"
YEAR = re.compile(r"^(\d{4})(e?)$")
PRICES = re.compile(r"(\d{4}) prices")
TITLE_SEARCH_ROWS = 25
LABEL = re.compile(r"^(?P<name>.*?)(?P<star>\*)?\s*(\((?P<currency>[^)]*)\))?\s*$")
TWO_PCT_NOTE = re.compile(r"national laws? or political agreements?.*2\s?%", re.IGNORECASE)


def cell(row_index: int, col_index: int) -> str:
    """Excel reference for 0-based grid indices."""
    return f"{get_column_letter(col_index + 1)}{row_index + 1}"


class Sheet:
    """A worksheet read once into a grid of values, with helpers that name cells in errors."""

    def __init__(self, path: Path, name: str, grid: list[tuple[Any, ...]]) -> None:
        self.path, self.name, self.grid = path, name, grid

    def error(self, r: int | None, c: int | None, message: str) -> SourceError:
        where = self.name if r is None or c is None else f"{self.name}!{cell(r, c)}"
        return SourceError(self.path, where, message)

    def value(self, r: int, c: int) -> Any:
        row_values = self.grid[r] if r < len(self.grid) else ()
        return row_values[c] if c < len(row_values) else None

    def text_cells(self, r: int, upto: int) -> list[tuple[int, str]]:
        return [
            (c, str(v).strip())
            for c in range(min(upto, len(self.grid[r])))
            if isinstance(v := self.grid[r][c], str) and v.strip()
        ]


def year_of(value: Any) -> tuple[int, bool] | None:
    """(year, estimate?) for a header cell such as 2019, '2019' or '2023e'; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 1900 < value < 2100:
        return int(value), False
    if isinstance(value, str) and (m := YEAR.match(value.strip())):
        return int(m.group(1)), m.group(2) == "e"
    return None


def find_title(sheet: Sheet) -> tuple[TableSpec, int, int] | None:
    """The table spec the sheet's title matches and the title's cell; None for a cover sheet."""
    for r in range(min(TITLE_SEARCH_ROWS, len(sheet.grid))):
        for c, text in sheet.text_cells(r, 6):
            m = TITLE.match(text)
            if not m:
                continue
            title = m.group(2).strip()
            spec = SPEC_BY_NUMBER.get(m.group(1).lower())
            if spec is not None and re.search(spec.title, title, re.IGNORECASE):
                return spec, r, c
            if re.search(RELATED.title, title, re.IGNORECASE):
                return RELATED, r, c
            raise sheet.error(r, c, f"unknown table layout: title {text!r}")
    texts = [t for r in range(min(10, len(sheet.grid))) for _, t in sheet.text_cells(r, 6)]
    if texts and any(PUBLICATION.search(t) for t in texts) and not _has_numbers(sheet):
        return None
    raise sheet.error(None, None, f"no 'Table N: ...' title in the first {TITLE_SEARCH_ROWS} rows")


def _has_numbers(sheet: Sheet) -> bool:
    return any(
        isinstance(v, int | float) and not isinstance(v, bool) for line in sheet.grid for v in line
    )


def year_header(sheet: Sheet, r: int) -> dict[int, tuple[int, bool]] | None:
    """The year columns of row r if it is a year header (two or more years, no label)."""
    years = {c: y for c, v in enumerate(sheet.grid[r]) if (y := year_of(v))}
    if len(years) < 2 or sheet.text_cells(r, min(years)):
        return None
    columns = sorted(years)
    if columns != list(range(columns[0], columns[0] + len(columns))):
        raise sheet.error(r, columns[0], "year header is not a contiguous run of columns")
    for before, after in itertools.pairwise(columns):
        if years[after][0] != years[before][0] + 1:
            raise sheet.error(
                r,
                after,
                f"year header is not strictly increasing by one: {years[before][0]} then "
                f"{years[after][0]}",
            )
    return years


class _Scan:
    """State while reading one table top to bottom: the block, its unit and its year columns."""

    def __init__(self, sheet: Sheet, spec: TableSpec) -> None:
        self.sheet, self.spec = sheet, spec
        self.block: Block | None = spec.blocks[0] if spec.untitled else None
        self.unit = self.block.unit if self.block else ""
        self.years: dict[int, tuple[int, bool]] | None = None
        self.subtitle: list[str] = []
        self.notes: list[str] = []

    def heading(self, r: int, c: int, text: str) -> None:
        for block in self.spec.blocks:
            if re.search(block.heading, text, re.IGNORECASE):
                self.block = block
                base = (
                    self._base_year([text, *self.subtitle], r, c) if "{base}" in block.unit else 0
                )
                self.unit = block.unit.format(base=base)
                return
        if self.years is None:
            self.subtitle.append(text)  # unit or price-basis line above the first block
            return
        raise self.sheet.error(r, c, f"unknown block heading {text!r} in Table {self.spec.number}")

    def _base_year(self, texts: list[str], r: int, c: int) -> int:
        for text in texts:
            if m := PRICES.search(text.lower()):
                return int(m.group(1))
        raise self.sheet.error(r, c, "constant-price block without a base year ('NNNN prices')")


def parse_table(
    sheet: Sheet, spec: TableSpec, title_row: int, registry: Registry, edition: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Observations of one standard table (all but the 2014-2024 Table 4), and its notes."""
    scan = _Scan(sheet, spec)
    labelled: list[tuple[int, str, str, str, dict[int, tuple[int, bool]]]] = []
    for r in range(title_row + 1, len(sheet.grid)):
        if (years := year_header(sheet, r)) is not None:
            scan.years = years
            continue
        first = min(scan.years) if scan.years else 8
        texts = sheet.text_cells(r, first)
        if texts and _is_notes(texts[0][1]):
            scan.notes = [t for k in range(r, len(sheet.grid)) for _, t in sheet.text_cells(k, 8)]
            break
        numbers = [sheet.value(r, c) for c in scan.years] if scan.years else []
        if not any(v is not None and v != "#REF!" for v in numbers):
            if texts and not _is_note(texts[0][1]):
                scan.heading(r, texts[0][0], texts[0][1])
            continue
        assert scan.years is not None
        if not texts:
            if all(v in (0, None, "#REF!") for v in numbers):
                continue  # residue row of zeros or #REF! under a block
            raise sheet.error(r, first, "numbers in a row without a country label")
        if scan.block is None:
            raise sheet.error(r, texts[0][0], "data row before any block heading")
        _check_aligned(sheet, r, scan.years)
        labelled.append((r, texts[-1][1], scan.block.measure, scan.unit, scan.years))
    if not labelled:
        raise sheet.error(None, None, f"Table {spec.number} holds no figures")
    return _observations(sheet, registry, labelled, edition, _star_flag(scan.notes)), scan.notes


def _star_flag(notes: list[str]) -> str:
    """What NATO's '*' means in this edition: the national 2% law, or a footnote of its own."""
    star_notes = [n for n in notes if n.startswith("*")]
    if not star_notes or any(TWO_PCT_NOTE.search(n) for n in star_notes):
        return "national_2pct_law"
    return "nato_footnote"


def _check_aligned(sheet: Sheet, r: int, years: dict[int, tuple[int, bool]]) -> None:
    """Numbers just outside the year columns mean the header does not line up with the data."""
    for c in (min(years) - 1, max(years) + 1):
        value = sheet.value(r, c)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise sheet.error(
                _header_row(sheet, r),
                min(years),
                f"year header does not line up with the data "
                f"(number at {cell(r, c)} outside the year columns)",
            )


def _header_row(sheet: Sheet, r: int) -> int:
    """The year header above row r (for error messages)."""
    for k in range(r - 1, -1, -1):
        if len([v for v in sheet.grid[k] if year_of(v)]) >= 3:
            return k
    return r


def _is_notes(text: str) -> bool:
    return bool(re.match(r"^notes?\s*:", text.strip(), re.IGNORECASE))


def _is_note(text: str) -> bool:
    return bool(re.match(r"^(notes?\b|\*|\(|-\d+-$)", text.strip(), re.IGNORECASE))


def _observations(
    sheet: Sheet,
    registry: Registry,
    labelled: list[tuple[int, str, str, str, dict[int, tuple[int, bool]]]],
    edition: str,
    star_flag: str,
) -> list[dict[str, Any]]:
    parsed = [
        (r, LABEL.match(label), measure, unit, years) for r, label, measure, unit, years in labelled
    ]
    names = registry.resolve_all(
        sorted({m.group("name").strip() for _, m, _, _, _ in parsed if m}),
        f"{sheet.path.name} [{sheet.name}]",
    )
    out = []
    seen: dict[tuple[str, str], int] = {}
    for r, m, measure, unit, years in parsed:
        assert m is not None  # the pattern matches any string
        iso3 = names[m.group("name").strip()]
        if (measure, iso3) in seen:
            raise sheet.error(
                r,
                0,
                f"{iso3} appears twice in one block (rows {seen[(measure, iso3)] + 1} and {r + 1})",
            )
        seen[(measure, iso3)] = r
        base_flags = {star_flag} if m.group("star") else set()
        for c, (year, estimate) in years.items():
            value = sheet.value(r, c)
            if value is None:
                continue  # before accession, or not reported: missing, never zero
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise sheet.error(r, c, f"expected a number, found {value!r}")
            flags = base_flags | ({"estimate"} if estimate else set())
            out.append(
                row(
                    iso3,
                    year,
                    measure,
                    SOURCE,
                    edition,
                    value,
                    unit,
                    flags,
                    f"{sheet.name}!{cell(r, c)}",
                )
            )
    return out


CHANGE = re.compile(r"^real change (\d{4})-(\d{4})(e?)\s*\(%\)$", re.IGNORECASE)
SHARE = re.compile(r"^share of real gdp (\d{4})(e?)\s*\(%\)$", re.IGNORECASE)


def parse_change_table(
    sheet: Sheet, title_row: int, registry: Registry, edition: str
) -> tuple[list[dict[str, Any]], list[tuple[str, int, str, float, str]]]:
    """Table 4: the cumulative real change (kept) and figures that repeat Tables 2 and 3 (checked).

    Returns the observations and (iso3, year, measure, value, cell) tuples to cross-check.
    """
    for header in range(title_row + 1, min(title_row + 20, len(sheet.grid))):
        columns = {c: str(v).strip() for c, v in enumerate(sheet.grid[header]) if v is not None}
        if any(CHANGE.match(t) for t in columns.values()):
            break
    else:
        raise sheet.error(
            title_row, 1, "no header row with 'Real change YYYY-YYYY (%)' below title"
        )
    kinds: dict[int, tuple[str, int, bool]] = {}
    for c, text in columns.items():
        if y := year_of(sheet.grid[header][c]):
            kinds[c] = ("milex_usd_const", *y)
        elif m := CHANGE.match(text):
            kinds[c] = ("milex_real_change_since_2014_pct", int(m.group(2)), m.group(3) == "e")
        elif m := SHARE.match(text):
            kinds[c] = ("milex_pct_gdp", int(m.group(1)), m.group(2) == "e")
        else:
            raise sheet.error(header, c, f"unknown column heading {text!r} in Table 4")
    label_col = min(kinds) - 1
    rows, checks = [], []
    labels = {
        r: t
        for r in range(header + 1, len(sheet.grid))
        if (t := sheet.value(r, label_col)) and isinstance(t, str) and not _is_note(t)
    }
    names = registry.resolve_all(
        sorted({LABEL.match(t).group("name").strip() for t in labels.values()}),  # type: ignore[union-attr]
        f"{sheet.path.name} [{sheet.name}]",
    )
    for r, label in labels.items():
        iso3 = names[LABEL.match(label).group("name").strip()]  # type: ignore[union-attr]
        for c, (measure, year, estimate) in kinds.items():
            value = sheet.value(r, c)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise sheet.error(r, c, f"expected a number, found {value!r}")
            where = f"{sheet.name}!{cell(r, c)}"
            if measure == "milex_real_change_since_2014_pct":
                flags = {"estimate"} if estimate else set()
                rows.append(
                    row(iso3, year, measure, SOURCE, edition, value, "percent", flags, where)
                )
            else:
                checks.append((iso3, year, measure, float(value), where))
    return rows, checks


def read_sheets(path: Path) -> tuple[list[Sheet], Any]:
    """Every worksheet as a grid of values, and the workbook's document properties."""
    workbook = open_workbook(path, styles=False)
    try:
        sheets = [
            Sheet(path, ws.title, list(ws.iter_rows(values_only=True)))
            for ws in workbook.worksheets
        ]
        properties = workbook.properties
    finally:
        workbook.close()  # read-only workbooks hold their file open until closed
    return sheets, properties


def find_tables(
    path: Path, sheets: list[Sheet]
) -> tuple[dict[str, tuple[Sheet, TableSpec, int]], list[str]]:
    """Each table number with its sheet, spec and title row; and the texts of any cover sheet."""
    found: dict[str, tuple[Sheet, TableSpec, int]] = {}
    cover: list[str] = []
    for sheet in sheets:
        located = find_title(sheet)
        if located is None:
            cover += [t for r in range(min(10, len(sheet.grid))) for _, t in sheet.text_cells(r, 6)]
            continue
        spec, title_row, _ = located
        if spec.number in found:
            raise sheet.error(
                None, None,
                f"Table {spec.number} appears twice (also sheet {found[spec.number][0].name})",
            )  # fmt: skip
        found[spec.number] = (sheet, spec, title_row)
    missing = [t.number for t in TABLES if t.required and t.number not in found]
    if missing:
        raise SourceError(
            path,
            None,
            f"workbook lacks table(s) {', '.join(missing)}; sheets: {[s.name for s in sheets]}",
        )
    return found, cover


def parse_workbook(path: Path, registry: Registry) -> pd.DataFrame:
    """Every table of a NATO defence-expenditure workbook as tidy observations.

    ``frame.attrs["edition"]`` describes the edition (see ``milex.sources.nato.editions``).
    """
    from milex.sources.nato.editions import describe

    path = Path(path)
    sheets, properties = read_sheets(path)
    found, cover = find_tables(path, sheets)
    first, _, first_title = found["1"]
    header = next(
        (y for r in range(first_title + 1, len(first.grid)) if (y := year_header(first, r))), None
    )
    if header is None:
        raise first.error(first_title + 1, 1, "no year header row found below the title")
    first_year = min(y for y, _ in header.values())
    last_year = max(y for y, _ in header.values())
    modified = properties.modified
    span = f"{first_year}-{last_year}"
    edition = f"{span} ({modified:%Y-%m-%d})" if modified else span
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    checks: list[tuple[str, int, str, float, str]] = []
    for number, (sheet, spec, title_row) in found.items():
        if number == "4":
            change_rows, checks = parse_change_table(sheet, title_row, registry, edition)
            rows.extend(change_rows)
        else:
            table_rows, table_notes = parse_table(sheet, spec, title_row, registry, edition)
            rows.extend(table_rows)
            notes = notes or table_notes
    observations = frame(rows)
    _cross_check(path, observations, checks)
    _check_complete(path, observations, registry)
    observations.attrs["edition"] = describe(
        edition=edition,
        titles={n: _title_text(s, r) for n, (s, _, r) in found.items()},
        cover=cover,
        properties=properties,
        observations=observations,
        family="2014-2024 tables"
        if first.name.upper() == "TABLE1" or first_title > 0
        else "2025+ tables",
        notes=notes,
    )
    return observations


def _title_text(sheet: Sheet, r: int) -> str:
    return next((t for _, t in sheet.text_cells(r, 6) if TITLE.match(t)), "")


def _cross_check(
    path: Path, obs: pd.DataFrame, checks: list[tuple[str, int, str, float, str]]
) -> None:
    """Table 4 repeats Tables 2 and 3: every repeated figure must agree (all mismatches listed)."""
    if not checks:
        return
    index = obs.set_index(["iso3", "year", "measure"])["value"]
    problems = []
    for iso3, year, measure, value, where in checks:
        other = index.get((iso3, year, measure))
        if other is None or abs(other - value) > 1e-6 * max(1.0, abs(value)):
            problems.append(f"{where}={value} vs {measure} {iso3} {year}={other}")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SourceError(
            path,
            "Table 4",
            f"{len(problems)} figures disagree with Tables 2/3: " + "; ".join(problems[:5]) + more,
        )


def _check_complete(path: Path, obs: pd.DataFrame, registry: Registry) -> None:
    """Every ally with armed forces must have a share of GDP in every year it was a member."""
    shares = obs[obs["measure"] == "milex_pct_gdp"]
    have = set(zip(shares["iso3"], shares["year"], strict=True))
    missing = [
        f"{iso3} {year}"
        for year in sorted(set(shares["year"]))
        for iso3 in registry.members("NATO", year)
        if iso3 not in NO_ARMED_FORCES and (iso3, year) not in have
    ]
    if missing:
        raise SourceError(path, "Table 3", f"no share of GDP for member(s): {', '.join(missing)}")

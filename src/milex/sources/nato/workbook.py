"""NATO "Defence Expenditure of NATO Countries" tables (xlsx) and the press-reported 2025 estimates.

The workbook is laid out like the printed report. Each sheet is recognised by its title (``Table N :
...``); inside it a year header row and titled blocks (current prices, constant prices, ...) are found
by content. A table, block or title the layouts below do not describe is an error naming the sheet
and cell: a new edition is supported by adding a ``TableSpec``, never by guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from milex.errors import SourceError
from milex.registry import NO_ARMED_FORCES, Registry
from milex.sources._common import Resource, frame, open_workbook, read_csv, require_columns, row

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "nato"
RESOURCE = Resource(
    name="nato-def-exp-2014-2024",
    source=SOURCE,
    path="nato/240617-def-exp-2024-TABLES-en.xlsx",
    publisher="NATO Public Diplomacy Division",
    url="https://www.nato.int/cps/en/natohq/topics_49198.htm",
    edition="2014-2024 (2024-06-17)",
    licence="NATO public release; reproduction with acknowledgement",
    retrieved="2025-05-18",
    citation="NATO, Defence Expenditure of NATO Countries (2014-2024), 17 June 2024",
)
SECONDARY = Resource(
    name="nato-2025e-press",
    source=SOURCE,
    path="nato/nato_2025e_headline_secondary.csv",
    publisher="press reports of NATO's Defence Expenditure of NATO Countries (2014-2025)",
    url="https://en.defence-ua.com/analysis/all_nato_states_hit_2_defense_goal_but_belgium_still_"
    "lands_in_the_hot_seat-15697.html",
    edition="2014-2025 (2025-08, press reports)",
    licence="facts reported in the press; each figure keeps its article URL",
    retrieved="2025-08-28",
    citation="NATO, Defence Expenditure of NATO Countries (2014-2025), as reported in the press",
)

YEAR = re.compile(r"^(\d{4})(e?)$")
PRICES = re.compile(r"(\d{4}) prices")


@dataclass(frozen=True)
class Block:
    """A titled block of rows inside a table: its heading pattern and what its numbers are."""

    heading: str  # regex, matched case-insensitively against the block's heading cell
    measure: str
    unit: str  # may contain {base}: the constant-price base year read from the sheet


@dataclass(frozen=True)
class TableSpec:
    """One table of the report: how to recognise its title and what its blocks hold."""

    number: str
    title: str  # regex on the text after "Table N :"
    blocks: tuple[Block, ...]
    untitled: bool = False  # a single block with no heading row (Table 7)


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "1",
        r"^(core )?defence expenditure$",
        (
            Block(r"^current prices", "milex_lcu", "national currency m"),
            Block(
                r"^constant \d{4} prices", "milex_lcu_const", "national currency m constant {base}"
            ),
        ),
    ),
    TableSpec(
        "2",
        r"^(core )?defence expenditure$",
        (
            Block(r"^current prices", "milex_usd", "USD m"),
            Block(r"^constant \d{4} prices", "milex_usd_const", "USD m constant {base}"),
        ),
    ),
    TableSpec(
        "3",
        r"^(core )?defence expenditure as a share of gdp",
        (
            Block(r"^share of real gdp", "milex_pct_gdp", "percent"),
            Block(r"^annual real change", "milex_real_change_pct", "percent"),
        ),
    ),
    TableSpec("4", r"^(core )?defence expenditure real change (\d{4})-(\d{4})e?$", ()),
    TableSpec(
        "5",
        r"^gdp$",
        (
            Block(r"^current prices", "gdp_usd", "USD m"),
            Block(r"^constant \d{4} prices", "gdp_usd_const", "USD m constant {base}"),
        ),
    ),
    TableSpec(
        "6",
        r"^gdp per capita and (core )?defence expenditure per capita$",
        (
            Block(r"^gdp per capita", "gdp_per_capita_usd_const", "USD thousand constant {base}"),
            Block(
                r"^(core )?defence expenditure per capita",
                "milex_per_capita_usd_const",
                "USD constant {base}",
            ),
        ),
    ),
    TableSpec(
        "7",
        r"^military personnel$",
        (Block(r"", "mil_personnel", "thousand persons"),),
        untitled=True,
    ),
    TableSpec(
        "8a",
        r"^distribution of (core )?defence expenditure by main category$",
        (
            Block(r"^equipment", "equipment_pct", "percent"),
            Block(r"^personnel", "personnel_pct", "percent"),
        ),
    ),
    TableSpec(
        "8b",
        r"^distribution of (core )?defence expenditure by main category$",
        (
            Block(r"^infrastructure", "infrastructure_pct", "percent"),
            Block(r"^other", "other_pct", "percent"),
        ),
    ),
)
SPEC_BY_NUMBER = {t.number: t for t in TABLES}
TITLE = re.compile(r"^table\s*(\d+[ab]?)\s*:\s*(.+?)\s*$", re.IGNORECASE)
TITLE_SEARCH_ROWS = 25


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


def find_title(sheet: Sheet) -> tuple[TableSpec, re.Match[str], int, int]:
    """The table spec the sheet's title matches, with the title's position."""
    for r in range(min(TITLE_SEARCH_ROWS, len(sheet.grid))):
        for c, text in sheet.text_cells(r, 6):
            m = TITLE.match(text)
            if not m:
                continue
            spec = SPEC_BY_NUMBER.get(m.group(1).lower())
            title_match = re.search(spec.title, m.group(2).strip(), re.IGNORECASE) if spec else None
            if spec is None or title_match is None:
                raise sheet.error(r, c, f"unknown table layout: title {text!r}")
            return spec, title_match, r, c
    raise sheet.error(None, None, f"no 'Table N : ...' title in the first {TITLE_SEARCH_ROWS} rows")


def find_years(sheet: Sheet, start: int) -> tuple[int, dict[int, tuple[int, bool]]]:
    """The header row below the title: the first row holding three or more year cells."""
    for r in range(start, min(start + 20, len(sheet.grid))):
        years = {c: y for c, v in enumerate(sheet.grid[r]) if (y := year_of(v))}
        if len(years) >= 3:
            return r, years
    raise sheet.error(start, 1, "no year header row found below the title")


def base_year(sheet: Sheet, texts: list[str], r: int, c: int) -> int:
    for text in texts:
        if m := PRICES.search(text.lower()):
            return int(m.group(1))
    raise sheet.error(r, c, "constant-price block without a base year ('NNNN prices')")


def parse_table(sheet: Sheet, registry: Registry, edition: str) -> list[dict[str, Any]]:
    """Observations of one standard table (all but Table 4)."""
    spec, _, title_row, _ = find_title(sheet)
    header, years = find_years(sheet, title_row + 1)
    first_year_col = min(years)
    label_col = first_year_col - 1
    subtitle = [
        t for r in range(title_row + 1, header) for _, t in sheet.text_cells(r, label_col + 1)
    ]
    if years != {first_year_col + i: y for i, y in enumerate(years.values())}:
        raise sheet.error(header, first_year_col, "year header is not a contiguous run of columns")
    block: Block | None = spec.blocks[0] if spec.untitled else None
    unit = block.unit if block else ""
    labelled: list[tuple[int, str, str, str]] = []  # row, label, measure, unit
    for r in range(header + 1, len(sheet.grid)):
        texts = sheet.text_cells(r, first_year_col)
        numbers = [sheet.value(r, c) for c in years]
        has_data = any(v is not None and v != "#REF!" for v in numbers)
        if not has_data:
            if texts and not spec.untitled and not _is_note(texts[0][1]):
                heading_col, heading = texts[0]
                block = _match_block(sheet, spec, heading, r, heading_col)
                unit = block.unit.format(
                    base=base_year(sheet, [heading, *subtitle], r, heading_col)
                    if "{base}" in block.unit
                    else ""
                )
            continue
        if not texts:
            if all(v in (0, None, "#REF!") for v in numbers):
                continue  # residue row of zeros or #REF! under a block
            raise sheet.error(r, first_year_col, "numbers in a row without a country label")
        if block is None:
            raise sheet.error(r, texts[0][0], "data row before any block heading")
        _check_aligned(sheet, r, header, years)
        labelled.append((r, texts[-1][1], block.measure, unit))
    return _observations(sheet, registry, labelled, years, edition)


def _check_aligned(sheet: Sheet, r: int, header: int, years: dict[int, tuple[int, bool]]) -> None:
    """Numbers just outside the year columns mean the header does not line up with the data."""
    for c in (min(years) - 1, max(years) + 1):
        value = sheet.value(r, c)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise sheet.error(
                header,
                min(years),
                f"year header does not line up with the data "
                f"(number at {cell(r, c)} outside the year columns)",
            )


def _is_note(text: str) -> bool:
    return bool(re.match(r"^(notes?\b|\*|\(|-\d+-$)", text.strip(), re.IGNORECASE))


def _match_block(sheet: Sheet, spec: TableSpec, heading: str, r: int, c: int) -> Block:
    for block in spec.blocks:
        if re.search(block.heading, heading.strip(), re.IGNORECASE):
            return block
    raise sheet.error(r, c, f"unknown block heading {heading!r} in Table {spec.number}")


LABEL = re.compile(r"^(?P<name>.*?)(?P<star>\*)?\s*(\((?P<currency>[^)]*)\))?\s*$")


def _observations(
    sheet: Sheet,
    registry: Registry,
    labelled: list[tuple[int, str, str, str]],
    years: dict[int, tuple[int, bool]],
    edition: str,
) -> list[dict[str, Any]]:
    parsed = [(r, LABEL.match(label), measure, unit) for r, label, measure, unit in labelled]
    names = registry.resolve_all(
        sorted({m.group("name").strip() for _, m, _, _ in parsed if m}),
        f"{sheet.path.name} [{sheet.name}]",
    )
    out = []
    for r, m, measure, unit in parsed:
        assert m is not None  # the pattern matches any string
        iso3 = names[m.group("name").strip()]
        base_flags = {"national_2pct_law"} if m.group("star") else set()
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
    sheet: Sheet, registry: Registry, edition: str
) -> tuple[list[dict[str, Any]], list[tuple[str, int, str, float, str]]]:
    """Table 4: the cumulative real change (kept) and figures that repeat Tables 2 and 3 (checked).

    Returns the observations and (iso3, year, measure, value, cell) tuples to cross-check.
    """
    _, _, title_row, _ = find_title(sheet)
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
            if measure == "milex_real_change_since_2014_pct":
                rows.append(
                    row(
                        iso3,
                        year,
                        measure,
                        SOURCE,
                        edition,
                        value,
                        "percent",
                        {"estimate"} if estimate else set(),
                        f"{sheet.name}!{cell(r, c)}",
                    )
                )
            else:
                checks.append((iso3, year, measure, float(value), f"{sheet.name}!{cell(r, c)}"))
    return rows, checks


def parse_workbook(path: Path, registry: Registry) -> pd.DataFrame:
    """Every table of a NATO defence-expenditure workbook as tidy observations."""
    workbook = open_workbook(path, styles=False)
    try:
        sheets = [
            Sheet(path, ws.title, list(ws.iter_rows(values_only=True)))
            for ws in workbook.worksheets
        ]
        modified = workbook.properties.modified
    finally:
        workbook.close()  # read-only workbooks hold their file open until closed
    found: dict[str, Sheet] = {}
    for sheet in sheets:
        spec = find_title(sheet)[0]
        if spec.number in found:
            raise sheet.error(
                None,
                None,
                f"Table {spec.number} appears twice (also sheet {found[spec.number].name})",
            )
        found[spec.number] = sheet
    missing = [t.number for t in TABLES if t.number not in found]
    if missing:
        raise SourceError(
            path,
            None,
            f"workbook lacks table(s) {', '.join(missing)}; sheets: {[s.name for s in sheets]}",
        )
    _, years = find_years(found["1"], find_title(found["1"])[2] + 1)
    span = f"{min(y for y, _ in years.values())}-{max(y for y, _ in years.values())}"
    edition = f"{span} ({modified:%Y-%m-%d})" if modified else span
    rows: list[dict[str, Any]] = []
    for number, sheet in found.items():
        if number != "4":
            rows.extend(parse_table(sheet, registry, edition))
    change_rows, checks = parse_change_table(found["4"], registry, edition)
    rows.extend(change_rows)
    observations = frame(rows)
    _cross_check(path, observations, checks)
    _check_complete(path, observations, registry)
    return observations


def _cross_check(
    path: Path, obs: pd.DataFrame, checks: list[tuple[str, int, str, float, str]]
) -> None:
    """Table 4 repeats Tables 2 and 3: every repeated figure must agree (all mismatches listed)."""
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
            "TABLE4",
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
        raise SourceError(path, "TABLE3", f"no share of GDP for member(s): {', '.join(missing)}")


SECONDARY_INDICATORS: dict[str, tuple[str, str]] = {
    "defence_expenditure_share_of_gdp": ("milex_pct_gdp", "percent"),
    "defence_expenditure_real_change": ("milex_real_change_pct", "percent"),
    "defence_expenditure_constant_2021_usd": ("milex_usd_const", "USD m constant 2021"),
}


def parse_secondary(path: Path, registry: Registry) -> pd.DataFrame:
    """Press-reported NATO estimates: flagged ``secondary``, each with its article URL as origin."""
    table = read_csv(path)
    require_columns(
        table, ("country", "year", "indicator", "value", "unit", "status", "source_url"), path
    )
    names = registry.resolve_all(sorted(set(table["country"])), path.name)
    rows = []
    for i, rec in enumerate(table.to_dict("records"), start=2):
        if rec["indicator"] not in SECONDARY_INDICATORS:
            raise SourceError(path, f"row {i}, field indicator", f"unknown {rec['indicator']!r}")
        if rec["status"] == "not_published" or rec["value"].strip() == "":
            continue
        try:
            value, year = float(rec["value"]), int(rec["year"])
        except ValueError:
            raise SourceError(
                path, f"row {i}", f"value {rec['value']!r} or year {rec['year']!r} is not a number"
            ) from None
        measure, unit = SECONDARY_INDICATORS[rec["indicator"]]
        flags = {"secondary"} | ({"estimate"} if rec["status"] == "estimate" else set())
        rows.append(
            row(
                names[rec["country"]],
                year,
                measure,
                SOURCE,
                SECONDARY.edition,
                value,
                unit,
                flags,
                rec["source_url"],
            )
        )
    return frame(rows)

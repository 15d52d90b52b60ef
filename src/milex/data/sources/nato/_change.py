"""Table 4: the real change since 2014 (kept) beside figures that repeat Tables 2 and 3 (checked).

Its columns are headed one by one ("2014", "2025e", "Real change 2014-2025e (%)", "Share of real
GDP 2025e (%)"); an unknown column heading is an error naming the cell. Rows are read as in the
other tables: notes (however worded) end the table, an ally row with no figures is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.data.sources._common import row
from milex.data.sources.nato._cells import (
    Sheet,
    check_range,
    is_missing,
    is_number,
    place_of,
    split_label,
    year_of,
)
from milex.data.sources.nato._scan import Entry, TableRead, is_note, is_notes

if TYPE_CHECKING:
    from milex.data.registry import Registry
    from milex.data.sources.nato._tables import TableSpec

SOURCE = "nato"
CHANGE = re.compile(r"^real change (\d{4}) ?[-–] ?(\d{4}) ?(e)? ?\(%\)$", re.IGNORECASE)
SHARE = re.compile(r"^share of (?:real )?gdp (\d{4}) ?(e)? ?\(%\)$", re.IGNORECASE)
CUMULATIVE = "milex_real_change_since_2014_pct"
Kinds = dict[int, tuple[str, int, bool]]  # column -> (measure, year, estimate?)
Check = tuple[str, int, str, float, str]  # iso3, year, measure, value, cell


@dataclass
class ChangeRead:
    """Table 4's labelled rows (as a TableRead with one pseudo-block) and its column kinds."""

    read: TableRead
    kinds: Kinds


def _header(sheet: Sheet, title_row: int) -> tuple[int, Kinds]:
    for header in range(title_row + 1, min(title_row + 20, len(sheet.grid))):
        columns = dict(sheet.text_cells(header))
        if any(CHANGE.match(t) for t in columns.values()):
            break
    else:
        raise sheet.error(
            title_row, 1, "no header row with 'Real change YYYY-YYYY (%)' below title"
        )
    kinds: Kinds = {}
    headed = {c for c, v in enumerate(sheet.grid[header]) if not is_missing(v)}
    for c in sorted({*columns, *headed}):
        kinds[c] = _kind(sheet, header, c, columns.get(c, ""))
    return header, kinds


def _kind(sheet: Sheet, header: int, c: int, text: str) -> tuple[str, int, bool]:
    if y := year_of(sheet.grid[header][c]):
        return ("milex_usd_const", *y)
    if m := CHANGE.match(text):
        return (CUMULATIVE, int(m.group(2)), m.group(3) is not None)
    if m := SHARE.match(text):
        return ("milex_pct_gdp", int(m.group(1)), m.group(2) is not None)
    raise sheet.error(header, c, f"unknown column heading {text!r} in Table 4")


def scan_change_table(
    sheet: Sheet, spec: TableSpec, title_row: int, registry: Registry
) -> ChangeRead:
    """Table 4's labelled rows and notes."""
    from milex.data.sources.nato._tables import Block

    header, kinds = _header(sheet, title_row)
    block, first = Block("", CUMULATIVE, "percent"), min(kinds)
    read = TableRead(sheet, spec)
    for r in range(header + 1, len(sheet.grid)):
        texts = sheet.text_cells(r, first)
        if not any(not is_missing(sheet.value(r, c)) for c in kinds):
            if texts and not sheet.figures_after(r):
                read.notes += sheet.texts_from(r)
                break
            if not texts or is_notes(texts[0][1]) or is_note(texts[0][1]):
                continue
            if place_of(texts[0][1], registry) is None:
                raise sheet.error(r, texts[0][0], f"unknown row {texts[0][1]!r} in Table 4")
        elif not texts:
            raise sheet.error(r, first, "numbers in a row without a country label")
        _check_aligned(sheet, r, kinds)
        c, label = texts[-1]
        read.entries.append(Entry(r, c, label, block, "percent", {}))
    if not read.entries:
        raise sheet.error(None, None, "Table 4 holds no figures")
    return ChangeRead(read, kinds)


def _check_aligned(sheet: Sheet, r: int, kinds: Kinds) -> None:
    for c, value in enumerate(sheet.grid[r]):
        if c not in kinds and is_number(value):
            raise sheet.error(r, c, "number outside Table 4's headed columns")


def change_rows(
    change: ChangeRead, resolved: list[tuple[Entry, str]], star_flag: str, edition: str
) -> tuple[list[dict[str, Any]], list[Check]]:
    """The cumulative real change as observations, and the repeated figures to cross-check."""
    sheet, rows, checks = change.read.sheet, [], []
    for entry, iso3 in resolved:
        star = {star_flag} if split_label(entry.label)[1] else set()
        for c, (measure, year, estimate) in change.kinds.items():
            value = sheet.value(entry.row, c)
            if is_missing(value):
                continue
            if not is_number(value):
                raise sheet.error(entry.row, c, f"expected a number, found {value!r}")
            check_range(sheet, entry.row, c, measure, float(value))
            where = sheet.where(entry.row, c)
            if measure == CUMULATIVE:
                flags = star | ({"estimate"} if estimate else set())
                rows.append(
                    row(iso3, year, measure, SOURCE, edition, value, "percent", flags, where)
                )
            else:
                checks.append((iso3, year, measure, float(value), where))
    return rows, checks

"""From a table's labelled rows to observations: names resolved (aggregates however spelled), each
figure checked (a number, in range, an ally once per block), and what is missing listed.

A missing figure (an empty cell, '..', '-', an ally row with no figures, an ally absent) is never a
value: it is listed so the workbook can warn naming it. A block in which no ally has a figure is an
error naming its heading: that is a damaged table, not a missing figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES
from milex.data.sources._common import row
from milex.data.sources.nato._cells import (
    check_range,
    is_missing,
    is_number,
    looks_aggregate,
    place_of,
    split_label,
)
from milex.errors import SourceError

if TYPE_CHECKING:
    from milex.data.registry import Registry
    from milex.data.sources.nato._cells import Sheet
    from milex.data.sources.nato._scan import Entry, TableRead

SOURCE = "nato"
AGGREGATES = frozenset({"NATO", "NATO_EU_CA"})
HEADLINE = "milex_pct_gdp"


@dataclass(frozen=True)
class Missing:
    """An ally with no figure for a year in one block, and where its figure would be."""

    iso3: str
    year: int
    measure: str
    where: str  # sheet!cell, or the sheet when the ally has no row


def resolve(
    read: TableRead, registry: Registry, warn: Callable[..., None]
) -> list[tuple[Entry, str]]:
    """Each labelled row with its code; unknown aggregates skipped with a warning, unknown countries
    an error listing every one; an ally twice in one block an error naming the row."""
    sheet, out, unknown = read.sheet, [], []
    for entry in read.entries:
        name, _ = split_label(entry.label)
        code = place_of(entry.label, registry)
        if code is None and looks_aggregate(name):
            warn(
                f"{sheet.where(entry.row, entry.col)}: aggregate {name!r} is not one milex knows "
                "(NATO Total, NATO Europe and Canada); its rows are skipped",
                key=("aggregate", name),
            )
        elif code is None:
            unknown.append(name)
        else:
            out.append((entry, code))
    if unknown:  # raises UnknownCountryError listing every name, with suggestions
        registry.resolve_all(sorted(set(unknown)), f"{sheet.path.name} [{sheet.name}]")
    _check_unique(sheet, out)
    return out


def _check_unique(sheet: Sheet, resolved: list[tuple[Entry, str]]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for entry, iso3 in resolved:
        key = (entry.block.measure, iso3)
        if key in seen:
            raise sheet.error(
                entry.row,
                0,
                f"{iso3} appears twice in one block (rows {seen[key] + 1} and {entry.row + 1})",
            )
        seen[key] = entry.row


def observations(
    read: TableRead, resolved: list[tuple[Entry, str]], star_flag: str, edition: str
) -> list[dict[str, Any]]:
    """One observation per figure; every value a number within its measure's range."""
    sheet, out = read.sheet, []
    for entry, iso3 in resolved:
        base_flags = {star_flag} if split_label(entry.label)[1] else set()
        for c, (year, estimate) in entry.years.items():
            value = sheet.value(entry.row, c)
            if is_missing(value):
                continue  # before accession, or not reported: missing, never zero
            if not is_number(value):
                raise sheet.error(entry.row, c, f"expected a number, found {value!r}")
            check_range(sheet, entry.row, c, entry.block.measure, float(value))
            flags = base_flags | ({"estimate"} if estimate else set())
            measure, where = entry.block.measure, sheet.where(entry.row, c)
            out.append(row(iso3, year, measure, SOURCE, edition, value, entry.unit, flags, where))
    return out


def missing_figures(
    read: TableRead, resolved: list[tuple[Entry, str]], registry: Registry
) -> list[Missing]:
    """Allies (members that year, with armed forces) without a figure, block by block.

    A year column in which no ally has a figure is not reported (Table 3's first annual change);
    a block in which no ally has any figure is an error naming its heading.
    """
    out: list[Missing] = []
    for measure in dict.fromkeys(e.block.measure for e, _ in resolved):
        rows = [(e, iso3) for e, iso3 in resolved if e.block.measure == measure]
        cells = _ally_cells(read.sheet, rows)
        have = {(iso3, year) for iso3, year, _, filled in cells if filled}
        if not have:
            r, c = read.headings.get(measure, (rows[0][0].row, rows[0][0].col))
            raise read.sheet.error(r, c, f"no ally has a figure in {measure} (the whole block)")
        where = {(iso3, year): ref for iso3, year, ref, _ in cells}
        if measure == HEADLINE:
            _check_every_year(read.sheet, cells, have)
        for year in sorted({year for _, year in have}):
            for iso3 in registry.members("NATO", year):
                if iso3 not in NO_ARMED_FORCES and (iso3, year) not in have:
                    ref = where.get((iso3, year), read.sheet.name)
                    out.append(Missing(iso3, year, measure, ref))
    return out


def _check_every_year(
    sheet: Sheet, cells: list[tuple[str, int, str, bool]], have: set[tuple[str, int]]
) -> None:
    """The share of GDP is the headline: a year column in which no ally has one is damage."""
    years = {year for _, year, _, _ in cells}
    for year in sorted(years - {y for _, y in have}):
        ref = next(ref for _, y, ref, _ in cells if y == year)
        raise SourceError(
            sheet.path, ref, f"no ally has a share of GDP for {year} (the whole column is blank)"
        )


def _ally_cells(sheet: Sheet, rows: list[tuple[Entry, str]]) -> list[tuple[str, int, str, bool]]:
    """(iso3, year, cell, has a figure?) for every ally cell of a block."""
    return [
        (iso3, year, sheet.where(entry.row, c), not is_missing(sheet.value(entry.row, c)))
        for entry, iso3 in rows
        if iso3 not in AGGREGATES
        for c, (year, _) in entry.years.items()
    ]

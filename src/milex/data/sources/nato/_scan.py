"""Reading one standard table top to bottom: year rows set the columns, heading rows the block,
labelled rows with figures are data, and text that no figures follow is the table's notes.

A row is classified by what it holds, never by its position:
- a year row (two or more years, nothing left of them) sets the year columns;
- a labelled row with anything but missing markers in the year columns is data (a text cell there is
  an error later, naming the cell);
- a text row with no figures is, in turn: notes (when no figures follow it, or it reads like one),
  a block heading of the table, a unit line (before the first year row), or an ally with no
  figures; anything else is an unknown heading, an error naming the cell.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from milex.data.sources.nato._cells import Sheet, cell, is_missing, is_number, place_of, year_of
from milex.data.sources.nato._tables import PRICES, Block, TableSpec

if TYPE_CHECKING:
    from milex.data.registry import Registry

Years = dict[int, tuple[int, bool]]
LABEL_COLUMNS = 8  # where labels may sit before a table's first year row is known
#: What a year row may say left of its years ("Country", "Allies"); any other text makes it data.
HEADER_LABEL = re.compile(r"^(countr(y|ies)|all(y|ies)|members?|nato members?|years?)$", re.I)


@dataclass
class Entry:
    """A labelled row of a block: where it is, what its label says, its block and year columns."""

    row: int
    col: int
    label: str
    block: Block
    unit: str
    years: Years


@dataclass
class TableRead:
    """What one table holds before names are resolved: labelled rows, notes, block headings."""

    sheet: Sheet
    spec: TableSpec
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headings: dict[str, tuple[int, int]] = field(default_factory=dict)  # measure -> heading cell


def year_header(sheet: Sheet, r: int) -> Years | None:
    """The year columns of row r if it is a year row (two or more years, no label)."""
    years = {c: y for c, v in enumerate(sheet.grid[r]) if (y := year_of(v))}
    if len(years) < 2 or not all(HEADER_LABEL.match(t) for _, t in sheet.text_cells(r, min(years))):
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


def is_notes(text: str) -> bool:
    """'Notes:', 'Note :', 'Source:' open a table's notes."""
    return bool(re.match(r"^(notes?|sources?)\s*:", text, re.IGNORECASE))


def is_note(text: str) -> bool:
    """A line that reads like a footnote: 'Note ...', '* ...', '(1) ...', a page number '-9-'."""
    return bool(re.match(r"^(notes?\b|sources?\b|\*|\(|-\d+-$)", text, re.IGNORECASE))


class _Scan:
    """State while reading one table: its block, unit, year columns and what was read."""

    def __init__(self, sheet: Sheet, spec: TableSpec, registry: Registry) -> None:
        self.sheet, self.spec, self.registry = sheet, spec, registry
        self.block: Block | None = spec.blocks[0] if spec.untitled else None
        self.unit = self.block.unit if self.block else ""
        self.years: Years | None = None
        self.subtitle: list[str] = []
        self.read = TableRead(sheet, spec)

    def label_columns(self) -> int:
        return min(self.years) if self.years else LABEL_COLUMNS

    def text_row(self, r: int, c: int, text: str) -> bool:
        """Take a text row with no figures; False when the table's notes start here."""
        if not self.sheet.figures_after(r):
            self.read.notes += self.sheet.texts_from(r)
            return False
        if is_notes(text) or is_note(text):
            self.read.notes.append(text)  # a note between blocks: the next block follows
        elif not self._heading(r, c, text):
            if self.years is None:
                self.subtitle.append(text)  # unit or price-basis line above the first block
            elif self.block is not None and self._is_place(text):
                self.read.entries.append(Entry(r, c, text, self.block, self.unit, self.years))
            else:
                raise self.sheet.error(
                    r, c, f"unknown block heading {text!r} in Table {self.spec.number}"
                )
        return True

    def _is_place(self, text: str) -> bool:
        """An ally (or aggregate) whose row holds no figures (Iceland with empty cells)."""
        return place_of(text, self.registry) is not None

    def _heading(self, r: int, c: int, text: str) -> bool:
        for block in self.spec.blocks:
            if block.heading and re.search(block.heading, text, re.IGNORECASE):
                self.block = block
                base = (
                    self._base_year([text, *self.subtitle], r, c) if "{base}" in block.unit else 0
                )
                self.unit = block.unit.format(base=base)
                self.read.headings.setdefault(block.measure, (r, c))
                return True
        return False

    def _base_year(self, texts: list[str], r: int, c: int) -> int:
        for text in texts:
            if m := PRICES.search(text):
                return int(m.group(1))
        raise self.sheet.error(r, c, "constant-price block without a base year ('NNNN prices')")

    def data_row(self, r: int, texts: list[tuple[int, str]]) -> None:
        assert self.years is not None
        sheet, first = self.sheet, min(self.years)
        if not texts:
            if all(v in (0, "#REF!") or is_missing(v) for v in self.cells_of(r)):
                return  # residue row of zeros or #REF! under a block
            raise sheet.error(r, first, "numbers in a row without a country label")
        if self.block is None:
            raise sheet.error(r, texts[0][0], "data row before any block heading")
        _check_aligned(sheet, r, self.years)
        if self.spec.untitled and self.block.measure not in self.read.headings:
            self.read.headings[self.block.measure] = (r, texts[-1][0])
        c, label = texts[-1]
        self.read.entries.append(Entry(r, c, label, self.block, self.unit, self.years))

    def cells_of(self, r: int) -> list[object]:
        """The values of row r in the year columns."""
        return [self.sheet.value(r, c) for c in self.years or ()]


def scan_table(sheet: Sheet, spec: TableSpec, title_row: int, registry: Registry) -> TableRead:
    """The labelled rows, block headings and notes of one standard table (not Table 4)."""
    scan = _Scan(sheet, spec, registry)
    for r in range(title_row + 1, len(sheet.grid)):
        if (years := year_header(sheet, r)) is not None:
            scan.years = years
            continue
        texts = sheet.text_cells(r, scan.label_columns())
        if texts and is_notes(texts[0][1]) and not sheet.figures_after(r):
            scan.read.notes += sheet.texts_from(r)
            break
        if any(not is_missing(v) and v != "#REF!" for v in scan.cells_of(r)):
            scan.data_row(r, texts)
        elif texts and not scan.text_row(r, texts[0][0], texts[0][1]):
            break
    if not scan.read.entries:
        raise sheet.error(None, None, f"Table {spec.number} holds no figures")
    return scan.read


def _check_aligned(sheet: Sheet, r: int, years: Years) -> None:
    """A number outside the year columns means the header does not line up with the data."""
    for c, value in enumerate(sheet.grid[r]):
        if c not in years and is_number(value):
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

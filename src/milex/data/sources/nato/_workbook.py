"""NATO's defence-expenditure workbook, in every layout since the 2014-2024 edition.

Two layout families are recognised by content, never by file name:
- ``2014-2024 tables`` (sheets ``TABLE1``..): the title in column B a few rows down, one year header
  shared by the blocks of a sheet, labels in column C, NATO's aggregates in column B;
- ``2025+ tables`` (sheets ``Table 1``.., the 2025 and 2026 editions): the title in A1, the unit in
  row 2, and under each block heading in column A a year row of its own (column A empty).
One scanner reads both (``scan``); ``rows`` turns labelled rows into observations.

Tolerant of form: cover, contents and notes sheets, optional tables, unknown extra tables (skipped
with a warning), notes in any form, stray spaces, '..' and '-' for missing figures, aggregates
spelled otherwise. Strict on numbers: what would put a wrong figure in the data is a SourceError
naming the sheet and cell. What was read around is a ``NatoWarning`` (and listed in
``frame.attrs["warnings"]``): one ally's missing figure is a missing value, never a refusal.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.data.sources._common import frame, open_workbook
from milex.data.sources.nato import _rows as rowlib
from milex.data.sources.nato._cells import NatoWarning, Sheet, cell, split_label
from milex.data.sources.nato._change import ChangeRead, Check, change_rows, scan_change_table
from milex.data.sources.nato._scan import TableRead, scan_table, year_header
from milex.data.sources.nato._tables import (
    RELATED,
    SPEC_BY_NUMBER,
    TABLES,
    TITLE,
    TableSpec,
    title_text,
)
from milex.errors import SourceError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NatoWarning", "cell", "parse_workbook", "read_sheets", "year_header"]

SOURCE = "nato"
TITLE_SEARCH_ROWS = 25
CONTENTS_SEARCH_ROWS = 80
TWO_PCT_NOTE = re.compile(r"national laws? or political agreements?.*2\s?%", re.IGNORECASE)
UNEXPLAINED = "unexplained: no note in this edition says what '*' marks"
Located = tuple[Sheet, TableSpec, int]


@dataclass
class Warnings:
    """What a parse read around, each said once."""

    path: Path
    messages: dict[Any, str] = field(default_factory=dict)

    def __call__(self, message: str, key: Any = None) -> None:
        self.messages.setdefault(key or message, f"{self.path.name}: {message}")

    def emit(self) -> list[str]:
        for message in self.messages.values():
            warnings.warn(message, NatoWarning, stacklevel=3)
        return list(self.messages.values())


def _titles(sheet: Sheet, rows: int) -> list[tuple[int, int, str, str]]:
    """(row, column, table number, title) of every 'Table N: ...' cell in the first rows."""
    return [
        (r, c, m.group(1).lower(), title_text(m.group(2)))
        for r in range(min(rows, len(sheet.grid)))
        for c, text in sheet.text_cells(r, 6)
        if (m := TITLE.match(text))
    ]


def is_contents(sheet: Sheet) -> bool:
    """A contents sheet lists the tables: more than one 'Table N: ...' title."""
    return len({number for _, _, number, _ in _titles(sheet, CONTENTS_SEARCH_ROWS)}) > 1


def find_title(sheet: Sheet, warn: Warnings) -> tuple[TableSpec, int, int] | None:
    """The table the sheet holds and its title cell; None for a sheet that holds no table (a
    cover or notes sheet, or an unknown extra table, skipped with a warning)."""
    titles = _titles(sheet, TITLE_SEARCH_ROWS)
    if not titles:
        if sheet.has_numbers():
            raise sheet.error(
                None, None, f"no 'Table N: ...' title in the first {TITLE_SEARCH_ROWS} rows"
            )
        return None
    r, c, number, title = titles[0]
    spec = SPEC_BY_NUMBER.get(number)
    if spec is not None and re.search(spec.title, title, re.IGNORECASE):
        return spec, r, c
    if re.search(RELATED.title, title, re.IGNORECASE):
        return RELATED, r, c
    if spec is None:
        warn(f"sheet {sheet.name!r} holds a table milex does not know (Table {number}: {title!r}); "
             "skipped")  # fmt: skip
        return None
    raise sheet.error(r, c, f"unknown table layout: title {sheet.text_cells(r, c + 1)[-1][1]!r}")


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
    path: Path, sheets: list[Sheet], warn: Warnings
) -> tuple[dict[str, Located], list[str]]:
    """Each table number with its sheet, spec and title row; and the texts of the other sheets."""
    found: dict[str, Located] = {}
    other: list[str] = []
    for sheet in sheets:
        located = None if is_contents(sheet) else find_title(sheet, warn)
        if located is None:
            other += sheet.texts_from(0)
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
    return found, other


def _edition_label(found: dict[str, Located], properties: Any) -> str:
    first, _, title_row = found["1"]
    header = next(
        (y for r in range(title_row + 1, len(first.grid)) if (y := year_header(first, r))), None
    )
    if header is None:
        raise first.error(title_row + 1, 1, "no year header row found below the title")
    span = f"{min(y for y, _ in header.values())}-{max(y for y, _ in header.values())}"
    modified = properties.modified
    return f"{span} ({modified:%Y-%m-%d})" if modified else span


def _scan(located: Located, registry: Registry) -> TableRead | ChangeRead:
    sheet, spec, title_row = located
    if spec.number == "4":
        return scan_change_table(sheet, spec, title_row, registry)
    return scan_table(sheet, spec, title_row, registry)


def _star_texts(notes: list[str]) -> list[str]:
    """The notes that say what '*' marks, without the star."""
    return [re.sub(r"^\(?\*+\)?\s*", "", n).strip() for n in notes if "*" in n]


def star_flag(own: list[str], edition: list[str]) -> str:
    """What '*' means: the table's own note, else the edition's; never the 2% law unless a note
    says so (with no note it is an unexplained footnote: ``nato_footnote``)."""
    texts = _star_texts(own) or _star_texts(edition)
    if any(TWO_PCT_NOTE.search(t) for t in texts):
        return "national_2pct_law"
    return "nato_footnote"


def parse_workbook(path: Path, registry: Registry) -> pd.DataFrame:
    """Every table of a NATO defence-expenditure workbook as tidy observations.

    ``frame.attrs["edition"]`` describes the edition (see ``milex.data.sources.nato.editions``);
    ``frame.attrs["warnings"]`` lists what was read around, each also a ``NatoWarning``.
    """
    path = Path(path)
    warn = Warnings(path)
    sheets, properties = read_sheets(path)
    found, other = find_tables(path, sheets, warn)
    edition = _edition_label(found, properties)
    reads = {number: _scan(located, registry) for number, located in found.items()}
    notes = [n for r in reads.values() for n in _read_of(r).notes]
    notes += [t for t in other if not TITLE.match(t)]  # a contents sheet's list is no note
    observations, starred = _observations(path, reads, registry, warn, (notes, edition))
    observations.attrs["edition"] = _describe(
        found, other, properties, observations, (notes, edition, _star(notes, starred))
    )
    observations.attrs["warnings"] = warn.emit()
    return observations


def _read_of(read: TableRead | ChangeRead) -> TableRead:
    return read.read if isinstance(read, ChangeRead) else read


def _observations(
    path: Path,
    reads: dict[str, TableRead | ChangeRead],
    registry: Registry,
    warn: Warnings,
    edition_notes: tuple[list[str], str],
) -> tuple[pd.DataFrame, bool]:
    """All tables' observations (in sheet order), checked; and whether any ally carries a '*'."""
    notes, edition = edition_notes
    rows: list[dict[str, Any]] = []
    checks: list[Check] = []
    missing: list[rowlib.Missing] = []
    starred = False
    for read in reads.values():
        table = _read_of(read)
        resolved = rowlib.resolve(table, registry, warn)
        flag = star_flag(table.notes, notes)
        starred |= any(split_label(e.label)[1] for e, _ in resolved)
        if isinstance(read, ChangeRead):
            change, checks = change_rows(read, resolved, flag, edition)
            rows += change
            continue
        rows += rowlib.observations(table, resolved, flag, edition)
        if table.spec is not RELATED:  # published for some allies only, in a form of its own
            missing += rowlib.missing_figures(table, resolved, registry)
            _warn_absent_blocks(table, warn)
    observations = frame(rows)
    _cross_check(path, observations, checks)
    _warn_missing(missing, registry, warn)
    return observations, starred


def _warn_absent_blocks(table: TableRead, warn: Warnings) -> None:
    absent = [b.measure for b in table.spec.blocks if b.measure not in table.headings]
    if absent and not table.spec.untitled:
        warn(f"sheet {table.sheet.name!r} (Table {table.spec.number}) has no block of "
             f"{', '.join(absent)}")  # fmt: skip


def _warn_missing(missing: list[rowlib.Missing], registry: Registry, warn: Warnings) -> None:
    """One warning per ally that lacks figures: which years of which blocks, and where."""
    by_ally: dict[str, dict[str, list[rowlib.Missing]]] = defaultdict(lambda: defaultdict(list))
    for m in missing:
        by_ally[m.iso3][m.measure].append(m)
    for iso3, measures in by_ally.items():
        order = sorted(measures, key=lambda measure: measure != rowlib.HEADLINE)
        shown = "; ".join(
            f"{measure} {_span([m.year for m in measures[measure]])} ({measures[measure][0].where})"
            for measure in order[:4]
        )
        more = f"; and {len(order) - 4} more block(s)" if len(order) > 4 else ""
        warn(f"{registry.name(iso3)} ({iso3}) has no figure, kept as missing: {shown}{more}")


def _span(years: list[int]) -> str:
    """1990, 1992-1994 for [1990, 1992, 1993, 1994]."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _describe(
    found: dict[str, Located],
    other: list[str],
    properties: Any,
    observations: pd.DataFrame,
    said: tuple[list[str], str, str],
) -> dict[str, Any]:
    """The edition from what the workbook says: (notes, edition label, what '*' marks)."""
    from milex.data.sources.nato.editions import describe

    notes, edition, star = said
    first, _, first_title = found["1"]
    return describe(
        edition=edition,
        titles={n: _title_text(s, r) for n, (s, _, r) in found.items()},
        cover=other,
        properties=properties,
        observations=observations,
        family="2014-2024 tables"
        if first.name.upper() == "TABLE1" or first_title > 0
        else "2025+ tables",
        notes=notes,
        star=star,
    )


def _star(notes: list[str], starred: bool) -> str:
    """What '*' marks in the edition, from its notes ("" when no ally carries one nor a note)."""
    texts = _star_texts(notes)
    return texts[0] if texts else UNEXPLAINED if starred else ""


def _title_text(sheet: Sheet, r: int) -> str:
    return next((title_text(t) for _, t in sheet.text_cells(r, 6) if TITLE.match(t)), "")


def _cross_check(path: Path, obs: pd.DataFrame, checks: list[Check]) -> None:
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

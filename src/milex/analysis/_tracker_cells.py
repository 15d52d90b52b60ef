"""A tracker row's figures and where each came from: one edition per row.

Every figure of an ally's row is taken from the edition of its share of GDP (the best edition)
where that edition has it; a figure only another edition gives is taken from there and named, with
the definition break when the two editions' definitions differ. Each figure keeps its edition,
flags and origin (a publisher cell such as ``TABLE3!N32``, or a secondary figure's URL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    from milex.data.store import Dataset

NATO_MEASURES = (
    "milex_pct_gdp",
    "equipment_pct",
    "milex_lcu",
    "milex_usd",
    "milex_usd_const",
    "gdp_usd_const",
    "milex_real_change_pct",
)
#: The tracker's figure columns -> the measure each comes from (one edition per row).
CELL_MEASURES = {
    "milex_pct_gdp": "milex_pct_gdp", "equipment_pct": "equipment_pct", "milex_lcu_m": "milex_lcu",
    "milex_usd_m": "milex_usd", "real_change_pct": "milex_real_change_pct",
}  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One NATO figure with its provenance: the edition, flags and cell or URL it came from."""

    value: float
    edition: str
    flags: frozenset[str]
    origin: str


@dataclass(frozen=True)
class YearData:
    """NATO figures for one year, by measure then ISO3, each ally's row from one edition.

    ``edition_of`` is each ally's row edition: that of its share of GDP (the best edition).
    Every other figure of the row comes from that edition where it has the figure; ``cells``
    keeps each figure's own edition, so a cell that had to come from another one says so.
    """

    year: int
    cells: dict[str, dict[str, Cell]]
    editions: set[str]
    edition_of: dict[str, str] = field(default_factory=dict)
    law: set[str] = field(default_factory=set)  # allies with NATO's '*' national 2% law

    @property
    def values(self) -> dict[str, dict[str, float]]:
        return {m: {iso3: c.value for iso3, c in by.items()} for m, by in self.cells.items()}

    @property
    def flags(self) -> dict[str, set[str]]:
        return {iso3: set(c.flags) for iso3, c in self.cells["milex_pct_gdp"].items()}


def year_data(ds: Dataset, year: int, members: list[str], edition: str = "best") -> YearData:
    """The year's NATO figures for ``members`` (and Iceland), each row from one edition."""
    codes = [*members, *NO_ARMED_FORCES]
    best = {m: cells(ds.series_records(m, codes, "nato", year, edition=edition))
            for m in NATO_MEASURES}  # fmt: skip
    edition_of = {iso3: c.edition for iso3, c in best["milex_pct_gdp"].items()}
    chosen: dict[str, dict[str, Cell]] = {}
    for measure in NATO_MEASURES:
        every = ds.series_records(measure, codes, "nato", year, edition="all")
        own = {
            (r["iso3"], r["edition"]): c
            for r, c in zip(every, cells(every, keep_all=True).values(), strict=True)
        }
        chosen[measure] = {
            iso3: own.get((iso3, edition_of.get(iso3, "")), cell)
            for iso3, cell in best[measure].items()
        }
    editions = set(edition_of.values())
    return YearData(year, chosen, editions, edition_of, _national_laws(ds, year, codes))


def cells(rows: list[dict[str, Any]], *, keep_all: bool = False) -> dict[Any, Cell]:
    """Cells by ally (or by position with ``keep_all``, for rows of several editions)."""
    out: dict[Any, Cell] = {}
    for i, r in enumerate(rows):
        flags = frozenset(f for f in str(r["flags"]).split(";") if f)
        cell = Cell(float(r["value"]), str(r["edition"]), flags, str(r["origin"] or ""))
        out[i if keep_all else r["iso3"]] = cell
    return out


def _national_laws(ds: Dataset, year: int, codes: list[str]) -> set[str]:
    """Allies NATO marks with '*' (national 2% law) in its newest own file up to ``year``.

    Restatements carry no '*', so a 2025 or 2026 figure keeps the mark of NATO's latest file.
    """
    found = ds.series_records("milex_pct_gdp", codes, "nato", (2014, year), include_secondary=False)
    latest = {r["iso3"]: r["flags"] for r in found}  # the query sorts by ally, then year
    return {iso3 for iso3, text in latest.items() if "national_2pct_law" in text.split(";")}


def eur_per_usd(data: YearData) -> float | None:
    """NATO's own exchange rate for the year: Germany's euro spending over its dollar spending."""
    eur = data.values["milex_lcu"].get("DEU")
    usd = data.values["milex_usd"].get("DEU")
    return eur / usd if eur and usd else None


# -- rows ------------------------------------------------------------------------------------------


class Urls:
    """Where a reader checks a figure: a secondary figure's own URL, else its edition's file."""

    def __init__(self, ds: Dataset) -> None:
        self.by_edition = {
            (s.get("source"), s.get("edition")): s.get("url") for s in ds.package.get("sources", [])
        }

    def of(self, source: str, cell: Cell | None) -> str | None:
        if cell is None:
            return None
        if cell.origin.startswith(("http://", "https://")):
            return cell.origin
        return self.by_edition.get((source, cell.edition))


def other_editions(ds: Dataset, row: dict[str, Any], cell: dict[str, Cell | None]) -> None:
    """Name every figure of the row that had to come from another edition than the row's,
    with the definition break when the two editions' definitions differ."""
    own = row["edition"]
    if own is None:
        return
    others = sorted({(col, c.edition) for col, c in cell.items() if c and c.edition != own})
    if not others:
        return
    definitions = ds.definitions({("nato", own), *(("nato", e) for _, e in others)})
    parts = []
    for col, edition in others:
        text = f"{_LABELS.get(col, col)} from the {edition} edition"
        if definitions.get(edition) != definitions.get(own):
            text += f" ({definitions.get(edition)}: a definition break)"
        parts.append(text)
    note = "; ".join(parts)
    row["note"] = f"{row['note']}; {note}" if row["note"] else note


_LABELS = {
    "equipment_pct": "equipment share", "milex_lcu_m": "spending in national currency",
    "milex_usd_m": "spending in US$", "real_change_pct": "real change",
}  # fmt: skip

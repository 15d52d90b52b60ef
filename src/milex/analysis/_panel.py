"""The allies' panel the burden-sharing analyses read: one column per measure by ally and year.

Allies are counted as of each year (accession dates), allies without armed forces are left out
with a note, and every gap is named; the editions read travel with the panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from milex.analysis._arguments import year_ranges
from milex.data.registry import NO_ARMED_FORCES, no_forces_note
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.registry import Registry
    from milex.data.store import Dataset


ALLIANCE = "NATO"


# ----------------------------------------------------------------------------------------------
def collect(
    ds: Dataset,
    specs: dict[str, tuple[str, str]],
    countries: list[str],
    span: tuple[int, int],
    include_secondary: bool,
    flag_from: tuple[str, ...],
) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """One column per spec (name -> (measure, source)) by iso3 and year, flags, and editions used."""
    import pandas as pd

    columns, flags, used = [], [], set()
    for name, (measure, source) in specs.items():
        rows = ds.series(measure, countries, source, span, include_secondary=include_secondary)
        used |= set(zip(rows["source"], rows["edition"], strict=True))
        indexed = rows.set_index(["iso3", "year"])
        columns.append(indexed["value"].rename(name))
        if name in flag_from:
            flags.append(indexed["flags"])
    frame = pd.concat(columns, axis=1)
    marks = pd.concat(flags, axis=1).reindex(frame.index).itertuples(index=False)
    frame["flags"] = [
        ";".join(sorted({f for v in row if isinstance(v, str) for f in v.split(";") if f}))
        for row in marks
    ]
    return frame.reset_index(), used


def allies_only(
    registry: Registry, data: pd.DataFrame, required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """Rows of allies as of each year (no-forces allies left out), and notes on what is missing."""
    import pandas as pd

    allies = [
        (iso3, year)
        for year in sorted({int(y) for y in data["year"]})
        for iso3 in registry.members(ALLIANCE, year)
        if iso3 not in NO_ARMED_FORCES
    ]
    index = pd.MultiIndex.from_tuples(allies, names=["iso3", "year"])
    data = data.set_index(["iso3", "year"]).reindex(index).reset_index()
    data["flags"] = data["flags"].fillna("")
    notes = [no_forces_note(sorted(NO_ARMED_FORCES))]
    gaps = data[data[list(required)].isna().any(axis=1)]
    if len(gaps):
        by_country = gaps.groupby("iso3")["year"].apply(year_ranges)
        listed = ", ".join(f"{c} ({y})" for c, y in by_country.items())
        notes.append(f"allies without {' and '.join(required)} in some years: {listed}")
    if data.empty:
        raise MilexError("no figures for NATO allies in this year range")
    return data.sort_values(["year", "iso3"]).reset_index(drop=True), notes


def by_year(frame: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    for year, part in frame.groupby("year"):
        yield int(year), part  # type: ignore[arg-type]


def span_of(data: pd.DataFrame) -> tuple[int, int]:
    return int(data["year"].min()), int(data["year"].max())

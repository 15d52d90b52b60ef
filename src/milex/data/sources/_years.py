"""Year axes and observation years, checked the same way for every publisher.

A year header must be a contiguous run of columns, strictly increasing by one, within the
publisher's plausible span: from the first year it ever publishes to the edition's year plus how
far ahead it projects (IMF WEO about five years; SIPRI and the World Bank none; NATO estimates the
edition's own year). A swapped pair, a gap, a typo (2042, 2204) or a stray number beyond the header
would move figures to the wrong year, so each is an error naming the file and cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milex.errors import SourceError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Span:
    """The years a publisher can hold: from ``first`` to the edition's year plus ``horizon``."""

    first: int
    horizon: int


#: Per source (the ``source`` column): its first published year and how far past the edition it
#: projects. IMF WEO October 2025 runs to 2030; SIPRI and the World Bank publish no future years.
SPANS: dict[str, Span] = {
    "nato": Span(1949, 0),
    "sipri": Span(1949, 0),
    "imf_weo": Span(1980, 6),
    "worldbank": Span(1960, 0),
}
#: Used when an edition label states no date: no publisher holds figures past this.
LATEST = 2100

_DATED = re.compile(r"(?<!\d)((?:19|20)\d{2})-(0[1-9]|1[0-2])(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def edition_year(label: str) -> int | None:
    """The year an edition was published, from its label ('2025-04 (1949-2024)' -> 2025).

    A publication date (YYYY-MM) wins over any year span in the label, so a span's last year never
    moves the bound; without a date, the latest year the label names.
    """
    dated = [int(m[1]) for m in _DATED.finditer(label)]
    if dated:
        return max(dated)
    years = [int(m[1]) for m in _YEAR.finditer(label)]
    return max(years) if years else None


def bounds(source: str, edition: str | int | None) -> tuple[int, int]:
    """(first, last) plausible year for a source's edition (label or year)."""
    span = SPANS.get(source, Span(1900, 0))
    year = edition if isinstance(edition, int) else edition_year(edition or "")
    return span.first, (year + span.horizon) if year else LATEST


def check_axis(
    years: Sequence[tuple[str, int]],
    path: Path,
    source: str,
    edition: str | int | None,
    what: str = "year header",
) -> None:
    """Raise unless the (cell, year) pairs, in column order, are strictly increasing by one and
    within the source's plausible span for the edition; the error names the offending cell."""
    first, last = bounds(source, edition)
    for i, (where, year) in enumerate(years):
        if not first <= year <= last:
            raise SourceError(
                path,
                where,
                f"{what} has {year}, outside {source}'s plausible years {first}-{last} "
                "(a typo in the header?)",
            )
        if i and year != years[i - 1][1] + 1:
            before, prev = years[i - 1]
            how = "repeats or goes back" if year <= prev else "skips years"
            raise SourceError(
                path,
                where,
                f"{what} {how}: {prev} at {before} then {year} at {where} "
                "(years must increase by one)",
            )


def check_observations(obs: pd.DataFrame, path: Path) -> None:
    """Raise, naming the first offending cell, if any observation's year is outside its source's
    plausible span for its edition (1800, 2205 and 9999 are never figures)."""
    if obs.empty:
        return
    for (source, edition), group in obs.groupby(["source", "edition"], sort=False):
        first, last = bounds(str(source), str(edition))
        bad = group[(group["year"] < first) | (group["year"] > last)]
        if len(bad):
            rec = bad.iloc[0]
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise SourceError(
                path,
                str(rec["origin"]) or None,
                f"year {int(rec['year'])} is outside {source}'s plausible years {first}-{last} "
                f"for edition {edition!r}{more}",
            )


#: Two adjacent year columns look swapped when, in more than this share of the series with figures
#: in both and in the years either side, each column fits the other's neighbours better. In the
#: real files the highest share is 0.36 (SIPRI, 2020 in the share of government spending) and a
#: swapped pair scores at least 0.64; IMF population never exceeds 0.04.
SWAP_SHARE = 0.6
#: Fewer series than this say too little (early SIPRI years hold a couple of dozen countries).
SWAP_MIN_SERIES = 30


def swapped_pairs(wide: pd.DataFrame) -> list[tuple[int, float, int]]:
    """(year, share, series) for each pair of columns (year, year + 1) of a wide table (one row
    per series, one column per year) whose figures fit better the other way round."""
    import numpy as np

    out = []
    columns = {int(c) for c in wide.columns}
    for year in sorted(columns):
        if not {year - 1, year + 1, year + 2} <= columns:
            continue
        before, a, b, after = (wide[y].to_numpy(dtype=float) for y in range(year - 1, year + 3))
        as_is = np.abs(a - before) + np.abs(after - b)
        swapped = np.abs(b - before) + np.abs(after - a)
        known = ~np.isnan(as_is) & ~np.isnan(swapped) & (as_is != swapped)
        series = int(known.sum())
        if series < SWAP_MIN_SERIES:
            continue
        share = float((swapped[known] < as_is[known]).mean())
        if share > SWAP_SHARE:
            out.append((year, share, series))
    return out

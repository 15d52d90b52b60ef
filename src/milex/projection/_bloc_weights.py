"""How much each member weighs in a bloc's share of GDP: NATO's rule, read from NATO's figures.

NATO computes an aggregate's share of GDP as its members' spending over their GDP, both at
constant prices and exchange rates (Iceland's GDP included), so the United States weighs by its
GDP in, say, 2015 dollars, not in current ones. The tracker recomputes NATO's published rows that
way (``milex.analysis.tracking``); the projection weighs its members the same way, so both give
one figure for one quantity (NATO 2024: 2.71%, not the 2.74% current dollars give).

The weights are NATO's constant-price GDP in the newest year, up to the base year, in which every
member (and Iceland, where a member) has one in a single price base, carried to the base year with
each country's IMF WEO real growth. Without them, members weigh by base-year GDP, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from milex.data.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    from milex.data.store import Dataset

NATO_GDP = "gdp_usd_const"
GROWTH = "gdp_real_growth_pct"
OLDEST = 2014


@dataclass(frozen=True)
class BlocWeights:
    """Per projected country, NATO's constant-price GDP per unit of the model's base-year GDP in
    the output currency (None: 1); per group, the scale for members not projected; a note."""

    per_country: np.ndarray | None
    scale: tuple[float, ...]
    note: str


def bloc_weights(
    ds: Dataset,
    countries: list[str],
    groups: list[tuple[str, list[str]]],
    base: int,
    base_gdp: np.ndarray,
) -> BlocWeights:
    """``base_gdp``: each country's base-year GDP in the output currency (the model's weights
    when NATO's are missing). Groups are (code, projected members)."""
    if not groups:
        return BlocWeights(None, (), "")
    outside = {
        code: []
        if code == "TOTAL"
        else [m for m in ds.registry.members(code, base) if m in NO_ARMED_FORCES]
        for code, _ in groups
    }
    wanted = sorted(set(countries) | {m for ms in outside.values() for m in ms})
    found = _nato_gdp(ds, wanted, base)
    if found is None:
        return BlocWeights(
            None,
            (1.0,) * len(groups),
            "Bloc shares of GDP weigh members by base-year GDP at base-year prices: NATO's "
            f"constant-price GDP is missing for a member up to {base}.",
        )
    year, unit, gdp = found
    grown = _grown(ds, gdp, year, base)
    per_country = np.array([grown[c] for c in countries]) / base_gdp
    scale = tuple(
        1.0 + sum(grown[m] for m in outside[code]) / sum(grown[m] for m in members)
        for code, members in groups
    )
    carried = f", carried to {base} with IMF WEO real growth" if year < base else ""
    return BlocWeights(
        per_country,
        scale,
        f"Bloc shares of GDP follow NATO's rule, as the tracker's: members' spending over their "
        f"GDP at constant prices, each weighed by NATO's {year} GDP ({unit}){carried}"
        + (", Iceland's GDP included." if any(outside.values()) else "."),
    )


def _nato_gdp(
    ds: Dataset, countries: list[str], base: int
) -> tuple[int, str, dict[str, float]] | None:
    """NATO's constant-price GDP of every country in the newest year up to ``base`` that has it
    for all of them in one unit (one price base); None if no year does."""
    by_year: dict[int, dict[str, tuple[str, float]]] = {}
    for row in ds.series_records(NATO_GDP, countries, "nato", (OLDEST, base)):
        value = row["value"]
        if value is not None and value == value:
            by_year.setdefault(int(row["year"]), {})[row["iso3"]] = (str(row["unit"]), float(value))
    for year in sorted(by_year, reverse=True):
        found = by_year[year]
        units = {unit for unit, _ in found.values()}
        if set(countries) <= found.keys() and len(units) == 1:
            return year, units.pop(), {c: v for c, (_, v) in found.items()}
    return None


def _grown(ds: Dataset, gdp: dict[str, float], year: int, base: int) -> dict[str, float]:
    """Each country's figure for ``year`` carried to ``base`` with its WEO real growth (a missing
    year's growth is taken as none, which only moves weights a little)."""
    if year >= base:
        return dict(gdp)
    growth: dict[str, dict[int, float]] = {}
    for row in ds.series_records(GROWTH, sorted(gdp), "imf_weo", (year + 1, base)):
        if row["value"] is not None and row["value"] == row["value"]:
            growth.setdefault(row["iso3"], {})[int(row["year"])] = float(row["value"])
    out = {}
    for code, value in gdp.items():
        for y in range(year + 1, base + 1):
            value *= 1 + growth.get(code, {}).get(y, 0.0) / 100
        out[code] = value
    return out

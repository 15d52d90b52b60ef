"""The Hague path check: is an ally on a straight line to 3.5% of GDP by 2035, and when would it
get there if its spending kept its recent real growth?

The path starts at the ally's share in the base year (the latest year of NATO's own file) and runs
in equal steps of share of GDP to 3.5% in 2035. The reach year compounds the ally's average real
growth in defence spending over the last three years against real GDP growth from the IMF WEO
(to 2030, then the 2028-2030 average), on NATO's share of real GDP.

The reach year and the trend levels are arithmetic, not a forecast: they say where the share
would be if spending kept growing as it has. Because a one-year surge (Denmark's +25% a year in
2022-2024) would otherwise read as a forecast, the growth is capped at ``MAX_TREND_GROWTH_PCT``
(10% a year in real terms, which doubles real spending in about seven years: above the upper
quartile of allies' annual real changes in NATO's 2014-2024 figures, 11.4%, only for single
years). The cap and whether it bit are on every :class:`Reach`. See docs/plans.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from milex.analysis.commitments import AT_ROUNDED, BY_ID, MET
from milex.analysis.commitments import level as level_of

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

CORE = BY_ID["hague_core_3_5pct"]
ON_PATH, BELOW_PATH = "on or above path", "below path"
REACH_HORIZON = 2100
GROWTH_YEARS = 3
#: The highest real growth in spending a trend may assume, % a year (documented above).
MAX_TREND_GROWTH_PCT = 10.0
ARITHMETIC = "arithmetic at the recent trend, not a forecast"


@dataclass(frozen=True)
class Reach:
    """When an ally reaches 3.5% at its recent trend, and why (or why not)."""

    iso3: str
    year: int | None
    note: str
    spending_growth_pct: float | None  # the growth assumed (after the cap)
    base_year: int
    base_share: float | None
    observed_growth_pct: float | None = None  # the recent mean, before the cap
    capped: bool = False
    levels: tuple[tuple[int, float], ...] = ()  # (year, share %): observed, then the trend
    newest_year: int | None = None  # the ally's newest NATO figure, where the trend starts
    newest_share: float | None = None

    def level(self, year: int) -> float | None:
        """The share at the trend in ``year`` (arithmetic), if computed that far."""
        return dict(self.levels).get(year)


def path_value(base_share: float, base_year: int, year: int) -> float:
    """The straight-line share of GDP for ``year`` from ``base_share`` to 3.5% in 2035."""
    target, deadline = CORE.threshold, CORE.deadline or base_year
    if year >= deadline:
        return target
    return base_share + (target - base_share) * (year - base_year) / (deadline - base_year)


def path_status(actual: float | None, base_share: float | None, base_year: int, year: int) -> str:
    """'on or above path' / 'below path' for a year after the base with a figure, else ''."""
    if actual is None or base_share is None or year <= base_year:
        return ""
    on = level_of(actual, path_value(base_share, base_year, year)) == MET
    return ON_PATH if on else BELOW_PATH


def base_year(ds: Dataset) -> int:
    """The latest year of NATO's own file: where every path starts."""
    return ds.latest_year("milex_pct_gdp", "nato")


def path(ds: Dataset, iso3: str) -> pd.DataFrame:
    """Year-by-year path to 3.5% in 2035 for one ally, with NATO's figures where they exist."""
    import pandas as pd

    start = base_year(ds)
    shares = ds.series("milex_pct_gdp", iso3, "nato", (start, CORE.deadline or start))
    actual = dict(zip(shares["year"], shares["value"], strict=True))
    flags = dict(zip(shares["year"], shares["flags"], strict=True))
    base_share = actual.get(start)
    rows = []
    for year in range(start, (CORE.deadline or start) + 1):
        value = actual.get(year)
        rows.append(
            {
                "iso3": iso3,
                "year": year,
                "path_pct": None if base_share is None else path_value(base_share, start, year),
                "milex_pct_gdp": value,
                "flags": flags.get(year, ""),
                "status": path_status(value, base_share, start, year),
            }
        )
    return pd.DataFrame(rows)


def reach_year(ds: Dataset, iso3: str) -> Reach:
    """When the ally reaches 3.5% (see :func:`reach_years`)."""
    return reach_years(ds, [iso3])[iso3]


def reach_years(ds: Dataset, countries: list[str], *, until: int | None = None) -> dict[str, Reach]:
    """One reach year per ally, from its newest NATO figures, the same in every view.

    Years already met come first: an ally whose newest figure (any edition, best first) is at or
    above 3.5% reached it in the first year of that unbroken run. Otherwise the capped trend runs
    from the newest figure (:func:`reach`). A figure its source rounded to exactly 3.5 is not a
    year met. Four queries in all; levels are the observed figures from the base year, then the
    trend, kept to ``until`` at least.
    """
    start = base_year(ds)
    shares = ds.series_records("milex_pct_gdp", countries, "nato", start, include_secondary=False)
    changes = ds.series_records(
        "milex_real_change_pct", countries, "nato", (start - GROWTH_YEARS + 1, start),
        include_secondary=False,
    )  # fmt: skip
    gdp = ds.series_records("gdp_real_growth_pct", countries, "imf_weo", (start + 1, 2030))
    history = ds.series_records("milex_pct_gdp", countries, "nato", (2014, REACH_HORIZON))
    share_by = {r["iso3"]: float(r["value"]) for r in shares}
    growth: dict[str, list[float]] = {}
    for r in changes:  # in year order within each ally, as the query sorts
        growth.setdefault(r["iso3"], []).append(float(r["value"]))
    gdp_by: dict[str, dict[int, float]] = {}
    for r in gdp:
        gdp_by.setdefault(r["iso3"], {})[int(r["year"])] = float(r["value"])
    observed: dict[str, list[Figure]] = {}
    for r in history:
        flags = str(r["flags"]).split(";")
        figure = Figure(int(r["year"]), float(r["value"]), "rounded" in flags)
        observed.setdefault(r["iso3"], []).append(figure)
    out = {}
    for iso3 in countries:
        figures = observed.get(iso3, [])
        base = share_by.get(iso3)
        newest = figures[-1] if figures else None
        if newest is None or base is None or newest.year < start:
            out[iso3] = reach(iso3, start, base, growth.get(iso3, []), gdp_by.get(iso3, {}),
                              until=until)  # fmt: skip
        else:
            out[iso3] = _from_newest(
                iso3, start, base, figures, growth.get(iso3, []), gdp_by.get(iso3, {}), until
            )
    return out


@dataclass(frozen=True)
class Figure:
    """One NATO share of GDP (best edition) and whether its source rounded it."""

    year: int
    share: float
    rounded: bool

    @property
    def meets(self) -> bool:
        """At or above 3.5%, and not a rounded figure that only touches it."""
        return level_of(self.share, CORE.threshold, rounded=self.rounded) == MET


def _from_newest(
    iso3: str,
    start: int,
    base: float,
    figures: list[Figure],
    changes: list[float],
    gdp: dict[int, float],
    until: int | None,
) -> Reach:
    """The reach from the ally's newest figure: the run of years met, else the trend from it."""
    newest = figures[-1]
    seen = tuple((f.year, f.share) for f in figures if f.year >= start)
    if newest.meets:
        first = newest.year
        for f in reversed(figures):
            if not f.meets:
                break
            first = f.year
        note = f"reached: NATO figures at or above 3.5% since {first} ({newest.year}: " + (
            f"{newest.share:.2f}%)"
        )
        return Reach(iso3, first, note, None, start, base, levels=seen, newest_year=newest.year,
                     newest_share=newest.share)  # fmt: skip
    trend = reach(iso3, newest.year, newest.share, changes, gdp, until=until,
                  rounded=newest.rounded)  # fmt: skip
    note = trend.note
    if newest.year > start:
        note += f"; from its {newest.year} figure of {newest.share:.2f}%"
    if level_of(newest.share, CORE.threshold, rounded=newest.rounded) == AT_ROUNDED:
        note += " (3.5 as rounded in the source: not counted as reached)"
    return Reach(
        iso3, trend.year, note, trend.spending_growth_pct, start, base,
        trend.observed_growth_pct, trend.capped, (*seen[:-1], *trend.levels),
        newest.year, newest.share,
    )  # fmt: skip


def reach(
    iso3: str,
    start: int,
    share: float | None,
    changes: list[float],
    gdp: dict[int, float],
    *,
    until: int | None = None,
    rounded: bool = False,
) -> Reach:
    """Compound the mean real change in spending (capped) against real GDP growth to 3.5%.

    ``start`` and ``share`` are where the trend starts (the ally's newest figure); ``changes``
    are the last three annual real changes in spending (percent), ``gdp`` real GDP growth by year
    (percent); after its last year the 2028-2030 average holds. The mean is capped at
    ``MAX_TREND_GROWTH_PCT``; levels are kept to the reach year or ``until``. A ``rounded``
    share that only touches 3.5% is not counted as reached in ``start``.
    """
    if share is None:
        return Reach(iso3, None, "no NATO figure in the base year", None, start, None)
    already = level_of(share, CORE.threshold, rounded=rounded) == MET
    if len(changes) < GROWTH_YEARS:
        note = "fewer than three years of real change"
        if already:
            note = f"already at {share:.2f}% in {start}"
        return Reach(iso3, start if already else None, note, None, start, share)
    factor = 1.0
    for change in changes:
        factor *= 1 + change / 100
    observed = (factor ** (1 / GROWTH_YEARS) - 1) * 100
    growth = min(observed, MAX_TREND_GROWTH_PCT)
    capped = growth < observed
    how = f"{growth:+.1f}% a year in real terms" + (
        f" (capped from {observed:+.1f}%)" if capped else ""
    )
    if not gdp:
        return Reach(iso3, None, "no IMF WEO real GDP growth", growth, start, share, observed,
                     capped)  # fmt: skip
    tail = [gdp[y] for y in (2028, 2029, 2030) if y in gdp] or [gdp[max(gdp)]]
    long_run = sum(tail) / len(tail)
    level, levels, reached = share, [(start, share)], start if already else None
    for year in range(start + 1, REACH_HORIZON + 1):
        if reached is not None and year > (until or start):
            break
        level *= (1 + growth / 100) / (1 + gdp.get(year, long_run) / 100)
        levels.append((year, level))
        if reached is None and level_of(level, CORE.threshold) == MET:
            reached = year
    if reached == start:
        note = f"already at {share:.2f}% in {start}"
    elif reached is not None:
        note = f"spending {how}; {ARITHMETIC}"
    else:
        note = f"not by {REACH_HORIZON} at {how}; {ARITHMETIC}"
    return Reach(iso3, reached, note, growth, start, share, observed, capped, tuple(levels))

"""The per-capita and real-change views' figures: each ally's NATO figure in a year.

``per_capita_figure`` reads NATO's defence expenditure per capita at constant prices
(``milex_per_capita_usd_const``, in the price base of the edition drawn, which the unit names);
``real_change_figure`` the real change on the previous year the tracker carries
(``real_change_pct``, NATO's ``milex_real_change_pct``). Both take the allies, their names and
the editions cited from ``milex.tracker(year)``, and NATO's own aggregate where it publishes one.
The bar chart (``charts.indicator_bars``), the map and the tables are drawn from these figures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES
from milex.errors import MilexError
from milex.present.charts.indicator_bars import IndicatorFigure
from milex.present.charts.map import MapFigure, value_of
from milex.present.charts.map_scales import INDICATORS
from milex.present.charts.style import flag_notes

if TYPE_CHECKING:
    import pandas as pd

    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset

__all__ = [
    "PER_CAPITA", "REAL_CHANGE", "indicator_year", "indicator_years", "per_capita_figure",
    "real_change_figure",
]  # fmt: skip

PER_CAPITA = "milex_per_capita_usd_const"
REAL_CHANGE = "milex_real_change_pct"
#: What an error calls each measure.
WHAT = {PER_CAPITA: "defence spending per capita", REAL_CHANGE: "real change in defence spending"}


def indicator_years(ds: Dataset, measure: str) -> list[int]:
    """The years NATO gives ``measure`` for at least one ally (an aggregate alone is no year of
    the view: NATO's 2025 real change for the whole alliance has no ally's beside it)."""
    frame = ds.series(measure, None, "nato")
    countries = ds.registry.countries
    return sorted({int(y) for y, c in zip(frame["year"], frame["iso3"], strict=True)
                   if c in countries})  # fmt: skip


def indicator_year(ds: Dataset, measure: str, year: int | None) -> int:
    """``year``, or the newest year NATO gives ``measure`` for an ally; a year it gives none for
    is an error naming the years it does."""
    years = indicator_years(ds, measure)
    if not years:
        raise MilexError(f"this snapshot has no NATO figures of {WHAT.get(measure, measure)}")
    chosen = years[-1] if year is None else int(year)
    if chosen not in years:
        raise MilexError(
            f"year: NATO gives no {WHAT.get(measure, measure)} for {chosen} in this snapshot "
            f"(it does for {years[0]}-{years[-1]})"
        )
    return chosen


def _tracker(ds: Dataset, year: int) -> TrackerResult:
    from milex.analysis.tracking import tracker

    return tracker(year, dataset=ds)


def _flags(raw: Any) -> str:
    """A figure's flags, NATO's national-law mark left to the tracker (it is no flag of this
    figure's)."""
    kept = [f for f in (raw.split(";") if isinstance(raw, str) else []) if f != "national_2pct_law"]
    return ";".join(kept)


def _cited(result: TrackerResult, ds: Dataset, editions: set[str]) -> list[dict[str, Any]]:
    """The NATO editions the figures came from, as the tracker cites them (the snapshot's
    description for an edition the tracker's share of GDP did not use)."""
    cited = [s for s in result.sources() if s["source"] == "nato" and s["edition"] in editions]
    have = {s["edition"] for s in cited}
    more = [s for s in ds.package["sources"]
            if s["source"] == "nato" and s["edition"] in editions - have]  # fmt: skip
    return [*cited, *more]


def _rows(result: TrackerResult, values: dict[str, float | None], frame: pd.DataFrame,
          ) -> list[dict[str, Any]]:  # fmt: skip
    """Every ally, its value (None: no figure) and the figure's flags; an ally without armed
    forces keeps its note (the map names it)."""
    flags = dict(zip(frame["iso3"], frame["flags"], strict=True))
    return [
        {"iso3": r["iso3"], "country": r["country"], "value": values.get(r["iso3"]),
         "flags": _flags(flags.get(r["iso3"])), "note": r["note"] or ""}
        for r in result.allies()
    ]  # fmt: skip


def _notes(
    result: TrackerResult, rows: list[dict[str, Any]], lead: str
) -> tuple[list[str], set[str]]:
    """The subtitle (coverage, when some allies have no figure) and the footer's notes."""
    year = result.year
    have = [r for r in rows if r["value"] is not None]
    missing = [r["country"] for r in _with_forces(rows) if r["value"] is None]
    flagged, mixed = flag_notes(have, year)
    notes = []
    if missing:  # the subtitle counts them, the footer names them
        notes.append(f"{len(have)} of {len(_with_forces(rows))} allies with figures (the others "
                     "listed below).")  # fmt: skip
    notes += [lead, *flagged]
    if missing:
        notes.append(f"No NATO figure for {year}: {', '.join(missing)}.")
    no_forces = [r["country"] for r in result.allies() if r["iso3"] in NO_ARMED_FORCES]
    if no_forces:
        notes.append(f"{', '.join(no_forces)}: no armed forces, not shown (as NATO does).")
    return notes, mixed


def _with_forces(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The allies a figure is expected for: all but those without armed forces (Iceland)."""
    return [r for r in rows if r["iso3"] not in NO_ARMED_FORCES]


def _coverage(rows: list[dict[str, Any]]) -> str:
    """' (30 of 31 allies with figures)' in a partial year's title; nothing in a full one."""
    expected = _with_forces(rows)
    have = sum(1 for r in expected if r["value"] is not None)
    return "" if have == len(expected) else f" ({have} of {len(expected)} allies with figures)"


def per_capita_figure(ds: Dataset, year: int | None) -> IndicatorFigure:
    """Each ally's defence expenditure per person at NATO's constant prices, one year."""
    chosen = indicator_year(ds, PER_CAPITA, year)
    result = _tracker(ds, chosen)
    frame = ds.series(PER_CAPITA, None, "nato", [chosen])
    values = {str(c): value_of(v) for c, v in zip(frame["iso3"], frame["value"], strict=True)}
    rows = _rows(result, values, frame)
    units = sorted(set(frame["unit"]))
    base = units[0].rsplit(" ", 1)[-1] if len(units) == 1 else ""
    if not base.isdigit():
        raise MilexError(f"per-capita figures for {chosen} mix price bases: {', '.join(units)}")
    i = replace(INDICATORS["per_capita"], unit=f"US$ per person, {base} prices")
    have = sorted((r for r in rows if r["value"] is not None), key=lambda r: -r["value"])
    if not have:
        raise MilexError(f"year: no ally has a NATO per-capita figure for {chosen}")
    title = (f"Defence spending per person, {chosen}{_coverage(rows)}: {have[0]['country']} "
             f"highest at US$ {have[0]['value']:,.0f}, {have[-1]['country']} lowest at "
             f"US$ {have[-1]['value']:,.0f} ({base} prices)")  # fmt: skip
    lead = (f"Defence expenditure per capita by ally, NATO's figures in US$ at constant {base} "
            "prices and exchange rates.")  # fmt: skip
    notes, mixed = _notes(result, rows, lead)
    total = values.get("NATO")
    sources = _cited(result, ds, {str(e) for e in frame["edition"]})
    fig = MapFigure(i, chosen, rows, title, notes, sources)
    label = "" if total is None else f"NATO US$ {total:,.0f}"
    return IndicatorFigure(fig, total, f"Defence expenditure per capita, US$ at constant {base} "
                           "prices (NATO)", ",.0f", label, frozenset(mixed))  # fmt: skip


def real_change_figure(ds: Dataset, year: int | None) -> IndicatorFigure:
    """Each ally's real change in defence expenditure on the previous year (the tracker's)."""
    chosen = indicator_year(ds, REAL_CHANGE, year)
    result = _tracker(ds, chosen)
    frame = ds.series(REAL_CHANGE, None, "nato", [chosen])
    values = {str(r["iso3"]): value_of(r["real_change_pct"]) for r in result.allies()}
    rows = _rows(result, values, frame)
    have = [r for r in rows if r["value"] is not None]
    if not have:
        raise MilexError(f"year: no ally has a NATO real change for {chosen}")
    rises = sum(1 for r in have if r["value"] > 0)
    falls = sum(1 for r in have if r["value"] < 0)
    i = INDICATORS["real_change"]
    title = (f"Real change in defence spending, {chosen}{_coverage(rows)}: {rises} of "
             f"{len(have)} allies spent more than the year before after inflation, {falls} less")  # fmt: skip
    lead = (f"Each ally's defence expenditure in {chosen} against {chosen - 1}, in constant "
            "prices (NATO's real change).")  # fmt: skip
    notes, mixed = _notes(result, rows, lead)
    published = frame[frame["iso3"] == "NATO"]["value"]
    total = value_of(published.iloc[0]) if len(published) else None
    editions = {str(r["edition"]) for r in result.allies() if r["real_change_pct"] is not None}
    if total is not None:
        editions |= {str(e) for e in frame[frame["iso3"] == "NATO"]["edition"]}
    fig = MapFigure(i, chosen, rows, title, notes, _cited(result, ds, editions))
    label = "" if total is None else f"NATO {total:+.1f}%"
    return IndicatorFigure(fig, total, "Real change in defence expenditure on the previous year, "
                           "% (NATO, constant prices)", "+.1f", label, frozenset(mixed))  # fmt: skip

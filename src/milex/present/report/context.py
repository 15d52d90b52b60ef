"""What a report shows, gathered from the library: tracker, profile, projection, charts, sources.

Nothing here computes a figure: it calls the library, keeps its results, and turns them into rows
of display strings for the templates (rounding, units, status marks). Charts are the builders of
``milex.present.charts`` rendered to SVG for inlining.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.schema import NATIONAL_LAW_MARK, flag_marks, is_missing
from milex.errors import MilexError
from milex.present.numbers import figure

if TYPE_CHECKING:
    from milex.analysis.profile import CountryProfile
    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset
    from milex.projection import ProjectionResult
    from milex.projection.engine import EngineName

STATUS_MARK = {
    "met": ("✓", "met"),
    "not met": ("✗", "not met"),
    "not applicable": ("·", "n/a"),
    "no data": ("?", "no data"),
}
GUIDELINE_COLUMNS = (
    ("wales_2pct", "Wales 2%"),
    ("wales_20pct_equipment", "Wales 20% equipment"),
    ("vilnius_2pct_floor", "Vilnius 2% floor"),
    ("hague_core_3_5pct", "Hague 3.5% core"),
)
HISTORY = (
    ("milex_pct_gdp", "nato", "NATO % of GDP", 2),
    ("milex_pct_gdp", "sipri", "SIPRI % of GDP", 2),
    ("equipment_pct", "nato", "Equipment %", 1),
    ("personnel_pct", "nato", "Personnel %", 1),
    ("milex_lcu", "nato", "Spending, national currency m", 0),
    ("milex_usd", "nato", "Spending, USD m", 0),
    ("milex_real_change_pct", "nato", "Real change %", 1),
    ("mil_personnel", "nato", "Military personnel, thousands", 1),
)


# -- formatting (the templates' filters) -----------------------------------------------------------
def number(value: Any, digits: int = 2) -> str:
    """A figure with thousands separators and ``digits`` decimals; '–' when missing."""
    if is_missing(value):
        return "–"
    return figure(float(value), digits)


def billions(value: Any, digits: int = 1) -> str:
    """Millions shown in billions (the unit is on the column header)."""
    return "–" if is_missing(value) else figure(float(value) / 1000, digits)


def mark(status: Any) -> str:
    """A status as a symbol and word, readable without colour."""
    symbol, word = STATUS_MARK.get(str(status), ("", str(status or "")))
    return f"{symbol} {word}".strip()


def symbol(status: Any) -> str:
    """A status as its symbol alone (the table's key explains them)."""
    return STATUS_MARK.get(str(status), ("", ""))[0]


def status_class(status: Any) -> str:
    return {"met": "met", "not met": "notmet"}.get(str(status), "na")


FILTERS = {
    "number": number,
    "billions": billions,
    "mark": mark,
    "symbol": symbol,
    "status_class": status_class,
}


# -- charts ----------------------------------------------------------------------------------------
def svg_figure(chart: Any, key: str) -> str:
    """Render a chart to SVG for inlining: laid out for print (``printing``: its text at least
    8 pt once it fills the page's width), scalable to that width, ids made unique."""
    from milex.present.printing import print_spec
    from milex.present.render import spec, to_svg

    svg = to_svg(print_spec(spec(chart)))
    svg = re.sub(r'(<svg[^>]*?) width="[\d.]+" height="[\d.]+"', r'\1 width="100%"', svg, count=1)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for ident in ids:
        svg = svg.replace(f'id="{ident}"', f'id="{key}-{ident}"')
        svg = svg.replace(f"url(#{ident})", f"url(#{key}-{ident})")
        svg = svg.replace(f'href="#{ident}"', f'href="#{key}-{ident}"')
    return svg


# -- shared pieces ---------------------------------------------------------------------------------
def merged_sources(*groups: Any) -> list[dict[str, Any]]:
    """Every (source, edition) used, once, in order of first use."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for group in groups:
        for src in group:
            seen.setdefault((src["source"], src["edition"]), dict(src))
    return list(seen.values())


def with_retrieval(ds: Dataset, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the retrieval date of each source from the snapshot's datapackage.json."""
    dates: dict[tuple[str, str], str] = {}
    for s in ds.package.get("sources", []):
        dates.setdefault((s["source"], s["edition"]), str(s.get("retrieved", "")))
    return [{**s, "retrieved": dates.get((s["source"], s["edition"]), "")} for s in sources]


def guidelines() -> list[dict[str, Any]]:
    from milex.analysis.commitments import GUIDELINES

    return [
        {
            "summit": g.summit,
            "threshold": f"{g.threshold:g}%",
            "metric": g.metric,
            "deadline": g.deadline or "",
            "summary": g.summary,
            "source": g.source,
        }
        for g in GUIDELINES
    ]


def stamp(ds: Dataset) -> dict[str, str]:
    from milex.version import __version__

    return {
        "generated": date.today().isoformat(),
        "version": __version__,
        "snapshot": str(ds.path.parent),
    }


def projection_run(
    scenario: Any,
    ds: Dataset,
    default: dict[str, Any] | None = None,
    *,
    engine: EngineName = "auto",
) -> ProjectionResult:
    """Run the scenario (a file, mapping or Scenario; ``default`` when None) on the dataset."""
    from milex.projection import project

    if isinstance(scenario, str | Path) and not Path(scenario).is_file():
        raise MilexError(f"scenario file not found: {scenario}")
    return project(scenario if scenario is not None else default, ds, engine=engine)


def projection_rows(result: ProjectionResult, only: str | None = None) -> list[dict[str, str]]:
    """The projection summary as display rows, in billions of each row's currency."""
    countries = _countries(result)
    records = sorted(
        result.summary().to_dict("records"),
        key=lambda r: (r["iso3"] not in countries, r["name"] if r["iso3"] in countries else ""),
    )
    rows = []
    for r in records:
        if only is not None and r["iso3"] != only:
            continue
        rows.append(
            {
                "iso3": r["iso3"],
                "name": r["name"],
                "currency": r["currency"],
                "aggregate": r["iso3"] not in countries,
                "base_share": number(r["base_share_pct"]),
                "horizon_share": number(r["horizon_share_pct"]),
                "base_spending": billions(r["base_spending_m"]),
                "horizon_spending": billions(r["horizon_spending_m"]),
                "extra": billions(r["extra_to_horizon_m"]),
                "extra_range": f"{billions(r['extra_to_horizon_p5_m'])}–"
                f"{billions(r['extra_to_horizon_p95_m'])}",
                "extra_const": billions(r["extra_to_horizon_const_m"]),
                "peak": billions(r["peak_increase_m"]),
                "peak_year": str(r["peak_increase_year"]),
            }
        )
    return rows


def _countries(result: ProjectionResult) -> set[str]:
    scenario = result.scenario
    aggregates = set(scenario.aggregates or []) | {"TOTAL"}
    if scenario.bloc:
        aggregates.add(scenario.bloc)
    return {e for e in result.entities if e not in aggregates}


def scenario_lines(result: ProjectionResult) -> list[str]:
    scenario = result.scenario
    who = scenario.bloc or ", ".join(scenario.countries or [])
    lines = [
        f"Who: {who}; base year {result.base_year}, horizon {result.horizon}; currency "
        f"{scenario.currency}; {result.paths:,} simulated paths ({result.method} quantiles)."
    ]
    for t in scenario.targets:
        lines.append(
            f"Target {t.name!r}: {t.level:g}% of GDP by {t.deadline_for(result.horizon)}, "
            f"{t.path.shape.replace('_', ' ')} path"
            + ("" if t.allow_cuts else "; allies above it keep their share")
            + "."
        )
    return lines


# -- tracker table ---------------------------------------------------------------------------------
def tracker_rows(found: TrackerResult) -> list[dict[str, Any]]:
    """The tracker's rows as display strings, in the tracker's own order."""
    rows = []
    for r in found.rows:
        aggregate = r["row_type"] == "aggregate"
        rows.append(
            {
                "iso3": r["iso3"],
                "country": r["country"],
                "aggregate": aggregate,
                "rank": "" if is_missing(r["rank"]) else str(int(r["rank"])),
                "milex_pct_gdp": number(r["milex_pct_gdp"]),
                "milex_pct_gdp_sipri": number(r["milex_pct_gdp_sipri"]),
                "equipment_pct": number(r["equipment_pct"], 1),
                "status_2": "" if aggregate else r["status_wales_2pct"],
                "status_20": "" if aggregate else r["status_wales_20pct_equipment"],
                "level_core": "" if aggregate else _core_level(r),
                "gap_2pct_usd_m": number(r["gap_2pct_usd_m"], 0),
                "gap_3_5pct_usd_m": number(r["gap_3_5pct_usd_m"], 0),
                "real_change_pct": number(r["real_change_pct"], 1),
                "reach": _reach(r),
                "marks": "recomputed" if aggregate else _marks(r),
                "note": "" if aggregate else (r["note"] or ""),
            }
        )
    return rows


def _marks(row: dict[str, Any]) -> str:
    law = NATIONAL_LAW_MARK[0] if row["national_2pct_law"] else ""
    return flag_marks(row["flags"]) + law


def _core_level(row: dict[str, Any]) -> str:
    """Whether the share is at the Hague core level (3.5%), as a status: the target is due in
    2035, so before its adoption the tracker's own status is "not applicable"."""
    from milex.present.charts.style import BAND_CORE, BAND_NO_FORCES, BAND_NONE, status_band

    band = status_band(row["iso3"], row["milex_pct_gdp"], row["note"] or "", row["flags"])
    return {BAND_CORE: "met", BAND_NONE: "no data", BAND_NO_FORCES: "not applicable"}.get(
        band, "not met"
    )


def _reach(row: dict[str, Any]) -> str:
    year = row.get("hague_reach_year")
    if year is not None and not is_missing(year):
        return str(int(year))
    note = row.get("hague_reach_note")
    note = note if isinstance(note, str) else ""
    return "not by 2100" if note.startswith("not by") else "–"


def history_rows(profile: CountryProfile) -> tuple[list[str], list[dict[str, Any]]]:
    """Years down, key measures across (as the CLI's country table), with flag marks."""
    m = profile.measures
    headers = [label for _, _, label, _ in HISTORY]
    rows = []
    for year in sorted(set(m["year"])):
        here = m[m["year"] == year]
        cells = []
        for measure, source, _, digits in HISTORY:
            hit = here[(here["measure"] == measure) & (here["source"] == source)]
            cells.append(number(hit["value"].iloc[0], digits) if len(hit) else "–")
        marks = flag_marks(";".join(here["flags"]), only=("estimate", "secondary"))
        rows.append({"year": f"{year}{marks}", "cells": cells})
    return headers, rows

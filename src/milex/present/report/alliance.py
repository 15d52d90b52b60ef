"""The alliance report's content: tracker, key charts, projection summary, sources, methods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from milex.present.report.context import (
    guidelines,
    merged_sources,
    number,
    projection_rows,
    projection_run,
    scenario_lines,
    stamp,
    svg_figure,
    tracker_rows,
    with_retrieval,
)

if TYPE_CHECKING:
    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset
    from milex.projection.engine import EngineName

SECTIONS = (
    ("summary", "Summary"),
    ("tracker", "The allies against the guidelines"),
    ("figures", "Charts"),
    ("projection", "What 3.5% by 2035 takes: projection"),
    ("sources", "Sources and editions"),
    ("methods", "Methods and notes"),
)


def alliance_context(
    ds: Dataset, year: int | None, scenario: Any, engine: EngineName = "auto"
) -> dict[str, Any]:
    from milex.analysis.tracking import summary_line, tracker
    from milex.present import charts
    from milex.present import figures as named
    from milex.present.charts.projection import default_entity

    found = tracker(year, dataset=ds)
    a = found.summary
    result = projection_run(scenario, ds, engine=engine)
    entity = default_entity(result)
    totals, totals_sources = named.totals_frame(ds)
    figures = [
        ("fig-tracker", charts.tracker_bars(found)),
        ("fig-tiles", charts.status_tiles(found)),
        ("fig-equipment", charts.equipment_scatter(found)),
        ("fig-totals", charts.alliance_totals(totals, totals_sources)),
    ]
    fans = [
        ("fig-fan-money", charts.projection_fan(result, entity, measure="spending")),
        ("fig-fan-share", charts.projection_fan(result, entity, measure="share_pct")),
    ]
    sources = merged_sources(a["sources"], totals_sources, result.sources())
    return {
        "title": f"NATO defence spending: the allies against the guidelines, {a['year']}",
        "year": a["year"],
        "stamp": stamp(ds),
        "sections": SECTIONS,
        "summary": summary_line(found),
        "as_of": a["as_of"],
        "key_figures": _key_figures(found),
        "tracker": tracker_rows(found),
        "tracker_notes": [
            *a["notes"],
            *(f"{c['iso3']}: {c['note']}" for c in a["aggregate_checks"]),
        ],
        "figures": [{"id": key, "svg": svg_figure(chart, key)} for key, chart in figures],
        "fans": [{"id": key, "svg": svg_figure(chart, key)} for key, chart in fans],
        "projection": {
            "entity": entity,
            "scenario": scenario_lines(result),
            "rows": projection_rows(result),
            "currency": result.scenario.currency,
            "notes": list(result.notes),
        },
        "sources": with_retrieval(ds, sources),
        "guidelines": guidelines(),
    }


def _key_figures(found: TrackerResult) -> list[tuple[str, str]]:
    a = found.summary
    aggregates = {r["iso3"]: r for r in found.rows if r["row_type"] == "aggregate"}
    core = f"{a['count_at_or_above_3_5pct']}"
    if a.get("count_rounded_at_3_5pct"):
        core += f" (and {a['count_rounded_at_3_5pct']} at 3.5 as rounded in the source)"
    out = [
        ("Allies with NATO figures", a["coverage"]),
        (
            "Allies at or above 2% of GDP",
            f"{a['count_at_or_above_2pct']} of {a['allies_with_figures']} with figures",
        ),
        ("Allies at or above 3.5% of GDP", core),
        (
            "Allies spending 20% or more on major equipment",
            f"{a['count_equipment_20pct']} of {a['allies_with_equipment']} with an equipment share",
        ),
    ]
    for code, label in (("NATO", "NATO total"), ("NATO_EU_CA", "European allies and Canada")):
        if code in aggregates:
            row = aggregates[code]
            out.append((f"{label}, % of GDP", _or_why(number(row["milex_pct_gdp"]), a)))
            usd = row["milex_usd_m"]
            money = "" if usd is None or usd != usd else f"{usd / 1000:,.0f}"
            out.append((f"{label}, spending (USD bn)", _or_why(money, a)))
    return out


def _or_why(text: str, attrs: Mapping[Any, Any]) -> str:
    """A figure, or why a partial year has none (never "nan" or a bare dash)."""
    if text and text not in ("–", "-", "nan"):
        return text
    return f"not computed: {attrs['coverage']}" if attrs.get("partial") else "not available"

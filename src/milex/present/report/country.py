"""A country brief's content: profile, status and gaps, charts, history, projection, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milex.data.schema import is_missing
from milex.errors import MilexError
from milex.present.report.context import (
    GUIDELINE_COLUMNS,
    guidelines,
    history_rows,
    merged_sources,
    number,
    projection_rows,
    projection_run,
    scenario_lines,
    stamp,
    svg_figure,
    with_retrieval,
)

if TYPE_CHECKING:
    from milex.analysis.profile import CountryProfile
    from milex.data.store import Dataset
    from milex.projection.engine import EngineName


def country_context(
    ds: Dataset, country: str, year: int | None, scenario: Any, engine: EngineName = "auto"
) -> dict[str, Any]:
    from milex.analysis.profile import country_profile
    from milex.analysis.tracking import tracker
    from milex.present import charts

    profile = country_profile(country, year, dataset=ds)
    s = profile.status
    if s.get("note") == "no armed forces":
        raise MilexError(
            f"{profile.name} has no armed forces and no defence-expenditure figures: no brief"
        )
    found = tracker(profile.year, dataset=ds)
    default = {"countries": [profile.iso3], "currency": "national"}
    result = projection_run(scenario, ds, default, engine=engine)
    if profile.iso3 not in result.entities:
        raise MilexError(
            f"the scenario does not cover {profile.name} ({profile.iso3}); it covers "
            f"{', '.join(result.entities)}"
        )
    figures = [
        ("fig-country", charts.country_share(profile)),
        ("fig-tracker", charts.tracker_bars(found, highlight=profile.iso3)),
        ("fig-fan-money", charts.projection_fan(result, profile.iso3, measure="spending")),
    ]
    headers, history = history_rows(profile)
    sources = merged_sources(profile.sources(), found.sources(), result.sources())
    return {
        "title": f"{profile.name}: defence spending brief, {profile.year}",
        "name": profile.name,
        "iso3": profile.iso3,
        "year": profile.year,
        "joined": profile.joined_nato,
        "stamp": stamp(ds),
        "headline": _headline(profile, found.summary["allies_with_figures"]),
        "as_of": found.summary["as_of"],
        "opening": [n for n in profile.notes if n.startswith("No NATO figure yet")],
        "statuses": _statuses(profile),
        "gaps": _gaps(profile),
        "reach": _reach(profile),
        "figures": [{"id": key, "svg": svg_figure(chart, key)} for key, chart in figures],
        "history_headers": headers,
        "history": history,
        "projection": {
            "scenario": scenario_lines(result),
            "rows": projection_rows(result, only=profile.iso3),
            "notes": list(result.notes),
        },
        "fiscal": _fiscal(ds, profile.iso3),
        "notes": found.notes,
        "sources": with_retrieval(ds, sources),
        "guidelines": guidelines(),
    }


def _headline(profile: CountryProfile, allies: int) -> list[tuple[str, str]]:
    s = profile.status
    rank = "–" if is_missing(s["rank"]) else f"{int(s['rank'])} of {allies}"
    return [
        (f"NATO: defence expenditure, % of GDP ({profile.year})", number(s["milex_pct_gdp"])),
        ("Rank among allies", rank),
        ("SIPRI: military expenditure, % of GDP", number(s["milex_pct_gdp_sipri"])),
        ("Major equipment, % of defence expenditure", number(s["equipment_pct"], 1)),
        *(
            [(f"Defence expenditure, {s['currency']} m", number(s["milex_lcu_m"], 0))]
            if s["currency"] != "USD"
            else []
        ),
        ("Defence expenditure, USD m", number(s["milex_usd_m"], 0)),
        ("Real change on the previous year, %", number(s["real_change_pct"], 1)),
        ("NATO member since", str(profile.joined_nato or "–")),
    ]


def _statuses(profile: CountryProfile) -> list[dict[str, str]]:
    from milex.analysis.commitments import BY_ID

    s = profile.status
    out = []
    for rule, label in GUIDELINE_COLUMNS:
        equipment = BY_ID[rule].metric == "equipment_pct"
        out.append(
            {
                "label": label,
                "status": s[f"status_{rule}"],
                "figure": number(s["equipment_pct"] if equipment else s["milex_pct_gdp"], 2),
                "unit": "% of defence expenditure" if equipment else "% of GDP",
                "guideline": BY_ID[rule].summary,
            }
        )
    return out


def _gaps(profile: CountryProfile) -> dict[str, Any]:
    """Gaps in national currency, US dollars and euros: each currency once (no USD twice)."""
    s = profile.status
    units: dict[str, str] = {}
    for key, currency in (("lcu", s["currency"]), ("usd", "USD"), ("eur", "EUR")):
        units.setdefault(currency, key)
    rows = [
        {"label": label, "cells": [number(s[f"gap_{gap}_{key}_m"], 0) for key in units.values()]}
        for gap, label in (("2pct", "to reach 2% of GDP"), ("3_5pct", "to reach 3.5% of GDP"))
    ]
    why = ""
    if is_missing(s["milex_pct_gdp"]):
        why = f"Not computed: no NATO share of GDP for {profile.name} in {profile.year}."
    elif all(is_missing(s[f"gap_2pct_{key}_m"]) for key in units.values()):
        why = (
            f"Not computed: NATO's {profile.year} figures for {profile.name} give its share of GDP "
            "but no spending in money."
        )
    return {"columns": [f"{currency} m" for currency in units], "rows": rows, "why": why}


def _reach(profile: CountryProfile) -> str:
    reach = profile.reach
    if reach.year is None:
        return f"At its recent trend it would not reach 3.5% of GDP: {reach.note}."
    if reach.year <= (reach.newest_year or reach.base_year):
        return f"Already at or above 3.5% of GDP: {reach.note}."
    return (
        f"At its recent trend ({reach.note}) {profile.name} would reach 3.5% of GDP in "
        f"{reach.year}."
    )


def _fiscal(ds: Dataset, iso3: str) -> dict[str, Any] | None:
    """Paying for 3.5% (straight to 3.5% by 2035, borrowed): the verdict, the years, the debt
    chart, the escape clause and SAFE with their sources; None where the WEO lacks a series."""
    from milex.finance.fiscal import fiscal
    from milex.present.charts.fiscal import fiscal_chart

    result = fiscal([iso3], dataset=ds, paths=500)
    ally = result.ally(iso3)
    if ally.missing:
        return None
    keys = ("year", "extra_pct", "deficit_base_pct", "deficit_pct", "debt_base_pct", "debt_pct",
            "debt_p5_pct", "debt_p95_pct", "clause_headroom_pct")  # fmt: skip
    return {
        "verdict": ally.verdict,
        "rows": [{k: r[k] for k in keys} for r in ally.rows],
        "clause": ally.clause,
        "safe": ally.safe,
        "eu": ally.eu,
        "notes": list(result.notes),
        "svg": svg_figure(fiscal_chart(result, iso3, "debt"), "fig-fiscal-debt"),
    }

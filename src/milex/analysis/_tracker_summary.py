"""What a tracker year adds up to: counts against each guideline, the aggregates' checks, notes
and the sources used, and the one-line summary every view prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from milex.analysis._tracker_cells import (
    YearData,
)
from milex.analysis.commitments import AT_ROUNDED, MET, level
from milex.analysis.coverage import (
    as_of,
    headline,
    missing_phrase,
    with_figures,
)
from milex.data.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    from milex.data.store import Dataset


#: Guidelines the tracker reports a status for (the Hague 1.5% and 5% lack published figures yet).
STATUS_GUIDELINES = (
    "wales_2pct",
    "wales_20pct_equipment",
    "vilnius_2pct_floor",
    "hague_core_3_5pct",
)


GAP_THRESHOLDS = {"2pct": 2.0, "3_5pct": 3.5}


# -- metadata --------------------------------------------------------------------------------------
def year_summary(
    ds: Dataset,
    rows: list[dict[str, Any]],
    aggregates: list[dict[str, Any]],
    data: YearData,
    eur_per_usd: float | None,
    bloc: str,
    sipri_editions: set[str],
) -> dict[str, Any]:
    allies = [r for r in rows if r["iso3"] not in NO_ARMED_FORCES]
    counted = [r for r in allies if r["milex_pct_gdp"] is not None]
    counts = _counts(allies, counted)
    without = [r["country"] for r in allies if r["milex_pct_gdp"] is None]
    definitions = ds.definitions({("nato", e) for e in data.editions})
    notes = _notes(data.year, len(allies), counted, without, definitions, eur_per_usd)
    notes += _flag_notes([*rows, *aggregates], data.year, counts)
    used = {("nato", e) for e in _all_editions(rows)} | {("sipri", e) for e in sipri_editions}
    estimated = bool(counted) and all("estimate" in (r["flags"] or "") for r in counted)
    return {
        "year": data.year,
        "bloc": bloc.upper(),
        "allies": len(allies),
        "allies_with_figures": len(counted),
        "allies_without_figures": without,
        "allies_without_iso3": [r["iso3"] for r in allies if r["milex_pct_gdp"] is None],
        "partial": bool(without),
        "estimated": estimated,
        "coverage": with_figures(len(counted), len(allies)),
        "missing_note": missing_phrase(without, data.year),
        "as_of": as_of(ds, used),
        "source_urls": _source_urls(rows),
        **counts,
        "aggregate_checks": [_aggregate_check(r) for r in aggregates],
        "eur_per_usd": eur_per_usd,
        "editions": definitions,
        "notes": notes,
        "sources": ds.citations(used),
    }


def _counts(allies: list[dict[str, Any]], counted: list[dict[str, Any]]) -> dict[str, Any]:
    """Allies meeting each guideline, at or above each gap threshold, and at it as rounded."""
    counts: dict[str, Any] = {
        f"count_{rule}": sum(r[f"status_{rule}"] == MET for r in counted)
        for rule in STATUS_GUIDELINES
    }
    for label, threshold in GAP_THRESHOLDS.items():
        judged = {r["iso3"]: _level(r, threshold) for r in counted}
        touching = [r for r in counted if judged[r["iso3"]] == AT_ROUNDED]
        counts[f"count_at_or_above_{label}"] = sum(v == MET for v in judged.values())
        counts[f"count_rounded_at_{label}"] = len(touching)
        counts[f"rounded_at_{label}"] = [r["country"] for r in touching]
    # every ally with an equipment share counts, whether or not it has a share of GDP, so the
    # count agrees with the table (Czechia's 2026 equipment share came without one)
    equipment = [r["equipment_pct"] for r in allies if r["equipment_pct"] is not None]
    counts["count_equipment_20pct"] = sum(e >= 20.0 for e in equipment)
    counts["allies_with_equipment"] = len(equipment)
    return counts


def _aggregate_check(row: dict[str, Any]) -> dict[str, Any]:
    """An aggregate's share as computed from its members beside the one NATO published."""
    computed, published = row["milex_pct_gdp"], row["published_pct_gdp"]
    difference = None if computed is None or published is None else computed - published
    return {"iso3": row["iso3"], "computed": computed, "published": published,
            "difference_pp": difference, "note": row["note"]}  # fmt: skip


def _notes(
    year: int,
    allies: int,
    counted: list[dict[str, Any]],
    without: list[str],
    definitions: dict[str, str],
    eur_per_usd: float | None,
) -> list[str]:
    """What every tracker says, and what this year's coverage, editions and rate add."""
    notes = [
        "Figures are NATO's; SIPRI's share of GDP is shown beside them, never merged.",
        "Gaps: extra spending in the year's money to reach the threshold on NATO's measure "
        "(spending x (threshold / share - 1)); zero when already met.",
        "Iceland has no armed forces: listed, but left out of counts and ranks, as NATO does.",
    ]
    if without:
        notes.append(
            f"Partial year: {len(counted)} of {allies} allies have a NATO figure for "
            f"{year}; no figure yet for {', '.join(without)}. Aggregates and their gaps are "
            "not computed (missing, not zero)."
        )
    if len(set(definitions.values())) > 1:
        listed = "; ".join(
            f"{edition}: {definition}" for edition, definition in sorted(definitions.items())
        )
        notes.append(
            f"Definition break: {year} figures come from editions with different "
            f"definitions ({listed}); each row names its edition. Compare across them with care."
        )
    if eur_per_usd:
        notes.append(f"EUR at NATO's exchange rate for {year}: {eur_per_usd:.4f} EUR per USD.")
    return notes


def _flag_notes(rows: list[dict[str, Any]], year: int, counts: dict[str, Any]) -> list[str]:
    """Notes for the flags the rows carry: estimates, secondary figures, rounded thresholds."""
    notes = []
    flags = [r["flags"] or "" for r in rows]
    if any("estimate" in f for f in flags):
        notes.append(f"{year} figures marked 'estimate' are NATO estimates.")
    if any("secondary" in f for f in flags):
        notes.append(
            "Figures marked 'secondary' are NATO's, as reported by the press or public code "
            "(NATO's own file for the edition was not available); each keeps its source URL."
        )
    for label, threshold in GAP_THRESHOLDS.items():
        if counts[f"rounded_at_{label}"]:
            notes.append(
                f"{', '.join(counts[f'rounded_at_{label}'])}: {threshold:g} as rounded in the "
                f"source, {AT_ROUNDED.split(' (')[0]}; counted apart, not as meeting {threshold:g}%."
            )
    return notes


def _level(row: dict[str, Any], threshold: float) -> str:
    return level(row["milex_pct_gdp"], threshold, rounded="rounded" in (row["flags"] or ""))


def _all_editions(rows: list[dict[str, Any]]) -> set[str]:
    """Every NATO edition a figure of the rows came from (shares, equipment, spending)."""
    keys = ("edition", "equipment_edition", "spending_edition")
    return {r[k] for r in rows if r["row_type"] == "ally" for k in keys if r.get(k)}


def _source_urls(rows: list[dict[str, Any]]) -> list[str]:
    """Every secondary figure's URL the rows used, each once, in row order."""
    return list(dict.fromkeys(url for r in rows for url in r.get("_urls", ())))


class Summarised(Protocol):
    """A tracker result: its year's summary."""

    @property
    def summary(self) -> Mapping[str, Any]: ...


def summary_line(found: Summarised) -> str:
    """What a journalist can quote: how many allies meet 2% and the Hague core target, of how
    many with figures, and who has none yet."""
    a = found.summary
    equipment = (
        f"{a['count_equipment_20pct']} of {a['allies_with_equipment']} allies with an equipment "
        "share spend 20% or more of it on major equipment."
        if a["allies_with_equipment"]
        else "No equipment shares published for this year."
    )
    return " ".join(p for p in (headline(a) + ".", equipment, a.get("missing_note", "")) if p)

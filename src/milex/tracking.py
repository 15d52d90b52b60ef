"""The commitment tracker: every ally against every guideline in a year, with the gap in money.

Figures are NATO's own (share of real GDP, equipment share, spending); SIPRI's share of GDP sits
beside them in its own column, never merged. Gaps use NATO's measure: the extra spending in the
year's money that would lift the ally's NATO share to the threshold, i.e. spending x (threshold /
share - 1). Aggregates are recomputed from that year's members exactly as NATO does (constant-price
spending over constant-price GDP, Iceland's GDP included) and checked against NATO's published rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from milex import hague
from milex.commitments import GUIDELINES, MET, spending_gap, status
from milex.errors import QueryError
from milex.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    import pandas as pd

    from milex.store import Dataset

TRACKED_BLOCS = ("NATO", "NATO_EU_CA")
NO_FORCES = NO_ARMED_FORCES
#: Guidelines the tracker reports a status for (the Hague 1.5% and 5% lack published figures yet).
STATUS_GUIDELINES = (
    "wales_2pct",
    "wales_20pct_equipment",
    "vilnius_2pct_floor",
    "hague_core_3_5pct",
)
NO_FIGURE = "no NATO figure for this year"
#: Per year: (allies with a NATO share of GDP, allies that were members), any edition.
Coverage = dict[int, tuple[int, int]]
GAP_THRESHOLDS = {"2pct": 2.0, "3_5pct": 3.5}
AGGREGATE_TOLERANCE_PP = 0.01
NATO_MEASURES = (
    "milex_pct_gdp",
    "equipment_pct",
    "milex_lcu",
    "milex_usd",
    "milex_usd_const",
    "gdp_usd_const",
    "milex_real_change_pct",
)

#: Output columns, in order; names are stable (documented in the README).
COLUMNS = (
    "row_type", "iso3", "country", "year", "rank", "milex_pct_gdp", "milex_pct_gdp_sipri",
    "equipment_pct", "status_wales_2pct", "status_wales_20pct_equipment",
    "status_vilnius_2pct_floor", "status_hague_core_3_5pct", "gap_2pct_lcu_m", "gap_2pct_usd_m",
    "gap_2pct_eur_m", "gap_3_5pct_lcu_m", "gap_3_5pct_usd_m", "gap_3_5pct_eur_m",
    "milex_lcu_m", "milex_usd_m", "currency", "real_change_pct", "national_2pct_law", "flags",
    "hague_path_pct", "hague_path_status", "national_plan_pct", "hague_reach_year",
    "hague_reach_note",
    "edition", "sipri_edition", "published_pct_gdp", "note",
)  # fmt: skip


@dataclass(frozen=True)
class TrackerRows:
    """The tracker without pandas: ally rows then aggregate rows (a column missing from a row is
    missing in the frame), and the ``attrs`` the frame carries. The terminal table prints from
    these, so a cold `milex tracker` need not import pandas (0.3 s of its second)."""

    rows: list[dict[str, Any]]
    attrs: dict[str, Any]

    def frame(self) -> pd.DataFrame:
        """The rows as the tracker's DataFrame: ``COLUMNS`` in order, ``attrs`` attached."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=list(COLUMNS))
        frame.attrs.update(self.attrs)
        return frame


@dataclass(frozen=True)
class YearData:
    """NATO figures for one year, by measure then ISO3, with flags and each ally's edition."""

    year: int
    values: dict[str, dict[str, float]]
    flags: dict[str, set[str]]
    editions: set[str]
    edition_of: dict[str, str] = field(default_factory=dict)  # the share's edition, per ally
    law: set[str] = field(default_factory=set)  # allies with NATO's '*' national 2% law


def available_years(ds: Dataset) -> list[int]:
    """Years with NATO share-of-GDP figures (the publisher's file or secondary restatements)."""
    return sorted(coverage(ds))


def coverage(ds: Dataset) -> Coverage:
    """Per year with NATO shares: (allies with a figure, allies that were members), any edition."""
    found = ds.sql_records(
        "SELECT year, list(DISTINCT iso3) AS allies FROM observations WHERE source = 'nato' "
        "AND measure = 'milex_pct_gdp' GROUP BY year ORDER BY year"
    )
    out = {}
    for row in found:
        year = int(row["year"])
        members = [m for m in ds.registry.members("NATO", year) if m not in NO_FORCES]
        out[year] = (len(set(row["allies"]) & set(members)), len(members))
    return out


def default_year(ds: Dataset, covered: Coverage | None = None) -> int:
    """The latest year in which every ally has a NATO figure (any edition); else NATO's file's.

    ``covered`` is ``coverage(ds)`` when the caller already has it.
    """
    covered = coverage(ds) if covered is None else covered
    complete = [y for y, (have, members) in covered.items() if have == members]
    return max(complete) if complete else ds.latest_year("milex_pct_gdp", "nato")


def partial_years(ds: Dataset, covered: Coverage | None = None) -> Coverage:
    """Years after the default year for which only some allies have figures."""
    covered = coverage(ds) if covered is None else covered
    start = default_year(ds, covered)
    return {y: c for y, c in covered.items() if y > start}


def tracker(
    year: int | None = None,
    bloc: str = "NATO",
    *,
    dataset: Dataset | None = None,
    edition: str = "best",
) -> pd.DataFrame:
    """One row per ally that was a member in ``year`` plus the bloc's aggregate rows.

    ``frame.attrs`` carries the counts, the aggregate checks, the sources and editions used and
    the notes a reader needs (estimates, secondary figures, the exchange rate used for euros).
    ``edition="best"`` takes each ally's figure from NATO's own file first, then the newest
    restatement; a named edition keeps only that edition's figures. When the year's figures come
    from editions with different definitions (the 2026 edition's "core defence expenditure"), a
    note says so and each row names its edition.
    """
    return tracker_rows(year, bloc, dataset=dataset, edition=edition).frame()


def tracker_rows(
    year: int | None = None,
    bloc: str = "NATO",
    *,
    dataset: Dataset | None = None,
    edition: str = "best",
) -> TrackerRows:
    """``tracker`` as row dicts and attrs, without pandas (see :func:`tracker`)."""
    from milex import load

    ds = dataset or load()
    year = _check_year(ds, year)
    members = _members(ds, bloc, year)
    data = _year_data(ds, year, members, edition)
    sipri_rows = ds.series_records("milex_pct_gdp", members, "sipri", year)
    sipri = _by_iso(sipri_rows)
    sipri_editions = {r["iso3"]: r["edition"] for r in sipri_rows}
    eur_per_usd = _eur_per_usd(data)
    rows = [_ally_row(ds, iso3, data, sipri, eur_per_usd) for iso3 in members]
    for row in rows:
        row["sipri_edition"] = sipri_editions.get(row["iso3"])
    _rank(rows)
    _hague(ds, rows, year)
    _reach_consistent(ds, rows, year)
    _plans(rows, year)
    aggregates = [_aggregate_row(ds, code, year, rows, data) for code in _aggregate_codes(bloc)]
    attrs = _attrs(ds, rows, aggregates, data, eur_per_usd, bloc, set(sipri_editions.values()))
    return TrackerRows([*rows, *aggregates], attrs)


# -- inputs ----------------------------------------------------------------------------------------
def _check_year(ds: Dataset, year: int | None) -> int:
    covered = coverage(ds)
    if year is None:
        return default_year(ds, covered)
    years = sorted(covered)
    if year not in years:
        partial = ", ".join(
            f"{y} ({h} of {m} allies)" for y, (h, m) in partial_years(ds, covered).items()
        )
        raise QueryError(
            f"no NATO figures for {year}; available: {years[0]}-{years[-1]}"
            + (f" (partial: {partial})" if partial else "")
        )
    return year


def _members(ds: Dataset, bloc: str, year: int) -> list[str]:
    code = bloc.strip().upper()
    if code not in TRACKED_BLOCS:
        import difflib

        close = difflib.get_close_matches(code, TRACKED_BLOCS, n=2)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise QueryError(
            f"the tracker covers NATO allies: bloc must be one of {', '.join(TRACKED_BLOCS)}, "
            f"not {bloc!r}{hint}"
        )
    return ds.registry.members(code, year)


def _year_data(ds: Dataset, year: int, members: list[str], edition: str = "best") -> YearData:
    values: dict[str, dict[str, float]] = {}
    flags: dict[str, set[str]] = {}
    editions: set[str] = set()
    edition_of: dict[str, str] = {}
    codes = [*members, *NO_FORCES]
    for measure in NATO_MEASURES:
        found = ds.series_records(measure, codes, "nato", year, edition=edition)
        values[measure] = _by_iso(found)
        if measure == "milex_pct_gdp":
            for r in found:
                flags[r["iso3"]] = {f for f in r["flags"].split(";") if f}
                editions.add(r["edition"])
                edition_of[r["iso3"]] = r["edition"]
    return YearData(year, values, flags, editions, edition_of, _national_laws(ds, year, codes))


def _national_laws(ds: Dataset, year: int, codes: list[str]) -> set[str]:
    """Allies NATO marks with '*' (national 2% law) in its newest own file up to ``year``.

    Restatements carry no '*', so a 2025 or 2026 figure keeps the mark of NATO's latest file.
    """
    found = ds.series_records("milex_pct_gdp", codes, "nato", (2014, year), include_secondary=False)
    latest = {r["iso3"]: r["flags"] for r in found}  # the query sorts by ally, then year
    return {iso3 for iso3, text in latest.items() if "national_2pct_law" in text.split(";")}


def _by_iso(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {r["iso3"]: float(r["value"]) for r in rows}


def _eur_per_usd(data: YearData) -> float | None:
    """NATO's own exchange rate for the year: Germany's euro spending over its dollar spending."""
    eur = data.values["milex_lcu"].get("DEU")
    usd = data.values["milex_usd"].get("DEU")
    return eur / usd if eur and usd else None


# -- rows ------------------------------------------------------------------------------------------
def _ally_row(
    ds: Dataset, iso3: str, data: YearData, sipri: dict[str, float], eur_per_usd: float | None
) -> dict[str, Any]:
    share = data.values["milex_pct_gdp"].get(iso3)
    equipment = data.values["equipment_pct"].get(iso3)
    lcu = data.values["milex_lcu"].get(iso3)
    usd = data.values["milex_usd"].get(iso3)
    flags = data.flags.get(iso3, set())
    applicable = iso3 not in NO_FORCES
    row: dict[str, Any] = {
        "row_type": "ally",
        "iso3": iso3,
        "country": ds.registry.name(iso3),
        "year": data.year,
        "rank": None,
        "milex_pct_gdp": share,
        "milex_pct_gdp_sipri": sipri.get(iso3),
        "equipment_pct": equipment,
        "milex_lcu_m": lcu,
        "milex_usd_m": usd,
        "currency": ds.registry.countries[iso3].currency,
        "real_change_pct": data.values["milex_real_change_pct"].get(iso3),
        "national_2pct_law": "national_2pct_law" in flags or iso3 in data.law,
        "flags": ";".join(sorted(flags - {"national_2pct_law"})),
        "edition": data.edition_of.get(iso3),
        "sipri_edition": None,
        "published_pct_gdp": None,
        "note": NO_FORCES.get(iso3, "" if share is not None else NO_FIGURE),
    }
    for rule in GUIDELINES:
        if rule.id in STATUS_GUIDELINES:
            value = equipment if rule.metric == "equipment_pct" else share
            row[f"status_{rule.id}"] = status(value, rule, data.year, applicable=applicable)
    eur_spending = None if eur_per_usd is None or usd is None else usd * eur_per_usd
    for label, threshold in GAP_THRESHOLDS.items():
        for unit, spending in (("lcu", lcu), ("usd", usd), ("eur", eur_spending)):
            row[f"gap_{label}_{unit}_m"] = (
                spending_gap(spending, share, threshold) if share and spending is not None else None
            )
    return row


def _hague(ds: Dataset, rows: list[dict[str, Any]], year: int) -> None:
    """Add the Hague path for the year (after the base year) and each ally's reach year."""
    start = hague.base_year(ds)
    allies = [r["iso3"] for r in rows if r["iso3"] not in NO_FORCES]
    reaches = hague.reach_years(ds, allies)
    for row in rows:
        found = reaches.get(row["iso3"])
        if found is None:
            row["hague_reach_note"] = NO_FORCES.get(row["iso3"], "")
            continue
        if found.base_share is not None and year > start:
            row["hague_path_pct"] = hague.path_value(found.base_share, start, year)
        row["hague_path_status"] = hague.path_status(
            row["milex_pct_gdp"], found.base_share, start, year
        )
        row["hague_reach_year"] = found.year
        row["hague_reach_note"] = found.note


def _rank(rows: list[dict[str, Any]]) -> None:
    """Rank allies by NATO share of GDP, highest first; no figure or no armed forces: no rank."""
    ranked = sorted(
        (r for r in rows if r["milex_pct_gdp"] is not None and r["iso3"] not in NO_FORCES),
        key=lambda r: -r["milex_pct_gdp"],
    )
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position


def _aggregate_codes(bloc: str) -> tuple[str, ...]:
    return ("NATO", "NATO_EU_CA") if bloc.upper() == "NATO" else ("NATO_EU_CA",)


def _aggregate_row(
    ds: Dataset, code: str, year: int, rows: list[dict[str, Any]], data: YearData
) -> dict[str, Any]:
    """A bloc total recomputed from its members that year, beside NATO's published figure."""
    members = [m for m in ds.registry.members(code, year) if m not in NO_FORCES]
    const = data.values["milex_usd_const"]
    gdp = data.values["gdp_usd_const"]
    have = [m for m in members if m in const and m in gdp]
    share = None
    if have and len(have) == len(members):
        denominator = sum(gdp[m] for m in have) + gdp.get("ISL", 0.0) * (
            "ISL" in ds.registry.members(code, year)
        )
        share = 100.0 * sum(const[m] for m in have) / denominator
    published = ds.aggregate_records("milex_pct_gdp", code, "nato", year)
    pub = float(published[0]["value"]) if published else None
    pub_edition = str(published[0]["edition"]) if published else None
    allies = [r for r in rows if r["iso3"] in members]
    allies_with = [r for r in allies if r["milex_pct_gdp"] is not None]
    complete = len(allies_with) == len(members)
    usd = [r["milex_usd_m"] for r in allies if r["milex_usd_m"] is not None]
    equip = [
        (r["equipment_pct"], r["milex_usd_m"])
        for r in allies
        if r["equipment_pct"] is not None and r["milex_usd_m"] is not None
    ]
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        row_type="aggregate",
        iso3=code,
        country=ds.registry.name(code),
        year=year,
        milex_pct_gdp=share,
        equipment_pct=(
            sum(e * w for e, w in equip) / sum(w for _, w in equip)
            if complete and equip and len(equip) == len(members)
            else None
        ),
        milex_usd_m=sum(usd) if complete and usd and len(usd) == len(members) else None,
        published_pct_gdp=pub,
        currency="USD",
        national_2pct_law=False,
        flags="derived",
        edition=pub_edition or next(iter(sorted(data.editions)), None),
        note=_aggregate_note(share, pub, len(have), len(members), pub_edition, len(allies_with)),
    )
    for label in GAP_THRESHOLDS:
        for unit in ("usd", "eur"):
            gaps = [r[f"gap_{label}_{unit}_m"] for r in allies]
            known = complete and all(g is not None for g in gaps)
            row[f"gap_{label}_{unit}_m"] = sum(gaps) if known else None  # missing, never 0
    return row


def _aggregate_note(
    share: float | None,
    published: float | None,
    have: int,
    members: int,
    edition: str | None = None,
    shares: int | None = None,
) -> str:
    if share is None:
        shown = (
            f"; NATO's published figure: {published:.2f}% ({edition} edition)" if published else ""
        )
        of = f" ({shares} have a share of GDP)" if shares is not None and shares != have else ""
        return (
            f"not computed: constant-price spending and GDP for {have} of {members} "
            f"members{of}{shown}"
        )
    if published is None:
        return f"computed from {members} members; NATO publishes no aggregate for this year"
    diff = share - published
    verdict = "matches" if abs(diff) <= AGGREGATE_TOLERANCE_PP else "DIFFERS from"
    return (
        f"computed from {members} members; {verdict} NATO's published {published:.4f}% "
        f"(difference {diff:+.4f} pp)"
    )


def _plans(rows: list[dict[str, Any]], year: int) -> None:
    """Each ally's national plan for the year where it states a share (see milex.plans)."""
    from milex.plans import plan_share

    for row in rows:
        row["national_plan_pct"] = plan_share(row["iso3"], year)


def _reach_consistent(ds: Dataset, rows: list[dict[str, Any]], year: int) -> None:
    """The 3.5% reach year never contradicts the year's own figure.

    An ally at or above 3.5% in ``year`` reached it in the first year its NATO figure did; an
    ally below 3.5% in ``year`` cannot have reached it by then at its trend, so that trend year
    is withdrawn with a note saying why.
    """
    threshold = hague.CORE.threshold
    allies = [r["iso3"] for r in rows if r["milex_pct_gdp"] is not None]
    history = ds.series_records("milex_pct_gdp", allies, "nato", (2014, year)) if allies else []
    for row in rows:
        share, reach = row["milex_pct_gdp"], row.get("hague_reach_year")
        if share is None:
            continue
        if share >= threshold and (reach is None or reach > year):
            own = [
                int(h["year"])
                for h in history
                if h["iso3"] == row["iso3"] and h["value"] >= threshold
            ]
            first = min(own, default=year)
            row["hague_reach_year"] = first
            row["hague_reach_note"] = f"reached: NATO figure at or above 3.5% from {first}"
        elif share < threshold and reach is not None and reach <= year:
            row["hague_reach_year"] = None
            row["hague_reach_note"] = (
                f"the recent trend gave {reach}, but NATO's {year} figure is {share:.2f}%: "
                "not reached"
            )


# -- metadata --------------------------------------------------------------------------------------
def _attrs(
    ds: Dataset,
    rows: list[dict[str, Any]],
    aggregates: list[dict[str, Any]],
    data: YearData,
    eur_per_usd: float | None,
    bloc: str,
    sipri_editions: set[str],
) -> dict[str, Any]:
    allies = [r for r in rows if r["iso3"] not in NO_FORCES]
    counted = [r for r in allies if r["milex_pct_gdp"] is not None]
    counts = {
        f"count_{rule}": sum(r[f"status_{rule}"] == MET for r in counted)
        for rule in STATUS_GUIDELINES
    }
    for label, threshold in GAP_THRESHOLDS.items():
        counts[f"count_at_or_above_{label}"] = sum(r["milex_pct_gdp"] >= threshold for r in counted)
    equipment = [r["equipment_pct"] for r in counted if r["equipment_pct"] is not None]
    counts["count_equipment_20pct"] = sum(e >= 20.0 for e in equipment)
    counts["allies_with_equipment"] = len(equipment)
    checks = []
    for r in aggregates:
        computed, published = r["milex_pct_gdp"], r["published_pct_gdp"]
        difference = None if computed is None or published is None else computed - published
        checks.append(
            {"iso3": r["iso3"], "computed": computed, "published": published,
             "difference_pp": difference, "note": r["note"]}
        )  # fmt: skip
    without = [r["country"] for r in allies if r["milex_pct_gdp"] is None]
    definitions = ds.definitions({("nato", e) for e in data.editions})
    notes = [
        "Figures are NATO's; SIPRI's share of GDP is shown beside them, never merged.",
        "Gaps: extra spending in the year's money to reach the threshold on NATO's measure "
        "(spending x (threshold / share - 1)); zero when already met.",
        "Iceland has no armed forces: listed, but left out of counts and ranks, as NATO does.",
    ]
    if without:
        notes.append(
            f"Partial year: {len(counted)} of {len(allies)} allies have a NATO figure for "
            f"{data.year}; no figure yet for {', '.join(without)}. Aggregates and their gaps are "
            "not computed (missing, not zero)."
        )
    if len(set(definitions.values())) > 1:
        listed = "; ".join(
            f"{edition}: {definition}" for edition, definition in sorted(definitions.items())
        )
        notes.append(
            f"Definition break: {data.year} figures come from editions with different "
            f"definitions ({listed}); each row names its edition. Compare across them with care."
        )
    if eur_per_usd:
        notes.append(f"EUR at NATO's exchange rate for {data.year}: {eur_per_usd:.4f} EUR per USD.")
    flags = [r["flags"] or "" for r in [*rows, *aggregates]]
    if any("estimate" in f for f in flags):
        notes.append(f"{data.year} figures marked 'estimate' are NATO estimates.")
    if any("secondary" in f for f in flags):
        notes.append(
            "Figures marked 'secondary' are NATO's, as reported by the press or public code "
            "(NATO's own file for the edition was not available); each keeps its source URL."
        )
    used = {("nato", e) for e in data.editions} | {("sipri", e) for e in sipri_editions}
    sources = ds.citations(used)
    return {
        "year": data.year,
        "bloc": bloc.upper(),
        "allies": len(allies),
        "allies_with_figures": len(counted),
        "allies_without_figures": without,
        "partial": bool(without),
        **counts,
        "aggregate_checks": checks,
        "eur_per_usd": eur_per_usd,
        "editions": definitions,
        "notes": notes,
        "sources": sources,
    }


def summary_line(found: pd.DataFrame | TrackerRows) -> str:
    """One sentence a journalist can quote: how many allies meet 2% and the Hague core target."""
    a = found.attrs
    partial = (
        f" (partial year: {a['allies_with_figures']} of {a['allies']} allies have figures)"
        if a.get("partial")
        else ""
    )
    return (
        f"{a['year']}{partial}: {a['count_at_or_above_2pct']} of {a['allies_with_figures']} "
        f"allies with figures at or above 2% of GDP; {a['count_at_or_above_3_5pct']} at or above "
        "3.5%; "
        + (
            f"{a['count_equipment_20pct']} of {a['allies_with_equipment']} spend 20% or more on "
            "major equipment."
            if a["allies_with_equipment"]
            else "no equipment shares published for this year."
        )
    )

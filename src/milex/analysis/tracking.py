"""The commitment tracker: every ally against every guideline in a year, with the gap in money.

Figures are NATO's own (share of real GDP, equipment share, spending); SIPRI's share of GDP sits
beside them in its own column, never merged. Gaps use NATO's measure: the extra spending in the
year's money that would lift the ally's NATO share to the threshold, i.e. spending x (threshold /
share - 1). Aggregates are recomputed from that year's members exactly as NATO does (constant-price
spending over constant-price GDP, Iceland's GDP included) and checked against NATO's published rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from milex.analysis import hague
from milex.analysis._tracker_cells import (
    CELL_MEASURES,
    Cell,
    Urls,
    YearData,
    cells,
    eur_per_usd,
    other_editions,
    year_data,
)
from milex.analysis._tracker_summary import (
    GAP_THRESHOLDS,
    STATUS_GUIDELINES,
    summary_line,
    year_summary,
)
from milex.analysis.commitments import GUIDELINES, spending_gap, status
from milex.analysis.coverage import (
    Coverage,
    available_years,
    coverage,
    default_year,
    partial_years,
)
from milex.data.registry import NO_ARMED_FORCES
from milex.errors import QueryError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

TRACKED_BLOCS = ("NATO", "NATO_EU_CA")
NO_FIGURE = "no NATO figure for this year"
__all__ = [
    "COLUMNS", "NO_FIGURE", "Coverage", "TrackerResult", "available_years", "coverage",
    "default_year", "partial_years", "row_order", "summary_line", "tracker",
]  # fmt: skip
#: A computed aggregate "matches" NATO's published one within this (README: 0.0001 pp; the
#: bundled years agree to 1e-15, while leaving out Iceland's GDP moves NATO's share 0.0015 pp).
AGGREGATE_TOLERANCE_PP = 1e-4


#: Output columns, in order; names are stable (documented in the README).
COLUMNS = (
    "row_type", "iso3", "country", "year", "rank", "milex_pct_gdp", "milex_pct_gdp_sipri",
    "equipment_pct", "status_wales_2pct", "status_wales_20pct_equipment",
    "status_vilnius_2pct_floor", "status_hague_core_3_5pct", "gap_2pct_lcu_m", "gap_2pct_usd_m",
    "gap_2pct_eur_m", "gap_3_5pct_lcu_m", "gap_3_5pct_usd_m", "gap_3_5pct_eur_m",
    "milex_lcu_m", "milex_usd_m", "currency", "real_change_pct", "national_2pct_law", "flags",
    "hague_path_pct", "hague_path_status", "national_plan_pct", "hague_reach_year",
    "hague_reach_note",
    "edition", "source_url", "origin", "equipment_edition", "equipment_flags",
    "equipment_source_url", "spending_edition", "spending_source_url", "sipri_edition",
    "sipri_source_url", "published_pct_gdp", "note", "coverage",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class TrackerResult(Result):
    """The tracker for one year: ally rows then aggregate rows (``COLUMNS``; a column missing
    from a row is missing in the frame) and ``summary``, what the year adds up to: the counts
    against each guideline, coverage, the aggregate checks, notes, editions and sources.

    Rows and summary are plain Python, so a cold `milex tracker` need not import pandas."""

    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    chart_kind: ClassVar[str] = "tracker"

    @property
    def year(self) -> int:
        return int(self.summary["year"])

    @property
    def notes(self) -> list[str]:
        return list(self.summary["notes"])

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame: ``COLUMNS`` in order."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.summary["sources"]]

    def allies(self) -> list[dict[str, Any]]:
        """The ally rows (no aggregates), in the tracker's order."""
        return [r for r in self.rows if r["row_type"] == "ally"]

    def chart(self, view: str = "bars", *, highlight: str | None = None) -> Any:
        """``view``: ``bars`` (each ally's share of GDP), ``equipment`` (equipment share against
        share of GDP), ``tiles`` (a tile per ally) or ``map``; ``highlight``: an ally's ISO3."""
        return super().chart(view, highlight=highlight)

    def with_rows(self, rows: list[dict[str, Any]]) -> TrackerResult:
        """The same year with its rows re-ordered or filtered (the summary is unchanged)."""
        return replace(self, rows=rows)


def tracker(
    year: int | None = None,
    bloc: str = "NATO",
    *,
    dataset: Dataset | None = None,
    edition: str = "best",
) -> TrackerResult:
    """One row per ally that was a member in ``year`` plus the bloc's aggregate rows.

    ``result.summary`` carries the counts, the aggregate checks, the sources and editions used
    and the notes a reader needs (estimates, secondary figures, the exchange rate used for euros);
    ``result.frame()`` is the table. ``edition="best"`` takes each ally's figure from NATO's own
    file first, then the newest restatement; a named edition keeps only that edition's figures.
    When the year's figures come from editions with different definitions (the 2026 edition's
    "core defence expenditure"), a note says so and each row names its edition.
    """
    from milex.data.store import Dataset

    ds = dataset or Dataset.open()
    year = _check_year(ds, year)
    members = _members(ds, bloc, year)
    data = year_data(ds, year, members, edition)
    sipri = cells(ds.series_records("milex_pct_gdp", members, "sipri", year))
    sipri_editions = {c.edition for c in sipri.values()}
    rate = eur_per_usd(data)
    urls = Urls(ds)
    rows = [_ally_row(ds, iso3, data, sipri, rate, urls) for iso3 in members]
    _rank(rows)
    rows.sort(key=row_order)
    _hague(ds, rows, year)
    _plans(rows, year)
    aggregates = [_aggregate_row(ds, code, year, rows, data) for code in _aggregate_codes(bloc)]
    summary = year_summary(ds, rows, aggregates, data, rate, bloc, sipri_editions)
    for row in [*rows, *aggregates]:
        row.pop("_urls", None)
        for column in COLUMNS:
            row.setdefault(column, None)
        row["coverage"] = f"{data.year}: {summary['coverage']}"  # every file says how partial
    return TrackerResult([*rows, *aggregates], summary)


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


def _ally_row(
    ds: Dataset,
    iso3: str,
    data: YearData,
    sipri: dict[str, Cell],
    eur_per_usd: float | None,
    urls: Urls,
) -> dict[str, Any]:
    cell = {col: data.cells[m].get(iso3) for col, m in CELL_MEASURES.items()}
    value = {col: None if c is None else c.value for col, c in cell.items()}
    share = value["milex_pct_gdp"]
    lcu, usd = value["milex_lcu_m"], value["milex_usd_m"]
    share_cell, equipment_cell = cell["milex_pct_gdp"], cell["equipment_pct"]
    spending_cell = cell["milex_usd_m"] or cell["milex_lcu_m"]
    flags = set(share_cell.flags) if share_cell else set()
    applicable = iso3 not in NO_ARMED_FORCES
    row: dict[str, Any] = {
        "row_type": "ally",
        "iso3": iso3,
        "country": ds.registry.name(iso3),
        "year": data.year,
        "rank": None,
        **value,
        "milex_pct_gdp_sipri": sipri[iso3].value if iso3 in sipri else None,
        "currency": ds.registry.countries[iso3].currency,
        "national_2pct_law": "national_2pct_law" in flags or iso3 in data.law,
        "flags": ";".join(sorted(flags - {"national_2pct_law"})),
        "edition": data.edition_of.get(iso3),
        "source_url": urls.of("nato", share_cell),
        "origin": share_cell.origin if share_cell else None,
        "equipment_edition": equipment_cell.edition if equipment_cell else None,
        "equipment_flags": ";".join(sorted(equipment_cell.flags)) if equipment_cell else None,
        "equipment_source_url": urls.of("nato", equipment_cell),
        "spending_edition": spending_cell.edition if spending_cell else None,
        "spending_source_url": urls.of("nato", spending_cell),
        "sipri_edition": sipri[iso3].edition if iso3 in sipri else None,
        "sipri_source_url": urls.of("sipri", sipri.get(iso3)),
        "published_pct_gdp": None,
        "note": NO_ARMED_FORCES.get(iso3, "" if share is not None else NO_FIGURE),
    }
    for rule in GUIDELINES:
        if rule.id in STATUS_GUIDELINES:
            measured = equipment_cell if rule.metric == "equipment_pct" else share_cell
            row[f"status_{rule.id}"] = status(
                None if measured is None else measured.value, rule, data.year,
                applicable=applicable, rounded=measured is not None and "rounded" in measured.flags,
            )  # fmt: skip
    eur_spending = None if eur_per_usd is None or usd is None else usd * eur_per_usd
    for label, threshold in GAP_THRESHOLDS.items():
        for unit, spending in (("lcu", lcu), ("usd", usd), ("eur", eur_spending)):
            row[f"gap_{label}_{unit}_m"] = (
                spending_gap(spending, share, threshold) if share and spending is not None else None
            )
    other_editions(ds, row, cell)
    used = [*cell.values(), sipri.get(iso3)]
    row["_urls"] = [c.origin for c in used if c and c.origin.startswith(("http://", "https://"))]
    return row


def _hague(ds: Dataset, rows: list[dict[str, Any]], year: int) -> None:
    """Add the Hague path for the year (after the base year) and each ally's reach year."""
    start = hague.base_year(ds)
    allies = [r["iso3"] for r in rows if r["iso3"] not in NO_ARMED_FORCES]
    reaches = hague.reach_years(ds, allies)
    for row in rows:
        found = reaches.get(row["iso3"])
        if found is None:
            row["hague_reach_note"] = NO_ARMED_FORCES.get(row["iso3"], "")
            continue
        if found.base_share is not None and year > start:
            row["hague_path_pct"] = hague.path_value(found.base_share, start, year)
        row["hague_path_status"] = hague.path_status(
            row["milex_pct_gdp"], found.base_share, start, year
        )
        row["hague_reach_year"] = found.year
        row["hague_reach_note"] = found.note


def row_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """The tracker's one row order, in every table, file and chart: allies by rank (highest share
    of GDP first), then allies without a figure and those without armed forces by name, then the
    aggregates."""
    aggregate = row["row_type"] == "aggregate"
    rank = row.get("rank")
    if rank is None or rank != rank:
        return (aggregate, True, 0, row["country"])
    return (aggregate, False, int(rank), row["country"])


def _rank(rows: list[dict[str, Any]]) -> None:
    """Rank allies by NATO share of GDP, highest first; no figure or no armed forces: no rank."""
    ranked = sorted(
        (r for r in rows if r["milex_pct_gdp"] is not None and r["iso3"] not in NO_ARMED_FORCES),
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
    members = [m for m in ds.registry.members(code, year) if m not in NO_ARMED_FORCES]
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
    """Each ally's national plan for the year where it states a share (see milex.analysis.plans)."""
    from milex.analysis.plans import plan_share

    for row in rows:
        row["national_plan_pct"] = plan_share(row["iso3"], year)

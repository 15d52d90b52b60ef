"""Each ally's national plan against what the Hague pledge needs, and the 2029 review view.

Three levels per ally and year, never merged: the *line* (the straight line from NATO's base-year
share to 3.5% of GDP in 2035, :mod:`milex.analysis.hague`), the *plan* (stated figures from
:mod:`milex.analysis.plans`; between two stated years a straight line, labelled ``interpolated``; after
the last stated year the last level, labelled ``held after plan end``; money turned into a
share with IMF WEO nominal GDP, labelled ``from money``) and the *trend* (arithmetic at the
recent real growth, capped; not a forecast). The verdict compares plan and line.

Money: the cost of a plan is its extra spending over keeping the latest NATO share, (plan - latest)
/ 100 x IMF WEO nominal GDP of the year; the review's gap is the same with the line instead of the
plan, zero when the latest share is already at or above the line. USD and EUR use WEO's implied
rates (GDP in national currency over GDP in USD; EUR per USD from Germany's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from milex.analysis import hague
from milex.analysis.commitments import MET, level
from milex.analysis.plans import Plans, load_plans
from milex.data.plan_ledger import CURRENT, MONEY
from milex.data.registry import NO_ARMED_FORCES
from milex.errors import MilexError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.plan_ledger import PlanFigure
    from milex.data.store import Dataset

AT_OR_ABOVE, BELOW, NO_PLAN = "plan at or above the line", "plan below the line", "no plan"
STATED, INTERPOLATED, HELD, FROM_MONEY = (
    "stated",
    "interpolated",
    "held after plan end",
    "from money",
)
DEADLINE = hague.CORE.deadline or 2035
REVIEW_YEAR = 2029
RELATED_CEILING_PCT = 1.5
EURO_REFERENCE = "DEU"
PLAN_COLUMNS = (
    "iso3", "country", "year", "line_pct", "plan_pct", "plan_basis", "plan_definition",
    "trend_pct", "verdict", "latest_pct", "latest_year", "plan_cost_lcu_m", "plan_cost_usd_m",
    "plan_cost_eur_m", "currency", "plan_status", "plan_source", "plan_entry", "plan_gdp_used",
)  # fmt: skip
REVIEW_COLUMNS = (
    "iso3", "country", "review_year", "line_pct", "plan_pct", "plan_basis", "plan_definition",
    "trend_pct", "latest_pct", "latest_year", "latest_edition", "verdict", "trend_verdict",
    "gap_pp", "gap_lcu_m", "gap_usd_m", "gap_eur_m", "currency", "related_plan", "plan_source",
    "plan_entry", "plan_gdp_used",
)  # fmt: skip


@dataclass(frozen=True)
class PlanLevel:
    """The plan's share of GDP in one year and how it was obtained."""

    share: float
    basis: str
    figure: PlanFigure
    gdp_used: str = ""  # for a money figure: the IMF WEO GDP the share was computed on

    @property
    def entry(self) -> str:
        """The ledger row behind the level: 'budget (draft) 2025-09-30'."""
        return f"{self.figure.label} {self.figure.source_date.isoformat()}"


@dataclass(frozen=True)
class _Inputs:
    """What every comparison reads from the dataset, for a set of allies."""

    base_year: int
    latest: dict[str, tuple[int, float, str]]  # iso3 -> (year, share, edition)
    reaches: dict[str, hague.Reach]
    gdp_lcu: dict[str, dict[int, float]]
    lcu_per_usd: dict[str, dict[int, float]]
    eur_per_usd: dict[int, float]
    editions: set[tuple[str, str]]
    currency: dict[str, str]
    weo: str  # the IMF WEO edition of the GDP figures


def allies(ds: Dataset, countries: list[str] | None = None) -> list[str]:
    """NATO allies with armed forces as of the base year (or the given ones, resolved)."""
    if countries:
        codes = [ds.registry.resolve(c) for c in countries]
        bad = [c for c in codes if c in NO_ARMED_FORCES]
        if bad:
            raise MilexError(f"--country {bad[0]}: {NO_ARMED_FORCES[bad[0]]}; no plan to compare")
        return list(dict.fromkeys(codes))
    start = hague.base_year(ds)
    return [c for c in ds.registry.members("NATO", start) if c not in NO_ARMED_FORCES]


def _inputs(ds: Dataset, codes: list[str]) -> _Inputs:
    start = hague.base_year(ds)
    shares = ds.series("milex_pct_gdp", codes, "nato", (start, DEADLINE))
    latest: dict[str, tuple[int, float, str]] = {}
    editions: set[tuple[str, str]] = set()
    keep = shares["value"].notna()  # a missing value is never a figure
    for iso3, year, value, edition in zip(
        shares["iso3"][keep], shares["year"][keep], shares["value"][keep],
        shares["edition"][keep], strict=True,
    ):  # fmt: skip
        latest[str(iso3)] = (int(year), float(value), str(edition))
    editions |= {("nato", e) for _, _, e in latest.values()}
    weo_codes = sorted(set(codes) | {EURO_REFERENCE})
    money: dict[str, dict[str, dict[int, float]]] = {}
    for measure in ("gdp_lcu", "gdp_usd"):
        frame = ds.series(measure, weo_codes, "imf_weo", (start, DEADLINE))
        frame = frame[frame["value"].notna()]
        editions |= set(zip(frame["source"], frame["edition"], strict=True))
        table: dict[str, dict[int, float]] = {}
        for iso3, year, value in zip(frame["iso3"], frame["year"], frame["value"], strict=True):
            table.setdefault(str(iso3), {})[int(year)] = float(value)
        money[measure] = table
    rates = {
        c: {y: v / money["gdp_usd"][c][y] for y, v in years.items() if money["gdp_usd"].get(c, {}).get(y)}
        for c, years in money["gdp_lcu"].items()
    }  # fmt: skip
    return _Inputs(
        base_year=start,
        latest=latest,
        reaches=hague.reach_years(ds, codes, until=DEADLINE),
        gdp_lcu=money["gdp_lcu"],
        lcu_per_usd=rates,
        eur_per_usd=rates.get(EURO_REFERENCE, {}),
        editions=editions,
        currency={c: ds.registry.countries[c].currency for c in codes},
        weo="; ".join(sorted({e for s, e in editions if s == "imf_weo"})),
    )


def plan_levels(
    plans: Plans,
    iso3: str,
    start: tuple[int, float],
    gdp_lcu: dict[int, float],
    last_year: int = DEADLINE,
    gdp_edition: str = "",
) -> dict[int, PlanLevel]:
    """The plan's share per year to ``last_year``: stated, from money, interpolated or held.

    Each stated year takes the ledger's newest row of the strongest kind in force
    (:meth:`milex.analysis.plans.Plans.select`); a money figure is used only where no share is stated, as
    a share of ``gdp_lcu`` (IMF WEO nominal GDP, national currency m) named in ``gdp_used``.
    ``start`` is the latest NATO figure (year, share): the first stated year after it is reached
    by a straight line from it. Years up to the latest figure keep only what the plan stated.
    """
    points = {y: PlanLevel(f.value, STATED, f) for y, f in plans.core_points(iso3).items()}
    for year, f in plans.money_points(iso3).items():
        if year not in points and gdp_lcu.get(year):
            used = (
                f"IMF {gdp_edition or 'WEO'} GDP {year}: {gdp_lcu[year]:,.0f} m national currency"
            )
            points[year] = PlanLevel(100.0 * f.value / gdp_lcu[year], FROM_MONEY, f, used)
    out = {y: p for y, p in points.items() if y <= start[0]}
    ahead = sorted(y for y in points if start[0] < y <= last_year)
    if not ahead:
        return dict(sorted(out.items()))
    previous_year, previous_share = start
    for year in ahead:
        point = points[year]
        for between in range(previous_year + 1, year):
            step = (between - previous_year) / (year - previous_year)
            share = previous_share + (point.share - previous_share) * step
            out[between] = PlanLevel(share, INTERPOLATED, point.figure, point.gdp_used)
        out[year] = point
        previous_year, previous_share = year, point.share
    for after in range(ahead[-1] + 1, last_year + 1):
        last = points[ahead[-1]]
        out[after] = PlanLevel(last.share, HELD, last.figure, last.gdp_used)
    return dict(sorted(out.items()))


def verdict(plan: float | None, line: float | None) -> str:
    """Plan at or above the line, below it, or no plan (or no line to judge against)."""
    if plan is None or line is None:
        return NO_PLAN
    return AT_OR_ABOVE if level(plan, line) == MET else BELOW


def _money(inp: _Inputs, iso3: str, year: int, pct_points: float | None) -> tuple[Any, Any, Any]:
    """pct_points of the year's WEO GDP in national currency, USD and EUR (m); None if unknown."""
    gdp = inp.gdp_lcu.get(iso3, {}).get(year)
    if pct_points is None or gdp is None:
        return None, None, None
    lcu = pct_points / 100.0 * gdp
    currency = inp.currency.get(iso3)
    rate = 1.0 if currency == "USD" else inp.lcu_per_usd.get(iso3, {}).get(year)
    usd = lcu / rate if rate else None
    eur = usd * inp.eur_per_usd[year] if usd is not None and year in inp.eur_per_usd else None
    return lcu, usd, lcu if currency == "EUR" else eur  # the euro area converts at 1


def _line(inp: _Inputs, iso3: str, year: int) -> float | None:
    reach = inp.reaches.get(iso3)
    if reach is None or reach.base_share is None or year <= inp.base_year:
        return None
    return hague.path_value(reach.base_share, inp.base_year, year)


@dataclass(frozen=True, eq=False)
class PlansResult(Result):
    """Every ally and year to 2035 (``PLAN_COLUMNS``) and ``summary``: the base year, the
    ledger's trail of superseded entries, notes and sources."""

    table: pd.DataFrame = field(repr=False)
    summary: dict[str, Any]
    chart_kind: ClassVar[str] = "national-plans"

    def frame(self) -> pd.DataFrame:
        return self.table.copy()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.summary["sources"]]

    @property
    def notes(self) -> list[str]:
        return list(self.summary["notes"])


@dataclass(frozen=True, eq=False)
class ReviewResult(PlansResult):
    """The review year's row per ally (``REVIEW_COLUMNS``); ``summary`` adds the counts (plans at
    or above the line, below, none, held; trend and latest figure at or above) and the 1.5% leg."""

    chart_kind: ClassVar[str] = "hague-review"

    @property
    def year(self) -> int:
        return int(self.summary["review_year"])


def plans_table(
    ds: Dataset, countries: list[str] | None = None, *, plans: Plans | None = None
) -> PlansResult:
    """Every ally and year after the base year to 2035: line, plan, trend, verdict and cost."""

    plans = plans or load_plans()
    codes = allies(ds, countries)
    inp = _inputs(ds, codes)
    return PlansResult(_table(ds, inp, plans, codes), _attrs(ds, inp, plans, codes))


def _table(ds: Dataset, inp: _Inputs, plans: Plans, codes: list[str]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for iso3 in codes:
        latest = inp.latest.get(iso3)
        levels = (
            plan_levels(plans, iso3, latest[:2], inp.gdp_lcu.get(iso3, {}), DEADLINE, inp.weo)
            if latest
            else {}
        )
        reach = inp.reaches[iso3]
        for year in range(inp.base_year + 1, DEADLINE + 1):
            line, level = _line(inp, iso3, year), levels.get(year)
            cost = (level.share - latest[1]) if level and latest else None
            lcu, usd, eur = _money(inp, iso3, year, cost)
            rows.append({
                "iso3": iso3, "country": ds.registry.name(iso3), "year": year,
                "line_pct": line, "plan_pct": level.share if level else None,
                "plan_basis": level.basis if level else "",
                "plan_definition": level.figure.definition if level else "",
                "trend_pct": reach.level(year), "verdict": verdict(level.share if level else None, line),
                "latest_pct": latest[1] if latest else None,
                "latest_year": latest[0] if latest else None,
                "plan_cost_lcu_m": lcu, "plan_cost_usd_m": usd, "plan_cost_eur_m": eur,
                "currency": ds.registry.countries[iso3].currency,
                "plan_status": plans.status(iso3),
                "plan_source": level.figure.cite() if level else "",
                "plan_entry": level.entry if level else "",
                "plan_gdp_used": level.gdp_used if level else "",
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def review(ds: Dataset, year: int = REVIEW_YEAR, *, plans: Plans | None = None) -> ReviewResult:
    """The review view for ``year``: each ally's line, plan, trend, latest figure and money gap.

    ``result.summary`` carries the counts (allies whose plan is at or above the line, below, with no
    plan; how many of those rest on a held level; the trend and the latest figure at or above
    the line) and the 1.5% leg as a ceiling with the figures allies have stated for it.
    """
    import pandas as pd

    plans = plans or load_plans()
    start = hague.base_year(ds)
    if not start < year <= DEADLINE:
        raise MilexError(f"--review {year}: must be after the base year {start} and by {DEADLINE}")
    codes = allies(ds)
    inp = _inputs(ds, codes)
    table = _table(ds, inp, plans, codes)
    at = table[table["year"] == year].set_index("iso3")
    rows = []
    for iso3 in codes:
        r = at.loc[iso3]
        latest = inp.latest.get(iso3)
        line = _line(inp, iso3, year)
        gap = None if line is None or latest is None else max(0.0, line - latest[1])
        lcu, usd, eur = _money(inp, iso3, year, gap)
        trend = inp.reaches[iso3].level(year)
        rows.append({
            "iso3": iso3, "country": r["country"], "review_year": year, "line_pct": r["line_pct"],
            "plan_pct": r["plan_pct"], "plan_basis": r["plan_basis"],
            "plan_definition": r["plan_definition"], "trend_pct": trend,
            "latest_pct": latest[1] if latest else None,
            "latest_year": latest[0] if latest else None,
            "latest_edition": latest[2] if latest else "", "verdict": r["verdict"],
            "trend_verdict": verdict(trend, line).replace("plan", "trend"),
            "gap_pp": gap, "gap_lcu_m": lcu, "gap_usd_m": usd, "gap_eur_m": eur,
            "currency": r["currency"], "related_plan": _related(plans, iso3),
            "plan_source": r["plan_source"], "plan_entry": r["plan_entry"],
            "plan_gdp_used": r["plan_gdp_used"],
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    frame = frame.astype({"plan_pct": float, "line_pct": float, "trend_pct": float})
    attrs = _attrs(ds, inp, plans, codes)
    attrs.update(_counts(frame), review_year=year, related=_related_leg(ds, plans, codes))
    return ReviewResult(frame, attrs)


def _counts(frame: pd.DataFrame) -> dict[str, int]:
    latest_at = frame["latest_pct"].notna() & (frame["latest_pct"] >= frame["line_pct"] - 1e-9)
    return {
        "allies": len(frame),
        "count_plan_at_or_above": int((frame["verdict"] == AT_OR_ABOVE).sum()),
        "count_plan_below": int((frame["verdict"] == BELOW).sum()),
        "count_no_plan": int((frame["verdict"] == NO_PLAN).sum()),
        "count_plan_held": int((frame["plan_basis"] == HELD).sum()),
        "count_trend_at_or_above": int(
            (frame["trend_verdict"] == "trend at or above the line").sum()
        ),
        "count_latest_at_or_above": int(latest_at.sum()),
    }


def _related(plans: Plans, iso3: str) -> str:
    """What the ally has stated for the 1.5% leg or the 5% total, as text (never summed)."""
    parts = [
        f"{f.definition} {f.qualifier + ' ' if f.qualifier else ''}{f.value:g}% in {f.year}"
        for f in plans.for_country(iso3)
        if f.definition in ("related_1_5pct", "total_5pct")
    ]
    return "; ".join(parts)


def _related_leg(ds: Dataset, plans: Plans, codes: list[str]) -> dict[str, Any]:
    stated = {c: _related(plans, c) for c in codes if _related(plans, c)}
    reported: dict[str, str] = {}
    if "related_pct_gdp" in ds.measures():  # NATO's figures for the 1.5% leg, where published
        frame = ds.series("related_pct_gdp", codes, "nato")
        for iso3, year, value in zip(frame["iso3"], frame["year"], frame["value"], strict=True):
            if value == value:
                reported[str(iso3)] = f"{float(value):.2f}% in {int(year)}"
    return {
        "ceiling_pct": RELATED_CEILING_PCT,
        "kind": "up to",
        "stated": stated,
        "reported": reported,
        "note": (
            f"The Hague 1.5% leg is a ceiling ('up to {RELATED_CEILING_PCT}%') on what may count, "
            "not a floor: what allies have stated for it is listed, never summed with core "
            "defence as if binding; NATO's own figures for it, where published, are under 'reported'."
        ),
    }


def _attrs(ds: Dataset, inp: _Inputs, plans: Plans, codes: list[str]) -> dict[str, Any]:
    capped = [c for c in codes if inp.reaches[c].capped]
    breaks = sorted({e for _, _, e in inp.latest.values()})
    notes = [
        f"Line: straight from NATO's {inp.base_year} share to {hague.CORE.threshold}% of GDP in "
        f"{DEADLINE}. Plan: for each stated year the ledger's newest entry of the strongest "
        "kind in force (outturn > adopted budget > draft budget > adopted plan > draft plan > "
        "target; milex's national_plans.csv, flag national_plan, see plan_entry); between two "
        f"stated years '{INTERPOLATED}', after the last '{HELD}', money turned into a share of "
        f"IMF WEO GDP '{FROM_MONEY}' (the GDP used is in plan_gdp_used).",
        f"Trend: {hague.ARITHMETIC}; real growth in spending capped at "
        f"{hague.MAX_TREND_GROWTH_PCT:g}% a year"
        + (f" (capped: {', '.join(capped)})." if capped else "."),
        "Plans on a national definition (or the source does not say) are compared with NATO's "
        "measure as stated: see plan_definition.",
        "Money: extra spending over keeping the latest NATO share, on IMF WEO nominal GDP; "
        "blank after the WEO's last year.",
    ]
    if len(breaks) > 1:
        notes.append(
            "Latest figures come from several NATO editions (" + "; ".join(breaks) + "): "
            "compare across them with care where the definition changed."
        )
    trail = [
        f"{f.iso3} {f.year}{'-' + str(f.until) if f.until else ''} {f.label} {f.stated()}, "
        f"{f.source_date.isoformat()}"
        + (f" -> superseded by {f.superseded_by}" if f.superseded_by else f": {f.note}")
        for c in codes
        for f in plans.entries(c)
        if not f.in_force
    ]
    return {
        "base_year": inp.base_year,
        "plans_file": plans.path.name,
        "trail": trail,
        "plans_current": sum(1 for c in codes if plans.status(c) == "plan"),
        "notes": notes,
        "sources": ds.citations(inp.editions),
    }


__all__ = [
    "CURRENT", "MONEY", "PlansResult", "ReviewResult", "plan_levels", "plans_table", "review",
    "verdict",
]  # fmt: skip

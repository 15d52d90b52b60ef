"""Paying for 3.5%: per ally and year, what a spending path adds to the deficit and to debt if it is
borrowed, on the IMF WEO baseline, against the EU's reference values, the national escape clause
and SAFE loans.

The extra spending comes from :func:`milex.projection.project` (its central path and its fan); the
arithmetic is :mod:`milex.finance._debt`. It is arithmetic on the IMF's baseline, not a forecast:
no feedback from spending to growth, revenue or interest rates. The band (p5-p95) combines the
path's p5 and p95 share of GDP with the same debt in money over the projection's p95 and p5 GDP
(quantile paths taken together, not a joint quantile).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.errors import MilexError
from milex.finance import _debt as arithmetic
from milex.finance.tables import FinanceTables, bundled_tables
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset
    from milex.projection import ProjectionResult

PATHS = ("linear", "plans", "trend")
TARGET_RANGE = (0.5, 10.0)
WEO = "imf_weo"
MEASURES = {
    "debt": "govt_debt_pct_gdp",  # GGXWDG_NGDP
    "net_lending": "govt_net_lending_pct_gdp",  # GGXCNL_NGDP
    "gdp": "gdp_lcu",  # NGDP
    "primary": "govt_primary_net_lending_pct_gdp",  # GGXONLB_NGDP, not in the WEO 2025-10 snapshot
}
#: trend: real growth of NATO's constant-price series over these years, clipped to TREND_CLIP.
TREND_YEARS, TREND_EDITION, TREND_CLIP = (2019, 2024), "2014-2024 (2024-06-17)", (0.0, 10.0)
CLAUSE_REFERENCE_YEAR = 2021  # the escape clause measures the rise in defence spending from 2021
FRAME_COLUMNS = (
    "iso3", "name", "year", "share_pct", "extra_pct", "extra_p5_pct", "extra_p95_pct", "extra_eur_m",
    "extra_p5_eur_m", "extra_p95_eur_m", "gdp_eur_m", "nominal_growth_pct", "interest_pct",
    "deficit_base_pct", "deficit_pct", "deficit_p5_pct", "deficit_p95_pct", "debt_base_pct",
    "debt_pct", "debt_p5_pct", "debt_p95_pct", "clause_headroom_pct", "uncovered_pct", "baseline",
)  # fmt: skip


class FiscalError(MilexError):
    """Invalid fiscal parameters (unknown country, target out of range, an unknown path)."""


@dataclass(frozen=True)
class AllyFiscal:
    """One ally: its rows by year, its EU standing and a verdict in plain words."""

    iso3: str
    name: str
    eu: bool
    clause: dict[str, Any] | None  # the activation row, or None
    safe: dict[str, Any] | None  # the latest SAFE stage, or None
    rows: list[dict[str, Any]]
    verdict: str
    missing: tuple[str, ...] = ()
    #: Kiel's military aid to Ukraine, a memo line never added to the figures ("" without it)
    memo: str = ""

    def summary(self, horizon: int) -> dict[str, Any]:
        last = next((r for r in self.rows if r["year"] == horizon), None) or {}
        return {
            "iso3": self.iso3, "name": self.name, "eu": self.eu,
            "escape_clause": (f"{self.clause['first_year']}-{self.clause['last_year']}"
                              if self.clause else ""),
            "safe_eur_m": self.safe["eur_m"] if self.safe else None,
            "safe_stage": self.safe["stage"] if self.safe else "",
            "safe_pct_gdp": self.safe["pct_gdp"] if self.safe else None,
            "extra_pct": last.get("extra_pct"), "deficit_base_pct": last.get("deficit_base_pct"),
            "deficit_pct": last.get("deficit_pct"), "debt_base_pct": last.get("debt_base_pct"),
            "debt_pct": last.get("debt_pct"), "debt_p5_pct": last.get("debt_p5_pct"),
            "debt_p95_pct": last.get("debt_p95_pct"), "verdict": self.verdict,
            "ukraine_aid_memo": self.memo,
        }  # fmt: skip


@dataclass(frozen=True)
class FiscalResult(Result):
    """Per ally and year: extra spending, deficit and debt with and without it, and verdicts.

    ``chart(iso3, measure="debt")`` draws one ally's debt or deficit with and without the path."""

    chart_kind: ClassVar[str] = "fiscal"

    target: float
    by: int
    path: str
    base_year: int
    horizon: int
    allies: tuple[AllyFiscal, ...]
    notes: tuple[str, ...]
    sources_used: tuple[dict[str, str], ...] = field(repr=False)
    context: tuple[dict[str, Any], ...] = field(repr=False, default=())

    def records(self) -> list[dict[str, Any]]:
        return [row for ally in self.allies for row in ally.rows]

    def summary_records(self) -> list[dict[str, Any]]:
        return [ally.summary(self.horizon) for ally in self.allies]

    def frame(self) -> pd.DataFrame:
        """One row per ally and year (the columns of :data:`FRAME_COLUMNS`)."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=list(FRAME_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """One row per ally: the horizon's figures, SAFE, the escape clause and the verdict."""
        import pandas as pd

        return pd.DataFrame(self.summary_records())

    def ally(self, iso3: str) -> AllyFiscal:
        return next(a for a in self.allies if a.iso3 == iso3)

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]

    def meta(self) -> dict[str, Any]:
        return {
            "target": self.target, "by": self.by, "path": self.path,
            "base_year": self.base_year, "horizon": self.horizon,
            "sources": self.sources(), "notes": list(self.notes), "context": list(self.context),
        }  # fmt: skip


def fiscal(
    countries: str | list[str] | None = None,
    *,
    bloc: str | None = None,
    target: float = 3.5,
    by: int = 2035,
    path: str = "linear",
    paths: int = 2_000,
    interest_pct: float | None = None,
    dataset: Dataset | None = None,
) -> FiscalResult:
    """What a path to ``target`` % of GDP by ``by`` does to each ally's deficit and debt if borrowed.

    ``countries`` (ISO3 or names) or ``bloc`` (default NATO); ``path``: ``linear``, ``plans`` (each
    ally's national plan, linear where it has none) or ``trend`` (each ally's 2019-2024 real
    growth of defence spending, clipped to 0-10% a year); ``interest_pct`` fixes the interest rate
    on the extra debt (default: the WEO's implied rate where the snapshot has the primary balance,
    else nominal GDP growth).
    """
    from milex.projection import Scenario, ScenarioError, project

    if dataset is None:
        from milex.data.store import Dataset

        dataset = Dataset.open()
    scenario_dict = _scenario(dataset, countries, bloc, target, by, path, paths)
    try:
        result = project(Scenario.parse(scenario_dict), dataset)
    except ScenarioError as exc:
        raise FiscalError(str(exc)) from None
    return assess(result, dataset, target=target, by=by, path=path, interest_pct=interest_pct)


def _scenario(
    ds: Dataset, countries: Any, bloc: str | None, target: float, by: int, path: str, paths: int
) -> dict[str, Any]:
    if path not in PATHS:
        raise FiscalError(f"unknown path {path!r}; known: {', '.join(PATHS)}")
    if not TARGET_RANGE[0] <= target <= TARGET_RANGE[1]:
        raise FiscalError(
            f"target {target:g}% of GDP is out of range ({TARGET_RANGE[0]:g}-{TARGET_RANGE[1]:g})"
        )
    if not 2027 <= by <= 2050:
        raise FiscalError(f"--by {by} is out of range (2027-2050)")
    if countries is not None and bloc is not None:
        raise FiscalError("give countries or a bloc, not both")
    who: dict[str, Any]
    if countries is not None:
        names = countries.split(",") if isinstance(countries, str) else list(countries)
        codes = list(ds.registry.resolve_all([n.strip() for n in names], "fiscal").values())
        who = {"countries": codes}
    else:
        who = {"bloc": (bloc or "NATO").strip().upper()}
    spec: dict[str, Any] = {"target_pct": target, "deadline": by, "name": "core"}
    if path == "plans":
        spec["path"] = {"shape": "national_plans", "default": "linear"}
    elif path == "trend":
        growth = _trend_growth(ds, who)
        spec["path"] = {"shape": "constant_real_growth", "real_growth_pct": 0.0}
        spec["overrides"] = {
            c: {"path": {"shape": "constant_real_growth", "real_growth_pct": g}}
            for c, g in growth.items()
        }
    return {**who, "currency": "EUR", "horizon": max(by, 2035), "targets": [spec],
            "uncertainty": {"paths": paths}}  # fmt: skip


def _trend_growth(ds: Dataset, who: dict[str, Any]) -> dict[str, float]:
    """Each ally's average real growth of NATO's constant-price spending over TREND_YEARS."""
    first, last = TREND_YEARS
    rows = ds.series_records(
        "milex_usd_const", who.get("countries") or who["bloc"], "nato", [first, last],
        edition=TREND_EDITION,
    )  # fmt: skip
    by_country: dict[str, dict[int, float]] = {}
    for r in rows:
        by_country.setdefault(r["iso3"], {})[int(r["year"])] = float(r["value"])
    out = {}
    for iso3, values in by_country.items():
        if first in values and last in values and values[first] > 0:
            rate = ((values[last] / values[first]) ** (1 / (last - first)) - 1) * 100
            out[iso3] = float(np.clip(rate, *TREND_CLIP))
    return out


def _weo(ds: Dataset, codes: list[str]) -> tuple[dict[str, dict[str, dict[int, float]]], set[Any]]:
    """WEO series by measure key, country and year, and the (source, edition) pairs used."""
    out: dict[str, dict[str, dict[int, float]]] = {}
    used: set[Any] = set()
    have = set(ds.measures())
    for key, measure in MEASURES.items():
        out[key] = {}
        if measure not in have:
            continue
        for r in ds.series_records(measure, codes, WEO):
            out[key].setdefault(r["iso3"], {})[int(r["year"])] = float(r["value"])
            used.add((r["source"], r["edition"]))
    return out, used


def assess(
    result: ProjectionResult,
    ds: Dataset,
    *,
    target: float,
    by: int,
    path: str,
    interest_pct: float | None = None,
    tables: FinanceTables | None = None,
) -> FiscalResult:
    """The fiscal arithmetic on a finished projection (its countries, not its aggregates)."""
    tables = tables or bundled_tables()
    countries = [e for e in result.entities if e in ds.registry.countries]
    weo, used = _weo(ds, countries)
    shares_2021 = {
        r["iso3"]: float(r["value"])
        for r in ds.series_records("milex_pct_gdp", countries, "nato", [CLAUSE_REFERENCE_YEAR])
    }
    eu = set(ds.registry.members("EU", result.base_year))
    years = np.array(result.years)
    allies, notes = [], []
    memo = _memo()
    for iso3 in countries:
        ally = _ally(result, ds, iso3, years, weo, interest_pct, tables, eu, shares_2021)
        if iso3 in memo:
            ally = replace(ally, memo=memo[iso3])
        allies.append(ally)
        if ally.missing:
            notes.append(
                f"{iso3}: no IMF WEO {', '.join(ally.missing)}; deficit and debt not shown."
            )
    notes += _notes(result, weo, interest_pct)
    sources = [*ds.citations(used), *result.sources()]
    sources = list({(s["source"], s["edition"]): s for s in sources}.values())
    context = [
        {"programme": p.programme, "eur_m": p.eur_m, "text": p.text, **p.source.as_dict()}
        for p in tables.programmes
    ]
    return FiscalResult(target, by, path, result.base_year, result.horizon, tuple(allies),
                        tuple(notes), tuple(sources), tuple(context))  # fmt: skip


def _memo() -> dict[str, str]:
    """Kiel's memo lines from the user's last `data update --source kiel` (none: empty)."""
    from milex.data.update._kiel import load_memo

    try:
        return load_memo()
    except (OSError, KeyError, ValueError):  # an unreadable memo must not stop the arithmetic
        return {}


def _notes(result: ProjectionResult, weo: dict[str, Any], interest_pct: float | None) -> list[str]:
    if interest_pct is not None:
        rate = f"interest on the extra debt fixed at {interest_pct:g}% a year (given)"
    elif weo["primary"]:
        rate = "interest on the extra debt at the WEO's implied rate (net interest over last year's debt)"
    else:
        rate = (
            "interest on the extra debt equal to nominal GDP growth: the snapshot's WEO has no "
            "primary balance (GGXONLB_NGDP), so the WEO's implied interest rate cannot be derived"
        )
    return [
        "Arithmetic on the IMF WEO baseline, not a forecast: the extra spending is added to the "
        "deficit and borrowed; no feedback to growth, revenue or interest rates.",
        f"Baseline: WEO GGXWDG_NGDP (gross debt) and GGXCNL_NGDP (net lending) to the WEO's last "
        f"year, then net lending held and debt rolled forward with the WEO's last three years' "
        f"mean nominal growth and stock-flow adjustment; {rate}.",
        f"Extra spending: the path's share of GDP minus the {result.base_year} share; band p5-p95.",
        "EU reference values: deficit 3% and debt 60% of GDP; they bind EU members only.",
        "Escape clause: up to 1.5% of GDP a year of extra defence spending over its 2021 level "
        "(NATO share of GDP), for activated states only, 2025-2028.",
        "SAFE loans are financing, not extra demand: they pay for part of the path, and the debt "
        "is the same as any borrowing (on the EU's terms).",
    ]


def _ally(
    result: ProjectionResult, ds: Dataset, iso3: str, years: np.ndarray,
    weo: dict[str, dict[str, dict[int, float]]], interest_pct: float | None,
    tables: FinanceTables, eu: set[str], shares_2021: dict[str, float],
) -> AllyFiscal:  # fmt: skip
    e = result.entities.index(iso3)
    name = result.names[e]
    q = {m: result.series.index(("core", m)) for m in ("share_pct", "extra")}
    g = result.series.index(("", "gdp"))
    share_c, share_q = result.central[q["share_pct"], e], result.quantiles[:, q["share_pct"], e]
    base = share_c[0]
    x = {"c": share_c - base, "p5": share_q[0] - base, "p95": share_q[-1] - base}
    money = {"c": result.central[q["extra"], e], "p5": result.quantiles[0, q["extra"], e],
             "p95": result.quantiles[-1, q["extra"], e]}  # fmt: skip
    gdp_c, gdp_lo, gdp_hi = (
        result.central[g, e],
        result.quantiles[0, g, e],
        result.quantiles[-1, g, e],
    )
    clause, loan = tables.clause(iso3), tables.loan(iso3)
    safe = None
    if loan is not None:
        safe = {"eur_m": loan.eur_m, "stage": loan.stage, "dated": loan.dated.isoformat(),
                "pct_gdp": loan.eur_m / gdp_c[0] * 100, **loan.source.as_dict()}  # fmt: skip
    clause_row = None
    if clause is not None:
        clause_row = {"activated_on": clause.activated_on.isoformat(), "first_year": clause.first_year,
                      "last_year": clause.last_year, "max_pct_gdp": clause.max_pct_gdp,
                      **clause.source.as_dict()}  # fmt: skip
    missing = tuple(MEASURES[k] for k in ("debt", "net_lending", "gdp") if iso3 not in weo[k])
    try:
        baseline = None if missing else arithmetic.extend(
            years, {k: weo[k][iso3] for k in ("debt", "net_lending", "gdp")}
        )  # fmt: skip
    except KeyError as exc:
        missing, baseline = (f"{exc.args[0]} (needed for {result.base_year})",), None
    rows = []
    runs: dict[str, arithmetic.Borrowed] = {}
    if baseline is not None:
        rate = _interest(baseline, weo, iso3, interest_pct)
        runs = {k: arithmetic.borrow(baseline, x[k], rate) for k in x}
    ref = shares_2021.get(iso3, base)
    for t, year in enumerate(int(y) for y in years):
        row: dict[str, Any] = dict.fromkeys(FRAME_COLUMNS)
        row.update(iso3=iso3, name=name, year=year, share_pct=share_c[t], extra_pct=x["c"][t],
                   extra_p5_pct=x["p5"][t], extra_p95_pct=x["p95"][t], extra_eur_m=money["c"][t],
                   extra_p5_eur_m=money["p5"][t], extra_p95_eur_m=money["p95"][t],
                   gdp_eur_m=gdp_c[t])  # fmt: skip
        headroom = clause.max_pct_gdp if clause is not None and clause.covers(year) else 0.0
        row["clause_headroom_pct"] = headroom
        if baseline is not None:
            c, lo, hi = runs["c"], runs["p5"], runs["p95"]
            covered = min(max(share_c[t] - ref, 0.0), headroom) if headroom else 0.0
            extra_deficit = c.deficit_pct[t] - (-baseline.net_lending_pct[t])
            row.update(
                nominal_growth_pct=baseline.nominal_growth_pct[t] if t else None,
                interest_pct=rate[t] if t else None,
                deficit_base_pct=-baseline.net_lending_pct[t], deficit_pct=c.deficit_pct[t],
                deficit_p5_pct=lo.deficit_pct[t], deficit_p95_pct=hi.deficit_pct[t],
                debt_base_pct=baseline.debt_pct[t], debt_pct=c.debt_pct[t],
                debt_p5_pct=lo.debt_pct[t] * gdp_c[t] / gdp_hi[t],
                debt_p95_pct=hi.debt_pct[t] * gdp_c[t] / gdp_lo[t],
                uncovered_pct=max(extra_deficit - covered, 0.0),
                baseline="WEO" if year <= baseline.weo_last_year else "extended",
            )  # fmt: skip
        rows.append(row)
    verdict = verdict_text(rows, clause, iso3 in eu, missing, base_year=int(years[0]),
                           reference_share=ref)  # fmt: skip
    return AllyFiscal(iso3, name, iso3 in eu, clause_row, safe, rows, verdict, missing)


def _interest(
    baseline: arithmetic.Baseline, weo: dict[str, Any], iso3: str, fixed: float | None
) -> np.ndarray:
    if fixed is not None:
        return np.full(len(baseline.years), float(fixed))
    rate = baseline.nominal_growth_pct.copy()
    if iso3 in weo["primary"]:
        for t, year in enumerate(int(y) for y in baseline.years):
            implied = arithmetic.implied_interest(
                weo["primary"][iso3], weo["net_lending"][iso3], weo["debt"][iso3],
                weo["gdp"][iso3], min(year, baseline.weo_last_year),
            )  # fmt: skip
            if implied is not None:
                rate[t] = implied
    return rate


def verdict_text(
    rows: list[dict[str, Any]], clause: Any, eu: bool, missing: tuple[str, ...], *,
    base_year: int, reference_share: float | None = None,
) -> str:  # fmt: skip
    """The ally's standing in plain words, from its rows (central path); ``reference_share``
    is the 2021 share the escape clause measures the rise from."""
    if missing:
        return f"no verdict: the IMF WEO lacks {', '.join(missing)} for this ally"
    later = [r for r in rows if r["year"] > base_year]
    if not later or max(r["extra_pct"] for r in later) <= 1e-9:
        return f"the path adds nothing over its {base_year} share: no extra deficit"
    parts = []
    end = later[-1]
    if clause is not None:
        inside = [r for r in later if clause.covers(r["year"])]
        over = [r for r in inside if r["uncovered_pct"] > 0.005]
        if inside and not over:
            parts.append(f"within the escape clause to {clause.last_year}")
        elif reference_share is not None and all(r["share_pct"] <= reference_share for r in inside):
            parts.append(
                f"the escape clause covers none of it to {clause.last_year}: its share stays "
                f"below its {CLAUSE_REFERENCE_YEAR} level ({reference_share:.2f}% of GDP)"
            )
        elif over:
            worst = max(over, key=lambda r: r["uncovered_pct"])
            parts.append(
                f"exceeds the escape clause by {worst['uncovered_pct']:.1f}% of GDP in {worst['year']}"
            )
    else:
        parts.append("no escape clause activated" if eu else "outside the EU's fiscal rules")
    # the first year the extra deficit is not covered by the clause (every year without one)
    first = next((r for r in later if r["uncovered_pct"] > 0.005), None)
    if first is not None:
        need, grow = first["uncovered_pct"], end["uncovered_pct"]
        if need >= 0.05:
            text = (f"from {first['year']} needs {need:.1f}% of GDP a year of savings or revenue "
                    f"to hold its deficit")  # fmt: skip
            if grow - need >= 0.05:
                text += f" ({grow:.1f}% by {end['year']})"
        else:
            text = (f"from {first['year']} needs savings or revenue rising to {grow:.1f}% of GDP "
                    f"by {end['year']} to hold its deficit")  # fmt: skip
        parts.append(text)
    over3 = [r["year"] for r in later if r["deficit_pct"] > arithmetic.DEFICIT_REFERENCE]
    base3 = [r["year"] for r in later if r["deficit_base_pct"] > arithmetic.DEFICIT_REFERENCE]
    if over3 and eu:
        extra = f" ({len(base3)} on the baseline)" if base3 else " (none on the baseline)"
        parts.append(f"deficit above 3% of GDP in {len(over3)} of {len(later)} years{extra}")
    ref = " (60% reference)" if eu else ""
    parts.append(f"debt {end['debt_pct']:.0f}% of GDP in {end['year']}, "
                 f"{end['debt_base_pct']:.0f}% on the baseline{ref}")  # fmt: skip
    return "; ".join(parts)

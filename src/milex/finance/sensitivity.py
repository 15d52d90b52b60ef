"""What drives the cost: Sobol' first- and total-order indices of the horizon-year cost of a path
to a target and of the horizon-year debt ratio, over growth, inflation, interest and slippage.

The model for one design point (one value of every factor) is the fiscal arithmetic of
:mod:`milex.finance._debt` on the IMF WEO baseline, for the allies chosen:

- nominal GDP grows at the WEO's rate (the long-run mean after it), shifted by ``growth`` and
  ``inflation`` (pp a year; ``*_late`` add a further shift from the year after the WEO's last),
  plus AR(1) shocks (the projection's default sizes: growth 1.5 pp, inflation 1.0 pp, persistence
  0.5) averaged over ``paths`` Monte Carlo paths, the same draws at every design point (common
  random numbers, drawn once from ``seed``);
- the share of GDP rises linearly from the base share (shifted by ``base_share``) to ``target``
  reached ``slippage`` years after the deadline;
- the extra spending (share minus base share) is borrowed at nominal growth plus ``interest``
  (pp; ``interest_late`` adds from the year after the WEO's last), and baseline debt rolls with the
  WEO's net lending and stock-flow adjustment, shifted by ``stock_flow`` (pp of GDP a year).

Outputs: ``cost`` (extra spending in the horizon year, EUR m, summed over the allies, at the
base year's EUR value of GDP) and ``debt`` (gross debt in the horizon year, % of GDP, weighted by
base-year GDP). Indices use Saltelli's (2010) first-order and Jansen's total-order estimators on a
scrambled Sobol' design of ``(k + 2) x samples`` points. Every point is evaluated on the same
Monte Carlo draws, so a point's value depends on the point alone: the indices do not depend on how
the points are shared among worker processes, and a factor the output ignores gets exactly 0.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.errors import MilexError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset


@dataclass(frozen=True)
class Factor:
    name: str
    low: float
    high: float
    doc: str


#: Every factor the model knows, with its default range (uniform).
FACTORS = {
    f.name: f
    for f in (
        Factor("growth", -1.5, 1.5, "real GDP growth, pp a year, every year"),
        Factor("inflation", -1.0, 1.5, "GDP-deflator inflation, pp a year, every year"),
        Factor("interest", -1.0, 2.0, "interest on the extra debt over nominal growth, pp"),
        Factor("slippage", 0.0, 3.0, "years the target is reached after the deadline"),
        Factor("growth_late", -1.0, 1.0, "further growth shift after the WEO's last year, pp"),
        Factor("inflation_late", -1.0, 1.0, "further inflation shift after the WEO's last year"),
        Factor("interest_late", -1.0, 1.0, "further interest shift after the WEO's last year"),
        Factor("target", -0.5, 0.5, "target level, pp of GDP around the one given"),
        Factor("base_share", -0.2, 0.2, "error in the base-year share of GDP, pp"),
        Factor("stock_flow", -0.5, 0.5, "stock-flow adjustment, pp of GDP a year"),
    )
}
DEFAULT_FACTORS = ("growth", "inflation", "interest", "slippage")
OUTPUTS = ("cost", "debt")
SHOCKS = {"growth_sd": 1.5, "inflation_sd": 1.0, "persistence": 0.5}


@dataclass(frozen=True)
class Prepared:
    """Per ally arrays on the years base..horizon (axis 0: ally, axis 1: year)."""

    years: np.ndarray
    base_share: np.ndarray  # (A,)
    target: float
    deadline: int
    gdp_eur: np.ndarray  # (A,) base-year GDP, EUR m
    growth: np.ndarray  # (A, T) central nominal growth, fraction
    net_lending: np.ndarray  # (A, T) percent of GDP
    stock_flow: np.ndarray  # (A, T) percent of GDP
    debt0: np.ndarray  # (A,) base-year debt, percent of GDP
    weo_last: int
    factors: tuple[str, ...]
    shocks: np.ndarray  # (paths, T) AR(1) shocks to nominal growth, fraction
    sources: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class SensitivityResult(Result):
    """First- and total-order indices per factor and output, with their ranges and the variance."""

    chart_kind: ClassVar[str] = "sensitivity"

    factors: tuple[Factor, ...]
    first: dict[str, np.ndarray]
    total: dict[str, np.ndarray]
    variance: dict[str, float]
    mean: dict[str, float]
    samples: int
    paths: int
    countries: tuple[str, ...]
    horizon: int
    notes: tuple[str, ...] = field(default=())
    sources_used: tuple[dict[str, str], ...] = field(default=(), repr=False)

    def records(self) -> list[dict[str, Any]]:
        return [
            {"output": out, "factor": f.name, "low": f.low, "high": f.high, "doc": f.doc,
             "first_order": float(self.first[out][k]), "total_order": float(self.total[out][k])}
            for out in OUTPUTS for k, f in enumerate(self.factors)
        ]  # fmt: skip

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.records())

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def prepare(
    ds: Dataset, countries: list[str] | None, bloc: str | None, *, target: float, by: int,
    factors: tuple[str, ...], paths: int, seed: int = 1,
) -> Prepared:  # fmt: skip
    """The central fiscal result's arrays the model perturbs (one fiscal() run, few paths)."""
    from milex.finance.fiscal import fiscal

    unknown = [f for f in factors if f not in FACTORS]
    if unknown:
        raise MilexError(f"unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
    result = fiscal(countries, bloc=bloc, target=target, by=by, dataset=ds, paths=64)
    allies = [a for a in result.allies if not a.missing]
    if not allies:
        raise MilexError("no ally with the IMF WEO's debt, net lending and GDP to assess")
    years = np.array([r["year"] for r in allies[0].rows])

    def column(name: str) -> np.ndarray:
        return np.array([[np.nan if r[name] is None else r[name] for r in a.rows] for a in allies])

    growth = column("nominal_growth_pct") / 100
    growth[:, 0] = 0.0
    debt, nl = column("debt_base_pct"), -column("deficit_base_pct")
    flows = np.zeros_like(debt)
    flows[:, 1:] = debt[:, 1:] - debt[:, :-1] / (1 + growth[:, 1:]) + nl[:, 1:]
    gdp = column("gdp_eur_m")[:, 0]  # the projection's central GDP in the base year
    share = column("share_pct")
    weo_last = max((r["year"] for r in allies[0].rows if r["baseline"] == "WEO"), default=by)
    return Prepared(years, share[:, 0], target, by, gdp, growth, nl, flows, debt[:, 0],
                    int(weo_last), tuple(factors), _shocks(paths, len(years), seed),
                    tuple(result.sources()))  # fmt: skip


def _shocks(paths: int, years: int, seed: int) -> np.ndarray:
    """AR(1) shocks to nominal growth (growth and inflation shocks together), one row a path."""
    rng = np.random.default_rng(seed)
    rho = SHOCKS["persistence"]
    sd = np.hypot(SHOCKS["growth_sd"], SHOCKS["inflation_sd"]) / 100
    eps = rng.standard_normal((paths, years)) * sd * np.sqrt(1 - rho**2)
    out = np.zeros((paths, years))
    for t in range(1, years):
        out[:, t] = rho * out[:, t - 1] + eps[:, t]
    return out


def evaluate(prep: Prepared, point: np.ndarray) -> tuple[float, float]:
    """Mean cost and debt over the prepared paths at one design point (factor values)."""
    theta = dict.fromkeys(FACTORS, 0.0) | dict(zip(prep.factors, point.tolist(), strict=True))
    T, shock = len(prep.years), prep.shocks
    late = (prep.years > prep.weo_last).astype(float)
    shift = ((theta["growth"] + theta["growth_late"] * late) / 100,
             (theta["inflation"] + theta["inflation_late"] * late) / 100)  # fmt: skip
    # nominal growth (A, P, T): central, the factors' shifts, the path's shock
    n = ((1 + prep.growth[:, None, :]) * (1 + shift[0]) * (1 + shift[1]) - 1) + shock[None]
    n[:, :, 0] = 0.0
    base = prep.base_share + theta["base_share"]
    deadline = prep.deadline + theta["slippage"]
    progress = np.clip((prep.years - prep.years[0]) / (deadline - prep.years[0]), 0, 1)
    level = prep.target + theta["target"]
    extra = np.maximum(level - base, 0)[:, None] * progress[None, :]  # (A, T), % of GDP
    rate = prep.growth + (theta["interest"] + theta["interest_late"] * late) / 100  # (A, T)
    d = np.repeat(prep.debt0[:, None], len(shock), axis=1)
    e = np.zeros_like(d)
    for t in range(1, T):
        g = 1 + n[:, :, t]
        d = d / g - prep.net_lending[:, None, t] + prep.stock_flow[:, None, t] + theta["stock_flow"]
        e = e * (1 + rate[:, None, t]) / g + extra[:, None, t]
    gdp_h = prep.gdp_eur[:, None] * np.prod(1 + n[:, :, 1:], axis=2)  # (A, P)
    cost = (extra[:, -1, None] / 100 * gdp_h).sum(axis=0).mean()
    weights = prep.gdp_eur / prep.gdp_eur.sum()
    debt = (weights[:, None] * (d + e)).sum(axis=0).mean()
    return float(cost), float(debt)


def _chunk(args: tuple[Prepared, np.ndarray]) -> np.ndarray:
    prep, points = args
    return np.array([evaluate(prep, p) for p in points])


def sobol_indices(
    ds: Dataset, countries: list[str] | str | None = None, *, bloc: str | None = None,
    target: float = 3.5, by: int = 2035, factors: tuple[str, ...] = DEFAULT_FACTORS,
    ranges: dict[str, tuple[float, float]] | None = None, samples: int = 1024,
    paths: int = 1000, seed: int = 1, workers: int = 1,
) -> SensitivityResult:  # fmt: skip
    """Sobol' indices of the horizon-year cost and debt ratio; ``workers`` processes share the
    design points (the indices are the same for any number of workers)."""
    if isinstance(countries, str):
        countries = [c.strip() for c in countries.split(",")]
    if samples < 2 or samples & (samples - 1):
        raise MilexError(f"samples must be a power of two (Sobol' points), got {samples}")
    unknown = [f for f in factors if f not in FACTORS]
    if unknown:
        raise MilexError(f"unknown factor(s) {', '.join(unknown)}; known: {', '.join(FACTORS)}")
    chosen = tuple(
        Factor(f, *(ranges or {}).get(f, (FACTORS[f].low, FACTORS[f].high)), FACTORS[f].doc)
        for f in factors
    )
    bad = [f.name for f in chosen if f.high < f.low]
    if bad:
        raise MilexError(f"factor range runs backwards: {', '.join(bad)}")
    prep = prepare(ds, countries, bloc, target=target, by=by, factors=factors, paths=paths,
                   seed=seed)  # fmt: skip
    from scipy.stats import qmc

    k = len(chosen)
    unit = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(samples)
    low, high = np.array([f.low for f in chosen]), np.array([f.high for f in chosen])
    a, b = low + unit[:, :k] * (high - low), low + unit[:, k:] * (high - low)
    mixed = [np.where(np.arange(k) == i, b, a) for i in range(k)]
    design = np.vstack([a, b, *mixed])
    values = _run(prep, design, workers)
    n = samples
    fa, fb = values[:n], values[n : 2 * n]
    first, total, variance, mean = {}, {}, {}, {}
    for j, out in enumerate(OUTPUTS):
        var = float(np.var(np.concatenate([fa[:, j], fb[:, j]])))
        variance[out], mean[out] = var, float(np.mean(fa[:, j]))
        fab = np.stack([values[(2 + i) * n : (3 + i) * n, j] for i in range(k)])
        safe = var if var > 0 else 1.0
        first[out] = np.mean(fb[:, j] * (fab - fa[:, j]), axis=1) / safe
        total[out] = 0.5 * np.mean((fa[:, j] - fab) ** 2, axis=1) / safe
    notes = (
        "Indices by Saltelli's (2010) first-order and Jansen's total-order estimators; sampling "
        f"error of the order of 1/sqrt({samples}).",
        "The model is the fiscal arithmetic on the IMF WEO baseline, not a forecast.",
    )
    return SensitivityResult(chosen, first, total, variance, mean, samples, paths,
                             tuple(str(c) for c in (countries or [bloc or "NATO"])),
                             int(prep.years[-1]), notes, prep.sources)  # fmt: skip


def _run(prep: Prepared, design: np.ndarray, workers: int) -> np.ndarray:
    if workers <= 1:
        return _chunk((prep, design))
    parts = np.array_split(design, workers * 4)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return np.vstack(list(pool.map(_chunk, [(prep, p) for p in parts])))

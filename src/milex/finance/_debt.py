"""Debt arithmetic on the IMF WEO baseline: what borrowing an extra spending path does to the
deficit and the debt ratio. Arithmetic on the IMF's numbers, not a forecast.

Notation (all ratios in percent of GDP, rates in percent a year): ``d`` gross debt (WEO
``GGXWDG_NGDP``), ``nl`` net lending (``GGXCNL_NGDP``; a deficit is ``-nl``), ``n`` nominal GDP
growth (WEO ``NGDP``: ``n_t = NGDP_t / NGDP_{t-1} - 1``), ``i`` the interest rate on debt.

The standard debt dynamics (e.g. the IMF's debt-sustainability framework) with the overall balance:

    D_t = D_{t-1} - NL_t + SFA_t     so     d_t = d_{t-1} / (1 + n_t) - nl_t + sfa_t

**Baseline.** For the WEO's own years the baseline is the WEO's ``d`` and ``nl`` exactly (its
stock-flow adjustments included). After the WEO's last year, ``nl`` is held at its last value,
``n`` is the mean of the WEO's last three years of nominal growth (the projection's long-run
default), ``sfa`` is the mean of the WEO's last three years' implied stock-flow adjustment
(``d_t - d_{t-1} / (1 + n_t) + nl_t``: e.g. Norway's surpluses go to its fund, not to paying down
debt) and ``d`` rolls forward by the identity above.

**Extra spending borrowed.** An extra ``x_t`` of GDP a year (the path's share of GDP minus the
base-year share) is added to the deficit and financed by debt ``e`` that pays interest ``i``:

    interest_t = i_t * e_{t-1} / (1 + n_t)
    e_t        = e_{t-1} / (1 + n_t) + x_t + interest_t  =  e_{t-1} (1 + i_t) / (1 + n_t) + x_t
    deficit_t  = -nl_t + x_t + interest_t
    debt_t     = d_t + e_t

``e`` starts at 0 in the base year. Both pieces are additive to the baseline, so the baseline's
own path (and its stock-flow adjustments) is untouched.

**Interest.** With the WEO's primary balance (``GGXONLB_NGDP``) the implied rate on last year's
debt is ``i_t = (pnl_t - nl_t) (1 + n_t) / d_{t-1}`` (net interest paid over debt). Where the
snapshot has no primary balance the rate is an explicit assumption: by default ``i_t = n_t``
(interest equal to nominal growth, so the extra debt neither snowballs nor erodes as a share of
GDP), and a caller may fix ``i`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The EU's reference values (Treaty Protocol 12): deficit 3% and gross debt 60% of GDP.
DEFICIT_REFERENCE = 3.0
DEBT_REFERENCE = 60.0


@dataclass(frozen=True)
class Baseline:
    """One country's WEO baseline on the years of a path (index 0 is the base year)."""

    years: np.ndarray
    debt_pct: np.ndarray  # d_t
    net_lending_pct: np.ndarray  # nl_t (deficit = -nl)
    nominal_growth_pct: np.ndarray  # n_t (index 0 unused)
    weo_last_year: int
    stock_flow_pct: float = 0.0  # the sfa held after the WEO's last year


@dataclass(frozen=True)
class Borrowed:
    """The extra spending's effect: extra interest, extra debt, and the totals with it."""

    interest_pct: np.ndarray
    extra_debt_pct: np.ndarray
    deficit_pct: np.ndarray
    debt_pct: np.ndarray


def extend(
    years: np.ndarray,
    weo: dict[str, dict[int, float]],
    *,
    long_run: int = 3,
) -> Baseline:
    """The baseline on ``years`` from WEO series by year: ``debt``, ``net_lending`` and ``gdp``
    (nominal GDP, national currency). Raises KeyError naming the series missing for the base
    year or the year before it (the arithmetic needs both)."""
    debt, nl, gdp = weo["debt"], weo["net_lending"], weo["gdp"]
    base = int(years[0])
    for name, series, needed in (("debt", debt, base), ("net_lending", nl, base),
                                 ("gdp", gdp, base - 1)):  # fmt: skip
        if needed not in series:
            raise KeyError(f"{name} {needed}")
    last = max(y for y in debt if y in nl and y in gdp)
    growth = {y: (gdp[y] / gdp[y - 1] - 1) * 100 for y in gdp if y - 1 in gdp}
    tail = [growth[y] for y in range(last - long_run + 1, last + 1) if y in growth]
    long_run_growth = float(np.mean(tail)) if tail else 0.0
    flows = [
        debt[y] - debt[y - 1] / (1 + growth[y] / 100) + nl[y]
        for y in range(last - long_run + 1, last + 1)
        if y in growth and y - 1 in debt and y in nl
    ]
    sfa = float(np.mean(flows)) if flows else 0.0
    d, b, n = (np.empty(len(years)) for _ in range(3))
    for k, year in enumerate(int(y) for y in years):
        if year <= last:
            d[k], b[k], n[k] = debt[year], nl[year], growth.get(year, np.nan)
        else:
            n[k], b[k] = long_run_growth, nl[last]
            d[k] = d[k - 1] / (1 + n[k] / 100) - b[k] + sfa
    return Baseline(np.asarray(years), d, b, n, last, sfa)


def implied_interest(
    primary_pct: dict[int, float], net_lending_pct: dict[int, float],
    debt_pct: dict[int, float], gdp: dict[int, float], year: int,
) -> float | None:  # fmt: skip
    """The WEO's implied interest rate on last year's debt, percent: net interest paid
    (primary minus overall balance) over the previous year's debt, both as shares of GDP."""
    need = (year in primary_pct, year in net_lending_pct, year - 1 in debt_pct,
            year in gdp and year - 1 in gdp)  # fmt: skip
    if not all(need) or not debt_pct[year - 1]:
        return None
    n = gdp[year] / gdp[year - 1] - 1
    return (primary_pct[year] - net_lending_pct[year]) * (1 + n) / debt_pct[year - 1] * 100


def borrow(baseline: Baseline, extra_pct: np.ndarray, interest_pct: np.ndarray) -> Borrowed:
    """Add ``extra_pct`` (share of GDP, index 0 the base year) to the deficit, financed by debt at
    ``interest_pct``; see the module's equations."""
    T = len(baseline.years)
    e, paid = np.zeros(T), np.zeros(T)
    for t in range(1, T):
        growth = 1 + baseline.nominal_growth_pct[t] / 100
        paid[t] = interest_pct[t] / 100 * e[t - 1] / growth
        e[t] = e[t - 1] / growth + extra_pct[t] + paid[t]
    deficit = -baseline.net_lending_pct + extra_pct + paid
    deficit[0] = -baseline.net_lending_pct[0] + extra_pct[0]
    return Borrowed(paid, e, deficit, baseline.debt_pct + e)

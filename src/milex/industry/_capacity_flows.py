"""The stock-flow mechanics of a capacity model: inputs on a monthly grid, capacity and capex by
month, and stock, backlog and shipments period by period.

Pure NumPy over arrays (one row per path); milex.industry.capacity runs it and builds the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from milex.industry._capacity_model import CapacityModel
from milex.industry._models import (
    parse_month,
)

if TYPE_CHECKING:
    pass

#: Columns of ``frame()`` and ``yearly()``, in order.


# -- inputs on a monthly grid --------------------------------------------------------------------
@dataclass(frozen=True)
class MonthlyGrid:
    """Everything per month from the model's start to its end; units per month."""

    first: int
    n_months: int
    per_period: int
    base: np.ndarray  # (M,) capacity from the initial level, units a month, after utilisation
    added: np.ndarray  # (E,) units a month each expansion adds, after utilisation
    decided: np.ndarray  # (E,) month offsets from the start (may be negative)
    lead: np.ndarray  # (E, 3) min, mode, max lead time, months
    ramp: np.ndarray  # (E,) months to full rate once online (0: at once)
    capex: np.ndarray  # (E,) capital cost of each expansion
    consumption: np.ndarray  # (M,)
    deliveries: np.ndarray  # (M,)


def monthly_grid(model: CapacityModel) -> MonthlyGrid:
    """The model's figures as monthly arrays (rates converted to units a month)."""
    first, last = model.first, model.last
    n = last - first + 1
    util = (model.capacity.utilisation.value if model.capacity.utilisation else 100.0) / 100
    exps = model.capacity.expansions
    lead = np.array([e.lead_time_months.bounds() for e in exps], dtype=float).reshape(-1, 3)
    streams = {"consumption": np.zeros(n), "deliveries": np.zeros(n)}
    for stream in model.demand:
        streams[stream.kind] += _schedule(stream.schedule, n, first)
    return MonthlyGrid(
        first=first,
        n_months=n,
        per_period=12 if model.period == "year" else 1,
        base=np.full(n, model.capacity.initial.per_year() / 12 * util),
        added=np.array([e.added.per_year() / 12 * util for e in exps], dtype=float),
        decided=np.array([parse_month(e.decided) - first for e in exps], dtype=int),
        lead=lead,
        ramp=np.array([e.ramp_months.value if e.ramp_months else 0 for e in exps], dtype=float),
        capex=np.array(
            [e.added.per_year() * e.capex_per_unit.value if e.capex_per_unit else 0.0 for e in exps]
        ),
        consumption=streams["consumption"],
        deliveries=streams["deliveries"],
    )


def _schedule(entries: list[Any], n: int, first: int) -> np.ndarray:
    """Units a month of one demand stream: each entry's rate from its month to the next entry's
    (zero before the first entry)."""
    out = np.zeros(n)
    starts = [parse_month(e.start) - first for e in entries] + [n]
    for i, entry in enumerate(entries):
        lo, hi = min(max(starts[i], 0), n), min(max(starts[i + 1], 0), n)
        out[lo:hi] = entry.per_year() / 12
    return out


def capacity_by_month(grid: MonthlyGrid, leads: np.ndarray) -> np.ndarray:
    """Units a month each path can produce: (paths, months), for lead times (paths, expansions)."""
    months = np.arange(grid.n_months)
    out = np.broadcast_to(grid.base, (leads.shape[0], grid.n_months)).copy()
    for e in range(len(grid.added)):
        since = months[None, :] - (grid.decided[e] + leads[:, e : e + 1])  # 0 in the online month
        if grid.ramp[e] > 0:
            frac = np.clip((since + 1) / grid.ramp[e], 0.0, 1.0)
        else:
            frac = (since >= 0).astype(float)
        out += grid.added[e] * np.where(since >= 0, frac, 0.0)
    return out


def capex_by_month(grid: MonthlyGrid, leads: np.ndarray) -> tuple[np.ndarray, float]:
    """Capital spending per month (one path's lead times), spread evenly over each lead time,
    and the part spent before the model's first month."""
    out = np.zeros(grid.n_months)
    before = 0.0
    for e, total in enumerate(grid.capex):
        span = max(int(leads[e]), 1)
        months = grid.decided[e] + np.arange(span)
        inside = (months >= 0) & (months < grid.n_months)
        np.add.at(out, months[inside], total / span)
        before += total / span * int(np.sum(months < 0))
    return out, before


def in_periods(monthly: np.ndarray, per: int) -> np.ndarray:
    """Sum months into periods along the last axis."""
    periods: np.ndarray = monthly.reshape(*monthly.shape[:-1], -1, per).sum(axis=-1)
    return periods


# -- the stock-flow recursion --------------------------------------------------------------------
@dataclass
class Flows:
    """Per path and period: production, shipments, backlogs, unmet demand and stock."""

    production: np.ndarray
    shipped_consumption: np.ndarray
    shipped_deliveries: np.ndarray
    backlog_consumption: np.ndarray
    backlog_deliveries: np.ndarray
    unmet: np.ndarray
    stock: np.ndarray


def stock_flow(
    capacity: np.ndarray,
    consumption: np.ndarray,
    deliveries: np.ndarray,
    model: CapacityModel,
) -> Flows:
    """Run the periods for every path: capacity (paths, T); demand (T,) per period."""
    n_paths, n_periods = capacity.shape
    s = model.stock
    floor = float(s.floor.value) if s.floor else 0.0
    goal = float(s.target.value) if s.target else floor
    policy = model.policy
    stock = np.full(n_paths, float(s.initial.value))
    owed_c, owed_d = np.zeros(n_paths), np.zeros(n_paths)
    out = {k: np.zeros((n_paths, n_periods)) for k in Flows.__dataclass_fields__}
    for t in range(n_periods):
        req_c, req_d = consumption[t] + owed_c, deliveries[t] + owed_d
        requested = req_c + req_d
        if policy.produce == "as_needed":
            made = np.minimum(capacity[:, t], requested + np.maximum(goal - stock, 0.0))
        else:
            made = capacity[:, t].copy()
        shipped = np.minimum(requested, np.maximum(stock + made - floor, 0.0))
        if policy.priority == "consumption":
            ship_c = np.minimum(shipped, req_c)
            ship_d = shipped - ship_c
        elif policy.priority == "deliveries":
            ship_d = np.minimum(shipped, req_d)
            ship_c = shipped - ship_d
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                ship_c = np.where(requested > 0, shipped * req_c / requested, 0.0)
            ship_d = shipped - ship_c
        stock = stock + made - ship_c - ship_d
        if policy.backlog:
            owed_c, owed_d, lost = req_c - ship_c, req_d - ship_d, np.zeros(n_paths)
        else:
            lost = requested - shipped
        for key, value in (
            ("production", made), ("shipped_consumption", ship_c), ("shipped_deliveries", ship_d),
            ("backlog_consumption", owed_c), ("backlog_deliveries", owed_d), ("unmet", lost),
            ("stock", stock),
        ):  # fmt: skip
            out[key][:, t] = value
    return Flows(**out)


def met_period(stock: np.ndarray, target: float | None) -> np.ndarray:
    """Per path, the first period from which closing stock stays at or above the target to the
    horizon (-1: never, or it falls below again): a target is met once it holds."""
    if target is None:
        return np.full(stock.shape[0], -1)
    below = stock < target - 1e-9 * max(1.0, target)
    last_below = np.where(below.any(axis=1), below.shape[1] - 1 - below[:, ::-1].argmax(axis=1), -1)
    return np.where(last_below == below.shape[1] - 1, -1, last_below + 1)

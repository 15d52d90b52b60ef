"""Capacity against demand: a stock-flow model of one item class (e.g. 155 mm shells), by month or year.

Capacity starts at a level and grows by expansion steps (added capacity, decision month, lead
time, ramp-up, capital cost per unit of annual capacity). Each period production meets the
period's demand (consumption and deliveries, plus any backlog) and then builds stock toward the
target, never above capacity; shipments draw stock down to its floor when production falls short;
unmet demand is carried as backlog (or lost). Units are conserved exactly every period:
stock = previous stock + production - consumption shipped - deliveries shipped.

Uncertain lead times (``min``/``max`` on a lead time) are drawn from triangular distributions,
one draw per expansion and path; the result then carries stock quantiles and the spread of the
period in which the stock target is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.industry._capacity_flows import (
    Flows,
    MonthlyGrid,
    capacity_by_month,
    capex_by_month,
    in_periods,
    met_period,
    monthly_grid,
    stock_flow,
)
from milex.industry._capacity_model import CapacityModel, load_capacity_model
from milex.industry._models import (
    ITEMS,
    MAX_CELLS,
    IndustryError,
    check_finite,
    figure_rows,
    jsonable_record,
    month_label,
    parse_month,
)
from milex.industry._models import cited as cited_sources
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

#: Columns of ``frame()`` and ``yearly()``, in order.
FRAME_COLUMNS = (
    "period", "year", "months", "capacity", "capacity_per_year", "production", "utilisation_pct",
    "demand_consumption", "demand_deliveries", "shipped_consumption", "shipped_deliveries",
    "backlog_consumption", "backlog_deliveries", "unmet", "stock", "stock_target",
    "stock_p5", "stock_p50", "stock_p95", "capex", "capex_cumulative", "capacity_minus_demand",
)  # fmt: skip
#: Columns that are levels at a period's end (the rest are flows summed over the period).
LEVELS = (
    "capacity_per_year", "backlog_consumption", "backlog_deliveries", "stock", "stock_target",
    "stock_p5", "stock_p50", "stock_p95", "capex_cumulative",
)  # fmt: skip
NOT_BY_HORIZON = "not by horizon"


# -- the result ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CapacityResult(Result):
    """Per-period central path, the summary, comparisons, and what a reader needs to know."""

    chart_kind: ClassVar[str] = "industry-capacity"

    model: CapacityModel
    table: pd.DataFrame = field(repr=False)
    summary: dict[str, Any]
    comparisons_frame: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...]
    sources_used: tuple[dict[str, Any], ...]

    def frame(self) -> pd.DataFrame:
        """One row per period (month or year): capacity, production, demand, stock, capex."""
        return self.table.copy()

    def yearly(self) -> pd.DataFrame:
        """Periods summed into calendar years (flows summed, levels at the year's last period)."""
        frame = self.table
        if self.model.period == "year":
            return frame.copy()
        groups = frame.groupby("year", sort=True)
        out = groups.last()
        flows = [c for c in FRAME_COLUMNS if c not in LEVELS and c not in ("period", "year")]
        out[flows] = groups[flows].sum()
        out = out.reset_index()
        out["period"] = out["year"].astype(str)
        out["utilisation_pct"] = _pct(out["production"], out["capacity"])
        return out[list(FRAME_COLUMNS)]

    def comparisons(self) -> pd.DataFrame:
        """Comparison figures (e.g. estimates of Russian output) against the model's capacity."""
        return self.comparisons_frame.copy()

    def inputs(self) -> pd.DataFrame:
        """Every figure of the model file with its key, unit, sources, estimate flag and note."""
        import pandas as pd

        return pd.DataFrame(figure_rows(self.model))

    @property
    def target_met(self) -> str | None:
        """The period the stock target is first met, or None (not by the horizon, or no target)."""
        value = self.summary["target_met"]
        return None if value in (None, NOT_BY_HORIZON) else str(value)

    def meta(self) -> dict[str, Any]:
        """Sources, model, summary and notes, for JSON output."""
        return jsonable_record(
            {
                "sources": list(self.sources_used),
                "model": self.model.model_dump(mode="json", by_alias=True, exclude_none=True),
                "summary": self.summary,
                "comparisons": self.comparisons_frame.to_dict("records"),
                "notes": list(self.notes),
            }
        )

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def _pct(part: Any, whole: Any) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(whole) > 0, np.asarray(part) / np.asarray(whole) * 100, np.nan)


def run_capacity(model: CapacityModel | str | Path, *, paths: int | None = None,
                 seed: int | None = None) -> CapacityResult:  # fmt: skip
    """Simulate a capacity model (a CapacityModel, or a TOML file path or text).

    ``paths`` and ``seed`` override ``[uncertainty]``; lead times with ``min``/``max`` are drawn
    only when some expansion has them, otherwise the model is deterministic.
    """
    if not isinstance(model, CapacityModel):
        model = load_capacity_model(model)
    grid = monthly_grid(model)
    central = grid.lead[:, 1][None, :].astype(int)
    cap_m = capacity_by_month(grid, central)
    per = grid.per_period
    cap = in_periods(cap_m, per)
    cons, deliv = in_periods(grid.consumption, per), in_periods(grid.deliveries, per)
    flows = stock_flow(cap, cons, deliv, model)
    check_finite(model.title or "capacity model", stock=flows.stock, production=flows.production)
    capex_m, capex_before = capex_by_month(grid, central[0])
    uncertain = bool(np.any(grid.lead[:, 0] != grid.lead[:, 2]))
    if paths is not None and not 1 <= paths <= 100_000:
        raise IndustryError(f"paths = {paths}: must be 1 to 100,000")
    if seed is not None and seed < 0:
        raise IndustryError(f"seed = {seed}: must be >= 0")
    unc = model.uncertainty
    n_paths, rng_seed = paths or unc.paths, unc.seed if seed is None else seed
    if uncertain and n_paths * grid.n_months > MAX_CELLS:
        raise IndustryError(
            f"paths = {n_paths} over {grid.n_months} months is {n_paths * grid.n_months:,} "
            f"path-months; at most {MAX_CELLS:,} (use fewer paths or a shorter model)"
        )
    draws = _draw_stock(grid, model, n_paths, rng_seed) if uncertain else None
    frame = _frame(model, grid, cap, cap_m, cons, deliv, flows, in_periods(capex_m, per), draws)
    check_finite(
        model.title or "capacity model", allow_nan=True, capex=frame["capex"].to_numpy(float)
    )
    summary = _summary(model, frame, flows, capex_before, draws, n_paths, rng_seed)
    return CapacityResult(
        model=model,
        table=frame,
        summary=summary,
        comparisons_frame=_comparisons(model, grid, cap_m[0]),
        notes=tuple(_notes(model, capex_before, uncertain, n_paths, rng_seed)),
        sources_used=tuple(cited_sources(model)),
    )


def _draw_stock(
    grid: MonthlyGrid, model: CapacityModel, n_paths: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Closing stock (paths, periods) and met-period index per path, over lead-time draws."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    leads = np.empty((n_paths, len(grid.added)), dtype=int)
    for e, (low, mode, high) in enumerate(grid.lead):
        if low == high:
            leads[:, e] = int(mode)
        else:
            leads[:, e] = np.rint(rng.triangular(low, mode, high, n_paths)).astype(int)
    per = grid.per_period
    cap = in_periods(capacity_by_month(grid, leads), per)
    flows = stock_flow(
        cap, in_periods(grid.consumption, per), in_periods(grid.deliveries, per), model
    )
    target = float(model.stock.target.value) if model.stock.target else None
    return flows.stock, met_period(flows.stock, target)


def _labels(model: CapacityModel, n_periods: int) -> tuple[list[str], list[int]]:
    per = 12 if model.period == "year" else 1
    starts = [model.first + i * per for i in range(n_periods)]
    if model.period == "year":
        return [str(m // 12) for m in starts], [m // 12 for m in starts]
    return [month_label(m) for m in starts], [m // 12 for m in starts]


def _frame(model: CapacityModel, grid: MonthlyGrid, cap: np.ndarray, cap_m: np.ndarray,
           cons: np.ndarray, deliv: np.ndarray, flows: Flows, capex: np.ndarray,
           draws: tuple[np.ndarray, np.ndarray] | None) -> pd.DataFrame:  # fmt: skip
    import pandas as pd

    n_periods = cap.shape[1]
    labels, years = _labels(model, n_periods)
    per = grid.per_period
    target = float(model.stock.target.value) if model.stock.target else np.nan
    stock = flows.stock[0]
    quantiles = (
        np.quantile(draws[0], [0.05, 0.5, 0.95], axis=0) if draws else np.vstack([stock] * 3)
    )
    frame = pd.DataFrame(
        {
            "period": labels,
            "year": years,
            "months": per,
            "capacity": cap[0],
            "capacity_per_year": cap_m[0][per - 1 :: per] * 12,
            "production": flows.production[0],
            "utilisation_pct": _pct(flows.production[0], cap[0]),
            "demand_consumption": cons,
            "demand_deliveries": deliv,
            "shipped_consumption": flows.shipped_consumption[0],
            "shipped_deliveries": flows.shipped_deliveries[0],
            "backlog_consumption": flows.backlog_consumption[0],
            "backlog_deliveries": flows.backlog_deliveries[0],
            "unmet": flows.unmet[0],
            "stock": stock,
            "stock_target": target,
            "stock_p5": quantiles[0],
            "stock_p50": quantiles[1],
            "stock_p95": quantiles[2],
            "capex": capex,
            "capex_cumulative": np.cumsum(capex),
            "capacity_minus_demand": cap[0] - cons - deliv,
        }
    )
    return frame[list(FRAME_COLUMNS)]


def _first_from(ok: np.ndarray) -> int:
    """First index from which ``ok`` holds to the end (-1: it does not hold at the end)."""
    if not len(ok) or not ok[-1]:
        return -1
    bad = np.flatnonzero(~ok)
    return int(bad[-1] + 1) if len(bad) else 0


def _summary(model: CapacityModel, frame: pd.DataFrame, flows: Flows, capex_before: float,
             draws: tuple[np.ndarray, np.ndarray] | None, n_paths: int,
             seed: int) -> dict[str, Any]:  # fmt: skip
    labels = list(frame["period"])
    s = model.stock
    target = float(s.target.value) if s.target else None
    met = int(met_period(flows.stock, target)[0])
    backlog = (frame["backlog_consumption"] + frame["backlog_deliveries"]).to_numpy()
    demand = (frame["demand_consumption"] + frame["demand_deliveries"]).to_numpy()
    covers = _first_from(frame["capacity"].to_numpy() >= demand - 1e-9)
    cleared = _first_from(backlog <= 1e-9)
    out: dict[str, Any] = {
        "title": model.title,
        "item": model.item,
        "item_name": ITEMS[model.item][0],
        "unit": model.unit,
        "region": model.region,
        "period": model.period,
        "start": model.start,
        "end": model.end,
        "capacity_start_per_year": float(frame["capacity_per_year"].iloc[0]),
        "capacity_end_per_year": float(frame["capacity_per_year"].iloc[-1]),
        "capacity_covers_demand_from": labels[covers] if covers >= 0 else NOT_BY_HORIZON,
        "production_total": float(frame["production"].sum()),
        "shipped_consumption_total": float(frame["shipped_consumption"].sum()),
        "shipped_deliveries_total": float(frame["shipped_deliveries"].sum()),
        "unmet_total": float(frame["unmet"].sum()),
        "backlog_peak": float(backlog.max()) if len(backlog) else 0.0,
        "backlog_peak_period": labels[int(backlog.argmax())] if backlog.max() > 0 else None,
        "backlog_cleared": None if backlog.max() <= 0 else (
            labels[cleared] if cleared >= 0 else NOT_BY_HORIZON
        ),
        "stock_start": float(s.initial.value),
        "stock_end": float(frame["stock"].iloc[-1]),
        "stock_target": target,
        "stock_target_by": s.target_by,
        "target_met": None if target is None else (labels[met] if met >= 0 else NOT_BY_HORIZON),
        "target_met_on_time": None,
        "months_late": None,
        "capex_total": float(frame["capex"].sum() + capex_before),
        "capex_currency": model.currency,
    }  # fmt: skip
    if target is not None and s.target_by is not None and met >= 0:
        month_met = model.first + (met + 1) * (12 if model.period == "year" else 1) - 1
        late = month_met - parse_month(s.target_by)
        out["target_met_on_time"] = bool(late <= 0)
        out["months_late"] = max(int(late), 0)
    elif target is not None:
        out["target_met_on_time"] = False
    if draws is not None and target is not None:
        out.update(_met_spread(model, labels, draws[1], n_paths, seed))
    return out


def _met_spread(model: CapacityModel, labels: list[str], met: np.ndarray, n_paths: int,
                seed: int) -> dict[str, Any]:  # fmt: skip
    """Probability of meeting the target by its month, and p5/p50/p95 of the period it is met."""
    per = 12 if model.period == "year" else 1
    deadline = parse_month(str(model.stock.target_by)) - model.first
    on_time = (met >= 0) & ((met + 1) * per - 1 <= deadline)
    never = np.where(met >= 0, met, np.iinfo(np.int64).max)
    spread = {}
    for q in (5, 50, 95):
        k = int(np.quantile(never, q / 100, method="higher"))
        spread[f"target_met_p{q}"] = labels[k] if k < len(labels) else NOT_BY_HORIZON
    return {
        "paths": n_paths,
        "seed": seed,
        "target_met_probability_by_deadline": float(on_time.mean()),
        "target_met_probability_by_horizon": float((met >= 0).mean()),
        **spread,
    }


def _comparisons(model: CapacityModel, grid: MonthlyGrid, cap_m: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for c in model.comparisons:
        offset = parse_month(c.as_of) - grid.first
        own = float(cap_m[offset] * 12) if 0 <= offset < grid.n_months else np.nan
        rows.append(
            {
                "label": c.label,
                "as_of": c.as_of,
                "rate_per_year": c.rate.per_year(),
                "estimate": c.rate.estimate,
                "source": ", ".join(c.rate.source),
                "model_capacity_per_year": own,
                "ratio_to_model": c.rate.per_year() / own if own else np.nan,
                "note": c.rate.note,
            }
        )
    columns = ["label", "as_of", "rate_per_year", "estimate", "source",
               "model_capacity_per_year", "ratio_to_model", "note"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _notes(model: CapacityModel, capex_before: float, uncertain: bool, n_paths: int,
           seed: int) -> list[str]:  # fmt: skip
    rows = figure_rows(model)
    assumed = [r["key"] for r in rows if r["source"] == "assumption"]
    estimates = [r["key"] for r in rows if r["estimate"]]
    p = model.policy
    notes = [
        f"Units: {ITEMS[model.item][0]}, in {model.unit}; rates are converted to the model's "
        f"{model.period}s; capacity after utilisation.",
        (
            "Production meets the period's demand and backlog, then builds stock toward the "
            "target, never above capacity"
            if p.produce == "as_needed"
            else "Production runs at capacity every period"
        )
        + f"; shipments draw stock down to its floor; shortfalls are split {p.priority.replace('_', ' ')}"
        + ("; unmet demand is carried as backlog." if p.backlog else "; unmet demand is lost."),
        "Capital cost: added annual capacity x cost per unit of annual capacity, spread evenly "
        "over each expansion's lead time (at the decision month when the lead time is 0).",
    ]
    if assumed:
        notes.append("Assumptions, not sourced figures: " + ", ".join(assumed) + ".")
    if estimates:
        notes.append("Estimates: " + ", ".join(estimates) + ".")
    if capex_before:
        notes.append(
            f"Capital cost before {model.start} ({capex_before:,.0f}) is in the total only."
        )
    if uncertain:
        notes.append(
            f"Lead times with min/max drawn from triangular distributions (mode = value), "
            f"rounded to whole months: {n_paths} paths, seed {seed}; stock_p5..p95 are their "
            "quantiles; the other columns are the central path (lead times at their values)."
        )
    else:
        notes.append("Lead times are certain (no min/max): stock quantiles equal the central path.")
    return notes

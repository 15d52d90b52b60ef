"""Spending together: what Wright's-law learning curves say separate and pooled buys cost.

Unit cost falls by the learning rate b each time cumulative quantity doubles:
C(Q) = C1 * Q^(log2 b) for the Q-th unit (``theory = "unit"``, as in the issue); under the
``cumulative_average`` theory the *average* of the first Q units follows that curve instead, so
the total is C1 * Q^(1 + log2 b). n buyers each running their own production line from unit 1
pay the sum of n short runs; one pooled line of the total quantity pays one long run, further down
the curve. With b < 1 and two or more buyers pooling always saves money; with b = 1 (no learning)
it saves nothing. Line set-up costs (paid once per line) and a joint-programme overhead can be
added; a fragmentation view spreads one quantity over many systems, and collaboration scenarios
buy a share of the equipment portfolio together (e.g. the EU's 40% by 2030).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.industry._models import (
    ITEMS,
    check_finite,
    cited,
    figure_rows,
    jsonable_record,
)
from milex.industry._pooling_model import (
    PoolingModel,
    load_pooling_model,
)
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

#: Columns of ``frame()``, in order.
FRAME_COLUMNS = (
    "view", "case", "learning_rate", "model_rate", "lines_before", "lines_after", "units",
    "cost_before", "cost_after", "savings", "savings_pct", "avg_unit_cost_before",
    "avg_unit_cost_after", "budget_savings", "currency",
)  # fmt: skip
BUYER_COLUMNS = (
    "buyer", "units", "cost_alone", "avg_unit_cost_alone", "cost_pooled_share",
    "avg_unit_cost_pooled", "savings", "savings_pct", "currency",
)  # fmt: skip
EXPLICIT = 1 << 16  # sums up to this many terms are added term by term
HEAD = 1024  # beyond, the first terms are added, the rest by Euler-Maclaurin


# -- Wright's law --------------------------------------------------------------------------------
def slope(learning_rate: float) -> float:
    """The exponent log2(b): 0 for b = 1, -0.3219... for b = 0.8."""
    if not 0 < learning_rate <= 1:
        raise ValueError(f"learning_rate must be in (0, 1]; got {learning_rate}")
    return math.log2(learning_rate)


def unit_cost(quantity: Any, first_unit_cost: float, learning_rate: float) -> Any:
    """Cost of the Q-th unit: C1 * Q^(log2 b) (Q >= 1; arrays welcome)."""
    return first_unit_cost * np.asarray(quantity, dtype=float) ** slope(learning_rate)


def power_sum(n: int, s: float, offset: int = 0) -> float:
    """Sum of k^s for k = offset+1 .. offset+n: exact term by term up to 65,536 terms, beyond by
    Euler-Maclaurin after 1,024 explicit terms (relative error far below 1e-12 for -1 <= s <= 0).
    For s = 0 every step is integer arithmetic, so the sum is exactly n."""
    if n < 0 or offset < 0:
        raise ValueError(f"n and offset must be >= 0; got {n}, {offset}")
    if n == 0:
        return 0.0
    if n <= EXPLICIT:
        return float(np.sum(np.arange(offset + 1, offset + n + 1, dtype=float) ** s))
    head = float(np.sum(np.arange(offset + 1, offset + HEAD + 1, dtype=float) ** s))
    a, b = float(offset + HEAD + 1), float(offset + n)
    return head + _em_sum(a, b, s)


def _em_sum(a: float, b: float, s: float) -> float:
    """Sum of k^s for integers a..b by Euler-Maclaurin (two correction terms), a >= 1025."""
    if s == 0:
        return b - a + 1.0
    ratio = math.log(b / a)
    integral = ratio if s == -1 else a ** (s + 1) * math.expm1((s + 1) * ratio) / (s + 1)
    first = s * (b ** (s - 1) - a ** (s - 1)) / 12
    third = s * (s - 1) * (s - 2) * (b ** (s - 3) - a ** (s - 3)) / 720
    return float(integral + (a**s + b**s) / 2 + first - third)


def total_index(
    quantity: int, learning_rate: float, theory: str = "unit", offset: int = 0
) -> float:
    """Cost of units offset+1 .. offset+quantity in first-unit costs (C1 = 1)."""
    s = slope(learning_rate)
    if theory == "cumulative_average":
        return float((offset + quantity) ** (1 + s) - offset ** (1 + s))
    if theory != "unit":
        raise ValueError(f"theory must be 'unit' or 'cumulative_average', not {theory!r}")
    return power_sum(int(quantity), s, int(offset))


def total_cost(quantity: int, first_unit_cost: float, learning_rate: float,
               theory: str = "unit") -> float:  # fmt: skip
    """Cost of the first ``quantity`` units of one production line."""
    return first_unit_cost * total_index(quantity, learning_rate, theory)


@dataclass(frozen=True)
class Comparison:
    """Costs before (separate lines) and after (fewer or pooled lines), and the savings."""

    lines_before: int
    lines_after: float  # average per item for collaboration scenarios
    units: int
    cost_before: float
    cost_after: float

    @property
    def savings(self) -> float:
        return self.cost_before - self.cost_after

    @property
    def savings_pct(self) -> float:
        return self.savings / self.cost_before * 100 if self.cost_before else math.nan


@dataclass(frozen=True)
class Curve:
    """One learning curve and the per-line costs that come with it."""

    first_unit_cost: float
    learning_rate: float
    theory: str = "unit"
    setup: float = 0.0  # paid once per production line
    overhead_pct: float = 0.0  # added to the cost of a joint (pooled) line

    def index(self, units: int) -> float:
        return total_index(units, self.learning_rate, self.theory)

    def lines(self, quantities: list[int]) -> tuple[float, int]:
        """Cost index of separate lines (one per quantity) and how many lines make anything."""
        return sum(self.index(q) for q in quantities), sum(1 for q in quantities if q > 0)

    def money(self, index: float, lines: int) -> float:
        return self.first_unit_cost * index + self.setup * lines


def pool(quantities: list[int], curve: Curve) -> Comparison:
    """Each buyer on its own line against one pooled line of the total quantity."""
    index, lines = curve.lines(quantities)
    total = sum(quantities)
    pooled = curve.money(curve.index(total), 1 if total else 0) * (1 + curve.overhead_pct / 100)
    return Comparison(lines, 1 if total else 0, total, curve.money(index, lines), pooled)


def split(total: int, lines: int) -> list[int]:
    """``total`` units over ``lines`` lines as evenly as whole units allow."""
    base, extra = divmod(total, lines)
    return [base + 1] * extra + [base] * (lines - extra)


def consolidate(total: int, systems: int, benchmark: int, curve: Curve) -> Comparison:
    """The same quantity spread evenly over ``systems`` lines against ``benchmark`` lines."""

    def cost(n: int) -> tuple[float, int]:
        base, extra = divmod(total, n)
        index = extra * curve.index(base + 1) + (n - extra) * curve.index(base)
        used = n if base else extra
        return curve.money(index, used), used

    before, used_before = cost(systems)
    after, used_after = cost(benchmark)
    return Comparison(used_before, used_after, total, before, after)


def collaborate(quantities: list[int], share_pct: float, curve: Curve) -> Comparison:
    """A share of the equipment portfolio (by value at national prices) bought together, the
    rest nationally: every jointly bought item is pooled across all buyers as in :func:`pool`,
    so the saving is ``share_pct`` of the pooling saving. ``lines_after`` is the average number
    of lines per item."""
    alone = pool(quantities, curve)
    f = share_pct / 100
    return Comparison(
        alone.lines_before,
        (1 - f) * alone.lines_before + f * alone.lines_after,
        alone.units,
        alone.cost_before,
        (1 - f) * alone.cost_before + f * alone.cost_after,
    )


# -- the model run -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolingResult(Result):
    """Savings of pooling, fragmentation and collaboration at the model's learning rate and over
    the sensitivity grid, per-buyer shares, and what a reader needs to know."""

    chart_kind: ClassVar[str] = "industry-pooling"

    model: PoolingModel
    table: pd.DataFrame = field(repr=False)
    buyers_frame: pd.DataFrame = field(repr=False)
    summary: dict[str, Any]
    notes: tuple[str, ...]
    sources_used: tuple[dict[str, Any], ...]

    def frame(self) -> pd.DataFrame:
        """One row per view (pooling, fragmentation, collaboration), case and learning rate."""
        return self.table.copy()

    def buyers(self) -> pd.DataFrame:
        """Per buyer at the model's learning rate: alone, or its pro-rata share of a pooled buy."""
        return self.buyers_frame.copy()

    def inputs(self) -> pd.DataFrame:
        """Every figure of the model file with its key, unit, sources, estimate flag and note."""
        import pandas as pd

        return pd.DataFrame(figure_rows(self.model))

    def meta(self) -> dict[str, Any]:
        return jsonable_record(
            {
                "sources": list(self.sources_used),
                "model": self.model.model_dump(mode="json", by_alias=True, exclude_none=True),
                "summary": self.summary,
                "notes": list(self.notes),
            }
        )

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def curve_of(model: PoolingModel, learning_rate: float | None = None) -> Curve:
    return Curve(
        first_unit_cost=model.first_unit_cost.value,
        learning_rate=model.learning_rate.value if learning_rate is None else learning_rate,
        theory=model.theory,
        setup=model.line_setup_cost.value if model.line_setup_cost else 0.0,
        overhead_pct=model.pooling_overhead.value if model.pooling_overhead else 0.0,
    )


def run_pooling(model: PoolingModel | str | Path) -> PoolingResult:
    """Run a pooling model (a PoolingModel, or a TOML file path or text)."""
    import pandas as pd

    if not isinstance(model, PoolingModel):
        model = load_pooling_model(model)
    b0 = model.learning_rate.value
    rates = [b0] + [b for b in model.sensitivity.rates() if not math.isclose(b, b0)]
    rows = []
    for b in rates:
        rows += _rows(model, curve_of(model, b), model_rate=b == b0)
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    order = {case: i for i, case in enumerate(dict.fromkeys(frame["case"]))}  # the file's order
    frame = frame.sort_values(
        ["case", "learning_rate"], key=lambda c: c.map(order) if c.name == "case" else c
    )
    frame = frame.reset_index(drop=True)
    buyers = _buyers(model, curve_of(model))
    check_finite(
        model.title or "pooling model",
        allow_nan=True,  # a case without a figure (no line setup cost) is blank, not a number
        **{c: frame[c].to_numpy(float) for c in frame.columns if frame[c].dtype.kind == "f"},
    )  # fmt: skip
    return PoolingResult(
        model=model,
        table=frame,
        buyers_frame=buyers,
        summary=_summary(model, frame),
        notes=tuple(_notes(model)),
        sources_used=tuple(cited(model)),
    )


def _rows(model: PoolingModel, curve: Curve, *, model_rate: bool) -> list[dict[str, Any]]:
    quantities = [int(b.quantity.value) for b in model.buyers]
    cases: list[tuple[str, str, Comparison, float | None]] = [
        (
            "pooling",
            f"{len(quantities)} separate lines -> 1 pooled buy",
            pool(quantities, curve),
            None,
        )
    ]
    for frag in model.fragmentation:
        total = int(frag.total_units.value) if frag.total_units else sum(quantities)
        n, m = int(frag.systems.value), int(frag.benchmark_systems.value)
        cases.append(
            (
                "fragmentation",
                f"{frag.name}: {n} -> {m} systems",
                consolidate(total, n, m, curve),
                None,
            )
        )
    collab = model.collaboration
    if collab is not None:
        budget = collab.budget.value if collab.budget else None
        for sc in collab.scenarios:
            label = f"{sc.name}: {sc.share_pct.value:g}% bought together"
            cases.append(
                ("collaboration", label, collaborate(quantities, sc.share_pct.value, curve), budget)
            )
    return [_row(view, case, c, curve, model_rate, budget, model.currency)
            for view, case, c, budget in cases]  # fmt: skip


def _row(view: str, case: str, c: Comparison, curve: Curve, model_rate: bool,
         budget: float | None, currency: str) -> dict[str, Any]:  # fmt: skip
    return {
        "view": view,
        "case": case,
        "learning_rate": curve.learning_rate,
        "model_rate": model_rate,
        "lines_before": c.lines_before,
        "lines_after": c.lines_after,
        "units": c.units,
        "cost_before": c.cost_before,
        "cost_after": c.cost_after,
        "savings": c.savings,
        "savings_pct": c.savings_pct,
        "avg_unit_cost_before": c.cost_before / c.units if c.units else math.nan,
        "avg_unit_cost_after": c.cost_after / c.units if c.units else math.nan,
        "budget_savings": budget * c.savings_pct / 100 if budget is not None else math.nan,
        "currency": currency,
    }


def _buyers(model: PoolingModel, curve: Curve) -> pd.DataFrame:
    import pandas as pd

    quantities = [int(b.quantity.value) for b in model.buyers]
    pooled = pool(quantities, curve)
    rows = []
    for buyer, q in zip(model.buyers, quantities, strict=True):
        alone = curve.money(curve.index(q), 1)
        unit = pooled.cost_after / pooled.units  # everyone pays the pooled average
        share = unit * q
        rows.append(
            {
                "buyer": buyer.name,
                "units": q,
                "cost_alone": alone,
                "avg_unit_cost_alone": alone / q,
                "cost_pooled_share": share,
                "avg_unit_cost_pooled": unit,
                "savings": alone - share,
                "savings_pct": (alone - share) / alone * 100,
                "currency": model.currency,
            }
        )
    return pd.DataFrame(rows, columns=list(BUYER_COLUMNS))


def _summary(model: PoolingModel, frame: pd.DataFrame) -> dict[str, Any]:
    at_model = frame[frame["model_rate"]]
    out: dict[str, Any] = {
        "title": model.title,
        "item": model.item,
        "item_name": ITEMS[model.item][0],
        "theory": model.theory,
        "learning_rate": model.learning_rate.value,
        "currency": model.currency,
        "buyers": len(model.buyers),
        "units": int(sum(b.quantity.value for b in model.buyers)),
    }
    for view in ("pooling", "fragmentation", "collaboration"):
        for row in at_model[at_model["view"] == view].itertuples():
            out.setdefault(view, []).append(
                {"case": row.case, "savings": row.savings, "savings_pct": row.savings_pct}
                | ({"budget_savings": row.budget_savings} if view == "collaboration" else {})
            )
    collab = out.get("collaboration", [])
    for other in collab[1:]:  # each scenario against the first (e.g. today's share)
        other["against"] = collab[0]["case"]
        other["gain_pct_points"] = other["savings_pct"] - collab[0]["savings_pct"]
        other["gain_on_budget"] = other["budget_savings"] - collab[0]["budget_savings"]
    return out


def _notes(model: PoolingModel) -> list[str]:
    rows = figure_rows(model)
    theory = (
        "unit theory: the Q-th unit costs C1 * Q^(log2 b)"
        if model.theory == "unit"
        else "cumulative-average theory: the first Q units cost C1 * Q^(1 + log2 b) in all"
    )
    notes = [
        f"Wright's learning curve, {theory}; b = {model.learning_rate.value}. Every separate "
        "line starts at unit 1 with the same first-unit cost; a pooled line runs the total.",
        "Savings % depend only on b and the quantities; money scales with the first-unit cost.",
    ]
    if model.line_setup_cost:
        notes.append("Line set-up cost is paid once per production line that makes anything.")
    if model.pooling_overhead:
        notes.append(
            f"A joint line costs {model.pooling_overhead.value:g}% more (programme overhead)."
        )
    if model.collaboration:
        notes.append(
            "Collaboration: the share of the equipment portfolio (by value at national prices) "
            "bought together, each joint item pooled as in the pooling view, the rest bought "
            "nationally, so savings % = share x pooling savings %; budget_savings applies that % "
            "to the budget (an indication, not a forecast)."
        )
    if model.fragmentation:
        notes.append(
            "Fragmentation: the same number of units spread as evenly as possible over each "
            "number of systems, one production line per system (default units: the buyers' total)."
        )
    assumed = [r["key"] for r in rows if r["source"] == "assumption"]
    if assumed:
        notes.append("Assumptions, not sourced figures: " + ", ".join(assumed) + ".")
    estimates = [r["key"] for r in rows if r["estimate"]]
    if estimates:
        notes.append("Estimates: " + ", ".join(estimates) + ".")
    return notes

"""What drives the cost: a tornado of Sobol' indices, first and total order, for each factor and
for the horizon-year cost of the path and the horizon-year debt ratio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milex.present.charts.style import altair_module, compose

if TYPE_CHECKING:
    from milex.finance.sensitivity import SensitivityResult

ORDERS = {"total order (with interactions)": "#9ECAE1", "first order (alone)": "#08519C"}
OUTPUT_LABELS = {"cost": "cost", "debt": "debt"}


def tornado(result: SensitivityResult) -> Any:
    """Horizontal bars per factor and output, longest total-order index on top."""
    import pandas as pd

    alt = altair_module()
    rows = []
    for r in result.records():
        label = f"{r['factor']} ({OUTPUT_LABELS[r['output']]})"
        for order, key in zip(ORDERS, ("total_order", "first_order"), strict=True):
            rows.append({"label": label, "order": order, "index": max(float(r[key]), 0.0),
                         "raw": float(r[key]), "total": float(r["total_order"])})  # fmt: skip
    data = pd.DataFrame(rows)
    ranked = (
        data[data["order"] == next(iter(ORDERS))].sort_values("total", ascending=False)["label"]
    ).tolist()
    y = alt.Y("label:N", title=None, sort=ranked, axis=alt.Axis(labelLimit=200))
    x = alt.X("index:Q", title="Sobol' index (share of the output's variance)",
              scale=alt.Scale(domain=[0, 1]))  # fmt: skip
    colour = alt.Color("order:N", title=None,
                       scale=alt.Scale(domain=list(ORDERS), range=list(ORDERS.values())))  # fmt: skip
    base = alt.Chart(data)
    total = base.transform_filter(f"datum.order === '{next(iter(ORDERS))}'").mark_bar(height=16)
    first = base.transform_filter(f"datum.order === '{list(ORDERS)[1]}'").mark_bar(height=7)
    tips = [alt.Tooltip("label:N", title="factor"), alt.Tooltip("order:N"),
            alt.Tooltip("raw:Q", title="index", format=".3f")]  # fmt: skip
    layers = [m.encode(x=x, y=y, color=colour, tooltip=tips) for m in (total, first)]
    top = ranked[0].split(" (")[0] if ranked else "nothing"
    who = ", ".join(result.countries)
    title = f"{who}: {top} drives most of the uncertainty in {result.horizon}"
    notes = [
        f"Sobol' indices of the {result.horizon} cost of the path and the {result.horizon} debt "
        f"ratio, {result.samples:,} base samples, {result.paths:,} paths each.",
        "Ranges: "
        + "; ".join(f"{f.name} {f.low:g} to {f.high:g} ({f.doc})" for f in result.factors),
        *result.notes,
    ]
    return compose(layers, title=title, notes=notes, sources=result.sources(),
                   height=260 + 30 * len(ranked))  # fmt: skip

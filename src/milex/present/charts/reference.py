"""Reference lines (2%, 3.5%, 20% on equipment, the NATO total) and their labels, which never
print over each other or over a bar's value label (see ``clearance``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from milex.present.charts.clearance import (
    SHORT_BELOW,
    by_value,
    side_dy,
    text_width,
    tier_offsets,
)
from milex.present.charts.style import REFERENCE_LABELS, altair_module

#: The reference lines' labels: bold 11 px, in the lines' colour.
REFERENCE_STYLE = {"fontSize": 11, "color": "#333333", "fontWeight": "bold"}
AGGREGATE_STYLE = {"fontSize": 11, "color": "#555555", "fontStyle": "italic"}


def reference_rules(
    axis: str,
    values: Sequence[float],
    channel: Any,
    *,
    also: Sequence[tuple[float, float | str]] = (),
) -> list[Any]:
    """Dashed reference lines, labelled just above the plot (x rules) or beside it (y rules).

    ``channel`` is the main layer's position channel: the rules reuse its scale and axis, so the
    layers share one axis. Labels never print over each other: above the plot a label takes a
    higher tier where it would meet another (``also``: other labels up there, value and width in
    px, such as the NATO total's); beside it, a label moves up off the one below
    (``milex.present.charts.clearance``).
    """
    import pandas as pd

    alt = altair_module()
    field = channel.to_dict()["field"]
    data = pd.DataFrame({field: list(values), "label": [REFERENCE_LABELS[v] for v in values]})
    rule = (
        alt.Chart(data)
        .mark_rule(strokeDash=[6, 4], color="#333333", strokeWidth=1.2)
        .encode(**{axis: channel})
    )
    if axis == "x":
        dy = tier_offsets([*top_labels(values), *also])[: len(values)]
        text = (
            alt.Chart(data.assign(short=[f"{v:g}%" for v in values]))
            .transform_calculate(shown=f"width < {SHORT_BELOW} ? datum.short : datum.label")
            .mark_text(
                align="center",
                baseline="bottom",
                dy=alt.ExprRef(expr=by_value(field, values, dy)),
                **REFERENCE_STYLE,
            )
        )
        text = text.encode(x=channel, y=alt.value(0), text="shown:N")
    else:
        labels = pd.DataFrame({field: list(values), "label": [f"{v:g}%" for v in values]})
        text = alt.Chart(labels).mark_text(
            align="left",
            baseline="middle",
            dx=5,
            dy=alt.ExprRef(expr=side_dy(field, values)),
            **REFERENCE_STYLE,
        )
        text = text.encode(y=channel, x=alt.value(alt.ExprRef(expr="width")), text="label:N")
    return [rule, text]


def top_labels(values: Sequence[float]) -> list[tuple[float, str]]:
    """The labels above a plot of x rules at ``values``: (value, a Vega expression of the
    label's width in px, the figure alone on a plot under SHORT_BELOW px)."""
    widths = [
        (text_width(f"{v:g}%", 11, bold=True), text_width(REFERENCE_LABELS[v], 11, bold=True))
        for v in values
    ]
    return [
        (v, f"(width < {SHORT_BELOW} ? {short:.1f} : {full:.1f})")
        for v, (short, full) in zip(values, widths, strict=True)
    ]


def aggregate_rule(
    value: float, label: str, x: Any, *, also: Sequence[tuple[float, float | str]] = ()
) -> list[Any]:
    """A dotted line at an aggregate's value (the NATO total), labelled above the plot with the
    reference lines' labels (``also``, see ``top_labels``), on a tier of its own where it would
    meet one of them: never inside the plot, where a bar's value label may be."""
    import pandas as pd

    alt = altair_module()
    data = pd.DataFrame({x.to_dict()["field"]: [value], "label": [label]})
    rule = alt.Chart(data).mark_rule(strokeDash=[2, 2], color="#666666").encode(x=x)
    dy = tier_offsets([*also, (value, text_width(label, 11))])[-1]  # the lines' labels first
    text = (
        alt.Chart(data)
        .mark_text(align="center", baseline="bottom", dy=alt.ExprRef(expr=dy), **AGGREGATE_STYLE)
        .encode(x=x, y=alt.value(0), text="label:N")
    )
    return [rule, text]

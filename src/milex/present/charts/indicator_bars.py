"""Bars of one indicator by ally (defence spending per capita, real change): sorted, coloured by
the class the indicator's map gives each ally, labelled with their values.

The chart and the view's map share one ``MapFigure`` (rows, title, notes, sources), so the bar
colours and the map's read alike; an indicator that changes sign (the real change) runs its bars
either side of 0, falls in orange and rises in purples (ColorBrewer PuOr, colour-blind safe).
Value labels are placed by ``clearance.bar_label_x``, clear of NATO's aggregate line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.clearance import bar_label_x, text_width
from milex.present.charts.reference import aggregate_rule
from milex.present.charts.style import (
    altair_module,
    compose,
    footer_text,
    halo_text,
    highlight_name,
    js,
    marks,
    outline,
    source_lines,
)

if TYPE_CHECKING:
    import altair as alt

    from milex.present.charts.map import MapFigure

__all__ = ["IndicatorFigure", "indicator_bars"]


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator for every ally in a year: the map's figure, NATO's own aggregate (None
    when NATO publishes none), the x axis title (unit and price base) and the label format."""

    figure: MapFigure
    aggregate: float | None
    axis_title: str
    label_format: str  #: a Python format for a value label, e.g. ",.0f" or "+.1f"
    aggregate_label: str  #: the aggregate line's label, e.g. "NATO US$ 1,210"
    mixed_flags: frozenset[str] = frozenset()  #: flags only some allies carry: labels mark them


def indicator_bars(data: IndicatorFigure, *, highlight: str | None = None) -> alt.LayerChart:
    """Every ally's figure as a sorted horizontal bar with its value, NATO's aggregate dotted."""
    import pandas as pd

    alt = altair_module()
    fig = data.figure
    i = fig.indicator
    plotted = sorted((dict(r) for r in fig.rows if r["value"] is not None),
                     key=lambda r: (-r["value"], r["country"]))  # fmt: skip
    if not plotted:
        raise MilexError(f"no ally has a NATO figure of {i.name.lower()} for {fig.year}")
    for r in plotted:
        r["class"] = i.label(r["value"])
        r["label"] = format(r["value"], data.label_format) + marks(
            r["flags"], set(data.mixed_flags)
        )
        r["label_w"] = text_width(r["label"], 11)
    values = [r["value"] for r in plotted]
    x_min, x_max = _domain(values, data.aggregate, i.diverging)
    frame = pd.DataFrame(plotted)
    hl = highlight_name(list(fig.rows), highlight)
    bold = f"datum.value === {js(hl)} ? 'bold' : 'normal'" if hl else "'normal'"
    names = [r["country"] for r in plotted]
    y = alt.Y("country:N", sort=names, title=None,
              axis=alt.Axis(labelFontWeight=alt.ExprRef(expr=bold), labelLimit=200, ticks=False))  # fmt: skip
    axis_format = ",.0f" if i.decimals == 0 else "d"
    scale = alt.Scale(domain=[x_min, x_max], nice=False)
    x = alt.X("value:Q", title=data.axis_title, scale=scale, axis=alt.Axis(format=axis_format))
    colours = i.colours()
    domain = [c for c in i.labels if c in set(frame["class"])]
    base = alt.Chart(frame)
    bars = base.mark_bar(size=15).encode(
        y=y, x=x,
        color=alt.Color("class:N", title=f"{i.unit[:1].upper()}{i.unit[1:]}",
                        scale=alt.Scale(domain=domain, range=[colours[c] for c in domain]),
                        legend=alt.Legend(offset=24, columns=4, titleLimit=600)),
        **outline(f"datum.country === {js(hl)}", 2),
        tooltip=[alt.Tooltip("country:N", title="Ally"),
                 alt.Tooltip("value:Q", title=i.unit, format=data.label_format),
                 alt.Tooltip("flags:N", title="Flags")],
    )  # fmt: skip
    layers: list[Any] = [bars]
    rules = []
    if x_min < 0:  # bars either side of 0: its line, which labels keep clear of like NATO's
        zero = alt.Chart(pd.DataFrame({"value": [0.0]})).mark_rule(color="#333333")
        layers.append(zero.encode(x=x))
        rules.append(0.0)
    if data.aggregate is not None:
        layers += aggregate_rule(data.aggregate, data.aggregate_label, x)
        rules.append(data.aggregate)
    placed = base.transform_calculate(label_x=bar_label_x("value", "label_w", rules, x_max, x_min))
    at = alt.X("label_x:Q", title=x["title"], scale=x["scale"], axis=x["axis"])
    layers += halo_text(placed, {"align": "left"}, y=y, x=at, text="label:N")
    footer = [*fig.notes[1:], *source_lines(fig.sources, ["nato"])]
    return compose(layers, title=fig.title, notes=list(fig.notes), sources=fig.sources,
                   ids=["nato"], height=21 * len(plotted) + 150 + 14 * len(footer_text(footer)))  # fmt: skip


def _domain(values: list[float], aggregate: float | None, diverging: bool) -> tuple[float, float]:
    """The x axis: from 0 (or below the lowest value, for a change) to past the highest value
    and the aggregate, with room for the labels, on a round step."""
    top = max([*values, aggregate or 0.0, 0.0])
    low = min([*values, 0.0])
    span = top - low or 1.0
    step = 10 ** math.floor(math.log10(span)) / 2
    x_max = math.ceil((top + span * 0.14) / step) * step
    x_min = math.floor((low - span * 0.14) / step) * step if diverging else 0.0
    return x_min, x_max

"""(e) NATO's defence spending over time: the United States against European allies and Canada."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.style import (
    OKABE_ITO,
    altair_module,
    compose,
    halo_text,
    hollow_when_provisional,
    money_title,
)

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd


# -- (e) alliance totals over time -----------------------------------------------------------------
TOTAL_NAMES = {"USA": "United States", "NATO_EU_CA": "European allies and Canada"}
TOTAL_COLOURS = {
    TOTAL_NAMES["USA"]: OKABE_ITO["blue"],
    TOTAL_NAMES["NATO_EU_CA"]: OKABE_ITO["orange"],
}


def alliance_totals(
    frame: pd.DataFrame,
    sources: Sequence[dict[str, Any]],
    newer: Sequence[str] = (),
) -> alt.LayerChart:
    """(e) NATO's defence spending over time: the United States against Europe and Canada.

    ``frame`` is tidy (``Dataset.series`` / ``Dataset.aggregate`` rows) with ``iso3`` ``USA`` and
    ``NATO_EU_CA``, one measure in one unit (USD m); ``sources`` the source records it came from;
    ``newer`` notes on newer years in another price base, told but never joined to the lines.
    """
    import pandas as pd

    alt = altair_module()
    needed = {"iso3", "year", "value", "unit", "flags"}
    if not needed <= set(frame.columns):
        raise MilexError(f"alliance totals need a tidy frame with columns {sorted(needed)}")
    rows = frame[frame["iso3"].isin(list(TOTAL_NAMES))]
    missing = set(TOTAL_NAMES) - set(rows["iso3"])
    if missing:
        raise MilexError(f"alliance totals need figures for {', '.join(sorted(missing))}")
    units = sorted(set(rows["unit"]))
    if len(units) != 1 or not units[0].startswith("USD m"):
        raise MilexError(f"alliance totals need one unit in USD m; got {', '.join(units)}")
    data = pd.DataFrame(
        {
            "year": rows["year"].astype(int),
            "bn": rows["value"].astype(float) / 1000.0,
            "who": rows["iso3"].map(TOTAL_NAMES),
            "provisional": rows["flags"].str.contains("estimate|secondary", regex=True),
        }
    )
    unit = units[0].replace("USD m", "").strip()
    money = money_title(units[0], "NATO")
    first, last = int(data["year"].min()), int(data["year"].max())
    x = alt.X(
        "year:Q", title="Year", scale=alt.Scale(domain=[first, last], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )  # fmt: skip
    y = alt.Y("bn:Q", title=f"Defence expenditure, {money}", scale=alt.Scale(zero=True))
    colour = alt.Color(
        "who:N",
        title=None,
        scale=alt.Scale(domain=list(TOTAL_COLOURS), range=list(TOTAL_COLOURS.values())),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3),
    )
    base = alt.Chart(data)
    tooltip = [
        alt.Tooltip("who:N", title="Who"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("bn:Q", title="US$ bn", format=",.1f"),
    ]
    lines = base.mark_line(strokeWidth=3).encode(x=x, y=y, color=colour)
    points = base.mark_point(size=60, strokeWidth=2, opacity=1).encode(
        x=x,
        y=y,
        color=colour,
        fill=hollow_when_provisional("who", TOTAL_COLOURS),
        tooltip=tooltip,
    )
    ends = base.transform_filter(f"datum.year === {last}")
    end_labels = halo_text(
        ends.transform_calculate(label="format(datum.bn, ',.0f') + ' bn'"),
        {"align": "right", "dy": -14, "fontWeight": "bold"},
        x=x,
        y=y,
        text="label:N",
    )
    estimated = sorted(set(data.loc[data["provisional"], "year"]))
    notes = [
        f"NATO's figures at {unit or 'current'} prices and exchange rates. European allies and "
        "Canada: every other ally, counted from its accession year.",
    ]
    if estimated:
        notes.append(f"Hollow markers: estimates ({', '.join(map(str, estimated))}).")
    notes += list(newer)
    title = _totals_message(data, first, last)
    layers = [lines, points, *end_labels]
    return compose(layers, title=title, notes=notes, sources=sources, height=460)


def _totals_message(data: pd.DataFrame, first: int, last: int) -> str:
    """What the two lines say: Europe and Canada's spending as a share of the US's, then and now."""
    by = data.pivot_table(index="year", columns="who", values="bn", aggfunc="first")
    us, others = TOTAL_NAMES["USA"], TOTAL_NAMES["NATO_EU_CA"]
    ratio = by[others] / by[us]
    then, now = float(ratio[first]), float(ratio[last])
    return (
        f"European allies and Canada spent {now:.0%} of what the United States did in {last}, "
        f"up from {then:.0%} in {first}"
    )

"""A country outside NATO (Russia, China, Ukraine, ...): SIPRI's share of GDP over time.

NATO publishes nothing for a non-ally, so this line is SIPRI's alone; estimates and press
restatements (flag ``secondary``) are drawn hollow, and the 2% and 3.5% lines are kept as the
yardstick the allies are measured against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.reference import reference_rules
from milex.present.charts.style import (
    CORE_PCT,
    OKABE_ITO,
    TWO_PCT,
    altair_module,
    compose,
)

if TYPE_CHECKING:
    import pandas as pd


def sipri_share(frame: pd.DataFrame, name: str, sources: list[dict[str, Any]]) -> Any:
    """SIPRI's military expenditure as % of GDP for one country, from ``Dataset.series``."""
    alt = altair_module()
    if frame.empty:
        raise MilexError(f"{name}: SIPRI has no share-of-GDP figures in this snapshot")
    data = frame[["year", "value", "flags", "edition"]].copy()
    data["flags"] = data["flags"].fillna("")
    data["provisional"] = data["flags"].str.contains("estimate|secondary", regex=True)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("value:Q", title="Military expenditure, % of GDP (SIPRI)")
    base = alt.Chart(data)
    colour = OKABE_ITO["vermillion"]
    line = base.mark_line(color=colour, strokeWidth=2.2).encode(x=x, y=y)
    points = base.mark_point(filled=True, size=40, stroke=colour, strokeWidth=1.5).encode(
        x=x,
        y=y,
        fill=alt.condition("datum.provisional", alt.value("white"), alt.value(colour)),
        tooltip=[
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("value:Q", title="% of GDP", format=".2f"),
            alt.Tooltip("flags:N"),
            alt.Tooltip("edition:N"),
        ],
    )
    first, last = int(data["year"].min()), int(data["year"].max())
    latest = data.iloc[-1]
    notes = [
        f"{name}: {latest['value']:.1f}% of GDP in {int(latest['year'])} on SIPRI's figures "
        f"({first}-{last}); hollow points are estimates or press restatements.",
        f"Reference lines: NATO's {TWO_PCT:g}% guideline and {CORE_PCT:g}% Hague target.",
    ]
    return compose(
        [line, points, *reference_rules("y", [TWO_PCT, CORE_PCT], y)],
        title=f"{name}: military expenditure as a share of GDP",
        notes=notes,
        sources=sources,
        ids=["sipri"],
        height=360,
    )

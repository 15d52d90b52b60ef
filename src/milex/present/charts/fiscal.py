"""Paying for 3.5%: one ally's deficit or debt, % of GDP, on the IMF WEO baseline and with the
path's extra spending borrowed (median and the p5-p95 band), against the EU reference value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.finance._debt import DEBT_REFERENCE, DEFICIT_REFERENCE
from milex.present.charts.style import altair_module, compose, halo_text

if TYPE_CHECKING:
    import altair as alt

    from milex.finance.fiscal import FiscalResult

#: measure -> (column stem, axis title, EU reference value)
FISCAL_MEASURES = {
    "deficit": ("deficit", "General government deficit, % of GDP", DEFICIT_REFERENCE),
    "debt": ("debt", "General government gross debt, % of GDP", DEBT_REFERENCE),
}
SERIES = {
    "IMF WEO baseline": "#333333",
    "with the extra spending borrowed (median)": "#B2182B",
    "band (p5-p95)": "#F4A582",
}


def fiscal_rows(result: FiscalResult, iso3: str, measure: str) -> list[dict[str, Any]]:
    """The plotted rows: year, baseline, with (median), low and high, in % of GDP."""
    if measure not in FISCAL_MEASURES:
        raise MilexError(f"unknown fiscal measure {measure!r}; one of {', '.join(FISCAL_MEASURES)}")
    try:
        ally = result.ally(iso3)
    except StopIteration:
        codes = ", ".join(a.iso3 for a in result.allies)
        raise MilexError(f"{iso3} is not in this fiscal result ({codes})") from None
    if ally.missing:
        raise MilexError(
            f"{ally.name}: the IMF WEO lacks {', '.join(ally.missing)}; nothing to draw"
        )
    stem = FISCAL_MEASURES[measure][0]
    return [
        {"year": r["year"], "baseline": r[f"{stem}_base_pct"], "with": r[f"{stem}_pct"],
         "low": r[f"{stem}_p5_pct"], "high": r[f"{stem}_p95_pct"]}
        for r in ally.rows
    ]  # fmt: skip


def fiscal_chart(result: FiscalResult, iso3: str, measure: str = "debt") -> alt.LayerChart:
    """The ally's deficit or debt with and without the path, the band, and the EU reference."""
    import pandas as pd

    alt = altair_module()
    data = pd.DataFrame(fiscal_rows(result, iso3, measure))
    ally = result.ally(iso3)
    _, y_title, reference = FISCAL_MEASURES[measure]
    first, last = int(data["year"].min()), int(data["year"].max())
    x = alt.X("year:Q", title="Year", scale=alt.Scale(domain=[first, last], nice=False),
              axis=alt.Axis(format="d", tickMinStep=1))  # fmt: skip
    values = [*data["low"], *data["high"], *data["baseline"], reference]
    low, high = min(0.0, min(values)), max(values) * 1.08
    y = alt.Y("high:Q", title=y_title, scale=alt.Scale(domain=[low, high], nice=True))
    colour = alt.Color("series:N", title=None, legend=alt.Legend(symbolType="stroke"),
                       scale=alt.Scale(domain=list(SERIES), range=list(SERIES.values())))  # fmt: skip
    names = list(SERIES)
    base = alt.Chart(data)
    band = base.mark_area(opacity=0.6).encode(x=x, y=y, y2="low:Q", color=colour)
    band = band.transform_calculate(series=f"'{names[2]}'")
    tips = [alt.Tooltip("year:Q", format="d"),
            *(alt.Tooltip(f"{c}:Q", format=".1f") for c in ("baseline", "with", "low", "high"))]  # fmt: skip
    line = base.mark_line(strokeWidth=3).encode(x=x, y="with:Q", color=colour, tooltip=tips)
    line = line.transform_calculate(series=f"'{names[1]}'")
    dotted = base.mark_line(strokeWidth=2, strokeDash=[2, 3]).encode(
        x=x, y="baseline:Q", color=colour, tooltip=tips
    )
    dotted = dotted.transform_calculate(series=f"'{names[0]}'")
    rule_data = pd.DataFrame({"ref": [reference], "label": [f"EU reference {reference:g}%"]})
    rule = alt.Chart(rule_data).mark_rule(strokeDash=[6, 4], color="#333333").encode(y="ref:Q")
    rule_text = halo_text(alt.Chart(rule_data), {"align": "right", "dy": 12, "fontWeight": "bold"},
                          y="ref:Q", x=alt.value(alt.ExprRef(expr="width - 4")),
                          text="label:N")  # fmt: skip
    end = data.iloc[-1]
    title = (
        f"{ally.name}: {measure} {end['with']:.1f}% of GDP in {last} with the path to "
        f"{result.target:g}%, {end['baseline']:.1f}% on the IMF baseline"
    )
    notes = [
        f"Arithmetic on the IMF WEO baseline, not a forecast: the extra spending of a "
        f"{result.path} path to {result.target:g}% by {result.by} added to the deficit and borrowed.",
        "Band: the path's p5 and p95 share of GDP, the same debt over the p95 and p5 GDP; "
        "interest on the extra debt as in milex fiscal's notes (docs/fiscal.md).",
    ]
    return compose([band, dotted, line, rule, *rule_text], title=title, notes=notes,
                   sources=result.sources(), height=420)  # fmt: skip

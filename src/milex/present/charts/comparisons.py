"""Web views of the comparisons: the threat balance (blocs over time) and burden-sharing (GDP
against share of GDP, with the Olson-Zeckhauser rank test in the subtitle).

Each builder takes the library's result (``milex.analysis.balance.threat_balance``,
``milex.analysis.burden.burden_sharing`` and ``olson_zeckhauser``) and formats it in the house style.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.labels import anchor_columns, label_layers
from milex.present.charts.style import OKABE_ITO, WIDTH, altair_module, compose, money_title

if TYPE_CHECKING:
    import pandas as pd

BLOC_COLOURS = {
    "NATO": OKABE_ITO["blue"],
    "NATO_EU_CA": OKABE_ITO["sky"],
    "RUS": OKABE_ITO["vermillion"],
    "CHN": OKABE_ITO["orange"],
    "IRN": OKABE_ITO["purple"],
    "PRK": OKABE_ITO["grey"],
    "CRINK": "#000000",
}
#: A published outside estimate shown beside SIPRI-based PPP totals, to show how wide PPP
#: estimates run: IISS, The Military Balance 2025, Russia's 2024 defence spending at PPP.
IISS_RUSSIA_PPP = {
    "year": 2024,
    "bn": 461.6,
    "label": "IISS",
    "detail": "IISS: Russia 2024, $461.6bn PPP",
}

BURDEN_HEIGHT = 500
#: The burden scatter's plot in px at the PNG's 800 px: autosize 'fit' takes the axes, titles
#: and padding out of 800 x BURDEN_HEIGHT (measured on the PNG, a little under, so labels err
#: to more room).
BURDEN_PLOT = (WIDTH - 100.0, BURDEN_HEIGHT - 190.0)


def _sources(result: Any) -> list[dict[str, Any]]:
    """The result's citations of publisher editions (a user overlay is cited in the notes)."""
    return [s for s in result.sources() if "citation" in s]


def threat_lines(balance: Any, basis: str = "mer_constant") -> Any:
    """Bloc totals over time on one basis (``mer_constant`` or ``ppp``), in US$ bn."""
    alt = altair_module()
    totals: pd.DataFrame = balance.totals
    part = totals[(totals["basis"] == basis) & totals["bloc"].isin(list(BLOC_COLOURS))].copy()
    part = part[part["value"].notna()]
    if part.empty:
        raise MilexError(f"threat balance: no totals on basis {basis!r}")
    part["bn"] = part["value"] / 1000
    part["partial"] = part["status"] != "complete"
    names = dict(zip(part["bloc"], part["bloc_name"], strict=False))
    present = [b for b in BLOC_COLOURS if b in names]
    domain = [names[b] for b in present]
    colour = alt.Color(
        "bloc_name:N",
        scale=alt.Scale(domain=domain, range=[BLOC_COLOURS[b] for b in present]),
        title=None,
    )
    data = part[["year", "bloc", "bloc_name", "bn", "status", "missing", "flags", "unit"]]
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1))
    units = sorted(set(part["unit"]))
    if len(units) != 1:
        raise MilexError(f"threat balance: totals on basis {basis!r} mix units {units}")
    y = alt.Y("bn:Q", title=money_title(units[0], None if basis == "ppp" else "SIPRI"))
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=2.2).encode(x=x, y=y, color=colour)
    points = base.mark_point(filled=True, size=30).encode(
        x=x,
        y=y,
        color=colour,
        tooltip=[
            alt.Tooltip("bloc_name:N", title="Bloc"),
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("bn:Q", title="US$ bn", format=",.1f"),
            alt.Tooltip("status:N"),
            alt.Tooltip("missing:N", title="No figure"),
        ],
    )
    layers = [lines, points]
    notes = [
        "SIPRI's figures on both sides; a bloc total sums the members with a figure "
        "(status partial when some have none, never padded with zeros).",
    ]
    if basis == "ppp":
        import pandas as pd

        iiss = pd.DataFrame([IISS_RUSSIA_PPP])
        # the short label sits above and left of its diamond, between Russia's line below
        # and China's above; the note and the tooltip give the figure
        layers += [
            alt.Chart(iiss).mark_point(shape="diamond", size=110, color="#000000", filled=False)
            .encode(x=x, y=y, tooltip=alt.Tooltip("detail:N", title="Outside estimate")),
            alt.Chart(iiss)
            .mark_text(align="right", baseline="bottom", dx=-5, dy=-6, fontSize=11)
            .encode(x=x, y=y, text="label:N"),
        ]  # fmt: skip
        notes.append(
            "PPP at the GDP PPP conversion factor, not a military PPP: an upper bound of "
            f"relative effort. Diamond: IISS's estimate for Russia in {IISS_RUSSIA_PPP['year']}, "
            f"${IISS_RUSSIA_PPP['bn']:.1f}bn at PPP "
            "(The Military Balance 2025), for the spread of PPP estimates."
        )
    title = (
        "At purchasing-power parity the gap narrows"
        if basis == "ppp"
        else "NATO outspends Russia, China, Iran and North Korea at market rates"
    )
    return compose(
        layers,
        title=title,
        notes=notes,
        sources=_sources(balance),
        height=460,
    )


def burden_scatter(burden: Any, oz: Any, year: int) -> Any:
    """Each ally's GDP (log scale) against its share of GDP on defence, one year."""
    alt = altair_module()
    allies: pd.DataFrame = burden.allies
    part = allies[(allies["year"] == year) & allies["milex_pct_gdp"].notna()].copy()
    if part.empty:
        raise MilexError(f"burden-sharing: no ally has both figures in {year}")
    part["gdp_bn"] = part["gdp_usd_m"] / 1000
    # explicit domains, so that labels can be placed in the pixels the chart will draw
    gdp_domain = [float(part["gdp_bn"].min()) / 1.3, float(part["gdp_bn"].max()) * 1.3]
    pct_top = math.ceil(float(part["milex_pct_gdp"].max()) * 2 + 0.5) / 2
    width, height = BURDEN_PLOT
    lo, span = math.log10(gdp_domain[0]), math.log10(gdp_domain[1] / gdp_domain[0])
    points = [
        ((math.log10(g) - lo) / span, 1 - v / pct_top)
        for g, v in zip(part["gdp_bn"], part["milex_pct_gdp"], strict=True)
    ]
    columns = anchor_columns(
        points, width, height, lambda fx, fy: (10 ** (lo + fx * span), pct_top * (1 - fy))
    )
    for k, v in columns.items():
        part[k] = v
    data = part[
        ["iso3", "country", "gdp_bn", "milex_pct_gdp", "share_ratio", "flags", *columns]
    ]  # fmt: skip
    x = alt.X(
        "gdp_bn:Q",
        scale=alt.Scale(type="log", nice=False, domain=gdp_domain),
        # 1-3-10 steps: the log axis's own ticks print 2,000 and 3,000 into each other
        axis=alt.Axis(
            values=[1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000],
            format=",",
            labelOverlap="greedy",  # on a phone 1,000 and 3,000 would print into each other
        ),
        title="GDP, current US$ bn (log scale)",
    )
    y = alt.Y(
        "milex_pct_gdp:Q",
        scale=alt.Scale(domain=[0, pct_top], nice=False),
        title="Defence expenditure, % of GDP (NATO)",
    )
    base = alt.Chart(data)
    dots = base.mark_circle(size=70, color=OKABE_ITO["blue"], opacity=0.85).encode(
        x=x,
        y=y,
        tooltip=[
            alt.Tooltip("country:N", title="Ally"),
            alt.Tooltip("gdp_bn:Q", title="GDP, US$ bn", format=",.0f"),
            alt.Tooltip("milex_pct_gdp:Q", title="% of GDP", format=".2f"),
            alt.Tooltip("share_ratio:Q", title="Spending share / GDP share", format=".2f"),
        ],
    )
    leaders, labels = label_layers(base, x, y)
    table = oz.table
    row = table[table["year"] == year]
    title = f"Do the big allies carry the burden? GDP against share of GDP, {year}"
    if row.empty:
        test = "no Olson-Zeckhauser statistic for this year"
    else:
        r = row.iloc[0]
        title = burden_message(year, float(r["spearman_rho"]), float(r["spearman_p"]))
        test = (
            f"Olson-Zeckhauser test: the rank correlation of GDP and share of GDP over "
            f"{int(r['n'])} allies; a significant positive rho would mean the large allies carry "
            "a bigger burden."
        )
    return compose(
        [leaders, dots, *labels],
        title=title,
        notes=[test, "Labels: ISO 3166 country codes."],
        sources=_sources(burden),
        height=BURDEN_HEIGHT,
    )


def burden_message(year: int, rho: float, p: float, alpha: float = 0.05) -> str:
    """The burden chart's message: what the Olson-Zeckhauser rank test says for the year."""
    stat = f"(Spearman's rho {rho:.2f}, p = {p:.2f})"
    if p < alpha and rho > 0:
        return f"In {year} the larger allies spent a larger share of GDP on defence {stat}"
    if p < alpha and rho < 0:
        return f"In {year} the smaller allies spent a larger share of GDP on defence {stat}"
    return f"In {year} an ally's size did not predict its share of GDP on defence {stat}"


def industry_capacity(result: Any) -> Any:
    """155 mm (or any item) capacity per year against demand (consumption plus deliveries)."""
    import pandas as pd

    alt = altair_module()
    yearly = result.yearly()
    if yearly.empty:
        raise MilexError("industry model: no years to chart")
    parts = []
    for column, label in (
        ("production", "Production"),
        ("capacity_per_year", "Capacity at year end (annual rate)"),
    ):
        parts.append(
            pd.DataFrame({"year": yearly["year"], "rounds": yearly[column], "series": label})
        )
    demand = yearly["demand_consumption"] + yearly["demand_deliveries"]
    parts.append(pd.DataFrame({"year": yearly["year"], "rounds": demand, "series": "Demand"}))
    data = pd.concat(parts, ignore_index=True)
    data["m"] = data["rounds"] / 1e6
    colours = {
        "Production": OKABE_ITO["blue"],
        "Capacity at year end (annual rate)": OKABE_ITO["sky"],
        "Demand": OKABE_ITO["vermillion"],
    }
    colour = alt.Color(
        "series:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), title=None
    )
    # a quantitative year axis keeps its labels level, so the axis title never meets the footer
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("m:Q", title="Rounds a year, millions")
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2.2)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("rounds:Q", format=",.0f"),
            ],
        )
    )
    sources = [
        {
            "source": s["id"],
            "edition": s.get("date", ""),
            "citation": f"{s['publisher']}, {s['title']}",
        }
        for s in result.sources_used
    ][:3]
    return compose(
        [chart],
        title=capacity_message(
            str(result.model.title),
            list(yearly["year"]),
            list(yearly["capacity_per_year"]),
            list(demand),
        ),
        notes=[str(n) for n in result.notes[:1]],
        sources=sources,
        height=440,
    )


def capacity_message(
    title: str, years: list[int], capacity: list[float], demand: list[float]
) -> str:
    """The industry chart's message: from which year capacity covers demand (or that it never
    does), led by what the model is about (its title up to a colon)."""
    subject = title.split(":")[0].strip() or title
    short = [int(y) for y, c, d in zip(years, capacity, demand, strict=True) if c < d]
    first, last = int(years[0]), int(years[-1])
    if not short:
        return f"{subject}: capacity covers demand in every year, {first}-{last}"
    if short[-1] == last:
        return f"{subject}: capacity is still short of demand in {last}"
    return f"{subject}: capacity covers demand from {short[-1] + 1}"

"""(b) One ally's share of GDP over time: NATO and SIPRI as separate lines, with its Hague path."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from milex.errors import MilexError
from milex.present.charts.style import (
    CORE_PCT,
    OKABE_ITO,
    REFERENCE_NOTE,
    TWO_PCT,
    altair_module,
    compose,
    hollow_when_provisional,
    reference_rules,
)

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from milex.analysis.profile import CountryProfile


# -- (b) one country over time ---------------------------------------------------------------------
SERIES_NATO = "NATO: share of real GDP"
SERIES_SIPRI = "SIPRI: share of current GDP"
SERIES_PATH = f"Straight line to {CORE_PCT:g}% by 2035"
SERIES_PLAN = "National plan (stated)"
SERIES_COLOURS = {
    SERIES_NATO: OKABE_ITO["blue"],
    SERIES_SIPRI: OKABE_ITO["vermillion"],
    SERIES_PATH: "#777777",
    SERIES_PLAN: OKABE_ITO["green"],
}


def plan_points(iso3: str) -> pd.DataFrame:
    """The ally's stated plan shares of GDP (milex.analysis.plans, core definitions), one row a year."""
    import pandas as pd

    from milex.analysis.plans import load_plans

    points = load_plans().core_points(iso3)
    return pd.DataFrame(
        {"year": list(points), "value": [f.value for f in points.values()]},
        columns=["year", "value"],
    ).assign(series=SERIES_PLAN)


def country_share(profile: CountryProfile) -> alt.LayerChart:
    """(b) One ally's share of GDP over time: NATO and SIPRI as separate lines, with its path."""
    import pandas as pd

    alt = altair_module()
    m = profile.measures
    shares = m[(m["measure"] == "milex_pct_gdp") & m["source"].isin(["nato", "sipri"])]
    if shares.empty:
        why = profile.status.get("note") or "no share-of-GDP figures"
        raise MilexError(f"{profile.name}: {why}; no share of GDP to chart")
    names = {"nato": SERIES_NATO, "sipri": SERIES_SIPRI}
    data = pd.DataFrame(
        {
            "year": shares["year"].astype(int),
            "value": shares["value"].astype(float),
            "series": shares["source"].map(names),
            "provisional": shares["flags"].str.contains("estimate|secondary", regex=True),
            "flags": shares["flags"],
            "edition": shares["edition"],
            # one line per definition: NATO's 2026 core-defence restatement is never joined on
            "definition": shares["edition"].map(profile.definitions or {}).fillna(""),
        }
    )
    breaks = data[data["series"] == SERIES_NATO]["definition"].nunique() > 1
    path = profile.path.dropna(subset=["path_pct"])
    if profile.reach.base_share is not None and profile.reach.base_share >= CORE_PCT:
        path = path.iloc[0:0]  # already there: a path down to 3.5% would mislead
    path_data = pd.DataFrame(
        {"year": path["year"].astype(int), "value": path["path_pct"].astype(float)}
    ).assign(series=SERIES_PATH)
    plan_data = plan_points(profile.iso3)
    last = int(max(data["year"].max(), path_data["year"].max() if len(path_data) else 0,
                   plan_data["year"].max() if len(plan_data) else 0))  # fmt: skip
    top = max(float(data["value"].max()), CORE_PCT, *plan_data["value"].tolist())
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=list(SERIES_COLOURS), range=list(SERIES_COLOURS.values())),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3),
    )
    x = alt.X(
        "year:Q",
        title="Year",
        scale=alt.Scale(domain=[int(data["year"].min()), last], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1, labelOverlap=True),
    )
    y = alt.Y(
        "value:Q",
        title="Defence expenditure, % of GDP",
        scale=alt.Scale(domain=[0, math.ceil(top * 2 + 0.5) / 2], nice=False),
    )
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("value:Q", title="% of GDP", format=".2f"),
    ]
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=colour, detail=alt.Detail("definition:N")
    )
    points = base.mark_point(size=55, strokeWidth=2, opacity=1).encode(
        x=x,
        y=y,
        color=colour,
        fill=hollow_when_provisional("series", SERIES_COLOURS),
        tooltip=[*tooltip, alt.Tooltip("flags:N", title="Flags")],
    )
    layers = [*reference_rules("y", [TWO_PCT, CORE_PCT], y), lines, points]
    if len(path_data):
        layers.insert(
            0,
            alt.Chart(path_data)
            .mark_line(strokeDash=[4, 4], strokeWidth=2)
            .encode(x=x, y=y, color=colour, tooltip=tooltip),
        )
    if len(plan_data):
        layers.append(
            alt.Chart(plan_data)
            .mark_point(shape="diamond", size=70, filled=True)
            .encode(x=x, y=y, color=colour, tooltip=tooltip)
        )
    used = set(zip(shares["source"], shares["edition"], strict=True))
    cited = [s for s in profile.sources if (s["source"], s["edition"]) in used]
    first, final = int(data["year"].min()), int(data["year"].max())
    notes = [
        "NATO's share is of real GDP, SIPRI's of current GDP: two measures, never merged. "
        "Hollow markers: estimates or press reports.",
        _reach_note(profile),
        "Diamonds: the ally's national plan as stated (shares of GDP; milex national_plans.csv, "
        "flag national_plan), not a reported figure."
        if len(plan_data)
        else "No national plan stated as a share of GDP.",
        REFERENCE_NOTE,
    ]
    if breaks:
        notes.insert(
            1,
            "Definition break: the NATO line is not joined where NATO's 2026 edition restates "
            "spending as core defence expenditure.",
        )
    title = f"{profile.name}: defence spending as a share of GDP, {first}-{final}"
    return compose(layers, title=title, notes=notes, sources=cited, height=540)


def _reach_note(profile: CountryProfile) -> str:
    reach = profile.reach
    if reach.base_share is None:
        return f"No NATO figure for {reach.base_year}: no path to {CORE_PCT:g}% drawn."
    if reach.base_share >= CORE_PCT:
        return f"Already at or above {CORE_PCT:g}% in {reach.base_year} ({reach.base_share:.2f}%)."
    start = f"Dashed: a straight line from {reach.base_share:.2f}% in {reach.base_year} to "
    start += f"{CORE_PCT:g}% in 2035. "
    if reach.year is None:
        return start + f"At its recent trend it does not get there: {reach.note}."
    if reach.year <= (reach.newest_year or reach.base_year):
        return start + f"It reached {CORE_PCT:g}% in {reach.year} ({reach.note})."
    return start + f"At its recent trend ({reach.note}) it reaches {CORE_PCT:g}% in {reach.year}."

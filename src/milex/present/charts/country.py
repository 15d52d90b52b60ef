"""(b) One ally's share of GDP over time: NATO and SIPRI as separate lines, with its Hague path."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.reference import reference_rules
from milex.present.charts.style import (
    CORE_PCT,
    OKABE_ITO,
    REFERENCE_NOTE,
    TWO_PCT,
    altair_module,
    compose,
    hollow_when_provisional,
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
SERIES_TREND = "At its recent trend"
SERIES_COLOURS = {
    SERIES_NATO: OKABE_ITO["blue"],
    SERIES_SIPRI: OKABE_ITO["vermillion"],
    SERIES_PATH: "#777777",
    SERIES_TREND: OKABE_ITO["blue"],
    SERIES_PLAN: OKABE_ITO["green"],
}
#: Each series' line as drawn, so the legend's swatch is the line it names (plans are points).
SERIES_DASHES = {
    SERIES_NATO: [1, 0],
    SERIES_SIPRI: [1, 0],
    SERIES_PATH: [4, 4],
    SERIES_TREND: [1, 3],
    SERIES_PLAN: [1, 0],
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
    """(b) One ally's share of GDP over time: NATO and SIPRI as separate lines, with its path to
    3.5% and, where the note names a reach year still ahead, the trend that gets there."""
    alt = altair_module()
    data = _share_frame(profile)
    path_data, trend_data, plan_data = _guides(profile)
    extra = [path_data, trend_data, plan_data]
    last = int(max([data["year"].max(), *(int(f["year"].max()) for f in extra if len(f))]))
    top = max([float(data["value"].max()), CORE_PCT, *(f["value"].max() for f in extra if len(f))])
    x = alt.X(
        "year:Q",
        title="Year",
        scale=alt.Scale(domain=[int(data["year"].min()), last], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1, labelOverlap="greedy", labelSeparation=6),
    )
    y = alt.Y(
        "value:Q",
        title="Defence expenditure, % of GDP",
        scale=alt.Scale(domain=[0, math.ceil(top * 2 + 0.5) / 2], nice=False),
    )
    layers = [*reference_rules("y", [TWO_PCT, CORE_PCT], y), *_series_layers(data, x, y)]
    encode = {"x": x, "y": y, "color": _colour(), "strokeDash": _dash(), "tooltip": _tooltip()}
    for frame in (trend_data, path_data):
        if len(frame):
            layers.insert(0, alt.Chart(frame).mark_line(strokeWidth=2).encode(**encode))
    if len(plan_data):
        layers.append(
            alt.Chart(plan_data)
            .mark_point(shape="diamond", size=70, filled=True)
            .encode(x=x, y=y, color=_colour(), tooltip=_tooltip())
        )
    used = set(zip(data["source"], data["edition"], strict=True))
    cited = [s for s in profile.sources() if (s["source"], s["edition"]) in used]
    first, final = int(data["year"].min()), int(data["year"].max())
    title = f"{profile.name}: defence spending as a share of GDP, {first}-{final}"
    notes = _share_notes(profile, data, len(trend_data) > 0, len(plan_data) > 0)
    return compose(layers, title=title, notes=notes, sources=cited, height=540)


def _share_frame(profile: CountryProfile) -> pd.DataFrame:
    """The ally's NATO and SIPRI shares of GDP, one row a figure, with flags and editions."""
    import pandas as pd

    m = profile.measures
    shares = m[(m["measure"] == "milex_pct_gdp") & m["source"].isin(["nato", "sipri"])]
    if shares.empty:
        why = profile.status.get("note") or "no share-of-GDP figures"
        raise MilexError(f"{profile.name}: {why}; no share of GDP to chart")
    names = {"nato": SERIES_NATO, "sipri": SERIES_SIPRI}
    return pd.DataFrame(
        {
            "year": shares["year"].astype(int),
            "value": shares["value"].astype(float),
            "series": shares["source"].map(names),
            "source": shares["source"],
            "provisional": shares["flags"].str.contains("estimate|secondary", regex=True),
            "flags": shares["flags"],
            "edition": shares["edition"],
            # one line per definition: NATO's 2026 core-defence restatement is never joined on
            "definition": shares["edition"].map(profile.definitions or {}).fillna(""),
        }
    )


def _guides(profile: CountryProfile) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The straight line to 3.5% by 2035, the trend to the reach year the note names (only
    when that year is still ahead), and the national plan's stated shares."""
    import pandas as pd

    path = profile.path.dropna(subset=["path_pct"])
    reach = profile.reach
    if reach.base_share is not None and reach.base_share >= CORE_PCT:
        path = path.iloc[0:0]  # already there: a path down to 3.5% would mislead
    path_data = pd.DataFrame(
        {"year": path["year"].astype(int), "value": path["path_pct"].astype(float)}
    ).assign(series=SERIES_PATH)
    start = reach.newest_year or reach.base_year
    ahead = reach.year is not None and reach.year > start
    trend = [(y, v) for y, v in reach.levels if ahead and start <= y <= (reach.year or 0)]
    trend_data = pd.DataFrame(trend, columns=["year", "value"]).assign(series=SERIES_TREND)
    return path_data, trend_data, plan_points(profile.iso3)


def _series_layers(data: pd.DataFrame, x: alt.X, y: alt.Y) -> list[alt.Chart]:
    """The publishers' lines (one per definition) and their points, hollow when provisional."""
    alt = altair_module()
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=_colour(), strokeDash=_dash(), detail=alt.Detail("definition:N")
    )
    points = base.mark_point(size=55, strokeWidth=2, opacity=1).encode(
        x=x,
        y=y,
        color=_colour(),
        fill=hollow_when_provisional("series", SERIES_COLOURS),
        tooltip=[*_tooltip(), alt.Tooltip("flags:N", title="Flags")],
    )
    return [lines, points]


def _colour() -> Any:  # alt.Color
    alt = altair_module()
    return alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=list(SERIES_COLOURS), range=list(SERIES_COLOURS.values())),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, columns=3),
    )


def _dash() -> Any:  # alt.StrokeDash
    alt = altair_module()
    return alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=list(SERIES_DASHES), range=list(SERIES_DASHES.values())),
        legend=None,
    )


def _tooltip() -> list[alt.Tooltip]:
    alt = altair_module()
    return [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("value:Q", title="% of GDP", format=".2f"),
    ]


def _share_notes(
    profile: CountryProfile, data: pd.DataFrame, trend: bool, plans: bool
) -> list[str]:
    notes = [
        "NATO's share is of real GDP, SIPRI's of current GDP: two measures, never merged. "
        "Hollow markers: estimates or press reports.",
        _reach_note(profile) + (" Dotted: that trend." if trend else ""),
        "Diamonds: the ally's national plan as stated (shares of GDP; milex national_plans.csv, "
        "flag national_plan), not a reported figure."
        if plans
        else "No national plan stated as a share of GDP.",
        REFERENCE_NOTE,
    ]
    if data[data["series"] == SERIES_NATO]["definition"].nunique() > 1:
        notes.insert(
            1,
            "Definition break: the NATO line is not joined where NATO's 2026 edition restates "
            "spending as core defence expenditure.",
        )
    return notes


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

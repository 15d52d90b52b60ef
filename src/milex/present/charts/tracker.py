"""Charts of the tracker result: (a) bars by ally, (c) equipment against GDP share, (f) tiles."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.clearance import TIER, bar_label_x, text_width
from milex.present.charts.labels import anchor_columns, label_layers
from milex.present.charts.reference import aggregate_rule, reference_rules, top_labels
from milex.present.charts.style import (
    BAND_NO_FORCES,
    CORE_PCT,
    DARK_BANDS,
    EQUIPMENT_PCT,
    NATO_PCT_TITLE,
    REFERENCE_NOTE,
    TWO_PCT,
    aggregate_value,
    ally_rows,
    altair_module,
    band_scale,
    compose,
    coverage_notes,
    flag_notes,
    footer_text,
    halo_text,
    headline,
    highlight_name,
    js,
    marks,
    missing_note,
    outline,
    source_lines,
    steps,
)

if TYPE_CHECKING:
    import altair as alt

    from milex.analysis.tracking import TrackerResult


# -- (a) tracker bars ------------------------------------------------------------------------------
def tracker_bars(result: TrackerResult, *, highlight: str | None = None) -> alt.LayerChart:
    """(a) Every ally's NATO share of GDP as a bar, coloured by band, with the 2% and 3.5% lines."""
    import pandas as pd

    alt = altair_module()
    rows = ally_rows(result)
    year = int(result.summary["year"])
    plotted = sorted((r for r in rows if r["share"] is not None), key=lambda r: -r["share"])
    if not plotted:
        raise MilexError(f"no ally has a NATO share of GDP for {year}: nothing to chart")
    notes, mixed = flag_notes(plotted, year)
    for r in plotted:
        r["label"] = f"{r['share']:.2f}" + marks(r["flags"], mixed)
        r["label_w"] = text_width(r["label"], 11)
    data = pd.DataFrame(plotted)
    names = [r["country"] for r in plotted]
    top = max(r["share"] for r in plotted)
    x_max = max(4.5, math.ceil(top * 2 + 0.6) / 2)
    hl = highlight_name(rows, highlight)
    bold = f"datum.value === {js(hl)} ? 'bold' : 'normal'" if hl else "'normal'"
    y = alt.Y(
        "country:N",
        sort=names,
        title=None,
        axis=alt.Axis(labelFontWeight=alt.ExprRef(expr=bold), labelLimit=200, ticks=False),
    )
    x = alt.X(
        "share:Q",
        title=NATO_PCT_TITLE,
        scale=alt.Scale(domain=[0, x_max], nice=False),
        axis=alt.Axis(values=steps(0, x_max, 0.5), format=".1f"),
    )
    base = alt.Chart(data)
    bars = base.mark_bar(size=15).encode(
        y=y,
        x=x,
        # the legend stands a tier higher: room for the line labels' second tier (clearance)
        color=alt.Color(
            "band:N",
            scale=band_scale(data["band"]),
            title="Share of GDP",
            legend=alt.Legend(offset=24 + TIER),
        ),
        **outline(f"datum.country === {js(hl)}", 2),
        tooltip=[
            alt.Tooltip("country:N", title="Ally"),
            alt.Tooltip("share:Q", title="% of GDP", format=".2f"),
            alt.Tooltip("rank:Q", title="Rank"),
            alt.Tooltip("flags:N", title="Flags"),
        ],
    )
    total = aggregate_value(result, "NATO")
    aggregate = [] if total is None else [(total, f"NATO total {total:.2f}%")]
    lines = [TWO_PCT, CORE_PCT]
    above: list[tuple[float, float | str]] = [(v, text_width(t, 11)) for v, t in aggregate]
    layers = [bars, *reference_rules("x", lines, x, also=above)]
    for value, text in aggregate:
        layers += aggregate_rule(value, text, x, also=top_labels(lines))
    # last: a value label's halo breaks any line that passes under it
    layers += value_labels(base, y, x, [*lines, *(v for v, _ in aggregate)], x_max)
    whole = f"; NATO as a whole: {total:.2f}%" if total is not None else ""
    partial = coverage_notes(result)
    notes = [
        *partial,
        f"Defence expenditure as a share of GDP by ally, NATO's figures{whole}.",
        REFERENCE_NOTE,
        *notes,
        *missing_note(rows),
    ]
    footer = [*notes[1:], *source_lines(result.summary["sources"], ["nato"])]
    return compose(
        layers,
        title=headline(result),
        notes=notes,
        sources=result.summary["sources"],
        ids=["nato"],
        # room for every line of the footer (a partial year's lists the missing allies), so
        # the bars keep their 21 px whatever the notes say
        height=21 * len(plotted) + 150 + int(TIER) + 14 * len(footer_text(footer)),
    )


def value_labels(base: Any, y: Any, x: Any, lines: list[float], x_max: float) -> list[Any]:
    """The bars' value labels (the ``label`` column), each placed where no reference line at
    ``lines`` strikes it: past the bar's end, inside it, or past the line
    (``clearance.bar_label_x``), for the width the chart is drawn at."""
    alt = altair_module()
    placed = base.transform_calculate(label_x=bar_label_x("share", "label_w", lines, x_max))
    at = alt.X("label_x:Q", title=x["title"], scale=x["scale"], axis=x["axis"])
    return halo_text(placed, {"align": "left"}, y=y, x=at, text="label:N")


# -- (c) equipment share against share of GDP ------------------------------------------------------
SCATTER_HEIGHT = 600
#: Approximate plot area inside the 800 x 600 chart (axes, titles, legend taken off), in px.
SCATTER_PLOT = (695.0, 355.0)


def equipment_scatter(result: TrackerResult, *, highlight: str | None = None) -> alt.LayerChart:
    """(c) Each ally's equipment share against its share of GDP, with the 20% and 2% lines."""
    import pandas as pd

    alt = altair_module()
    rows = ally_rows(result)
    year = int(result.summary["year"])
    plotted = [r for r in rows if r["share"] is not None and r["equipment"] is not None]
    if not plotted:
        raise MilexError(f"no ally has both a share of GDP and an equipment share for {year}")
    low = max(0.0, math.floor(min(r["share"] for r in plotted) * 2) / 2 - 0.5)
    x_dom = [low, max(4.5, math.ceil(max(r["share"] for r in plotted) * 2 + 0.5) / 2)]
    y_dom = [0.0, max(60.0, math.ceil(max(r["equipment"] for r in plotted) / 10 + 0.5) * 10)]
    _place_labels(plotted, x_dom, y_dom)
    data = pd.DataFrame(plotted)
    hl = highlight_name(rows, highlight)
    x = alt.X(
        "share:Q", title=NATO_PCT_TITLE, scale=alt.Scale(domain=x_dom, nice=False),
        axis=alt.Axis(values=steps(low, x_dom[1], 0.5), format=".1f"),
    )  # fmt: skip
    y = alt.Y(
        "equipment:Q",
        title="Major equipment incl. R&D, % of defence expenditure",
        scale=alt.Scale(domain=y_dom, nice=False),
    )
    base = alt.Chart(data)
    points = base.mark_circle(size=110, opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color("band:N", scale=band_scale(data["band"]), title="Share of GDP"),
        **outline(f"datum.country === {js(hl)}", 2.5),
        tooltip=[
            alt.Tooltip("country:N", title="Ally"),
            alt.Tooltip("share:Q", title="% of GDP", format=".2f"),
            alt.Tooltip("equipment:Q", title="Equipment %", format=".1f"),
        ],
    )
    weight = alt.ExprRef(expr=f"datum.country === {js(hl)} ? 'bold' : 'normal'")
    leaders, labels = label_layers(base, x, y, weight)
    layers = [
        *reference_rules("x", [TWO_PCT], x),
        *reference_rules("y", [EQUIPMENT_PCT], y),
        leaders,
        points,
        *labels,
    ]
    a = result.summary
    partial = coverage_notes(result)
    notes = [
        *partial,
        f"{len(plotted)} allies have both figures; {a['count_at_or_above_2pct']} of "
        f"{a['allies_with_figures']} with a share of GDP spend at least {TWO_PCT:g}% of GDP on "
        "defence. Labels: ISO 3166 country codes.",
        f"Lines: the Wales 2014 guidelines, {TWO_PCT:g}% of GDP on defence and "
        f"{EQUIPMENT_PCT:g}% of that on major equipment including R&D.",
        *flag_notes(plotted, year)[0],
        *missing_note([r for r in rows if r not in plotted]),
    ]
    return compose(
        layers,
        title=equipment_title(a),
        notes=notes,
        sources=a["sources"],
        ids=["nato"],
        height=SCATTER_HEIGHT,
    )


def equipment_title(a: Mapping[Any, Any]) -> str:
    """'2026, 10 of 31 allies with equipment figures: 9 are estimated to spend 20% or more ...'."""
    from milex.analysis.coverage import spend_verb

    have, allies, met = a["allies_with_equipment"], a["allies"], a["count_equipment_20pct"]
    verb = spend_verb(bool(a.get("estimated")))
    what = f"{EQUIPMENT_PCT:g}% or more of their defence budget on major equipment"
    if have < allies:
        return f"{a['year']}, {have} of {allies} allies with equipment figures: {met} {verb} {what}"
    return f"{met} of {allies} allies {verb} {what} in {a['year']}"


def _place_labels(rows: list[dict[str, Any]], x_dom: list[float], y_dom: list[float]) -> None:
    """Add ``labels.anchor_columns`` to each row, placed in SCATTER_PLOT's pixels."""
    xw, yh = x_dom[1] - x_dom[0], y_dom[1] - y_dom[0]
    points = [((r["share"] - x_dom[0]) / xw, (y_dom[1] - r["equipment"]) / yh) for r in rows]
    lines = [("x", (TWO_PCT - x_dom[0]) / xw), ("y", (y_dom[1] - EQUIPMENT_PCT) / yh)]
    columns = anchor_columns(
        points, *SCATTER_PLOT, lambda fx, fy: (x_dom[0] + fx * xw, y_dom[1] - fy * yh), lines
    )
    for i, r in enumerate(rows):
        r.update({k: v[i] for k, v in columns.items()})


# -- (f) tile grid of allies by status -------------------------------------------------------------
#: Each ally's tile (column, row), placed roughly by geography; North America on the left.
TILES: dict[str, tuple[int, int]] = {
    "ISL": (1, 0), "NOR": (4, 0), "SWE": (5, 0), "FIN": (6, 0),
    "CAN": (0, 1), "GBR": (2, 1), "DNK": (4, 1), "EST": (6, 1),
    "USA": (0, 2), "NLD": (3, 2), "DEU": (4, 2), "POL": (5, 2), "LVA": (6, 2),
    "BEL": (2, 3), "LUX": (3, 3), "CZE": (4, 3), "SVK": (5, 3), "LTU": (6, 3),
    "FRA": (2, 4), "SVN": (4, 4), "HUN": (5, 4), "ROU": (6, 4),
    "PRT": (1, 5), "ESP": (2, 5), "ITA": (3, 5), "HRV": (4, 5), "BGR": (6, 5),
    "MNE": (4, 6), "MKD": (5, 6), "TUR": (6, 6),
    "ALB": (4, 7), "GRC": (5, 7),
}  # fmt: skip
TILE_COLUMNS, TILE_ROWS = 7, 8


def status_tiles(result: TrackerResult, *, highlight: str | None = None) -> alt.LayerChart:
    """(f) One tile per ally, placed roughly by geography, coloured by its share-of-GDP band."""
    import pandas as pd

    alt = altair_module()
    rows = ally_rows(result)
    year = int(result.summary["year"])
    unplaced = [r["iso3"] for r in rows if r["iso3"] not in TILES]
    if unplaced:
        raise MilexError(f"no tile position for {', '.join(unplaced)}; add it to charts.TILES")
    notes, mixed = flag_notes([r for r in rows if r["share"] is not None], year)
    for r in rows:
        r["col"], r["row"] = TILES[r["iso3"]]
        r["value"] = "" if r["share"] is None else f"{r['share']:.2f}%" + marks(r["flags"], mixed)
        if r["band"] == BAND_NO_FORCES:
            r["value"] = "no forces"
        r["dark"] = r["band"] in DARK_BANDS
        # a narrow tile's figure drops its "%" (the legend says what the figures are)
        r["short"] = "" if r["band"] == BAND_NO_FORCES else r["value"].replace("%", "")
        r["em"] = text_width(r["value"], 1)
        r["em_short"] = text_width(r["short"], 1)
        r["em_code"] = text_width(r["iso3"], 1, bold=True)
    data = pd.DataFrame(rows)
    hl = highlight_name(rows, highlight)
    grid = {"paddingInner": 0.08}
    x = alt.X("col:O", scale=alt.Scale(domain=list(range(TILE_COLUMNS)), **grid), axis=None)
    y = alt.Y("row:O", scale=alt.Scale(domain=list(range(TILE_ROWS)), **grid), axis=None)
    base = alt.Chart(data)
    tiles = base.mark_rect(cornerRadius=3).encode(
        x=x,
        y=y,
        color=alt.Color("band:N", scale=band_scale(data["band"]), title="Share of GDP"),
        **outline(f"datum.country === {js(hl)}", 3),
        tooltip=[
            alt.Tooltip("country:N", title="Ally"),
            alt.Tooltip("share:Q", title="% of GDP", format=".2f"),
            alt.Tooltip("band:N", title="Band"),
        ],
    )
    ink = alt.condition("datum.dark", alt.value("white"), alt.value("#111111"))
    # a tile's figure fits its tile (4 px spare) at 12 px; on a phone's narrow tiles it is
    # printed short ("3.50≈") and, where still too wide, smaller, never over its neighbours
    room = "(bandwidth('x') - 4)"
    narrow = f"{room} < datum.em * 12"
    fitted = alt.ExprRef(expr=f"min(12, {room} / max({narrow} ? datum.em_short : datum.em, 1))")
    code_size = alt.ExprRef(expr=f"min(15, {room} / datum.em_code)")
    codes = base.mark_text(fontSize=code_size, fontWeight="bold", dy=-9).encode(
        x=x, y=y, text="iso3:N", color=ink
    )
    values = base.mark_text(
        dy=10, text=alt.ExprRef(expr=f"{narrow} ? datum.short : datum.value"), fontSize=fitted
    ).encode(x=x, y=y, color=ink)
    a = result.summary
    notes = [
        *coverage_notes(result),
        f"NATO's defence expenditure as a share of GDP: {headline(result)}. Tiles are placed "
        "roughly by geography; labels are ISO 3166 country codes.",
        REFERENCE_NOTE,
        *notes,
        *missing_note(rows),
    ]
    covered = f" ({a['coverage']})" if a.get("partial") else ""
    return compose(
        [tiles, codes, values],
        title=f"Where the NATO allies stand, {year}{covered}",
        notes=notes,
        sources=a["sources"],
        ids=["nato"],
        height=800,
        footer_gap=12,
    )

"""House style and shared pieces of every chart: palette, titles with sources, reference lines.

Everything here formats; nothing computes a figure. The palette is Okabe & Ito's, safe for the
common colour-vision deficiencies; every chart is 800 px wide in total (``autosize: fit``).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from milex.analysis.commitments import BY_ID, MET, level
from milex.data.schema import FLAG_MARKS, flag_marks
from milex.data.schema import is_missing as missing
from milex.errors import MilexError

if TYPE_CHECKING:
    import altair as alt

    from milex.analysis.tracking import TrackerResult


WIDTH = 800
#: The outline of every band-coloured bar, tile, dot and shape: the sky and orange fills are
#: about 2:1 against white, so the outline (12.6:1) is what gives each shape WCAG's 3:1.
OUTLINE = "#333333"


def outline(highlighted: str, width: float) -> dict[str, Any]:
    """Stroke encodings for a band-coloured mark: black and ``width`` px where the Vega
    expression ``highlighted`` holds (the chosen ally), else the thin ``OUTLINE``."""
    alt = altair_module()
    return {
        "stroke": alt.condition(highlighted, alt.value("black"), alt.value(OUTLINE)),
        "strokeWidth": alt.condition(highlighted, alt.value(width), alt.value(0.6)),
    }


#: Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "blue": "#0072B2",
    "sky": "#56B4E9",
    "orange": "#E69F00",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#999999",
}
TWO_PCT = BY_ID["wales_2pct"].threshold
CORE_PCT = BY_ID["hague_core_3_5pct"].threshold
EQUIPMENT_PCT = BY_ID["wales_20pct_equipment"].threshold
BAND_CORE = f"{CORE_PCT:g}% or more"
BAND_TWO = f"{TWO_PCT:g}% to under {CORE_PCT:g}%"
BAND_BELOW = f"under {TWO_PCT:g}%"
BAND_NONE = "no figure"
BAND_NO_FORCES = "no armed forces"
BAND_COLOURS = {
    BAND_CORE: OKABE_ITO["blue"],
    BAND_TWO: OKABE_ITO["sky"],
    BAND_BELOW: OKABE_ITO["orange"],
    BAND_NONE: "#C8C8C8",
    BAND_NO_FORCES: "#EEEEEE",
}
DARK_BANDS = (BAND_CORE,)
REFERENCE_LABELS = {
    TWO_PCT: f"{TWO_PCT:g}% guideline",
    CORE_PCT: f"{CORE_PCT:g}% Hague target",
    EQUIPMENT_PCT: f"{EQUIPMENT_PCT:g}% on equipment",
}
REFERENCE_NOTE = (
    f"{TWO_PCT:g}%: Wales 2014 guideline, a floor since Vilnius 2023; {CORE_PCT:g}%: core-defence "
    "target agreed at The Hague in 2025, for 2035."
)
#: The flags a chart's labels mark (their marks and words: milex.data.schema.FLAG_MARKS).
CHART_FLAGS = ("estimate", "secondary", "rounded")
SOURCE_NAMES = {"nato": "NATO", "sipri": "SIPRI"}
NATO_PCT_TITLE = "Defence expenditure, % of GDP (NATO: share of real GDP)"


#: Text colours for a guideline's status, in the hues of BAND_COLOURS (met: the blue of the
#: bands at or above 2%, not met: the orange below it) but dark enough for WCAG AA text
#: (4.5:1 on white). The dashboard's tables and the reports use these; the charts the bands.
STATUS_TEXT = {
    "met": "#005A8C",
    "not met": "#A34400",
    "not applicable": "#4F5964",
    "no data": "#4F5964",
}


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB hex colours (1 to 21)."""

    def luminance(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def money_title(unit: str, publisher: str | None = None) -> str:
    """A money unit as an axis names it, in billions with its price base and publisher.

    'USD m constant 2023' from SIPRI -> 'US$ bn, SIPRI constant 2023 prices'; 'EUR m' -> 'EUR bn,
    current prices'; 'international USD m' (PPP) -> 'international US$ bn, PPP, current prices'.
    """
    head, _, base = unit.partition(" m")
    ppp = head.startswith("international ")
    currency = head.removeprefix("international ").replace("USD", "US$")
    base = base.strip()
    if base.startswith("constant"):
        prices = f"{publisher} {base} prices" if publisher else f"{base} prices"
    else:
        prices = "current prices"
    return f"{'international ' if ppp else ''}{currency} bn{', PPP' if ppp else ''}, {prices}"


def altair_module() -> Any:
    import altair

    return altair


def source_lines(sources: Iterable[dict[str, Any]], ids: Iterable[str] | None = None) -> list[str]:
    """One 'Source: citation (editions ...)' line per publisher used, in order.

    ``sources`` are the library's source records (source, edition, citation, ...); ``ids`` keeps
    only those publishers. A publisher with several editions (its own file and a restatement) is
    cited once with every edition listed.
    """
    wanted = None if ids is None else set(ids)
    citations: dict[str, str] = {}
    editions: dict[str, list[str]] = {}
    for src in sources:
        if wanted is not None and src["source"] not in wanted:
            continue
        citations.setdefault(src["source"], src["citation"])
        if src["edition"] not in editions.setdefault(src["source"], []):
            editions[src["source"]].append(src["edition"])
    if not citations:
        raise MilexError("a chart needs at least one source to cite; none was given")
    lines = []
    for key, citation in citations.items():
        found = editions[key]
        label = "edition" if len(found) == 1 else "editions"
        lines.append(f"Source: {citation} ({label} {'; '.join(found)}).")
    return lines


#: Characters of a bold 18 px title that fit the chart's 800 px.
TITLE_WIDTH = 72


def title_params(text: str, notes: Sequence[str], sources: Sequence[str]) -> Any:
    alt = altair_module()
    subtitle: list[str] = []
    for line in [*notes, *sources]:
        subtitle.extend(textwrap.wrap(line, 125) or [""])
    lines = textwrap.wrap(text, TITLE_WIDTH) or [text]  # a long message wraps within 800 px
    return alt.TitleParams(text=lines[0] if len(lines) == 1 else lines, subtitle=subtitle)


CITED_FIELDS = ("source", "edition", "citation", "url", "licence")
#: The name of the layer that prints a chart's notes and source lines under the plot.
FOOTER = "footer"
FOOTER_STYLE = {"fontSize": 10.5, "lineHeight": 14, "color": "#505050"}


def compose(
    layers: Sequence[Any],
    *,
    title: str,
    notes: Sequence[str],
    sources: Iterable[dict[str, Any]],
    height: int,
    ids: Iterable[str] | None = None,
    footer_gap: int = 44,
) -> alt.LayerChart:
    """Layer a chart with the house layout: a message title and a one-line subtitle (the first
    note) on top; the other notes and the source lines, with their editions, under the plot.

    The footer sits ``footer_gap`` px below the plot (room for the x axis and its title); the
    sources cited (``ids`` keeps only those publishers) also ride in the spec's ``usermeta`` so
    the JSON spec carries its provenance.
    """
    alt = altair_module()
    wanted = None if ids is None else set(ids)
    cited = [s for s in sources if wanted is None or s["source"] in wanted]
    lines = footer_text([*notes[1:], *source_lines(cited)])
    footer = (
        alt.Chart(alt.Data(values=[{}]), name=FOOTER)
        .mark_text(text=lines, align="left", baseline="top", **FOOTER_STYLE)
        .encode(x=alt.value(0), y=alt.value({"expr": f"height + {footer_gap}"}))
    )
    heading = title_params(title, notes[:1], [])
    # a subtitle past one line (a partial year naming its missing allies) takes room from the
    # plot inside the fixed height ("fit" autosize): give it back
    height += 16 * max(0, len(heading.subtitle) - 1) + 22 * max(0, _count(heading.text) - 1)
    chart = alt.layer(*layers, footer).properties(
        title=heading,
        usermeta={"milex": {"sources": [{k: s.get(k) for k in CITED_FIELDS} for s in cited]}},
    )
    return finish(chart, height)


def footer_text(paragraphs: Sequence[str], width: int = 128) -> list[str]:
    """Notes and source lines wrapped for the footer at the chart's 800 px."""
    return [line for p in paragraphs for line in (textwrap.wrap(p, width) or [""])]


def title_text(spec: dict[str, Any]) -> str:
    """A chart spec's title as one line of text."""
    title = spec.get("title")
    if isinstance(title, dict):
        text = title.get("text", "")
        return " ".join(text) if isinstance(text, list) else str(text)
    return str(title or "milex chart")


def footer_lines(spec: dict[str, Any]) -> list[str]:
    """The footer a chart's spec prints under its plot (notes, then sources), line by line."""
    for layer in spec.get("layer", []):
        if layer.get("name") == FOOTER:
            text = layer["mark"]["text"]
            return [text] if isinstance(text, str) else list(text)
    return []


def _count(text: Any) -> int:
    return len(text) if isinstance(text, list) else 1


def finish(chart: alt.LayerChart, height: int) -> alt.LayerChart:
    """Fixed 800 px total width and the house style (font sizes readable at 800 px)."""
    styled: alt.LayerChart = (
        chart.properties(width=WIDTH, height=height)
        .configure(
            autosize={"type": "fit", "contains": "padding"},
            padding={"left": 12, "right": 20, "top": 12, "bottom": 10},
            background="white",
            font="DejaVu Sans",
        )
        .configure_title(
            anchor="start",
            fontSize=18,
            subtitleFontSize=12,
            subtitleColor="#444444",
            subtitlePadding=6,
            offset=14,
        )
        .configure_axis(
            labelFontSize=12, titleFontSize=12, titleFontWeight="normal", gridColor="#E6E6E6"
        )
        .configure_legend(
            labelFontSize=12,
            titleFontSize=12,
            orient="top",
            symbolSize=120,
            offset=24,
            labelLimit=0,
        )
        .configure_view(stroke=None)
    )
    return styled


def flag_notes(rows: Sequence[dict[str, Any]], year: int | None) -> tuple[list[str], set[str]]:
    """Notes for the flags of the rows; and the flags only some rows carry, which labels mark
    (a flag every row carries is said once in the notes instead)."""
    notes, mixed = [], set()
    for flag in CHART_FLAGS:
        mark, meaning = FLAG_MARKS[flag]
        have = [flag in (r.get("flags") or "") for r in rows]
        if have and all(have):
            when = f"{year} figures" if year else "All figures"
            notes.append(f"{when}: {meaning}.")
        elif any(have):
            notes.append(f"{mark}: {meaning}.")
            mixed.add(flag)
    return notes, mixed


def marks(flags: str | None, only: set[str] | None = None) -> str:
    """The marks of a figure's flags (of those in ``only``, when given)."""
    return flag_marks(flags, CHART_FLAGS if only is None else only)


def status_band(iso3: str, share: float | None, note: str = "", flags: str | None = "") -> str:
    """The tracker's share of GDP as a band: 3.5% or more, 2% to 3.5%, under 2%, no figure.

    Judged by the one level rule (milex.analysis.commitments.level): a figure the source rounded
    that only touches a line (Denmark's 2026 "3.5") stays in the band below it, as it is counted."""
    if note == BAND_NO_FORCES:
        return BAND_NO_FORCES
    if missing(share):
        return BAND_NONE
    assert share is not None
    rounded = "rounded" in (flags or "")
    if level(share, CORE_PCT, rounded=rounded) == MET:
        return BAND_CORE
    return BAND_TWO if level(share, TWO_PCT, rounded=rounded) == MET else BAND_BELOW


def band_scale(bands: Iterable[str]) -> Any:
    alt = altair_module()
    present = [b for b in BAND_COLOURS if b in set(bands)]
    return alt.Scale(domain=present, range=[BAND_COLOURS[b] for b in present])


def ally_rows(result: TrackerResult) -> list[dict[str, Any]]:
    """The tracker's ally rows as plain records with a status band and a display label."""
    check_tracker(result)
    rows = []
    for r in result.allies():
        share = None if missing(r["milex_pct_gdp"]) else float(r["milex_pct_gdp"])
        equipment = None if missing(r["equipment_pct"]) else float(r["equipment_pct"])
        rows.append(
            {
                "iso3": r["iso3"],
                "country": r["country"],
                "share": share,
                "equipment": equipment,
                "band": status_band(r["iso3"], share, r["note"] or "", r["flags"]),
                "flags": r["flags"] if isinstance(r["flags"], str) else "",
                "rank": None if missing(r["rank"]) else int(r["rank"]),
            }
        )
    return rows


def check_tracker(result: Any) -> None:
    from milex.analysis.tracking import TrackerResult

    if not isinstance(result, TrackerResult):
        raise MilexError(
            f"this chart takes the result milex.tracker() returns, not {type(result).__name__}"
        )


def aggregate_value(result: TrackerResult, code: str) -> float | None:
    hit = [r for r in result.rows if r["row_type"] == "aggregate" and r["iso3"] == code]
    value = hit[0]["milex_pct_gdp"] if hit else None
    return None if value is None or missing(value) else float(value)


def missing_note(rows: Sequence[dict[str, Any]], *, named: bool = True) -> list[str]:
    """Who a chart leaves out: allies without a figure (unless the subtitle named them) and
    allies without armed forces."""
    no_forces = [r["country"] for r in rows if r["band"] == BAND_NO_FORCES]
    none = [r["country"] for r in rows if r["band"] == BAND_NONE]
    notes = []
    if none and named:
        notes.append(f"No figure for this year: {', '.join(none)}.")
    if no_forces:
        notes.append(f"{', '.join(no_forces)}: no armed forces, not shown (as NATO does).")
    return notes


def halo_text(base: Any, style: dict[str, Any], **encoding: Any) -> list[Any]:
    """Text with a white outline beneath it, so a label stays legible over lines and grid."""
    common = {"fontSize": 11, **style}
    halo = base.mark_text(stroke="white", strokeWidth=3, strokeJoin="round", **common)
    text = base.mark_text(color="#222222", **common)
    return [halo.encode(**encoding), text.encode(**encoding)]


def steps(start: float, stop: float, step: float) -> list[float]:
    count = round((stop - start) / step)
    return [round(start + i * step, 6) for i in range(count + 1)]


def js(value: str | None) -> str:
    """A value as a JavaScript (Vega expression) literal."""
    return json.dumps(value)


def highlight_name(rows: Sequence[dict[str, Any]], iso3: str | None) -> str | None:
    if iso3 is None:
        return None
    for r in rows:
        if r["iso3"] == iso3:
            return str(r["country"])
    raise MilexError(f"{iso3} is not among the allies in this chart; cannot highlight it")


def hollow_when_provisional(field: str, colours: dict[str, str]) -> Any:
    """Fill a marker with its series colour, or white when the figure is an estimate."""
    alt = altair_module()
    scale = alt.Scale(domain=list(colours), range=list(colours.values()))
    return alt.condition(
        "datum.provisional", alt.value("white"), alt.Color(f"{field}:N", scale=scale, legend=None)
    )


def headline(result: TrackerResult) -> str:
    """The tracker's message (see milex.analysis.coverage.headline): how many allies met 2% of GDP and
    3.5%, of how many with figures, in words that fit an estimate or a partial year."""
    from milex.analysis.coverage import headline as words

    return words(result.summary)


def coverage_notes(result: TrackerResult) -> list[str]:
    """A partial year's subtitle: how many allies have figures, naming every one without."""
    a = result.summary
    if not a.get("partial"):
        return []
    from milex.analysis.coverage import missing_phrase

    missing = list(a.get("allies_without_figures", []))
    named = missing_phrase(missing, a["year"]).rstrip(".")
    listed = " (all listed below)" if len(missing) > 8 else ""
    return [f"{a['coverage'].capitalize()}. {named}{listed}."]

"""(g) Choropleths: every country's Natural Earth shape coloured by one indicator's class.

The shapes are world-atlas's ``countries-110m.json`` (Natural Earth 1:110m, vendored from npm
under ``milex/static/vendor``). A chart names them as the data set ``countries-110m`` instead of
embedding them: building the chart stays cheap (Altair deep-copies and checks inline values), and
``with_outlines`` puts the parsed TopoJSON into the finished spec's ``datasets`` (shared, not
copied), so the spec still renders offline in the browser and in vl-convert alike. Every shape is
drawn: those the indicator does not cover in a grey the legend names, so the map has no holes.
Shapes are matched to countries by their world-atlas name (``SHAPE_CODES``: name to ISO3).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from milex.data.schema import is_missing
from milex.errors import MilexError
from milex.present.charts.map_scales import INDICATORS, MapIndicator
from milex.present.charts.style import (
    EQUIPMENT_PCT,
    OUTLINE,
    altair_module,
    check_tracker,
    compose,
    coverage_notes,
    flag_notes,
    headline,
)

if TYPE_CHECKING:
    from milex.analysis.tracking import TrackerResult

TOPOLOGY = "countries-110m.json"
#: The names the spec gives the shapes, per frame; ``with_outlines`` fills them in (the Europe
#: frame's set holds only the shapes reaching into it: less for the renderer to decode).
OUTLINES = {"world": "countries-110m", "europe": "countries-110m-europe"}
EXTENTS = ("europe", "world")
#: world-atlas's shape names and their ISO 3166-1 alpha-3 codes (N. Cyprus and Somaliland have
#: none: they are drawn, as not covered).
SHAPE_CODES = {
    'Afghanistan': 'AFG', 'Angola': 'AGO', 'Albania': 'ALB', 'United Arab Emirates': 'ARE',
    'Argentina': 'ARG', 'Armenia': 'ARM', 'Antarctica': 'ATA', 'Fr. S. Antarctic Lands': 'ATF',
    'Australia': 'AUS', 'Austria': 'AUT', 'Azerbaijan': 'AZE', 'Burundi': 'BDI', 'Belgium': 'BEL',
    'Benin': 'BEN', 'Burkina Faso': 'BFA', 'Bangladesh': 'BGD', 'Bulgaria': 'BGR',
    'Bahamas': 'BHS', 'Bosnia and Herz.': 'BIH', 'Belarus': 'BLR', 'Belize': 'BLZ',
    'Bolivia': 'BOL', 'Brazil': 'BRA', 'Brunei': 'BRN', 'Bhutan': 'BTN', 'Botswana': 'BWA',
    'Central African Rep.': 'CAF', 'Canada': 'CAN', 'Switzerland': 'CHE', 'Chile': 'CHL',
    'China': 'CHN', "Côte d'Ivoire": 'CIV', 'Cameroon': 'CMR', 'Dem. Rep. Congo': 'COD',
    'Congo': 'COG', 'Colombia': 'COL', 'Costa Rica': 'CRI', 'Cuba': 'CUB', 'Cyprus': 'CYP',
    'Czechia': 'CZE', 'Germany': 'DEU', 'Djibouti': 'DJI', 'Denmark': 'DNK',
    'Dominican Rep.': 'DOM', 'Algeria': 'DZA', 'Ecuador': 'ECU', 'Egypt': 'EGY', 'Eritrea': 'ERI',
    'W. Sahara': 'ESH', 'Spain': 'ESP', 'Estonia': 'EST', 'Ethiopia': 'ETH', 'Finland': 'FIN',
    'Fiji': 'FJI', 'Falkland Is.': 'FLK', 'France': 'FRA', 'Gabon': 'GAB', 'United Kingdom': 'GBR',
    'Georgia': 'GEO', 'Ghana': 'GHA', 'Guinea': 'GIN', 'Gambia': 'GMB', 'Guinea-Bissau': 'GNB',
    'Eq. Guinea': 'GNQ', 'Greece': 'GRC', 'Greenland': 'GRL', 'Guatemala': 'GTM', 'Guyana': 'GUY',
    'Honduras': 'HND', 'Croatia': 'HRV', 'Haiti': 'HTI', 'Hungary': 'HUN', 'Indonesia': 'IDN',
    'India': 'IND', 'Ireland': 'IRL', 'Iran': 'IRN', 'Iraq': 'IRQ', 'Iceland': 'ISL',
    'Israel': 'ISR', 'Italy': 'ITA', 'Jamaica': 'JAM', 'Jordan': 'JOR', 'Japan': 'JPN',
    'Kazakhstan': 'KAZ', 'Kenya': 'KEN', 'Kyrgyzstan': 'KGZ', 'Cambodia': 'KHM',
    'South Korea': 'KOR', 'Kuwait': 'KWT', 'Laos': 'LAO', 'Lebanon': 'LBN', 'Liberia': 'LBR',
    'Libya': 'LBY', 'Sri Lanka': 'LKA', 'Lesotho': 'LSO', 'Lithuania': 'LTU', 'Luxembourg': 'LUX',
    'Latvia': 'LVA', 'Morocco': 'MAR', 'Moldova': 'MDA', 'Madagascar': 'MDG', 'Mexico': 'MEX',
    'Macedonia': 'MKD', 'Mali': 'MLI', 'Myanmar': 'MMR', 'Montenegro': 'MNE', 'Mongolia': 'MNG',
    'Mozambique': 'MOZ', 'Mauritania': 'MRT', 'Malawi': 'MWI', 'Malaysia': 'MYS', 'Namibia': 'NAM',
    'New Caledonia': 'NCL', 'Niger': 'NER', 'Nigeria': 'NGA', 'Nicaragua': 'NIC',
    'Netherlands': 'NLD', 'Norway': 'NOR', 'Nepal': 'NPL', 'New Zealand': 'NZL', 'Oman': 'OMN',
    'Pakistan': 'PAK', 'Panama': 'PAN', 'Peru': 'PER', 'Philippines': 'PHL',
    'Papua New Guinea': 'PNG', 'Poland': 'POL', 'Puerto Rico': 'PRI', 'North Korea': 'PRK',
    'Portugal': 'PRT', 'Paraguay': 'PRY', 'Palestine': 'PSE', 'Qatar': 'QAT', 'Romania': 'ROU',
    'Russia': 'RUS', 'Rwanda': 'RWA', 'Saudi Arabia': 'SAU', 'Sudan': 'SDN', 'Senegal': 'SEN',
    'Solomon Is.': 'SLB', 'Sierra Leone': 'SLE', 'El Salvador': 'SLV', 'Somalia': 'SOM',
    'Serbia': 'SRB', 'S. Sudan': 'SSD', 'Suriname': 'SUR', 'Slovakia': 'SVK', 'Slovenia': 'SVN',
    'Sweden': 'SWE', 'eSwatini': 'SWZ', 'Syria': 'SYR', 'Chad': 'TCD', 'Togo': 'TGO',
    'Thailand': 'THA', 'Tajikistan': 'TJK', 'Turkmenistan': 'TKM', 'Timor-Leste': 'TLS',
    'Trinidad and Tobago': 'TTO', 'Tunisia': 'TUN', 'Turkey': 'TUR', 'Taiwan': 'TWN',
    'Tanzania': 'TZA', 'Uganda': 'UGA', 'Ukraine': 'UKR', 'Uruguay': 'URY',
    'United States of America': 'USA', 'Uzbekistan': 'UZB', 'Venezuela': 'VEN', 'Vietnam': 'VNM',
    'Vanuatu': 'VUT', 'Kosovo': 'XKX', 'Yemen': 'YEM', 'South Africa': 'ZAF', 'Zambia': 'ZMB',
    'Zimbabwe': 'ZWE',}  # fmt: skip
#: Europe's edges, Iceland to eastern Türkiye and Cyprus to the North Cape: the Europe frame's
#: projection is fitted to these points (the rest of the world is drawn, clipped at the frame).
EUROPE_EDGES = [
    [-24.5, 65.5], [-16.0, 66.6], [-10.5, 52.0], [-9.5, 37.0], [-5.6, 36.0], [24.8, 34.8],
    [34.6, 34.6], [44.8, 39.7], [43.5, 41.3], [31.0, 70.3], [25.8, 71.2],
]  # fmt: skip
#: The plot's height over its width in each frame (the web page keeps it when it refits).
ASPECT = {"europe": 0.82, "world": 0.52}
NORTH_AMERICA_NOTE = "North America (the United States and Canada) is in the world view."


@lru_cache(maxsize=1)
def topology() -> dict[str, Any]:
    """The vendored world-atlas TopoJSON (read once per process; never modify it)."""
    path = resources.files("milex").joinpath("static", "vendor", TOPOLOGY)
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MilexError(f"cannot read the map shapes {path}: {exc}") from None
    return data


def shape_names() -> list[str]:
    """Every shape's world-atlas name, in the topology's order."""
    return [g["properties"]["name"] for g in topology()["objects"]["countries"]["geometries"]]


#: The Europe frame's box (west, south, east, north): shapes wholly outside it are left out
#: of the Europe frame, unseen there anyway, so it draws (and renders) only what it shows.
EUROPE_BOX = (-32.0, 26.0, 62.0, 78.0)


@lru_cache(maxsize=1)
def shape_boxes() -> dict[str, tuple[float, float, float, float]]:
    """Each shape's bounding box in degrees (west, south, east, north), from its arcs."""
    topo = topology()
    (kx, ky), (dx, dy) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for px, py in arc:
            x, y = x + px, y + py
            points.append((x * kx + dx, y * ky + dy))
        arcs.append(points)
    boxes = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        used = _arc_ids(geometry.get("arcs", []))
        xs = [p[0] for a in used for p in arcs[a if a >= 0 else ~a]]
        ys = [p[1] for a in used for p in arcs[a if a >= 0 else ~a]]
        boxes[geometry["properties"]["name"]] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def _arc_ids(nested: Any) -> list[int]:
    if isinstance(nested, int):
        return [nested]
    return [i for part in nested for i in _arc_ids(part)]


def in_frame(name: str, extent: str) -> bool:
    """Whether shape ``name`` reaches into the frame (every shape does in the world frame)."""
    if extent == "world":
        return name != "Antarctica"
    west, south, east, north = shape_boxes()[name]
    w, s, e, n = EUROPE_BOX
    return west <= e and east >= w and south <= n and north >= s


@lru_cache(maxsize=2)
def outlines(extent: str) -> dict[str, Any]:
    """The TopoJSON a frame draws: every shape's arcs, only the shapes reaching into the frame
    (Antarctica in neither), built once per process and shared by every spec; never modify it."""
    world = topology()
    countries = world["objects"]["countries"]
    kept = [g for g in countries["geometries"] if in_frame(g["properties"]["name"], extent)]
    return {**world, "objects": {"countries": {**countries, "geometries": kept}}}


def with_outlines(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the shapes it names put in its ``datasets`` (the one parsed copy, shared)."""
    named = {(layer.get("data") or {}).get("name") for layer in spec.get("layer", [spec])}
    for extent, name in OUTLINES.items():
        if name in named and name not in spec.get("datasets", {}):
            spec["datasets"] = {**spec.get("datasets", {}), name: outlines(extent)}
    return spec


def check_extent(extent: str | None) -> str:
    """The map's frame: ``europe`` (the default) or ``world``; anything else is an error."""
    chosen = (extent or "europe").strip().lower()
    if chosen not in EXTENTS:
        raise MilexError(f"extent must be one of {', '.join(EXTENTS)}, not {extent!r}")
    return chosen


@dataclass(frozen=True)
class MapFigure:
    """What a choropleth shows: the indicator, its year, each country's figure and the words.

    ``rows`` hold ``iso3``, ``country``, ``value`` (None: no figure), ``flags`` and ``note``; the
    countries not in ``rows`` are outside the indicator (not allies, not in SIPRI's database).
    """

    indicator: MapIndicator
    year: int
    rows: Sequence[dict[str, Any]]
    title: str
    notes: Sequence[str]
    sources: Sequence[dict[str, Any]]

    def tip(self, row: dict[str, Any] | None) -> str:
        """What hovering, tapping or focusing a country says about its figure."""
        i = self.indicator
        if row is None:
            return f"{i.outside} (no {i.source} figure)"
        if row.get("value") is None:
            return f"{i.no_figure} for {self.year}" + (
                f" ({row['note']})" if row.get("note") else ""
            )
        return f"{i.text(float(row['value']))}, {self.year} ({i.source})"


def shape_table(
    figure: MapFigure, highlight: str | None = None, extent: str = "world"
) -> list[dict[str, Any]]:
    """One row per shape: its country, class, the tooltip's words, whether it is highlighted and
    whether the frame draws it (``drawn``: it reaches into the frame)."""
    by_code = {r["iso3"]: r for r in figure.rows}
    out = []
    for name in shape_names():
        code = SHAPE_CODES.get(name)
        row = by_code.get(code) if code else None
        value = None if row is None else row.get("value")
        flags = (
            "" if row is None else ", ".join(f for f in (row.get("flags") or "").split(",") if f)
        )
        out.append({
            "shape": name,
            "iso3": code or "",
            "country": row["country"] if row else name,
            "class": figure.indicator.label(value) if row else figure.indicator.outside,
            "figure": figure.tip(row),
            "label": f"{row['country'] if row else name}: {figure.tip(row)}"
            + (f" ({flags})" if flags else ""),
            "flags": flags or "none",
            "highlight": bool(code) and code == highlight,
            "drawn": in_frame(name, extent),
        })  # fmt: skip
    return out


def choropleth(
    figure: MapFigure, *, extent: str | None = None, highlight: str | None = None
) -> Any:
    """The map of ``figure`` framed on Europe (default) or the world, ``highlight`` outlined."""
    alt = altair_module()
    frame = check_extent(extent)
    i = figure.indicator
    table = [r for r in shape_table(figure, highlight, frame) if r["drawn"]]
    colours = i.colours()
    shown = {r["class"] for r in table}
    domain = [c for c in colours if c in i.labels or c in shown]
    shapes = alt.NamedData(
        name=OUTLINES[frame], format=alt.DataFormat(type="topojson", feature="countries")
    )
    fields = ["iso3", "country", "class", "figure", "flags", "highlight", "label"]
    lookup = alt.LookupData(alt.InlineData(values=table), key="shape", fields=fields)
    legend_title = f"{i.unit[:1].upper()}{i.unit[1:]}, {figure.year} ({i.source})"
    base = alt.Chart(shapes).mark_geoshape(strokeJoin="round")
    layer = (
        base.transform_lookup(lookup="properties.name", from_=lookup)
        .transform_filter("isValid(datum.class)")
        .encode(
            color=alt.Color(
                "class:N",
                title=legend_title,
                scale=alt.Scale(domain=domain, range=[colours[c] for c in domain]),
                legend=alt.Legend(
                    columns=4, symbolType="square", direction="horizontal", titleLimit=600
                ),
            ),
            stroke=alt.condition("datum.highlight", alt.value("black"), alt.value(OUTLINE)),
            strokeWidth=alt.condition("datum.highlight", alt.value(2.2), alt.value(0.45)),
            # each shape's accessible name, one field (cheaper than one built from the tooltip)
            description=alt.Description("label:N"),
            tooltip=[
                alt.Tooltip("country:N", title="Country"),
                alt.Tooltip("figure:N", title=legend_title.split(",")[0]),
                alt.Tooltip("flags:N", title="Flags"),
            ],
        )
        .project(**_projection(frame))
    )
    notes = [*figure.notes]
    if frame == "europe":
        notes.append(NORTH_AMERICA_NOTE)
    greys = [f"{label} ({shade})" for label, shade in ((i.no_figure, "dark grey"),
             (i.outside, "light grey")) if label in shown]  # fmt: skip
    grey = "; ".join(greys)
    notes.append(f"{grey[:1].upper()}{grey[1:]}. Shapes: Natural Earth 1:110m via world-atlas.")
    chart = compose([layer], title=figure.title, notes=notes, sources=figure.sources,
                    height=round(770 * ASPECT[frame]) + 90, footer_gap=12)  # fmt: skip
    meta = chart.usermeta or {}
    milex = dict(meta.get("milex", {}))
    milex["map"] = {"indicator": i.key, "extent": frame, "aspect": ASPECT[frame], "year": figure.year,
                    "unit": i.unit, "source": i.source}  # fmt: skip
    chart.usermeta = {**meta, "milex": milex}
    return chart


def value_of(raw: Any) -> float | None:
    """A figure as a float, or None when it is missing (NaN, None)."""
    return None if is_missing(raw) else float(raw)


def tracker_figure(result: TrackerResult, indicator: str = "share_gdp") -> MapFigure:
    """The allies' share of GDP (``share_gdp``) or equipment share (``equipment``) from the
    result ``milex.tracker()`` returns, titled with the year's count against the guideline."""
    check_tracker(result)
    a = result.summary
    year = result.year
    column = {"share_gdp": "milex_pct_gdp", "equipment": "equipment_pct"}[indicator]
    flag_column = "flags" if indicator == "share_gdp" else "equipment_flags"
    allies = result.allies()
    rows = [
        {"iso3": r["iso3"], "country": r["country"], "value": value_of(r[column]),
         "flags": r.get(flag_column) if isinstance(r.get(flag_column), str) else "",
         "note": r["note"] or ""}
        for r in allies
    ]  # fmt: skip
    i = INDICATORS[indicator]
    if indicator == "share_gdp":
        title = f"{i.name} (NATO), {headline(result)}"
    else:
        title = (f"{i.name}, {year} (NATO): {a['count_equipment_20pct']} of "
                 f"{a['allies_with_equipment']} allies with a figure put {EQUIPMENT_PCT:g}% or more "
                 "into equipment")  # fmt: skip
    notes, _ = flag_notes([r for r in rows if r["value"] is not None], year)
    lead = (
        f"Each ally coloured by its {i.name[0].lower()}{i.name[1:]} in {year}, on NATO's figures."
    )
    missing = [r["country"] for r in rows if r["value"] is None]
    if missing:
        notes.append(f"No NATO figure for {year}: {', '.join(missing)}.")
    nato = [src for src in a["sources"] if src["source"] == "nato"]  # SIPRI's column is not mapped
    return MapFigure(i, year, rows, title, [*coverage_notes(result), lead, *notes], nato)


def tracker_map(
    result: TrackerResult, *, highlight: str | None = None, extent: str | None = None
) -> Any:
    """(g) The allies' share of GDP on a map, from the result ``milex.tracker()`` returns."""
    return choropleth(tracker_figure(result), extent=extent, highlight=highlight)


def _projection(frame: str) -> dict[str, Any]:
    if frame == "world":
        return {"type": "naturalEarth1"}
    edges = {"type": "Feature", "properties": {},
             "geometry": {"type": "MultiPoint", "coordinates": EUROPE_EDGES}}  # fmt: skip
    # clipped in the projection, so shapes running past the frame (Russia) add no bounds
    clip = {"expr": "[[0, 0], [width, height]]"}
    return {"type": "azimuthalEqualArea", "rotate": [-10, -52, 0], "fit": edges, "clipExtent": clip}

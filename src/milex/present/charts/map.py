"""(g) The choropleth: each ally's Natural Earth shape coloured by its share-of-GDP band.

The shapes are world-atlas's ``countries-110m.json`` (Natural Earth 1:110m, vendored from npm
under ``milex/static/vendor``), inlined in the spec as TopoJSON that Vega decodes itself, so
the chart renders offline in the browser and in vl-convert alike. Countries are matched on their
ISO 3166-1 numeric code, the id world-atlas uses.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.style import (
    BAND_COLOURS,
    REFERENCE_NOTE,
    ally_rows,
    altair_module,
    compose,
    coverage_notes,
    flag_notes,
    headline,
    missing_note,
    outline,
)

if TYPE_CHECKING:
    from milex.analysis.tracking import TrackerResult

#: ISO 3166-1 alpha-3 to numeric (world-atlas feature ids) for the allies and their neighbours.
ISO_NUMERIC = {
    "ALB": "008", "BEL": "056", "BGR": "100", "CAN": "124", "HRV": "191", "CZE": "203",
    "DNK": "208", "EST": "233", "FIN": "246", "FRA": "250", "DEU": "276", "GRC": "300",
    "HUN": "348", "ISL": "352", "ITA": "380", "LVA": "428", "LTU": "440", "LUX": "442",
    "MNE": "499", "NLD": "528", "MKD": "807", "NOR": "578", "POL": "616", "PRT": "620",
    "ROU": "642", "SVK": "703", "SVN": "705", "ESP": "724", "SWE": "752", "TUR": "792",
    "GBR": "826", "USA": "840", "RUS": "643", "CHN": "156", "UKR": "804", "IRN": "364",
    "PRK": "408", "BLR": "112", "AUT": "040", "CHE": "756", "IRL": "372", "SRB": "688",
    "BIH": "070", "MDA": "498", "GEO": "268",
}  # fmt: skip
TOPOLOGY = "countries-110m.json"


@lru_cache(maxsize=1)
def topology() -> dict[str, Any]:
    """The vendored world-atlas TopoJSON (read once per process)."""
    path = resources.files("milex").joinpath("static", "vendor", TOPOLOGY)
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MilexError(f"cannot read the map shapes {path}: {exc}") from None
    return data


def tracker_map(result: TrackerResult, *, highlight: str | None = None) -> Any:
    """(g) Allies on a map, coloured by band (3.5% or more, 2% to 3.5%, under 2%, no figure)."""
    alt = altair_module()
    rows = ally_rows(result)
    unmapped = [r["iso3"] for r in rows if r["iso3"] not in ISO_NUMERIC]
    if unmapped:
        raise MilexError(
            f"no map shape for {', '.join(unmapped)}; add it to charts.map.ISO_NUMERIC"
        )
    year = int(result.summary["year"])
    notes, _ = flag_notes([r for r in rows if r["share"] is not None], year)
    table = [
        {
            "id": ISO_NUMERIC[r["iso3"]],
            "iso3": r["iso3"],
            "country": r["country"],
            "share": r["share"],
            "band": r["band"],
            "highlight": r["iso3"] == highlight,
        }
        for r in rows
    ]
    shapes = alt.Data(
        values=topology(), format=alt.DataFormat(type="topojson", feature="countries")
    )
    lookup = alt.LookupData(
        alt.Data(values=table), key="id", fields=["iso3", "country", "share", "band", "highlight"]
    )
    present = [b for b in BAND_COLOURS if b in {r["band"] for r in rows}]
    allies = (
        alt.Chart(shapes)
        .mark_geoshape()
        .transform_lookup(lookup="id", from_=lookup)
        .transform_filter("isValid(datum.iso3)")
        .encode(
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=present, range=[BAND_COLOURS[b] for b in present]),
                title="Share of GDP",
            ),
            **outline("datum.highlight", 1.5),
            tooltip=[
                alt.Tooltip("country:N", title="Ally"),
                alt.Tooltip("share:Q", title="% of GDP", format=".2f"),
                alt.Tooltip("band:N", title="Band"),
            ],
        )
        .project(type="naturalEarth1")
    )
    a = result.summary
    lead = (
        f"Where the NATO allies stand on the map, {year}: each coloured by its band of NATO's "
        "defence expenditure as a share of GDP."
    )
    return compose(
        [allies],
        title=headline(result),
        notes=[
            *coverage_notes(result),
            lead,
            REFERENCE_NOTE,
            *notes,
            *missing_note(rows),
            "Shapes: Natural Earth 1:110m via world-atlas.",
        ],
        sources=a["sources"],
        ids=["nato"],
        height=520,
        footer_gap=12,
    )

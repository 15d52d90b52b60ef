"""The maps of each indicator view: what figures each map colours by, fetched for one year.

Each map chart (``map``, ``map-equipment``, ``map-burden``, ``map-sipri``, ``map-per-capita``,
``map-real-change``) is the map of one view's indicator: the tracker, tiles and country views map
NATO's share of GDP, the equipment view the equipment share, burden-sharing the burden ratio,
SIPRI's country view SIPRI's share of GDP for every country it covers, and the per-capita and
real-change views their own figures (``indicator_figures``). ``MAP_OF_VIEW`` says which map a
view's Map tab shows; the map's chart and its table (``figure_tables``) are built from the same ``MapFigure``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.map import MapFigure, choropleth, tracker_figure, value_of
from milex.present.charts.map_scales import INDICATORS

if TYPE_CHECKING:
    from milex.data.store import Dataset

__all__ = ["MAPS", "MAP_OF_VIEW", "draw", "map_figure", "tracker_figure"]

#: The map each indicator view's Map tab shows (views without one have no Map tab).
MAP_OF_VIEW = {
    "tracker": "map", "tiles": "map", "country": "map", "map": "map",
    "equipment": "map-equipment", "map-equipment": "map-equipment",
    "burden": "map-burden", "map-burden": "map-burden",
    "sipri-country": "map-sipri", "map-sipri": "map-sipri",
    "per-capita": "map-per-capita", "map-per-capita": "map-per-capita",
    "real-change": "map-real-change", "map-real-change": "map-real-change",
}  # fmt: skip


def burden_figure(ds: Dataset, year: int | None) -> MapFigure:
    """Each ally's share of the allies' spending over its share of their GDP, in NATO's figures."""
    from milex.analysis.burden import burden_sharing

    chosen = year or ds.latest_year("milex_usd", "nato")
    burden = burden_sharing(ds, chosen)
    part = burden.allies[burden.allies["year"] == chosen]
    rows = [
        {"iso3": r["iso3"], "country": r["country"], "value": value_of(r["share_ratio"]),
         "flags": r["flags"] if isinstance(r["flags"], str) else "", "note": ""}
        for r in part.to_dict("records")
    ]  # fmt: skip
    i = INDICATORS["burden"]
    above = sum(1 for r in rows if r["value"] is not None and r["value"] >= 1)
    known = sum(1 for r in rows if r["value"] is not None)
    title = (f"{i.name}, {chosen} (NATO): {above} of {known} allies carry a larger share of the "
             "spending than of the GDP")  # fmt: skip
    lead = (f"Above 1, an ally's share of the allies' defence spending in {chosen} exceeds its "
            "share of their GDP; below 1, it carries less than its economy's weight.")  # fmt: skip
    sources = [
        s for s in ds.package["sources"] if (s["source"], s["edition"]) in set(burden.editions_used)
    ]
    return MapFigure(i, chosen, rows, title, [lead], sources)


def sipri_figure(ds: Dataset, year: int | None) -> MapFigure:
    """SIPRI's military expenditure as a share of GDP for every country it covers, one year."""
    chosen = year or ds.latest_year("milex_pct_gdp", "sipri")
    frame = ds.series("milex_pct_gdp", None, "sipri", [chosen])
    if frame.empty:
        raise MilexError(f"SIPRI has no share-of-GDP figures for {chosen} in this snapshot")
    registry = ds.registry
    rows = [
        {"iso3": r["iso3"], "country": registry.name(r["iso3"]), "value": value_of(r["value"]),
         "flags": r["flags"] if isinstance(r["flags"], str) else "", "note": ""}
        for r in frame.to_dict("records")
    ]  # fmt: skip
    i = INDICATORS["sipri_share_gdp"]
    known = [r for r in rows if r["value"] is not None]
    over = sum(1 for r in known if r["value"] >= 2)
    title = f"{i.name}, {chosen} (SIPRI): {over} of {len(known)} countries at 2% or more"
    lead = (f"Every country SIPRI covers, coloured by its military expenditure as a share of GDP in "
            f"{chosen}; SIPRI's definition, not NATO's.")  # fmt: skip
    return MapFigure(i, chosen, rows, title, [lead], ds.citations(frame))


def map_figure(name: str, ds: Dataset, year: int | None) -> MapFigure:
    """The figure map chart ``name`` draws for ``year`` (its newest when None)."""
    from milex.analysis.tracking import tracker

    if name == "map-burden":
        return burden_figure(ds, year)
    if name == "map-sipri":
        return sipri_figure(ds, year)
    if name in ("map-per-capita", "map-real-change"):
        from milex.present.indicator_figures import per_capita_figure, real_change_figure

        make = per_capita_figure if name == "map-per-capita" else real_change_figure
        return make(ds, year).figure
    indicator = "equipment" if name == "map-equipment" else "share_gdp"
    return tracker_figure(tracker(year, dataset=ds), indicator)


def draw(name: str) -> Callable[[Dataset, str | None, int | None, str | None], Any]:
    """The builder of map chart ``name``: dataset, country to outline, year and frame."""

    def make(ds: Dataset, country: str | None, year: int | None, extent: str | None) -> Any:
        code = None if country is None else ds.registry.resolve(country)
        return choropleth(map_figure(name, ds, year), extent=extent, highlight=code)

    return make


#: Every map chart: its description for the gallery and ``milex chart``.
MAPS = {
    "map": "every country on a map, the allies coloured by NATO's share of GDP",
    "map-equipment": "every country on a map, the allies coloured by their equipment share",
    "map-burden": "every country on a map, the allies coloured by their burden ratio",
    "map-sipri": "every country on a map, coloured by SIPRI's military spending share of GDP",
    "map-per-capita": "every country on a map, the allies coloured by defence spending per person",
    "map-real-change": "every country on a map, the allies coloured by the real change in spending",
}

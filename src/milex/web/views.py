"""More dashboard pages: every chart by name, the threat balance, burden-sharing and industry.

Each page draws its charts through ``/chart/{name}.json`` (see ``downloads``), so what the page
shows, what the PNG/SVG/CSV downloads hold and what an embed frames are one spec.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from milex.data.bundle import examples_dir
from milex.present.map_views import MAP_OF_VIEW, MAPS
from milex.web.downloads import query
from milex.web.pages import TABS, ally_choices, frame_links, render_page

router = APIRouter(include_in_schema=False)
#: The indicator views: their pages add a Map tab mapping the view's own indicator (map_views).
INDICATOR_VIEWS = frozenset(v for v in MAP_OF_VIEW if v not in MAPS)
#: The maps of the views whose figure NATO gives for fewer years than the tracker, by measure.
INDICATOR_MEASURES = {
    "map-per-capita": "milex_per_capita_usd_const", "map-real-change": "milex_real_change_pct",
}  # fmt: skip
#: The country a chart that needs one opens with (the gallery links to it with this one).
DEFAULT_COUNTRY = {"country": "POL", "sipri-country": "RUS"}


@router.get("/country", response_class=HTMLResponse)
def country_jump(
    request: Request, country: Annotated[str, Query(min_length=2, max_length=60)]
) -> RedirectResponse:
    """The country picker without JavaScript: a name or code to its page."""
    code = request.app.state.cache.dataset.registry.resolve(country)
    return RedirectResponse(f"/country/{code}", status_code=303)


@router.get("/charts/{name}", response_class=HTMLResponse)
def chart_view(
    request: Request,
    name: Annotated[str, Path(pattern="^[a-z-]{2,40}$")],
    country: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    tab: Annotated[str, Query(pattern="^(chart|map|table|sources)$")] = "chart",
    extent: Annotated[str | None, Query(pattern="^(europe|world)$")] = None,
) -> HTMLResponse:
    """One chart as an indicator view: Chart / Map / Table / Sources tabs (the Map tab maps this
    view's indicator, framed on Europe or the world), a year slider and a country picker where the
    chart takes them, downloads and its embed code; settings in the URL."""
    from milex.analysis.tracking import available_years
    from milex.present.charts.style import title_text
    from milex.present.figures import CHARTS
    from milex.present.provenance import provenance
    from milex.web.downloads import _check_name, cached_table, chart_spec

    _check_name(name)
    definition = CHARTS[name]
    options = definition.options
    cache = request.app.state.cache
    if "country" in definition.required and country is None:
        country = DEFAULT_COUNTRY.get(name)
    is_map = name in MAPS
    spec = chart_spec(request, name, country, year, extent if is_map else None)  # bad ones fail
    shown_year = year
    if "year" in options and year is None:
        shown_year = cache.tracker(None).year
    code = cache.dataset.registry.resolve(country) if country else None
    ally = code if code in cache.dataset.registry.ever_members("NATO") else None
    table = cached_table(cache, name, country, year)
    shown_year = table.parameters.get("year", shown_year)  # burden opens on NATO's own newest year
    years = available_years(cache.dataset)
    if name == "burden":  # it needs every ally's spending from NATO's own file (see burden_page)
        years = [y for y in years if y <= cache.dataset.latest_year("milex_usd", "nato")]
    if MAP_OF_VIEW.get(name) in INDICATOR_MEASURES:  # only the years NATO gives the figure for
        from milex.present.indicator_figures import indicator_years

        given = indicator_years(cache.dataset, INDICATOR_MEASURES[MAP_OF_VIEW[name]])
        years = [y for y in years if y in given]
    map_name = MAP_OF_VIEW.get(name) if not is_map else None
    tabs = (*(TABS if map_name else ("chart", "table")), "sources")
    # the map outlines the view's country: any country on SIPRI's map, an ally on NATO's
    outlined = code if map_name == "map-sipri" else ally
    return render_page(
        request,
        "chart_view.html",
        name=name,
        title=title_text(spec),
        description=definition.description,
        params=query(country=country, year=year, extent=extent if is_map else None),
        map_name=map_name,
        map_params=query(country=outlined, year=year if "year" in options else None, extent=extent),
        map_caption=_map_caption(map_name or name, shown_year if "year" in options else None),
        is_map=is_map,
        extent=extent or "europe",
        frame_links=frame_links(request, "chart" if is_map else "map"),
        options=options,
        country_required="country" in definition.required,
        year=shown_year,
        country=code,
        years=years,
        choices=ally_choices(request) if name != "sipri-country" else _all_choices(request),
        tab=tab if tab in tabs else "chart",
        tabs=tabs,
        table=table,
        provenance=provenance(table, cache.dataset.package),
        og_title=title_text(spec),
        meta_description=f"{table.title}: {definition.description}. Sources and editions named.",
        og_image=_absolute(request, f"/chart/{name}.png", query(country=country, year=year)),
        page_url=_absolute(
            request, f"/charts/{name}", query(country=country, year=year, extent=extent)
        ),
    )


def _map_caption(map_name: str, year: int | None) -> str:
    """The map's words until it is drawn: its indicator, unit, source and year."""
    from milex.present.charts.map_scales import INDICATORS

    key = {"map-equipment": "equipment", "map-burden": "burden", "map-sipri": "sipri_share_gdp",
           "map-per-capita": "per_capita", "map-real-change": "real_change"}  # fmt: skip
    i = INDICATORS.get(key.get(map_name, "share_gdp"))
    if i is None:
        return "Map."
    when = f", {year}" if year else ", the newest year"
    return f"Map: {i.name}, {i.unit} ({i.source}{when}), each country coloured by its class."


def _absolute(request: Request, path: str, params: str) -> str:
    """A URL on this server as other sites must name it (og:image, a link to copy)."""
    base = str(request.base_url).rstrip("/")
    return f"{base}{path}" + (f"?{params}" if params else "")


def _all_choices(request: Request) -> list[tuple[str, str]]:
    """Every country in the registry, by name: SIPRI's chart takes any of them."""
    registry = request.app.state.cache.dataset.registry
    return sorted(((c, registry.name(c)) for c in registry.countries), key=lambda c: c[1])


@router.get("/threat", response_class=HTMLResponse)
def threat_page(request: Request) -> HTMLResponse:
    """NATO and its European and Canadian part against Russia, China, Iran and North Korea."""
    balance = _balance(request)
    latest = int(balance.totals["year"].max())
    table = balance.totals[balance.totals["year"] == latest].to_dict("records")
    return render_page(
        request, "threat.html", rows=table, year=latest, notes=balance.notes, iiss=_iiss()
    )


def _iiss() -> dict[str, Any]:
    from milex.present.charts.comparisons import IISS_RUSSIA_PPP

    return IISS_RUSSIA_PPP


def _balance(request: Request) -> Any:
    from milex.analysis.balance import threat_balance

    cache = request.app.state.cache
    return cache.get(("threat-balance",), lambda: threat_balance(cache.dataset))


def _burden(request: Request, year: int) -> Any:
    from milex.analysis.burden import burden_sharing, olson_zeckhauser

    cache = request.app.state.cache
    ds = cache.dataset
    return cache.get(("burden", year), lambda: (burden_sharing(ds, year),
                                                olson_zeckhauser(ds, "nato", year)))  # fmt: skip


@router.get("/burden", response_class=HTMLResponse)
def burden_page(
    request: Request, year: Annotated[int | None, Query(ge=1949, le=2100)] = None
) -> HTMLResponse:
    """Burden-sharing: GDP against share of GDP, with the Olson-Zeckhauser rank test."""
    from milex.analysis.tracking import available_years

    ds = request.app.state.cache.dataset
    # burden-sharing needs every ally's spending from NATO's own file, which ends before the
    # restated years: its slider stops there, and the page says so
    newest = ds.latest_year("milex_usd", "nato")
    years = [y for y in available_years(ds) if y <= newest]
    chosen = year or newest
    burden, oz = _burden(request, chosen)
    allies = burden.allies[burden.allies["year"] == chosen].sort_values(
        "share_ratio", ascending=False
    )
    test = oz.table[oz.table["year"] == chosen].to_dict("records")
    return render_page(
        request,
        "burden.html",
        year=chosen,
        years=years,
        allies=allies.to_dict("records"),
        test=test[0] if test else None,
        notes=burden.notes,
    )


def industry_results(request: Request) -> Any:
    """The shipped 155 mm capacity and pooling models (package data), run once."""
    from milex.industry.capacity import run_capacity
    from milex.industry.pooling import run_pooling

    models = examples_dir() / "industry"
    capacity, pooling = models / "eu-155mm.toml", models / "pooling-eu.toml"
    cache = request.app.state.cache
    return cache.get(("industry",), lambda: (run_capacity(capacity), run_pooling(pooling)))


@router.get("/industry", response_class=HTMLResponse)
def industry_page(request: Request) -> HTMLResponse:
    """155 mm shell capacity against demand over time, and what pooling purchases saves."""
    capacity, pooling = industry_results(request)
    yearly = capacity.yearly()
    return render_page(
        request,
        "industry.html",
        title=capacity.model.title,
        yearly=yearly.to_dict("records"),
        notes=capacity.notes,
        pooling=pooling.summary,
        pooling_notes=pooling.notes,
    )

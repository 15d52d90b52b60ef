"""More dashboard pages: every chart by name, the threat balance, burden-sharing and industry.

Each page draws its charts through ``/chart/{name}.json`` (see ``downloads``), so what the page
shows, what the PNG/SVG/CSV downloads hold and what an embed frames are one spec.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from milex.errors import MilexError
from milex.web.pages import ally_choices, render_page

router = APIRouter(include_in_schema=False)
#: Parameters each chart takes on its own page (the gallery links each with these defaults).
CHART_OPTIONS = {
    "tracker": ("year", "country"),
    "map": ("year", "country"),
    "equipment": ("year", "country"),
    "tiles": ("year", "country"),
    "country": ("country",),
    "sipri-country": ("country",),
    "burden": ("year",),
}
DEFAULT_COUNTRY = {"country": "POL", "sipri-country": "RUS"}


@router.get("/country", response_class=HTMLResponse)
def country_jump(
    request: Request, country: Annotated[str, Query(min_length=2, max_length=60)]
) -> RedirectResponse:
    """The country picker without JavaScript: a name or code to its page."""
    code = request.app.state.cache.dataset.registry.resolve(country)
    return RedirectResponse(f"/country/{code}", status_code=303)


@router.get("/charts", response_class=HTMLResponse)
def charts_index(request: Request) -> HTMLResponse:
    """Every chart the dashboard draws, each linked to its own page."""
    from milex.web.downloads import chart_names

    items = [(n, d, _defaults(n)) for n, d in chart_names().items()]
    return render_page(request, "charts.html", items=items)


def _defaults(name: str) -> str:
    return f"country={DEFAULT_COUNTRY[name]}" if name in DEFAULT_COUNTRY else ""


@router.get("/charts/{name}", response_class=HTMLResponse)
def chart_view(
    request: Request,
    name: Annotated[str, Path(pattern="^[a-z-]{2,40}$")],
    country: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
) -> HTMLResponse:
    """One chart with its parameters, downloads and embed link."""
    from urllib.parse import urlencode

    from milex.tracking import available_years
    from milex.web.downloads import _check_name, chart_names, chart_spec

    _check_name(name)
    options = CHART_OPTIONS.get(name, ())
    if "country" in options and country is None and name in DEFAULT_COUNTRY:
        country = DEFAULT_COUNTRY[name]
    chart_spec(request, name, country, year)  # bad parameters fail here, as an HTML page
    params = urlencode({k: v for k, v in {"country": country, "year": year}.items() if v})
    return render_page(
        request,
        "chart_view.html",
        name=name,
        description=chart_names()[name],
        params=params,
        options=options,
        year=year,
        country=country,
        years=available_years(request.app.state.cache.dataset),
        choices=ally_choices(request),
    )


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
    from milex.charts.comparisons import IISS_RUSSIA_PPP

    return IISS_RUSSIA_PPP


def _balance(request: Request) -> Any:
    from milex.balance import threat_balance

    cache = request.app.state.cache
    return cache.get(("threat-balance",), lambda: threat_balance(cache.dataset))


def _burden(request: Request, year: int) -> tuple[Any, Any]:
    from milex.burden import burden_sharing, olson_zeckhauser

    cache = request.app.state.cache
    ds = cache.dataset
    return cache.get(("burden", year), lambda: (burden_sharing(ds, year),
                                                olson_zeckhauser(ds, "nato", year)))  # fmt: skip


@router.get("/burden", response_class=HTMLResponse)
def burden_page(
    request: Request, year: Annotated[int | None, Query(ge=1949, le=2100)] = None
) -> HTMLResponse:
    """Burden-sharing: GDP against share of GDP, with the Olson-Zeckhauser rank test."""
    from milex.tracking import available_years

    years = available_years(request.app.state.cache.dataset)
    chosen = year or request.app.state.cache.tracker(None).attrs["year"]
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


def industry_results(request: Request) -> tuple[Any, Any]:
    """The shipped 155 mm capacity and pooling models (examples/industry), run once."""
    from milex.figures import INDUSTRY_EXAMPLES as EXAMPLES
    from milex.industry.capacity import run_capacity
    from milex.industry.pooling import run_pooling

    capacity, pooling = EXAMPLES / "eu-155mm.toml", EXAMPLES / "pooling-eu.toml"
    for path in (capacity, pooling):
        if not path.is_file():
            raise MilexError(f"industry models not found: {path} (run from a milex checkout)")
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

"""HTML pages: tracker, country, scenario builder, sources and methods. Each links its JSON twin."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
STATUS_CLASS = {"met": "met", "not met": "notmet", "not applicable": "na", "no data": "nodata"}
STATUS_MARK = {
    "met": "✓ met",
    "not met": "✗ not met",
    "not applicable": "· n/a",
    "no data": "? no data",
}


def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    ds = request.app.state.cache.dataset
    return templates.TemplateResponse(
        request,
        name,
        {
            "sources": ds.package["sources"],
            "marks": STATUS_MARK,
            "classes": STATUS_CLASS,
            **context,
        },
    )


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or value != value:
        return ""
    return f"{value:,.{digits}f}"


templates.env.filters["fmt"] = _fmt


@router.get("/", response_class=HTMLResponse)
def tracker_page(
    request: Request, year: Annotated[int | None, Query(ge=1949, le=2100)] = None
) -> HTMLResponse:
    from milex.tracking import available_years

    cache = request.app.state.cache
    frame = cache.tracker(year)
    allies = frame[frame["row_type"] == "ally"].sort_values("rank", na_position="last")
    aggregates = frame[frame["row_type"] == "aggregate"]
    return _render(
        request,
        "tracker.html",
        attrs=frame.attrs,
        allies=allies.to_dict("records"),
        aggregates=aggregates.to_dict("records"),
        years=available_years(cache.dataset),
        year=frame.attrs["year"],
    )


@router.get("/country/{country}", response_class=HTMLResponse)
def country_page(
    request: Request, country: Annotated[str, Path(min_length=2, max_length=60)]
) -> HTMLResponse:
    from milex.profile import country_profile

    cache = request.app.state.cache
    profile = cache.get(("profile", country.casefold()), lambda: country_profile(
        country, dataset=cache.dataset))  # fmt: skip
    history = profile.to_frame()
    return _render(
        request,
        "country.html",
        p=profile,
        s=profile.status,
        years=[c for c in history.columns if isinstance(c, int)],
        history=history.to_dict("records"),
    )


@router.get("/scenario", response_class=HTMLResponse)
def scenario_page(request: Request) -> HTMLResponse:
    ds = request.app.state.cache.dataset
    from milex.registry import NO_ARMED_FORCES

    allies = sorted(ds.registry.ever_members("NATO") - set(NO_ARMED_FORCES), key=ds.registry.name)
    return _render(request, "scenario.html", allies=[(c, ds.registry.name(c)) for c in allies])


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI for the OpenAPI schema, from the vendored bundle (works offline, strict CSP)."""
    return templates.TemplateResponse(request, "docs.html", {})


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> HTMLResponse:
    from milex.commitments import GUIDELINES
    from milex.schema import FLAGS, MEASURES

    ds = request.app.state.cache.dataset
    return _render(
        request,
        "sources.html",
        package=ds.package,
        guidelines=GUIDELINES,
        measures=MEASURES,
        flags=FLAGS,
    )

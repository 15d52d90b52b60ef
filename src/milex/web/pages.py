"""HTML pages: tracker, country, scenario builder, sources and methods. Each links its JSON twin.

Every page shares one layout (``base.html``): the navigation reaches every chart, and each chart
sits in a ``figure`` whose downloads (PNG, SVG, CSV, Vega-Lite JSON, embed) the browser builds
from its ``data-chart`` and ``data-params`` (see ``static/js/app.js``).
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from milex.data.schema import flag_marks, mark_legend

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
STATUS_CLASS = {
    "met": "met", "not met": "notmet", "not applicable": "na", "no data": "nodata",
    "at threshold (rounded in the source)": "nodata",
}  # fmt: skip
STATUS_MARK = {
    "met": "✓ met",
    "not met": "✗ not met",
    "not applicable": "· n/a",
    "no data": "? no data",
    "at threshold (rounded in the source)": "≈ at threshold (rounded in the source)",
}
TABS = ("chart", "map", "table")
BLOCS = ("NATO", "NATO_EU_CA")


def scenario_defaults() -> dict[str, Any]:
    """The builder's opening settings: the projection's own defaults, those ``milex project``
    runs with (NATO, 3.5% by 2035, linear, US$, 1.5/1.0 pp shocks, 10,000 paths, seed 1), so the
    page opens on the figures the command line and the PDF print for the same scenario."""
    from milex.projection import Scenario

    default = Scenario()
    target = default.targets[0]
    shocks = default.uncertainty
    return {
        "countries": default.bloc or "NATO",
        "target": target.level,
        "deadline": target.deadline_for(default.horizon),
        "path": target.path.shape,
        "currency": default.currency,
        "growth_sd": shocks.growth_sd_pct,
        "inflation_sd": shocks.inflation_sd_pct,
        "paths": shocks.paths,
        "seed": shocks.seed,
    }


def scenario_presets() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The shipped scenarios (examples/*.toml) as the builder's settings, plus the baseline."""
    hague = {k: v for k, v in scenario_defaults().items() if k not in ("countries", "path")}
    return (
        ("The Hague: NATO 3.5% by 2035", {"countries": "NATO", "path": "linear", **hague}),
        ("Europe and Canada 3.5% by 2035", {"countries": "NATO_EU_CA", "path": "linear", **hague}),
        ("The Hague, back-loaded", {"countries": "NATO", "path": "back_loaded", **hague}),
        (
            "National plans: each ally on its own",
            {"countries": "NATO", "path": "national_plans", **hague},
        ),
        ("Baseline: keep today's share", {"countries": "NATO", "path": "hold_share", **hague}),
    )


def render_page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A template with what every page needs: the sources for the footer and the status marks."""
    ds = request.app.state.cache.dataset
    return templates.TemplateResponse(
        request,
        template,
        {
            "sources": ds.package["sources"],
            "marks": STATUS_MARK,
            "classes": STATUS_CLASS,
            "path": request.url.path,
            **context,
        },
    )


_render = render_page


def _fmt(value: Any, digits: int = 2) -> str:
    """A number with thousands separators, never "-0"; missing (None, NaN, undefined) is empty."""
    from milex.present.numbers import figure

    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return ""
    return figure(value, digits)


templates.env.filters["fmt"] = _fmt


def ally_choices(request: Request) -> list[tuple[str, str]]:
    """(code, name) of every country that has ever been an ally, by name, for the pickers."""
    ds = request.app.state.cache.dataset
    allies = sorted(ds.registry.ever_members("NATO"), key=ds.registry.name)
    return [(c, ds.registry.name(c)) for c in allies]


def frame_links(request: Request, tab: str) -> dict[str, str]:
    """The page's address with its map framed on Europe and on the world, opening on ``tab``
    (the one showing the map): plain links, so the toggle works without JavaScript."""
    from urllib.parse import urlencode

    out = {}
    for frame in ("europe", "world"):
        params = {**dict(request.query_params), "extent": frame, "tab": tab}
        out[frame] = f"{request.url.path}?{urlencode(params)}"
    return out


@router.get("/", response_class=HTMLResponse)
def tracker_page(
    request: Request,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    tab: Annotated[str, Query(pattern="^(chart|map|table)$")] = "chart",
    country: Annotated[str | None, Query(max_length=60)] = None,
    extent: Annotated[str | None, Query(pattern="^(europe|world)$")] = None,
) -> HTMLResponse:
    """The tracker with Chart / Map / Table tabs (the map framed on Europe or the world), a year
    slider and a country picker."""
    from milex.analysis.coverage import headline
    from milex.analysis.tracking import available_years

    cache = request.app.state.cache
    found = cache.tracker(year)
    highlight = cache.dataset.registry.resolve(country) if country else None
    allies = found.allies()
    aggregates = [r for r in found.rows if r["row_type"] == "aggregate"]
    breaks = sorted(set(found.summary["editions"].values()))
    return render_page(
        request,
        "tracker.html",
        attrs=found.summary,
        headline=headline(found.summary),
        allies=allies,
        aggregates=aggregates,
        years=available_years(cache.dataset),
        year=found.summary["year"],
        tab=tab,
        tabs=TABS,
        country=highlight,
        choices=ally_choices(request),
        definitions=breaks,
        extent=extent or "europe",
        map_extent="&extent=world" if extent == "world" else "",
        frame_links=frame_links(request, "map"),
    )


@router.get("/country/{country}", response_class=HTMLResponse)
def country_page(
    request: Request, country: Annotated[str, Path(min_length=2, max_length=60)]
) -> HTMLResponse:
    """An ally's profile; a country that is not an ally gets SIPRI's figures for it instead."""
    from milex.analysis.profile import country_profile
    from milex.data.registry import NO_ARMED_FORCES

    cache = request.app.state.cache
    ds = cache.dataset
    code = ds.registry.resolve(country)  # an unknown name raises: HTML 404 with suggestions
    if code in BLOCS:
        return _bloc(request, code)
    if code not in ds.registry.ever_members("NATO"):
        return _other_country(request, code)
    profile = cache.get(("profile", code), lambda: country_profile(code, dataset=ds))
    history = profile.frame()
    links = _secondary_links(ds, code)
    return render_page(
        request,
        "country.html",
        p=profile,
        s=profile.status,
        years=[c for c in history.columns if isinstance(c, int)],
        history=_labelled(history.to_dict("records"), str(profile.status.get("currency") or "")),
        gaps={label: gap_amounts(profile.status, label) for label in ("2pct", "3_5pct")},
        no_forces=NO_ARMED_FORCES.get(code),
        plan=_plan(code, profile.year),
        ledger=_ledger(code, ds),
        figure_links=links,
        as_of=profile.as_of,
        choices=ally_choices(request),
        fiscal=_fiscal(request, code),
        ukraine_memo=_ukraine_memo(code),
    )


def _labelled(rows: list[dict[Any, Any]], currency: str) -> list[dict[Any, Any]]:
    """History rows with the registry's human name and unit for each measure id; "national
    currency" in a unit names the ally's currency ("PLN m")."""
    from milex.data.schema import measure_label

    def unit(row: dict[Any, Any]) -> str:
        text = str(row["unit"])
        return text.replace("national currency", currency) if currency else text

    return [{**r, "label": measure_label(str(r["measure"]), unit(r))} for r in rows]


def gap_amounts(status: dict[str, Any], label: str) -> list[str]:
    """The gap to a threshold once per currency: national, then USD, then EUR ("59,038 EUR m");
    a euro ally's national amount is its EUR amount, so it is not repeated; missing is left out."""
    shown: dict[str, str] = {}
    national = str(status.get("currency") or "")
    for key, currency in (("lcu", national), ("usd", "USD"), ("eur", "EUR")):
        amount = _fmt(status.get(f"gap_{label}_{key}_m"), 0)
        if currency and amount and currency not in shown:
            shown[currency] = f"{amount} {currency} m"
    return list(shown.values())


def _ukraine_memo(iso3: str) -> str | None:
    """Kiel's military aid to Ukraine, from the user's `data update --source kiel` (else None)."""
    from milex.data.update._kiel import load_memo

    try:
        return load_memo().get(iso3)
    except (OSError, KeyError, ValueError):  # an unreadable memo must not take the page down
        return None


def _fiscal(request: Request, iso3: str) -> Any:
    """The ally's fiscal verdict (milex fiscal's default path), or None where it has none."""
    from milex.finance.fiscal import fiscal

    cache = request.app.state.cache

    def build() -> Any:
        try:
            ally = fiscal([iso3], dataset=cache.dataset, paths=200).allies[0]
        except Exception:  # the fiscal section must not take the country page down
            return None
        return None if ally.missing else ally

    return cache.get(("fiscal-country", iso3), build)


def _secondary_links(ds: Any, iso3: str) -> dict[tuple[str, str, int], str]:
    """(measure, source, year) -> the URL a secondary figure of the ally's history came from."""
    found = ds.sql_records(
        "SELECT measure, source, year, origin FROM observations WHERE iso3 = ? "
        "AND flags LIKE '%secondary%' AND origin LIKE 'http%'",
        [iso3],
    )
    return {(r["measure"], r["source"], int(r["year"])): str(r["origin"]) for r in found}


def _ledger(iso3: str, ds: Any) -> list[Any]:
    """The ally's national-plans trail, newest first (a broken plans file shows none)."""
    from milex.analysis.plans import ledger

    try:
        return list(reversed(ledger(iso3, ds)))
    except Exception:  # a broken plans file must not take the country page down
        return []


def _plan(iso3: str, year: int) -> float | None:
    """The ally's stated national plan share for the year, if it has one."""
    from milex.analysis.plans import plan_share

    try:
        return plan_share(iso3, year)
    except Exception:  # a broken plans file must not take the country page down
        return None


def _bloc(request: Request, code: str) -> HTMLResponse:
    """NATO as a whole or its European allies and Canada: coverage and totals by year."""
    from milex.analysis.bloc import bloc_profile

    cache = request.app.state.cache
    profile = cache.get(("bloc", code), lambda: bloc_profile(code, dataset=cache.dataset))
    return render_page(
        request, "bloc.html", p=profile, newest=profile.rows[0], choices=ally_choices(request)
    )


#: The flags a SIPRI table marks beside a figure (milex.data.schema.FLAG_MARKS).
MARKED = ("estimate", "uncertain", "secondary")


def _other_country(request: Request, code: str) -> HTMLResponse:
    """A country outside NATO: SIPRI's share of GDP and spending, as far as the snapshot has them."""
    from milex.analysis.profile import SIPRI_MEASURES, sipri_profile

    ds = request.app.state.cache.dataset
    found = sipri_profile(code, dataset=ds).frame()
    series = []
    years: set[int] = set()
    for measure, unit in SIPRI_MEASURES:
        frame = found[found["measure"] == measure]
        values = {int(y): float(v) for y, v in zip(frame["year"], frame["value"], strict=True)}
        flags = {int(y): str(f or "") for y, f in zip(frame["year"], frame["flags"], strict=True)}
        marks = {y: flag_marks(f, MARKED) for y, f in flags.items()}
        editions = sorted(set(frame["edition"]))
        series.append(
            {
                "measure": measure,
                "unit": unit,
                "values": values,
                "flags": flags,
                "marks": marks,
                "editions": editions,
            }
        )
        years |= set(values)
    return render_page(
        request,
        "other_country.html",
        iso3=code,
        name=ds.registry.name(code),
        series=series,
        years=sorted(years)[-15:],
        has_data=bool(years),
        legend=mark_legend(MARKED),
        choices=ally_choices(request),
    )


@router.get("/scenario", response_class=HTMLResponse)
def scenario_page(request: Request) -> HTMLResponse:
    ds = request.app.state.cache.dataset
    from milex.data.registry import NO_ARMED_FORCES

    allies = sorted(ds.registry.ever_members("NATO") - set(NO_ARMED_FORCES), key=ds.registry.name)
    return render_page(
        request,
        "scenario.html",
        allies=[(c, ds.registry.name(c)) for c in allies],
        presets=scenario_presets(),
        default=scenario_defaults(),
    )


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI for the OpenAPI schema, from the vendored bundle (works offline, strict CSP)."""
    return templates.TemplateResponse(request, "docs.html", {})


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> HTMLResponse:
    from milex.analysis.commitments import GUIDELINES
    from milex.data.schema import FLAGS, MEASURES
    from milex.data.update._watch import edition_status

    ds = request.app.state.cache.dataset
    return render_page(
        request,
        "sources.html",
        package=ds.package,
        editions=[row.record() for row in edition_status(ds.package)],
        guidelines=GUIDELINES,
        measures=MEASURES,
        flags=FLAGS,
    )

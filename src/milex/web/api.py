"""JSON API under /api/v1: every response names the sources and editions it used.

Tables come as JSON by default and as CSV with ``?format=csv``. Computation lives in the library;
this module only validates parameters, memoises and serialises.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from milex.errors import QueryError

if TYPE_CHECKING:
    import pandas as pd

    from milex.web.cache import Cache

MAX_PATHS = 100_000
FISCAL_PATHS = 2_000  # the fiscal fan's paths (milex.finance.fiscal's default)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error: a one-line detail; field errors and country suggestions when they apply."""

    detail: str
    errors: list[FieldError] = []
    suggestions: list[str] = []


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown country (with suggestions)"},
    413: {"model": ErrorBody, "description": "Request body over 64 KiB"},
    422: {"model": ErrorBody, "description": "Invalid parameter or body, naming the field"},
}
BUSY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "The server is at its projection limit: try again after Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
}
CSV_TOO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON or CSV"}
}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)


class Format(StrEnum):
    json = "json"
    csv = "csv"


class Source(BaseModel):
    source: str
    edition: str
    citation: str
    url: str
    licence: str


class Table(BaseModel):
    """A table of rows with the sources and editions behind it."""

    model_config = ConfigDict(extra="allow")
    sources: list[Source]
    notes: list[str] = []
    data: list[dict[str, Any]]


def cache(request: Request) -> Cache:
    return request.app.state.cache  # type: ignore[no-any-return]


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-safe dicts (NaN becomes null)."""
    return json.loads(frame.to_json(orient="records", force_ascii=False, double_precision=15))  # type: ignore[no-any-return]


Rendered = tuple[bytes, str, dict[str, str]]


def render(payload: dict[str, Any], frame: pd.DataFrame, fmt: Format, name: str) -> Rendered:
    """The payload as JSON bytes, or the frame as a CSV download that still names its sources."""
    if fmt is Format.csv:
        from milex.web.downloads import content_disposition

        cites = "; ".join(f"{s['citation']} ({s['edition']})" for s in payload["sources"])
        headers = {
            "content-disposition": content_disposition("attachment", name, "csv"),
            "x-milex-sources": cites.encode("ascii", "replace").decode(),
        }
        body = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
        return body, "text/csv; charset=utf-8", headers
    return encode(payload), "application/json", {}


def encode(payload: Any) -> bytes:
    """Compact JSON bytes. Most payloads are JSON-safe already (their rows come from pandas'
    encoder), so they are encoded directly; one holding NaN, infinity or a numpy key is cleaned
    first (walking a 10,000-path projection's 400,000 values costs more than the projection)."""
    import secrets

    from milex.present.export import RawJSON

    options: dict[str, Any] = {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":")}
    raw: dict[str, str] = {}
    if isinstance(payload, dict) and any(isinstance(v, RawJSON) for v in payload.values()):
        payload = dict(payload)
        for key, value in payload.items():
            if isinstance(value, RawJSON):  # a placeholder no request can guess
                marker = f"\x00{secrets.token_hex(16)}"
                raw[json.dumps(marker)] = str(value)
                payload[key] = marker
    try:
        text = json.dumps(payload, default=_plain, **options)
    except (ValueError, TypeError):
        text = json.dumps(clean(payload), **options)
    for placeholder, fragment in raw.items():
        text = text.replace(placeholder, fragment, 1)
    return text.encode("utf-8")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain Python, NaN as null (json asks for types it lacks)."""
    if hasattr(value, "tolist"):
        return clean(value.tolist())
    raise TypeError(f"{type(value).__name__} is not JSON")


def respond(rendered: Rendered) -> Response:
    body, media_type, headers = rendered
    return Response(content=body, media_type=media_type, headers=headers)


def clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, numpy scalars plain Python."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


FormatQuery = Annotated[Format, Query(description="json (default) or csv")]


@router.get(
    "/tracker",
    response_model=Table,
    summary="Every ally against every guideline",
    responses=CSV_TOO,
)
async def get_tracker(
    request: Request,
    year: Annotated[
        int | None, Query(ge=1949, le=2100, description="Default: latest NATO year")
    ] = None,
    bloc: Annotated[str, Query(pattern="^[A-Za-z_]{2,20}$")] = "NATO",
    format: FormatQuery = Format.json,
) -> Any:
    """Pre-encoded bytes from the cache, answered on the event loop; a miss computes in a thread."""
    c = cache(request)
    rendered: Rendered | None = c.peek(tracker_key(year, bloc, format))
    if rendered is None:
        import anyio

        rendered = await anyio.to_thread.run_sync(tracker_answer, c, year, bloc, format)
    return respond(rendered)


def tracker_key(year: int | None, bloc: str, format: Format) -> tuple[Any, ...]:
    return ("tracker", year, bloc.upper(), format)


def tracker_answer(c: Cache, year: int | None, bloc: str, format: Format) -> Rendered:
    def build() -> Rendered:
        found = c.tracker(year, bloc)
        frame = found.frame()
        payload = {**found.summary, "data": rows(frame)}
        return render(payload, frame, format, f"milex-tracker-{payload['year']}")

    return c.get(tracker_key(year, bloc, format), build)


def warm(c: Cache) -> None:
    """Compute the default tracker answer (JSON) into the cache."""
    tracker_answer(c, None, "NATO", Format.json)


@router.get(
    "/countries", response_model=Table, summary="Countries and blocs milex knows", responses=CSV_TOO
)
def get_countries(
    request: Request,
    bloc: Annotated[str | None, Query(pattern="^[A-Za-z_0-9]{2,20}$")] = None,
    format: FormatQuery = Format.json,
) -> Any:
    import pandas as pd

    c = cache(request)
    registry = c.dataset.registry
    codes = sorted(registry.ever_members(bloc.upper())) if bloc else sorted(registry.countries)
    joined = {m.iso3: m.joined for m in registry.memberships if m.bloc == "NATO"}
    frame = pd.DataFrame(
        [
            {"iso3": code, "name": registry.name(code), "kind": registry.countries[code].kind,
             "currency": registry.countries[code].currency, "nato_joined": joined.get(code),
             "capital": registry.countries[code].capital}
            for code in codes
            if code in registry.countries
        ]
    )  # fmt: skip
    registry_source = {
        "source": "registry",
        "edition": c.dataset.package["resources"][1]["sha256"][:12],
        "citation": "milex registry (REST Countries, IMF and World Bank names)",
        "url": "https://github.com/restcountries/restcountries",
        "licence": "MPL-2.0",
    }
    payload = {"sources": [registry_source], "notes": [], "data": rows(frame)}
    return respond(render(payload, frame, format, "milex-countries"))


@router.get("/countries/{country}", summary="One ally's profile", responses=CSV_TOO)
def get_country(
    request: Request,
    country: Annotated[str, Path(min_length=2, max_length=60)],
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    format: FormatQuery = Format.json,
) -> Any:
    c = cache(request)

    def build() -> Rendered:
        from milex.analysis.bloc import BLOCS, bloc_profile
        from milex.analysis.profile import country_profile

        if country.strip().upper() in BLOCS:  # the JSON twin of a bloc's page
            bloc = bloc_profile(country, dataset=c.dataset)
            table = bloc.frame()
            payload = {
                "iso3": bloc.code, "name": bloc.name, "year": bloc.year, "bloc": True,
                "members": bloc.members, "as_of": bloc.as_of, "sources": bloc.sources(),
                "data": rows(table),
            }  # fmt: skip
            return render(payload, table, format, f"milex-{bloc.code}")
        code = c.dataset.registry.resolve(country)
        if code not in c.dataset.registry.ever_members("NATO"):  # the twin of a non-ally's page
            return _sipri_answer(c.dataset, code, format)
        profile = country_profile(country, year, dataset=c.dataset)
        payload = {
            "iso3": profile.iso3, "name": profile.name, "joined_nato": profile.joined_nato,
            "year": profile.year, "status": profile.status,
            "reach": {"year": profile.reach.year, "note": profile.reach.note},
            "path": rows(profile.path), "sources": profile.sources(), "notes": [],
            "data": rows(profile.measures),
        }  # fmt: skip
        return render(payload, profile.measures, format, f"milex-{profile.iso3}")

    return respond(c.get(("country", country.casefold(), year, format), build))


def _sipri_answer(ds: Any, code: str, format: Format) -> Rendered:
    """A country outside NATO: SIPRI's series, as its HTML page shows them."""
    from milex.analysis.profile import sipri_profile

    found = sipri_profile(code, dataset=ds)
    table = found.frame()
    payload = {
        "iso3": found.iso3, "name": found.name, "ally": False, "sources": found.sources(),
        "notes": ["Outside NATO: SIPRI's figures only (NATO publishes none for this country)."],
        "data": rows(table),
    }  # fmt: skip
    return render(payload, table, format, f"milex-{found.iso3}")


@router.get(
    "/series", response_model=Table, summary="One measure, tidy, with provenance", responses=CSV_TOO
)
def get_series(
    request: Request,
    measure: Annotated[str, Query(min_length=2, max_length=60, description="e.g. milex_pct_gdp")],
    countries: Annotated[
        str | None, Query(max_length=2000, description="ISO3, names, blocs")
    ] = None,
    source: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[int | None, Query(alias="from", ge=1900, le=2100)] = None,
    to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    format: FormatQuery = Format.json,
) -> Any:
    c = cache(request)
    years = None
    if from_ is not None or to is not None:
        years = (from_ if from_ is not None else 1900, to if to is not None else 2100)
        if years[0] > years[1]:
            raise QueryError(f"from={years[0]} is after to={years[1]}")
    frame = c.dataset.series(measure, countries or None, source, years)
    payload = {"sources": c.dataset.citations(frame), "notes": [], "data": rows(frame)}
    return respond(render(payload, frame, format, f"milex-{measure}"))


@router.get("/charts/{name}", summary="A chart as a Vega-Lite spec")
def get_chart(
    request: Request,
    name: Annotated[str, Path(pattern="^[a-z-]{2,40}$", description="e.g. tracker, country")],
    country: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
) -> Any:
    c = cache(request)

    def build() -> dict[str, Any]:
        from milex.web.charting import chart_spec

        return chart_spec(c.dataset, name, country=country, year=year)

    return c.get(("chart", name, (country or "").casefold(), year), build)


@router.post(
    "/projections",
    summary="Run a projection scenario (paths capped at 100,000)",
    responses={**CSV_TOO, **BUSY},
)
def post_projection(
    request: Request,
    scenario: Annotated[
        dict[str, Any], Body(description="A projection scenario, as in TOML files")
    ],
    chart: Annotated[bool, Query(description="Also return the fan chart spec")] = False,
    format: FormatQuery = Format.json,
) -> Any:
    """Identical requests are answered from a cache; new ones run within the server's limits
    (a few at once, a budget of paths x countries x years in flight): beyond them, 429."""
    from milex.projection import Scenario
    from milex.web.charting import projection_payload
    from milex.web.limits import cells

    state = request.app.state
    key = (json.dumps(scenario, sort_keys=True, default=str), chart, format)

    def build() -> Rendered:
        ds = state.cache.dataset
        parsed = Scenario.parse(scenario)
        size = cells(parsed, ds) if parsed.uncertainty.paths <= MAX_PATHS else 0
        with state.limiter.admit(size):
            payload, frame = projection_payload(ds, scenario, MAX_PATHS, chart=chart)
            return render(payload, frame, format, "milex-projection")

    return respond(state.projections.get(key, build))


@router.get(
    "/fiscal",
    response_model=Table,
    summary="Paying for 3.5%: deficit and debt of a spending path if borrowed",
    responses={**CSV_TOO, **BUSY},
)
def get_fiscal(
    request: Request,
    country: Annotated[
        str | None, Query(max_length=400, description="Allies (ISO3 or names), comma-separated")
    ] = None,
    bloc: Annotated[str | None, Query(pattern="^[A-Za-z_]{2,20}$")] = None,
    target: Annotated[float, Query(ge=0.5, le=10, description="Target, % of GDP")] = 3.5,
    by: Annotated[int, Query(ge=2027, le=2050, description="Deadline year")] = 2035,
    path: Annotated[str, Query(pattern="^(linear|plans|trend)$")] = "linear",
    detail: Annotated[bool, Query(description="Every ally and year, not the summary")] = False,
    format: FormatQuery = Format.json,
) -> Any:
    """Arithmetic on the IMF WEO baseline, not a forecast (see the notes in the answer)."""
    state = request.app.state
    key = ("fiscal", (country or "").casefold(), (bloc or "").upper(), target, by, path, detail,
           format)  # fmt: skip

    def build() -> Rendered:
        from milex.finance.fiscal import fiscal

        with state.limiter.admit(FISCAL_PATHS * 33 * (max(by, 2035) - 2025)):
            result = fiscal(country, bloc=bloc, target=target, by=by, path=path,
                            dataset=state.cache.dataset)  # fmt: skip
        frame = result.frame() if detail else result.summary()
        payload = {**result.meta(), "data": rows(frame)}
        return render(payload, frame, format, "milex-fiscal")

    return respond(state.cache.get(key, build))

"""Chart downloads and embeds: ``/chart/{name}.png|svg|csv|json`` and ``/embed/{name}``.

PNG and SVG are rendered by the server through the very Altair spec the page draws (vl-convert,
no browser, no network); CSV is the figure's table (``milex.present.figure_tables``: human
headers, years as years, no presentation columns); ZIP holds that table, the full data behind it
and a ``metadata.json`` (sources, editions, URLs, units, flags, licence, citation); JSON is the
Vega-Lite spec. ``/embed/{name}`` is the one page that other sites may frame (see ``app.Guard``). Every
answer is memoised per chart and parameters, so a repeated download costs a cache look-up.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from milex.errors import QueryError

if TYPE_CHECKING:
    from milex.present.tables import Table

router = APIRouter(include_in_schema=False)
FORMATS = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}
NAME = Annotated[str, Path(pattern="^[a-z-]{2,40}$", description="e.g. tracker, map, country")]
COUNTRY = Annotated[str | None, Query(max_length=60)]
YEAR = Annotated[int | None, Query(ge=1949, le=2100)]
EXTENT = Annotated[
    str | None, Query(pattern="^(europe|world)$", description="a map's frame (maps only)")
]


def chart_names() -> dict[str, str]:
    """Every chart the dashboard can show (``milex.present.figures.CHARTS``), with its description."""
    from milex.present.figures import CHARTS

    return {n: d.description for n, d in CHARTS.items()}


def build_chart(
    ds: Any, name: str, *, country: str | None, year: int | None, extent: str | None = None
) -> Any:
    """The Altair chart ``name`` with the page's parameters (the one spec pages and files share)."""
    from milex.present import figures

    return figures.build(name, country=country, year=year, dataset=ds, extent=extent)


def chart_spec(
    request: Request, name: str, country: str | None, year: int | None, extent: str | None = None
) -> Any:
    """The chart's Vega-Lite spec (memoised); sources stay in ``usermeta``."""
    return cached_spec(request.app.state.cache, name, country, year, extent)


def cached_spec(
    cache: Any, name: str, country: str | None, year: int | None, extent: str | None = None
) -> Any:
    """``chart_spec`` for a cache rather than a request (the pre-drawing thread has none)."""
    from milex.present.render import spec

    key = ("web-spec", name, (country or "").casefold(), year) + ((extent,) if extent else ())
    return cache.get(key, lambda: spec(build_chart(cache.dataset, name, country=country,
                                                   year=year, extent=extent)))  # fmt: skip


def file_bytes(
    cache: Any,
    name: str,
    fmt: str,
    country: str | None,
    year: int | None,
    extent: str | None = None,
) -> bytes:
    """One chart as a file's bytes, memoised per chart, format and parameters; PNG and SVG go
    through the cache's drawer (a worker process in a served app, see ``drawing``)."""

    def make() -> bytes:
        if fmt in ("png", "svg"):
            spec = cached_spec(cache, name, country, year, extent)
            return cache.drawer.draw(spec, fmt)  # type: ignore[no-any-return]
        if fmt == "csv":
            return cached_table(cache, name, country, year).to_csv().encode()
        if fmt == "zip":
            from milex.present.tables import to_zip

            return to_zip(cached_table(cache, name, country, year))
        spec = cached_spec(cache, name, country, year, extent)
        return json.dumps(spec, ensure_ascii=False).encode()

    key = ("web-file", name, fmt, (country or "").casefold(), year) + ((extent,) if extent else ())
    return cache.get(key, make)  # type: ignore[no-any-return]


def cached_table(cache: Any, name: str, country: str | None, year: int | None) -> Table:
    """The figure's table (``figure_tables.table``), memoised per chart and parameters."""
    from milex.present.figure_tables import table

    key = ("web-table", name, (country or "").casefold(), year)
    made: Table = cache.get(
        key, lambda: table(name, country=country, year=year, dataset=cache.dataset)
    )
    return made


def query(**settings: Any) -> str:
    """A page's settings as a query string, the unset ones left out."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in settings.items() if v})


def content_disposition(kind: str, stem: str, ext: str) -> str:
    """A Content-Disposition value whose file name is safe to send, whatever the request said:
    ASCII letters, digits, ``.``, ``_`` and ``-`` only (``?country=`` may hold a newline or
    a quote), plus an RFC 6266 ``filename*`` keeping a name's own letters (``Türkiye``)."""
    from urllib.parse import quote

    plain = re.sub(r"[^\w.-]+", "_", stem, flags=re.ASCII).strip("_.") or "milex"
    value = f'{kind}; filename="{plain}.{ext}"'
    local = re.sub(r"[^\w.-]+", "_", stem).strip("_.")
    if local and local != plain:
        value += f"; filename*=UTF-8''{quote(f'{local}.{ext}', safe='')}"
    return value


def _check_name(name: str) -> None:
    names = chart_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, list(names), n=2)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise QueryError(f"chart {name!r} not found{hint}; available: {', '.join(names)}")


@router.get("/chart/{name}.{fmt}")
def chart_file(
    request: Request,
    name: NAME,
    fmt: Annotated[str, Path(pattern="^(png|svg|csv|json|zip)$")],
    country: COUNTRY = None,
    year: YEAR = None,
    extent: EXTENT = None,
) -> Response:
    """One chart as a file: PNG (2x), SVG, its table as CSV, a zip of the table, the full data
    and their metadata, or its Vega-Lite JSON (``extent``: a map's frame, europe or world)."""
    _check_name(name)
    body = file_bytes(request.app.state.cache, name, fmt, country, year, extent)
    stem = "-".join(str(p).strip() for p in ("milex", name, country, year, extent) if p)
    kind = "attachment" if fmt == "zip" else "inline"
    headers = {"content-disposition": content_disposition(kind, stem, fmt)}
    return Response(body, media_type=FORMATS[fmt], headers=headers)


@router.get("/chart/{name}/table")
def chart_table(
    request: Request, name: NAME, country: COUNTRY = None, year: YEAR = None
) -> dict[str, Any]:
    """The figure's table as a page prints it (the numbers under every chart on every page)."""
    _check_name(name)
    table = cached_table(request.app.state.cache, name, country, year)
    columns = [{"header": c.header, "numeric": c.numeric} for c in table.columns]
    return {"title": table.title, "columns": columns, "cells": table.cells()}


@router.get("/embed/{name}", response_class=HTMLResponse)
def embed_page(
    request: Request, name: NAME, country: COUNTRY = None, year: YEAR = None, extent: EXTENT = None
) -> HTMLResponse:
    """A chart alone on a page, with its source and a link back: the page others may frame."""
    from milex.present.charts.style import footer_lines, title_text
    from milex.web.pages import render_page

    _check_name(name)
    spec = chart_spec(request, name, country, year, extent)  # a bad parameter fails here, as a page
    params = query(country=country, year=year, extent=extent)
    return render_page(
        request,
        "embed.html",
        name=name,
        params=params,
        title=title_text(spec),
        sources=[line for line in footer_lines(spec) if line.startswith("Source:")],
    )

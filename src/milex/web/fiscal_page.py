"""The dashboard page "Paying for 3.5%": every ally's deficit and debt if it borrows for the
Hague path, one ally's charts, the escape clause and SAFE with their sources. Its JSON twin is
``/api/v1/fiscal``; the computation is ``milex.finance.fiscal``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from milex.web.pages import render_page

router = APIRouter(include_in_schema=False)
DEFAULT_ALLY = "DEU"


def _result(request: Request) -> Any:
    """The NATO result for 3.5% by 2035 on the linear path, computed once per server."""
    from milex.finance.fiscal import fiscal

    cache = request.app.state.cache
    return cache.get(("fiscal-page",), lambda: fiscal(bloc="NATO", dataset=cache.dataset))


@router.get("/fiscal", response_class=HTMLResponse)
def fiscal_page(
    request: Request,
    country: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    from milex.errors import QueryError

    result = _result(request)
    registry = request.app.state.cache.dataset.registry
    code = registry.resolve(country) if country else DEFAULT_ALLY
    codes = [a.iso3 for a in result.allies]
    if code not in codes:
        raise QueryError(f"{country!r} is not a NATO ally in this view ({', '.join(codes)})")
    return render_page(
        request,
        "fiscal.html",
        result=result,
        ally=result.ally(code),
        summary=result.summary_records(),
        choices=[(a.iso3, a.name) for a in result.allies],
    )

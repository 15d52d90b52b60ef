"""HTML error pages for the dashboard's routes; the API, downloads and static files keep JSON.

``install(app)`` wraps the app's JSON exception handlers: a request for an HTML route gets the
same status as an HTML page that says what went wrong and what to try (country suggestions as
links, the valid year range), while every other path gets the JSON answer unchanged.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

JSON_PREFIXES = ("/api/", "/static/", "/chart/", "/openapi.json")
TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    422: "Not a valid request",
    429: "Too busy",
    500: "Something went wrong",
}
Handler = Callable[[Request, Any], Any]


def wants_html(request: Request) -> bool:
    """True for dashboard pages (everything but the API, downloads, static files and schema)."""
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in JSON_PREFIXES)


def install(app: FastAPI) -> None:
    """Wrap every registered exception handler so HTML routes answer with an HTML page."""
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _wrap(handler)


def _wrap(handler: Handler) -> Handler:
    async def wrapped(request: Request, exc: Any) -> Any:
        answer = handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        if not wants_html(request):
            return answer
        try:
            payload = json.loads(bytes(answer.body))
        except ValueError:
            return answer
        headers = {k: v for k, v in answer.headers.items() if k.lower() == "retry-after"}
        return error_page(request, answer.status_code, payload, headers)

    return wrapped


def error_page(
    request: Request, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> HTMLResponse:
    """The error as a page: title, the message, suggestions and the valid year range if any."""
    from milex.web.pages import render_page

    detail = str(payload.get("detail", ""))
    if status == 404 and not detail.startswith("registry"):
        detail = f"There is no page at {request.url.path}." if detail == "Not Found" else detail
    suggestions = [_suggestion(s) for s in payload.get("suggestions", [])]
    fields = [e.get("field", "") for e in payload.get("errors", [])]
    years = None
    if "year" in request.query_params or any("year" in f for f in fields):
        from milex.analysis.tracking import available_years

        cache = request.app.state.cache
        valid = available_years(cache.dataset)
        years = (valid[0], valid[-1], cache.tracker(None).year) if valid else None
    response = render_page(
        request,
        "error.html",
        status=status,
        heading=TITLES.get(status, "Error"),
        detail=_plain(detail),
        errors=payload.get("errors", []),
        suggestions=suggestions,
        years=years,
    )
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _suggestion(text: str) -> tuple[str, str]:
    """('Poland (POL)') -> ('Poland (POL)', 'POL'): a label and the code to link to."""
    match = re.search(r"\(([A-Z0-9_]{2,12})\)\s*$", text)
    return text, match.group(1) if match else text


def _plain(detail: str) -> str:
    """The message without the library's module prefix ('registry: ...')."""
    return re.sub(r"^registry:\s*", "", detail)

"""The FastAPI application: security headers, body limit, error shapes, and the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from milex.errors import MilexError, QueryError, UnknownCountryError

if TYPE_CHECKING:
    from milex.store import Dataset

MAX_BODY = 64 * 1024
STATIC = Path(__file__).resolve().parents[1] / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class Guard:
    """ASGI middleware: reject bodies over 64 KiB with 413 and add security headers everywhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _too_large(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise BodyTooLarge
            return message

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = b'{"detail":"request body larger than 65536 bytes"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def create_app(dataset: Dataset | None = None) -> Any:
    """The dashboard and API over a dataset (default: `milex.load()`), ready for uvicorn."""
    from milex import load
    from milex.web import api, pages
    from milex.web.cache import Cache

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Warm the cache with the default tracker so a new worker answers its first request fast."""
        import anyio

        from milex.web.api import warm

        await anyio.to_thread.run_sync(warm, app.state.cache)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="milex API",
        version="1",
        description="NATO defence-spending data, the commitment tracker and projections. Every "
        "response names the sources and editions it used.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.cache = Cache(dataset or load())
    app.add_middleware(Guard)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors)
        return JSONResponse({"detail": f"invalid {fields}", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that is not JSON at all: name the field, as for 422
            detail = f"invalid body: {exc.detail} (expected a JSON object)"
            errors = [{"field": "body", "message": str(exc.detail)}]
            return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(UnknownCountryError)
    async def unknown(request: Request, exc: UnknownCountryError) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc), "suggestions": exc.suggestions.get(exc.names[0], [])},
            status_code=404,
        )

    @app.exception_handler(MilexError)
    async def bad_request(request: Request, exc: MilexError) -> JSONResponse:
        status = 404 if isinstance(exc, QueryError) and "not found" in str(exc) else 422
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "internal error; the server log has details"}, status_code=500
        )

    return app

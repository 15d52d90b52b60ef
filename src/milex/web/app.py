"""The FastAPI application: Host allow-list, security headers, body limit, error shapes, routers."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from milex.errors import MilexError, QueryError, UnknownCountryError
from milex.web.drawing import touch

if TYPE_CHECKING:
    from milex.data.store import Dataset

MAX_BODY = 64 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
HOSTS_ENV = "MILEX_HOSTS"
PROJECTION_CACHE = 32  # answers of up to a few MB each
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
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
#: /embed/ pages may be framed by any site (the whole point of an embed), and by a page opened
#: from a file (a newsroom trying the embed before publishing it: Chromium does not count file:
#: under "*", so it is named); nothing else may be framed.
EMBED_FRAMING = "frame-ancestors * file:"
EMBED_HEADERS = [
    (b"content-security-policy", CSP.replace("frame-ancestors 'none'", EMBED_FRAMING).encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class Secured:
    """The outermost ASGI layer: every response, a 500 included, carries the security headers,
    and no header value carries a control character (a newline from a request's parameters would
    otherwise end the header, and the server would drop the reply, leaving the client nothing).

    It wraps Starlette's ServerErrorMiddleware, which sends the 500 for an unhandled exception
    from outside every user middleware (``Guard`` included), so only a layer around it sees that
    answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framable = str(scope.get("path", "")).startswith("/embed/")
        extra = EMBED_HEADERS if framable else SECURITY_HEADERS
        names = {name for name, _ in extra}

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = [
                    (name, safe_header_value(value))
                    for name, value in message.get("headers", [])
                    if name.lower() not in names
                ]
                message["headers"] = [*own, *extra]
            await send(message)

        await self.app(scope, receive, secured_send)


def safe_header_value(value: bytes) -> bytes:
    """A header value with control characters (CR, LF, NUL, ...) replaced by spaces."""
    return CONTROL.sub(b" ", value) if CONTROL.search(value) else value


class App(FastAPI):
    """FastAPI with ``Secured`` around its whole middleware stack (see there)."""

    def build_middleware_stack(self) -> ASGIApp:
        return Secured(super().build_middleware_stack())


class Guard:
    """ASGI middleware: answer only to allowed Host names (400) and reject bodies over 64 KiB
    with 413 whether or not they declare their length (``Secured`` adds the security headers).

    A body with no Content-Length (chunked) is read here, up to the limit, before the app sees it:
    left to the app, an oversized chunked body would surface as a parse error (422), not 413.
    The Host check stops DNS rebinding: a page on another site that resolves its own name to
    127.0.0.1 must not read the API.
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in (*LOCAL_HOSTS, *hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        touch()  # the start-up drawing waits for a quiet moment
        headers = dict(scope.get("headers", []))
        host = _host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.hosts:
            await _error(send, 400, f"host {host!r} not allowed; this server answers to "
                         f"{', '.join(sorted(self.hosts))} (milex serve --host NAME adds NAME)")  # fmt: skip
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _too_large(send)
            return
        if length is None and scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            body = await _read_body(receive)
            if body is None:
                await _too_large(send)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


def _host_name(value: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8000`` -> ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None as soon as it passes MAX_BODY."""
    parts, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: let the app see an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        parts.append(chunk)
        more = message.get("more_body", False)
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the buffered body once, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send) -> None:
    await _error(send, 413, f"request body larger than {MAX_BODY} bytes")


def allowed_hosts(hosts: Iterable[str] | None = None) -> list[str]:
    """Host names to answer to besides 127.0.0.1 and localhost: ``hosts``, else $MILEX_HOSTS
    (comma-separated; `milex serve --host` sets it for its worker processes)."""
    if hosts is None:
        hosts = os.environ.get(HOSTS_ENV, "").split(",")
    return [h.strip() for h in hosts if h.strip()]


def create_app(
    dataset: Dataset | None = None, *, hosts: Iterable[str] | None = None, served: bool = False
) -> Any:
    """The dashboard and API over a dataset (default: `milex.load()`), ready for uvicorn.

    The app answers to 127.0.0.1, localhost and ``hosts`` (default: $MILEX_HOSTS) only.
    ``served`` (`milex serve`, ``milex.web.asgi``): draw images in a worker process and draw the
    tracker's image for every year after start-up (``drawing``); otherwise they draw in-process.
    """
    from milex import load
    from milex.web import api, downloads, errors, fiscal_page, gallery, pages, views
    from milex.web.cache import Cache
    from milex.web.limits import Limiter

    app = App(
        lifespan=_lifespan(served),
        title="milex API",
        version="1",
        description="NATO defence-spending data, the commitment tracker and projections. Every "
        "response names the sources and editions it used.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.cache = Cache(dataset or load())
    app.state.projections = Cache(app.state.cache.dataset, size=PROJECTION_CACHE)
    app.state.limiter = Limiter()
    app.add_middleware(Guard, hosts=allowed_hosts(hosts))
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(gallery.router)  # /charts before views' /charts/{name}
    app.include_router(views.router)
    app.include_router(fiscal_page.router)
    app.include_router(downloads.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    _json_errors(app)
    errors.install(app)  # HTML routes answer errors with an HTML page; the API keeps JSON
    return app


def _lifespan(served: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: warm the cache and the engine, and (served) the drawing worker."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Warm the cache with the default tracker so a new worker answers its first request fast;
        then, beside the requests, build the home page's charts and load the compiled engine
        (projections use NumPy until it is loaded), see ``warmup``."""
        import threading

        import anyio

        from milex.web.api import warm
        from milex.web.warmup import warm_server

        await anyio.to_thread.run_sync(warm, app.state.cache)
        # after listening: the home page's chart specs and tables, then the projection engine
        engine = threading.Thread(
            target=warm_server, args=(app.state.cache,), name="milex-engine", daemon=True
        )
        engine.start()
        background = [engine]
        cache = app.state.cache
        if served:
            from milex.web.downloads import file_bytes

            cache.drawer.start()
            if os.environ.get("MILEX_PREDRAW", "1") != "0":
                drawing = threading.Thread(
                    target=_predraw, args=(cache, file_bytes), name="milex-predraw", daemon=True
                )
                drawing.start()
                background.append(drawing)
        try:
            yield
        finally:
            cache.drawer.close()  # the pre-drawing stops at its next image
            # Wait for both (the engine's first compile on a machine takes some seconds): a
            # daemon thread still inside DuckDB or numba when the interpreter exits aborts it.
            for thread in background:
                await anyio.to_thread.run_sync(thread.join)

    return lifespan


def _predraw(cache: Any, file_bytes: Any) -> None:
    """The images a served app draws in quiet moments: the gallery's thumbnails (one per chart),
    then the tracker's image for every year (``drawing.predraw``)."""
    from milex.web.drawing import predraw
    from milex.web.gallery import predraw_thumbnails

    predraw_thumbnails(cache)
    predraw(cache, file_bytes)


def _json_errors(app: FastAPI) -> None:
    """The API's errors as JSON naming the field or parameter, and 500s without internals."""
    from milex.web.limits import Busy

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

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        headers = {"retry-after": str(exc.retry_after)}
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)

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

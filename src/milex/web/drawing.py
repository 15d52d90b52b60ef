"""PNG and SVG drawn in a worker process, so a drawing never stalls the server's other requests.

vl-convert holds the GIL while it draws (about 0.5 s for the tracker at 2x), so in the server's
own process every other request, the tracker API included, waits for each image. A served app
(`milex serve`, `uvicorn milex.web.asgi:app`) draws in one spawned worker instead, and after
start-up draws the tracker's image for every year the slider offers into the cache, so any
year's download is a cache look-up; an app made without it (tests, notebooks) draws in-process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

LOG = logging.getLogger("milex.web")
#: Seconds without a request before the start-up drawing goes on (its spec building shares
#: this process's GIL with the requests, so it waits for a quiet moment).
QUIET = 2.0
_last_request = [0.0]


def touch() -> None:
    """Note a request (called by the app's middleware for every HTTP request)."""
    _last_request[0] = time.monotonic()


def wait_for_quiet(drawer: Drawer) -> bool:
    """Sleep until no request came for ``QUIET`` seconds; False once the drawer is closed."""
    while not drawer.closed and time.monotonic() - _last_request[0] < QUIET:
        time.sleep(0.25)
    return not drawer.closed


#: A gallery thumbnail's size in pixels: every chart fits this box, so a card never jumps.
THUMB = (480, 300)


def draw(spec: dict[str, Any], fmt: str) -> bytes:
    """The spec as PNG (2x), SVG, or a ``THUMB``-sized PNG thumbnail ("thumb") (in whichever
    process calls it)."""
    from milex.present import render

    if fmt == "png":
        return render.to_png(spec)
    if fmt == "thumb":
        return thumbnail(render.to_png(spec, scale=1.0))
    return render.to_svg(spec).encode()


def thumbnail(png: bytes, size: tuple[int, int] = THUMB) -> bytes:
    """``png`` shrunk to fit ``size`` on a white box of exactly that size (aspect kept)."""
    import io

    from PIL import Image  # weasyprint's dependency, so installed wherever milex is

    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGB")
    picture.thumbnail(size, Image.Resampling.LANCZOS)
    box = Image.new("RGB", size, "white")
    box.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    out = io.BytesIO()
    box.save(out, "PNG", optimize=True)
    return out.getvalue()


def _worker_setup(parent: int) -> None:
    """In the worker: run at the lowest CPU priority, so drawing never slows the server's
    requests on a busy machine, and exit when the server is gone (killed before it could shut
    the pool)."""
    with contextlib.suppress(OSError):  # not permitted here: draw at normal priority
        os.nice(19)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="milex-parent-watch", daemon=True).start()


def _new_pool() -> ProcessPoolExecutor:
    """One spawned worker (spawn: forking a process with running threads is unsafe)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        1, mp_context=context, initializer=_worker_setup, initargs=(os.getpid(),)
    )


class Drawer:
    """Draws in a worker process once started, in the calling thread if never started; refuses
    after ``close`` (the app has shut down: a pre-drawing thread must not go on in-process)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.closed = False

    def start(self) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = _new_pool()

    def draw(self, spec: dict[str, Any], fmt: str) -> bytes:
        with self._lock:
            pool, closed = self._pool, self.closed
        if closed:
            raise RuntimeError("the server has shut down: no more drawing")
        if pool is None:
            return draw(spec, fmt)
        try:
            future: Future[bytes] = pool.submit(draw, spec, fmt)
            return future.result()
        except BrokenProcessPool:  # the worker died (killed, out of memory): replace it, once
            LOG.warning("the drawing worker died; starting a new one and drawing again")
            return self._replace(pool).submit(draw, spec, fmt).result()

    def _replace(self, dead: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A live pool in place of ``dead`` (one new worker, however many requests saw it die)."""
        with self._lock:
            if self.closed:
                raise RuntimeError("the server has shut down: no more drawing")
            if self._pool is dead or self._pool is None:
                self._pool = _new_pool()
            pool = self._pool
        dead.shutdown(wait=False, cancel_futures=True)
        return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self.closed = self._pool, None, True
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def predraw(cache: Any, file_bytes: Any) -> None:
    """Draw the tracker's PNG for the default view and every year with figures, newest first,
    into ``cache`` (``file_bytes(cache, name, fmt, country, year)`` memoises each), each one
    when the server has had no request for ``QUIET`` seconds."""
    from milex.analysis.tracking import available_years

    try:
        for year in [None, *sorted(available_years(cache.dataset), reverse=True)]:
            if not wait_for_quiet(cache.drawer):
                return
            file_bytes(cache, "tracker", "png", None, year)
    except Exception as exc:  # a drawing that fails here fails again, with its error, on request
        if not cache.drawer.closed:  # closed: the server shut down mid-drawing, nothing is wrong
            LOG.warning("pre-drawing the tracker images stopped: %s", exc)

"""Downloads with httpx: connect/read timeouts, an overall deadline and a size cap, each naming the URL.

Every publisher file and page goes through `fetch` so the limits hold everywhere, and a failure is
one clear line (`download failed: URL: why`) rather than an httpx traceback. Files stream to a
temporary name beside their destination and are renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milex.errors import MilexError

if TYPE_CHECKING:
    import httpx

#: progress(label, bytes done, bytes expected or None)
Progress = Callable[[str, int, int | None], None]
USER_AGENT = "milex (https://github.com/milex; defence-expenditure workbench)"


@dataclass(frozen=True)
class Limits:
    """How long and how much a download may take: seconds and bytes (pages get a smaller cap)."""

    connect: float = 15.0
    read: float = 60.0
    deadline: float = 900.0
    max_bytes: int = 300 * 1024 * 1024
    max_page_bytes: int = 10 * 1024 * 1024


class NotFound(MilexError):
    """The server answered 404: discovery tries the next candidate name."""


def client(limits: Limits) -> httpx.Client:
    """An httpx client with the limits' timeouts, following redirects."""
    import httpx

    timeout = httpx.Timeout(limits.read, connect=limits.connect)
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def fetch(
    http: httpx.Client,
    url: str,
    dest: Path | None,
    limits: Limits,
    *,
    cap: int | None = None,
    progress: Progress | None = None,
    headers: dict[str, str] | None = None,
    seen: dict[str, str] | None = None,
) -> bytes | Path:
    """GET url into dest (a file, renamed in when complete) or into memory (dest None).

    ``headers`` are sent with the request; ``seen``, if given, receives the response's ETag and
    Last-Modified (what `milex data check` later compares against the publisher's).
    """
    import httpx

    cap = cap if cap is not None else (limits.max_bytes if dest else limits.max_page_bytes)
    tmp: Path | None = None
    try:
        with http.stream("GET", url, headers=headers) as response:
            total = _check_response(response, url, cap)
            if seen is not None:
                seen.update(validators(response.headers))
            if dest is None:
                chunks: list[bytes] = []
                _receive(response, url, limits, cap, total, chunks.append, progress)
                return b"".join(chunks)
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            tmp = Path(name)
            with os.fdopen(fd, "wb") as out:
                _receive(response, url, limits, cap, total, out.write, progress)
        os.replace(tmp, dest)
        tmp = None
        return dest
    except httpx.TimeoutException as exc:
        what = (
            f"could not connect within {limits.connect:g} s"
            if isinstance(exc, httpx.ConnectTimeout)
            else f"no data for {limits.read:g} s (read timeout)"
        )
        raise MilexError(f"download failed: {url}: {what}") from None
    except httpx.HTTPError as exc:
        raise MilexError(f"download failed: {url}: {exc.__class__.__name__}: {exc}") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def validators(headers: httpx.Headers) -> dict[str, str]:
    """The response's ETag and Last-Modified (as an ISO date), where it sends them."""
    from email.utils import parsedate_to_datetime

    out = {}
    if etag := headers.get("etag"):
        out["etag"] = etag
    if modified := headers.get("last-modified"):
        with contextlib.suppress(TypeError, ValueError):
            out["last_modified"] = parsedate_to_datetime(modified).date().isoformat()
    return out


def head(http: httpx.Client, url: str) -> dict[str, str]:
    """A HEAD request's ETag and Last-Modified (nothing downloaded); errors name the URL."""
    import httpx

    try:
        response = http.head(url)
    except httpx.HTTPError as exc:
        raise MilexError(f"check failed: {url}: {exc.__class__.__name__}: {exc}") from None
    if response.status_code == 404:
        raise NotFound(f"check failed: {url} answered HTTP 404")
    if response.status_code != 200:
        raise MilexError(f"check failed: {url} answered HTTP {response.status_code}")
    return validators(response.headers)


def _check_response(response: httpx.Response, url: str, cap: int) -> int | None:
    """The announced length, after refusing error statuses and files over the cap."""
    if response.status_code == 404:
        raise NotFound(f"download failed: {url} answered HTTP 404")
    if response.status_code != 200:
        raise MilexError(f"download failed: {url} answered HTTP {response.status_code}")
    total = _length(response)
    if total is not None and total > cap:
        raise MilexError(_too_big(url, cap, total))
    return total


def _receive(
    response: httpx.Response,
    url: str,
    limits: Limits,
    cap: int,
    total: int | None,
    sink: Callable[[bytes], object],
    progress: Progress | None,
) -> None:
    """Stream the body into sink, enforcing the size cap and the overall deadline."""
    started = time.monotonic()
    done = 0
    for chunk in response.iter_bytes(1 << 16):
        done += len(chunk)
        if done > cap:
            raise MilexError(_too_big(url, cap, done))
        if time.monotonic() - started > limits.deadline:
            raise MilexError(
                f"download failed: {url} took longer than the overall deadline of "
                f"{limits.deadline:g} s ({done} bytes received)"
            )
        sink(chunk)
        if progress:
            progress(url, done, total)
    if total is not None and done != total:
        raise MilexError(f"download incomplete: {url} sent {done} of {total} bytes")


def fetch_text(http: httpx.Client, url: str, limits: Limits) -> str:
    """A web page as text (UTF-8, undecodable bytes replaced), under the page size cap."""
    data = fetch(http, url, None, limits)
    assert isinstance(data, bytes)
    return data.decode("utf-8", errors="replace")


def _length(response: httpx.Response) -> int | None:
    text = response.headers.get("content-length")
    if text is None or response.headers.get("content-encoding"):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _too_big(url: str, cap: int, size: int) -> str:
    return (
        f"download failed: {url} is larger than the size cap of {cap / 1e6:g} MB "
        f"({size / 1e6:g} MB so far)"
    )

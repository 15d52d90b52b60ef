"""Downloads with httpx: connect/read timeouts, an overall deadline and a size cap, each naming the URL.

Every publisher file and page goes through `fetch` so the limits hold everywhere, and a failure is
one clear line (`download failed: URL: why`) rather than an httpx traceback. Files stream to a
temporary name beside their destination and are renamed into place only when complete.

The deadline is a timer, not a check between chunks: when it fires it shuts the connection's
socket, so a server sending a byte a second (never tripping the read timeout) is cut off on time.
It is one budget for a whole run: `Limits.started` fixes when the run's time runs out, and every
request made with those limits (NATO's pages, the World Bank's API pages, the IMF's SDMX calls)
gets only what is left, so many requests that each stay under the connect and read timeouts
cannot together run past it. Without `started`, each request has the whole budget to itself.
Redirects are followed by hand: to the host that was asked for, or to a publisher's host that
resolves to a public address; never to another host, nor to a private or loopback address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from milex.data import _bounds as bounds
from milex.errors import MilexError

if TYPE_CHECKING:
    import httpx

#: progress(label, bytes done, bytes expected or None)
Progress = Callable[[str, int, int | None], None]
USER_AGENT = "milex (https://github.com/milex; defence-expenditure workbench)"


#: Where a redirect may lead besides the host asked for (and their subdomains).
PUBLISHER_HOSTS = ("nato.int", "sipri.org", "imf.org", "worldbank.org")
MAX_REDIRECTS = 10


#: The environment variable that sets the overall deadline (seconds) of `milex data update`.
DEADLINE_ENV = "MILEX_UPDATE_DEADLINE_S"
DEFAULT_DEADLINE = 900.0


def default_deadline() -> float:
    """The overall deadline in seconds: $MILEX_UPDATE_DEADLINE_S, else 900."""
    text = os.environ.get(DEADLINE_ENV, "").strip()
    if not text:
        return DEFAULT_DEADLINE
    try:
        value = float(text)
    except ValueError:
        raise MilexError(f"{DEADLINE_ENV}={text!r} is not a number of seconds") from None
    if not value > 0:
        raise MilexError(f"{DEADLINE_ENV}={text!r} must be a positive number of seconds")
    return value


@dataclass(frozen=True)
class Limits:
    """How long and how much a download may take: seconds and bytes (pages get a smaller cap).

    The byte caps default to `milex.data._bounds` (MILEX_MAX_DOWNLOAD_MB, MILEX_MAX_PAGE_MB,
    MILEX_MAX_API_PAGE_MB). ``connect`` and ``read`` bound each request; ``deadline``
    (MILEX_UPDATE_DEADLINE_S, default 900 s) bounds a whole run once `started` has fixed when it
    ends (``ends_at``, a `time.monotonic` time), else each request from connecting to its last byte.
    """

    connect: float = 15.0
    read: float = 60.0
    deadline: float = field(default_factory=default_deadline)
    max_bytes: int = field(default_factory=lambda: bounds.DOWNLOAD.bytes)
    max_page_bytes: int = field(default_factory=lambda: bounds.PAGE.bytes)
    max_api_page_bytes: int = field(default_factory=lambda: bounds.API_PAGE.bytes)
    ends_at: float | None = None

    def started(self) -> Limits:
        """These limits with the run's deadline counting from now, shared by every request."""
        return replace(self, ends_at=time.monotonic() + self.deadline)

    def remaining(self) -> float:
        """Seconds the next request may take: what is left of the run, or the whole deadline."""
        if self.ends_at is None:
            return self.deadline
        return self.ends_at - time.monotonic()

    def env_for(self, cap: int) -> str:
        """The environment variable that raises a cap (for error messages)."""
        if cap == self.max_page_bytes:
            return bounds.PAGE.env
        if cap == self.max_api_page_bytes:
            return bounds.API_PAGE.env
        return bounds.DOWNLOAD.env


class NotFound(MilexError):
    """The server answered 404: discovery tries the next candidate name."""


def client(limits: Limits) -> httpx.Client:
    """An httpx client with the limits' timeouts; redirects are followed by `fetch`, checked.

    Connections are not kept alive between requests, so every request's socket is seen as it
    connects and the deadline timer can always shut it.
    """
    import httpx

    timeout = httpx.Timeout(limits.read, connect=limits.connect)
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_keepalive_connections=0),
    )


class Deadline:
    """A timer that, when it fires, shuts every socket its requests opened (see the module doc)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember each new connection's socket."""
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with self._lock:
                    self._sockets.append(sock)
                    expired = self.expired
                if expired:
                    _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: Any) -> None:
    """Wake any read blocked on the socket (the plain socket call, also for a TLS socket)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def check_redirect(start: str, target: str, what: str = "redirect") -> None:
    """Refuse a redirect (or a link found on a page) that leaves the host asked for for anything
    but a publisher's host with a public address."""
    parts = urlsplit(target)
    host = (parts.hostname or "").lower()
    refused = f"download failed: {start}: {what} to {target} refused"
    if parts.scheme not in ("http", "https") or not host:
        raise MilexError(f"{refused}: not an http(s) URL")
    if host == (urlsplit(start).hostname or "").lower():
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is None and not any(host == d or host.endswith("." + d) for d in PUBLISHER_HOSTS):
        raise MilexError(
            f"{refused}: {host} is not one of the publishers' hosts ({', '.join(PUBLISHER_HOSTS)}); "
            "pass the URL itself with --from to fetch it"
        )
    for address in [literal] if literal is not None else _addresses(host):
        if not address.is_global:
            raise MilexError(
                f"{refused}: {host} is a private, loopback or link-local address ({address}); "
                "pass the URL itself with --from to fetch it"
            )


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return []  # unresolvable: the request itself fails, naming the URL
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _redirect(start: str, current: str, response: httpx.Response) -> str | None:
    """The checked next URL if the response is a redirect, else None."""
    if not response.is_redirect:
        return None
    location = str(response.headers.get("location", ""))
    target = urljoin(current, location.strip())
    check_redirect(start, target)
    return target


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
    cap_env: str | None = None,
) -> bytes | Path:
    """GET url into dest (a file, renamed in when complete) or into memory (dest None).

    ``headers`` are sent with the request; ``seen``, if given, receives the response's ETag and
    Last-Modified (what `milex data check` later compares against the publisher's).
    """
    import httpx

    cap = cap if cap is not None else (limits.max_bytes if dest else limits.max_page_bytes)
    env = cap_env or limits.env_for(cap)
    tmp: Path | None = None
    left = limits.remaining()
    if left <= 0:
        raise MilexError(_late(url, limits))
    deadline = Deadline(left)
    try:
        with deadline:
            current = url
            for _hop in range(MAX_REDIRECTS + 1):
                with http.stream(
                    "GET", current, headers=headers, extensions={"trace": deadline.trace}
                ) as response:
                    following = _redirect(url, current, response)
                    if following is not None:
                        current = following
                        continue
                    total = _check_response(response, url, cap, env)
                    if seen is not None:
                        seen.update(validators(response.headers))
                    if dest is None:
                        chunks: list[bytes] = []
                        _receive(
                            response,
                            url,
                            limits,
                            (cap, env),
                            total,
                            chunks.append,
                            progress,
                            deadline,
                        )
                        return b"".join(chunks)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    fd, name = tempfile.mkstemp(
                        prefix=f".{dest.name}.", suffix=".part", dir=dest.parent
                    )
                    tmp = Path(name)
                    with os.fdopen(fd, "wb") as out:
                        _receive(
                            response, url, limits, (cap, env), total, out.write, progress, deadline
                        )
                os.replace(tmp, dest)
                tmp = None
                return dest
            raise MilexError(f"download failed: {url}: more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as exc:
        raise _failure(exc, url, limits, deadline) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _failure(exc: httpx.HTTPError, url: str, limits: Limits, deadline: Deadline) -> MilexError:
    """A failed request as one line naming the URL: the run's deadline, a timeout or the error."""
    import httpx

    if deadline.expired:
        return MilexError(_late(url, limits))
    if isinstance(exc, httpx.TimeoutException):
        what = (
            f"could not connect within {limits.connect:g} s"
            if isinstance(exc, httpx.ConnectTimeout)
            else f"no data for {limits.read:g} s (read timeout)"
        )
        return MilexError(f"download failed: {url}: {what}")
    return MilexError(f"download failed: {url}: {exc.__class__.__name__}: {exc}")


def _late(url: str, limits: Limits, done: int | None = None) -> str:
    got = f"; {done} bytes of it received" if done is not None else ""
    shared = ", shared by every download of this update" if limits.ends_at is not None else ""
    return (
        f"download failed: {url} took longer than the overall deadline of "
        f"{limits.deadline:g} s{shared}{got} (set {DEADLINE_ENV}=<seconds> to raise it, or "
        "pass --deadline to milex data update)"
    )


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
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            response = http.head(current)
            following = _redirect(url, current, response)
            if following is None:
                break
            current = following
    except httpx.HTTPError as exc:
        raise MilexError(f"check failed: {url}: {exc.__class__.__name__}: {exc}") from None
    if response.status_code == 404:
        raise NotFound(f"check failed: {url} answered HTTP 404")
    if response.status_code != 200:
        raise MilexError(f"check failed: {url} answered HTTP {response.status_code}")
    return validators(response.headers)


def _check_response(response: httpx.Response, url: str, cap: int, env: str) -> int | None:
    """The announced length, after refusing error statuses and files over the cap."""
    if response.status_code == 404:
        raise NotFound(f"download failed: {url} answered HTTP 404")
    if response.status_code != 200:
        raise MilexError(f"download failed: {url} answered HTTP {response.status_code}")
    total = _length(response)
    if total is not None and total > cap:
        raise MilexError(_too_big(url, cap, total, env))
    return total


def _receive(
    response: httpx.Response,
    url: str,
    limits: Limits,
    capped: tuple[int, str],
    total: int | None,
    sink: Callable[[bytes], object],
    progress: Progress | None,
    deadline: Deadline,
) -> None:
    """Stream the body into sink, enforcing the size cap and the overall deadline.

    ``capped`` is the size cap and the environment variable that raises it. Chunks are taken as
    they arrive (no buffering to a fixed size), so both are checked on every
    read; the deadline's timer cuts a read that would block past it.
    """
    cap, env = capped
    done = 0
    for chunk in response.iter_bytes():
        done += len(chunk)
        if done > cap:
            raise MilexError(_too_big(url, cap, done, env))
        if deadline.expired:
            raise MilexError(_late(url, limits, done))
        sink(chunk)
        if progress:
            progress(url, done, total)
    if deadline.expired:  # the timer shut the socket: what arrived is not the whole answer
        raise MilexError(_late(url, limits, done))
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


def _too_big(url: str, cap: int, size: int, env: str) -> str:
    return (
        f"download failed: {url} is larger than the size cap of {cap / 1e6:g} MB "
        f"({size / 1e6:g} MB so far; set {env}=<MB> to raise it)"
    )

"""Bounded work everywhere (issue 33, item 5): each cap exercised with a small generated input.

A zip bomb of a few hundred KB is refused before openpyxl expands it, in a child process whose
memory and time are measured; a server that trickles bytes is cut off at the deadline the test
sets; redirects leave neither the publisher's hosts nor the public internet; a request with
thousands of names, or a client that trickles its request, costs milliseconds, not minutes.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from milex.data import _bounds as bounds
from milex.data.registry import MAX_NAMES, MAX_SUGGESTED
from milex.data.sources._common import open_workbook, read_csv
from milex.data.update import _download as download
from milex.data.update._download import Limits
from milex.errors import MilexError, QueryError, SourceError, UnknownCountryError

from .test_sources_sipri import small_workbook

RAW = os.environ.get("MILEX_RAW_DIR")


# ----------------------------------------------------------------------------------------------
# xlsx members: a zip bomb
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)


def zip_bomb(path: Path, expanded_mb: int) -> Path:
    """A real small workbook whose shared-strings table expands to ``expanded_mb`` MB."""
    good = small_workbook(path.with_suffix(".good.xlsx"))
    row = b"<si><t>a</t></si>"
    block = row * (1024 * 1024 // len(row))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":  # declare the table, so it is read
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            if info.filename != "xl/sharedStrings.xml":
                out.writestr(info, data)
        with out.open("xl/sharedStrings.xml", "w") as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(expanded_mb):
                member.write(block)
            member.write(b"</sst>")
    return path


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from milex.errors import SourceError
    from milex.data.sources import sipri
    from milex.data.registry import default_registry
    registry = default_registry()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        sipri.parse_workbook(Path(sys.argv[1]), registry)
        error = None
    except SourceError as exc:
        error = str(exc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"error": error, "rss_kb": after - before,
                      "seconds": time.monotonic() - started}))
    """
)


def _limit_memory() -> None:  # the child may not take more than 2 GB, whatever happens
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_zip_bomb_is_refused_before_parsing_in_little_memory_and_time(tmp_path):
    bomb = zip_bomb(tmp_path / "SIPRI-Milex-data-1949-2024.xlsx", 200)  # 200 MB expanded
    assert bomb.stat().st_size < 1_000_000  # a few hundred KB on disk
    env = {**os.environ, "MILEX_MAX_XLSX_MEMBER_MB": "", "MILEX_MAX_XLSX_MB": ""}
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(bomb)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        preexec_fn=_limit_memory,
    )
    wall = time.monotonic() - started
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"zip bomb: {bomb.stat().st_size:,} B -> 200 MB; child {result}; wall {wall:.1f} s")
    assert result["error"] and "xl/sharedStrings.xml" in result["error"]
    assert "over the limit of 64.0 MB" in result["error"]
    assert "MILEX_MAX_XLSX_MEMBER_MB" in result["error"]
    assert result["rss_kb"] < 50 * 1024  # nothing was expanded: under 50 MB more than at start
    assert result["seconds"] < 2


def test_the_caps_come_from_the_environment_and_the_whole_workbook_is_capped(tmp_path, monkeypatch):
    bomb = zip_bomb(tmp_path / "bomb.xlsx", 3)
    assert bomb.stat().st_size < 20_000  # a few KB
    monkeypatch.setenv("MILEX_MAX_XLSX_MEMBER_MB", "2")
    with pytest.raises(SourceError, match=r"limit of 2\.0 MB \(set MILEX_MAX_XLSX_MEMBER_MB"):
        open_workbook(bomb)
    monkeypatch.setenv("MILEX_MAX_XLSX_MEMBER_MB", "4")
    monkeypatch.setenv("MILEX_MAX_XLSX_MB", "2.5")
    with pytest.raises(SourceError, match=r"decompressed workbook is 3\.0 MB.*MILEX_MAX_XLSX_MB"):
        open_workbook(bomb)
    monkeypatch.setenv("MILEX_MAX_XLSX_MB", "many")
    with pytest.raises(MilexError, match="MILEX_MAX_XLSX_MB='many' is not a number"):
        open_workbook(bomb)


def test_a_member_that_expands_past_its_declared_size_fails_its_check(tmp_path):
    """The cap reads the sizes the zip declares; zipfile stops at them, so a lie is an error."""
    bomb = zip_bomb(tmp_path / "liar.xlsx", 20)
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    real = struct.pack("<I", info.file_size)  # in the data descriptor and the central directory
    assert data.count(real) == 2
    data = bytearray(bytes(data).replace(real, struct.pack("<I", 1000)))
    bomb.write_bytes(bytes(data))
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size == 1000
        # zipfile stops at the declared 1,000 bytes and then finds the checksum wrong
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            archive.read("xl/sharedStrings.xml")
    with pytest.raises(SourceError, match=r"cannot read workbook \(BadZipFile: Bad CRC-32"):
        open_workbook(bomb)


# ----------------------------------------------------------------------------------------------
# CSVs and other raw files
def test_a_csv_over_the_cap_is_refused_before_pandas_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "weo.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300_000)  # 1.2 MB
    monkeypatch.setenv("MILEX_MAX_CSV_MB", "1")
    import pandas  # noqa: F401  (imported already: the time is the check's alone)

    started = time.monotonic()
    with pytest.raises(SourceError, match=r"weo.csv: file is 1\.1 MB, over the limit of 1\.0 MB"):
        read_csv(path)
    assert time.monotonic() - started < 0.5
    monkeypatch.setenv("MILEX_MAX_CSV_MB", "2")
    assert len(read_csv(path)) == 300_000


@pytest.mark.skipif(not RAW, reason="needs the raw publisher files (MILEX_RAW_DIR)")
def test_the_default_caps_are_far_above_the_real_files():
    files = [p for p in Path(str(RAW)).rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert path.stat().st_size * 10 < bounds.RAW_FILE.bytes, path
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                sizes = [i.file_size for i in archive.infolist()]
            assert max(sizes) * 10 < bounds.XLSX_MEMBER.bytes, path
            assert sum(sizes) * 10 < bounds.XLSX_TOTAL.bytes, path


# ----------------------------------------------------------------------------------------------
# downloads: a trickling server, an endless answer, redirects
class RawServer:
    """A socket server whose handler gets each connection; handlers stop when the client goes."""

    def __init__(self, handler) -> None:  # type: ignore[no-untyped-def]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            self.handler(conn, self.port)
        except OSError:
            pass
        finally:
            conn.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[type[RawServer]]:
    made: list[RawServer] = []

    def make(handler):  # type: ignore[no-untyped-def]
        made.append(RawServer(handler))
        return made[-1]

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def trickle_body(conn: socket.socket, port: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(120):  # a byte every 0.25 s: never a read timeout, 8 hours for the whole file
        conn.sendall(b"x")
        time.sleep(0.25)


def trickle_headers(conn: socket.socket, port: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(120):
        conn.sendall(b"X")  # one endless header line, a byte at a time
        time.sleep(0.25)


@pytest.mark.parametrize("handler", [trickle_body, trickle_headers])
def test_a_trickling_server_is_cut_off_at_the_deadline(raw_server, tmp_path, handler):
    server = raw_server(handler)
    limits = Limits(read=5.0, deadline=2.0)
    started = time.monotonic()
    with download.client(limits) as http, pytest.raises(MilexError) as caught:
        download.fetch(http, f"{server.base}/SIPRI.xlsx", tmp_path / "s.xlsx", limits)
    took = time.monotonic() - started
    print(f"{handler.__name__}: refused after {took:.2f} s (deadline 2 s)")
    assert "took longer than the overall deadline of 2 s" in str(caught.value)
    assert 1.9 < took < 3.0  # the timer, not the next 64 KiB nor the server's 30 s
    assert not list(tmp_path.iterdir())  # no partial file left


def slow_api_page(conn: socket.socket, port: int) -> None:
    """A World Bank API page (one of five) sent in 8 pieces 0.05 s apart: 0.4 s a page."""
    body = json.dumps([{"page": 1, "pages": 5, "per_page": 1}, [{"value": 1}]]).encode()
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    step = -(-len(body) // 8)
    for start in range(0, len(body), step):
        time.sleep(0.05)
        conn.sendall(body[start : start + step])


def test_one_deadline_bounds_all_the_requests_of_an_update(raw_server, tmp_path, registry):
    """Five API pages of 0.4 s each, none near the 5 s read timeout: a run with 1 s is cut in
    the third page, naming its URL, the run's limit and the variable that raises it."""
    from milex.data.update._publishers import Context, _worldbank_pages

    server = raw_server(slow_api_page)
    limits = Limits(read=5.0, deadline=1.0).started()
    started = time.monotonic()
    with download.client(limits) as http, pytest.raises(MilexError) as caught:
        _worldbank_pages(Context(http, limits, tmp_path, registry), server.base, "X")
    took = time.monotonic() - started
    message = str(caught.value)
    print(f"cut after {took:.2f} s (run deadline 1 s): {message}")
    assert "&page=3 took longer than the overall deadline of 1 s" in message
    assert "shared by every download of this update" in message
    assert "set MILEX_UPDATE_DEADLINE_S=<seconds> to raise it" in message
    assert 0.95 < took < 1.5  # the timer cut the third page; each page alone is allowed
    # without a run's budget, each page has the 1 s to itself and all five pages arrive
    each = Limits(read=5.0, deadline=1.0)
    with download.client(each) as http:
        _worldbank_pages(Context(http, each, tmp_path, registry), server.base, "X")


def test_a_request_after_the_run_deadline_is_not_started(raw_server, monkeypatch):
    calls: list[int] = []
    server = raw_server(lambda conn, port: calls.append(port))
    monkeypatch.setenv("MILEX_UPDATE_DEADLINE_S", "0.05")
    limits = Limits().started()
    assert limits.deadline == 0.05
    time.sleep(0.1)
    with download.client(limits) as http, pytest.raises(MilexError, match="page.html took longer"):
        download.fetch_text(http, f"{server.base}/page.html", limits)
    assert not calls
    monkeypatch.setenv("MILEX_UPDATE_DEADLINE_S", "soon")
    with pytest.raises(MilexError, match="MILEX_UPDATE_DEADLINE_S='soon' is not a number"):
        Limits()


def endless(conn: socket.socket, port: int) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")  # no length: until close
    block = b"<p>" + b"x" * 65533
    for _ in range(10_000):  # 650 MB if nobody stops reading
        conn.sendall(block)


def test_an_endless_page_is_cut_at_the_page_cap(raw_server, monkeypatch):
    server = raw_server(endless)
    monkeypatch.setenv("MILEX_MAX_PAGE_MB", "1")
    limits = Limits(deadline=20.0)
    started = time.monotonic()
    with download.client(limits) as http, pytest.raises(MilexError) as caught:
        download.fetch_text(http, f"{server.base}/page.html", limits)
    assert "larger than the size cap of 1.04858 MB" in str(caught.value)
    assert "set MILEX_MAX_PAGE_MB=<MB> to raise it" in str(caught.value)
    assert time.monotonic() - started < 5


def test_world_bank_pages_together_are_capped(raw_server, tmp_path, monkeypatch, registry):
    from milex.data.update._publishers import Context, _worldbank_pages

    def page(conn: socket.socket, port: int) -> None:
        records = [{"indicator": {"id": "X"}, "value": 1, "pad": "x" * 400}] * 1000
        body = json.dumps([{"page": 1, "pages": 5, "per_page": 1000}, records]).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        conn.sendall(head + body)

    server = raw_server(page)
    monkeypatch.setenv("MILEX_MAX_API_PAGE_MB", "1")  # each page is 0.45 MB: the third is over
    limits = Limits()
    with download.client(limits) as http:
        ctx = Context(http, limits, tmp_path, registry)
        with pytest.raises(MilexError, match="size cap.*set MILEX_MAX_API_PAGE_MB"):
            _worldbank_pages(ctx, server.base, "MS.MIL.XPND.GD.ZS")


def redirector(target: str):  # type: ignore[no-untyped-def]
    def handle(conn: socket.socket, port: int) -> None:
        where = target.replace("{port}", str(port))
        if "/final" in where and where.startswith("/"):
            pass
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: {where}\r\nContent-Length: 0\r\n\r\n".encode()
        )

    return handle


def test_a_redirect_on_the_same_host_is_followed(tmp_path, raw_server):
    def handle(conn: socket.socket, port: int) -> None:
        pass

    calls: list[str] = []

    def serve(conn: socket.socket, port: int) -> None:
        calls.append("x")
        if len(calls) == 1:
            conn.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: /final.xlsx\r\nContent-Length: 0\r\n\r\n"
            )
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")

    server = raw_server(serve)
    limits = Limits()
    with download.client(limits) as http:
        got = download.fetch(http, f"{server.base}/start.xlsx", None, limits)
    assert got == b"hello" and len(calls) == 2


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://localhost:{port}/x.xlsx", "localhost is not one of the publishers' hosts"),
        ("http://example.org/x.xlsx", "example.org is not one of the publishers' hosts"),
        ("http://10.0.0.7/x.xlsx", "10.0.0.7 is a private, loopback or link-local address"),
        ("http://192.168.1.1/x.xlsx", "192.168.1.1 is a private"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private"),
        ("http://[::1]:{port}/x.xlsx", "::1 is a private"),
        ("file:///etc/passwd", "not an http(s) URL"),
    ],
)
def test_a_redirect_off_the_publishers_hosts_or_to_a_private_address_is_refused(
    raw_server, tmp_path, location, why
):
    server = raw_server(redirector(location))
    limits = Limits(deadline=10.0)
    with download.client(limits) as http, pytest.raises(MilexError) as caught:
        download.fetch(http, f"{server.base}/x.xlsx", tmp_path / "x.xlsx", limits)
    assert "redirect to" in str(caught.value) and why in str(caught.value)
    with download.client(limits) as http, pytest.raises(MilexError, match="redirect to"):
        download.head(http, f"{server.base}/x.xlsx")


def test_a_publisher_host_must_resolve_to_a_public_address(monkeypatch):
    start = "https://www.sipri.org/databases/milex"
    monkeypatch.setattr(
        download, "_addresses", lambda host: [__import__("ipaddress").ip_address("127.0.0.1")]
    )
    with pytest.raises(MilexError, match="private, loopback or link-local address"):
        download.check_redirect(start, "https://files.nato.int/x.xlsx")
    public = ipaddress.ip_address("185.53.178.10")
    monkeypatch.setattr(download, "_addresses", lambda host: [public])
    download.check_redirect(start, "https://files.nato.int/x.xlsx")  # allowed
    download.check_redirect(start, "https://www.sipri.org/files/x.xlsx")  # same host: allowed


# ----------------------------------------------------------------------------------------------
# names: suggestions and names per request
def test_thousands_of_unknown_names_cost_little_and_suggest_at_most_twenty(dataset):
    names = [f"Atlantis{i}" for i in range(MAX_NAMES)]
    started = time.monotonic()
    with pytest.raises(UnknownCountryError) as caught:
        dataset.registry.resolve_all(names, "countries")
    took = time.monotonic() - started
    assert took < 2, took
    assert len(caught.value.suggestions) <= MAX_SUGGESTED
    assert str(caught.value).count("'Atlantis") == 20 and "and 980 more" in str(caught.value)
    started = time.monotonic()
    with pytest.raises(QueryError, match=r"10,000 names in one request; at most 1,000"):
        dataset.series("milex_pct_gdp", ";".join(f"Atlantis{i}" for i in range(10_000)))
    assert time.monotonic() - started < 1


def test_a_web_request_with_thousands_of_names_is_refused_at_once(dataset):
    from fastapi.testclient import TestClient

    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1")
    names = [f"X{i}" for i in range(7000)]  # short: the body stays under the 64 KB body cap
    started = time.monotonic()
    response = client.post("/api/v1/projections", json={"countries": names})
    took = time.monotonic() - started
    assert response.status_code == 422, response.text
    assert "7,000 names in one request" in response.text
    assert took < 2, took
    many = ",".join(f"A{i}" for i in range(300))  # within the 2,000-character query cap
    started = time.monotonic()
    response = client.get("/api/v1/series", params={"measure": "milex_pct_gdp", "countries": many})
    assert response.status_code == 404 and "and 280 more" in response.json()["detail"]
    assert time.monotonic() - started < 2


# ----------------------------------------------------------------------------------------------
# slow clients
@pytest.fixture
def slow_server(monkeypatch) -> Iterator[int]:
    import asyncio

    import uvicorn

    from milex.web.timeouts import TIMEOUT_ENV, TimedH11Protocol

    monkeypatch.setenv(TIMEOUT_ENV, "0.5")

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=TimedH11Protocol, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)


def test_slow_clients_are_disconnected_and_others_still_served(slow_server):
    port = slow_server
    clients = []
    for _ in range(50):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        clients.append(client)
    started = time.monotonic()
    open_ = set(range(50))
    while open_ and time.monotonic() - started < 5:
        for i in list(open_):
            try:
                clients[i].sendall(b"a")  # a byte a tick: never idle, never done
                clients[i].settimeout(0.001)
                if clients[i].recv(1) == b"":
                    open_.discard(i)
            except (TimeoutError, BlockingIOError):
                pass
            except OSError:
                open_.discard(i)
        time.sleep(0.05)
    took = time.monotonic() - started
    print(f"50 slow clients: all disconnected after {took:.2f} s (timeout 0.5 s)")
    assert not open_ and took < 2
    for client in clients:
        client.close()
    with socket.create_connection(("127.0.0.1", port)) as ok:
        ok.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        ok.settimeout(5)
        assert ok.recv(1024).startswith(b"HTTP/1.1 200")


def test_a_link_on_a_publishers_page_to_a_private_address_is_refused(raw_server, tmp_path):
    from milex.data import update

    def page(conn: socket.socket, port: int) -> None:
        body = b'<a href="http://10.1.2.3/files/SIPRI-Milex-data-1949-2025.xlsx">Download</a>'
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        conn.sendall(head + body)

    server = raw_server(page)
    started = time.monotonic()
    with pytest.raises(MilexError, match=r"link to http://10\.1\.2\.3/.* refused: 10\.1\.2\.3"):
        update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": f"{server.base}/milex"})
    assert time.monotonic() - started < 5  # refused, not tried


def test_the_update_command_passes_its_deadline_to_the_whole_run(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from milex.cli import app
    from milex.data import update

    seen: list[Limits | None] = []

    def fake_update(source, **kwargs):
        seen.append(kwargs["limits"])
        raise MilexError("stop here")

    monkeypatch.setattr(update, "update", fake_update)
    runner = CliRunner()
    result = runner.invoke(app, ["data", "update", "--source", "sipri", "--deadline", "42"])
    assert "stop here" in result.output and result.exit_code == 1
    assert seen[0] is not None and seen[0].deadline == 42.0
    runner.invoke(app, ["data", "update", "--source", "sipri"])
    assert seen[1] is None  # the default: MILEX_UPDATE_DEADLINE_S, else 900 s

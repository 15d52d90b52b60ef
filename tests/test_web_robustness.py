"""The web server never 500s silently (issue 33, item 6): a dead drawing worker is replaced and
the request drawn again; every answer, a 500 included, carries the security headers; a header
built from a request's parameters carries no control character, over a real socket too."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from milex.web import create_app
from milex.web.app import SECURITY_HEADERS

PNG = b"\x89PNG\r\n\x1a\n"


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (name, response.headers)


def test_a_killed_drawing_worker_is_replaced_and_the_next_png_succeeds(dataset, monkeypatch):
    monkeypatch.setenv("MILEX_PREDRAW", "0")  # only the requests below draw
    app = create_app(dataset, served=True)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        before = {p.pid for p in multiprocessing.active_children()}
        first = client.get("/chart/tracker.png?year=2019")
        assert first.status_code == 200 and first.content.startswith(PNG)
        workers = [p for p in multiprocessing.active_children() if p.pid not in before]
        assert len(workers) == 1, workers  # drawn in a worker process, not in-process
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].join(timeout=10)

        after = client.get("/chart/tracker.png?year=2018")  # not cached: needs a worker
        assert after.status_code == 200 and after.content.startswith(PNG)
        assert_secured(after)
        again = client.get("/chart/tracker.svg?year=2018")  # the new worker stays
        assert again.status_code == 200 and b"<svg" in again.content[:300]
        alive = [p.pid for p in multiprocessing.active_children() if p.pid not in before]
        assert workers[0].pid not in alive and len(alive) == 1, alive


def _die(spec: object, fmt: str) -> bytes:
    """Drawn in the worker: it dies, as a worker killed mid-drawing does."""
    os._exit(9)


def test_a_worker_that_dies_on_every_drawing_is_retried_once_then_an_error(monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from milex.web import drawing

    started = []
    real = drawing._new_pool

    def counted() -> object:
        started.append(1)
        return real()

    monkeypatch.setattr(drawing, "draw", _die)  # the worker runs tests.test_web_robustness._die
    monkeypatch.setattr(drawing, "_new_pool", counted)
    drawer = drawing.Drawer()
    drawer.start()
    try:
        with pytest.raises(BrokenProcessPool):
            drawer.draw({}, "png")
        assert len(started) == 2  # the first worker and one replacement, no more
    finally:
        drawer.close()


@pytest.fixture()
def failing(dataset) -> Iterator[TestClient]:
    """The app with a drawer that always fails and two routes that raise."""
    app = create_app(dataset)

    @app.get("/api/v1/boom")
    def boom_api() -> None:
        raise RuntimeError("boom")

    @app.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


def test_every_500_carries_the_security_headers(failing, monkeypatch):
    api = failing.get("/api/v1/boom")
    assert api.status_code == 500 and api.json()["detail"].startswith("internal error")
    assert_secured(api)
    page = failing.get("/boom")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert_secured(page)

    def broken(spec: object, fmt: str) -> bytes:
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(failing.app.state.cache.drawer, "draw", broken)  # type: ignore[attr-defined]
    chart = failing.get("/chart/tracker.png?year=2016")
    assert chart.status_code == 500
    assert_secured(chart)
    assert len(chart.headers.get_list("content-security-policy")) == 1


def test_an_embed_keeps_its_own_framing_policy(failing):
    embed = failing.get("/embed/tracker")
    assert embed.status_code == 200
    policies = embed.headers.get_list("content-security-policy")
    assert len(policies) == 1 and "frame-ancestors *" in policies[0]
    assert "x-frame-options" not in embed.headers


# -- headers from input, over a real socket (h11 refuses a header with a newline) --------------
@pytest.fixture(scope="module")
def server(dataset) -> Iterator[str]:
    import uvicorn

    app = create_app(dataset)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=20)


@pytest.mark.parametrize(
    ("country", "filename"),
    [
        ("DEU\n", 'filename="milex-country-DEU.csv"'),
        ("DEU\r\n", 'filename="milex-country-DEU.csv"'),
        ("\tDEU", 'filename="milex-country-DEU.csv"'),
        ("Germany", 'filename="milex-country-Germany.csv"'),
        ("Türkiye", "filename*=UTF-8''milex-country-T%C3%BCrkiye.csv"),
    ],
)
def test_a_country_with_a_newline_gets_a_clean_file_name_and_a_reply(server, country, filename):
    with httpx.Client(timeout=60) as http:
        answer = http.get(f"{server}/chart/country.csv", params={"country": country})
    assert answer.status_code == 200, answer.text[:200]
    disposition = answer.headers["content-disposition"]
    assert filename in disposition
    assert not re.search(r"[\x00-\x1f\x7f]", disposition), disposition
    assert_secured(answer)


def test_no_header_value_carries_a_control_character(dataset):
    from fastapi.responses import Response

    app = create_app(dataset)

    @app.get("/api/v1/echo")
    def echo(value: str) -> Response:
        return Response(b"ok", headers={"x-echo": value})

    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.get("/api/v1/echo", params={"value": "a\r\nset-cookie: x=1"})
    assert answer.status_code == 200
    assert answer.headers["x-echo"] == "a  set-cookie: x=1"
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("milex-tracker-2024", 'inline; filename="milex-tracker-2024.png"'),
        ("milex-country-DEU\nx", 'inline; filename="milex-country-DEU_x.png"'),
        ('milex-x"; filename=evil.exe', 'inline; filename="milex-x_filename_evil.exe.png"'),
        ("\r\n", 'inline; filename="milex.png"'),
        (
            "Ελλάδα",
            "inline; filename=\"milex.png\"; filename*=UTF-8''%CE%95%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1.png",
        ),
    ],
)
def test_a_file_name_built_from_input_keeps_only_safe_characters(stem, expected):
    from milex.web.downloads import content_disposition

    assert content_disposition("inline", stem, "png") == expected

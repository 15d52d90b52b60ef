"""The dashboard in a real headless Chromium (Debian's), driven by Playwright, with no network."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("MILEX_SCREENSHOTS", ROOT / "out" / "screenshots"))
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(dataset) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread."""
    import uvicorn

    from milex.web import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(dataset), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server):
    """A page that may only reach the local server, recording console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                  else route.abort())  # fmt: skip
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_tracker_page_lists_31_allies_with_figures_and_draws_its_chart(page, server):
    page.goto(server + "/")
    page.wait_for_selector("#tracker-chart[data-rendered='true'] canvas", timeout=20_000)
    figures = page.eval_on_selector_all(
        "#tracker-table tbody tr td.pct", "cells => cells.filter(c => c.textContent.trim()).length"
    )
    assert figures == 31
    canvas = page.query_selector("#tracker-chart canvas")
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    shot(page, "tracker")
    assert page.errors == []


def test_tracker_table_sorts_when_a_header_is_clicked(page, server):
    page.goto(server + "/")
    page.click("#tracker-table thead th:nth-child(2)")
    first = page.inner_text("#tracker-table tbody tr:first-child td:nth-child(2)")
    assert first.startswith("Albania")
    assert page.errors == []


def test_country_page_for_poland_shows_its_2024_figure(page, server):
    page.goto(server + "/country/POL")
    assert page.inner_text("#headline-pct") == "4.12%"
    page.wait_for_selector("#country-chart[data-rendered='true'] canvas", timeout=20_000)
    shot(page, "country-poland")
    assert page.errors == []


def test_changing_the_target_in_the_scenario_builder_redraws_the_fan_chart(page, server):
    page.goto(server + "/scenario?countries=DEU&paths=500&currency=EUR")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=30_000)
    page.fill("#target", "2.5")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=30_000)
    assert "target=2.5" in page.url and "countries=DEU" in page.url
    assert page.inner_text("#scenario-summary").count("Germany") >= 1
    shot(page, "scenario")
    assert page.errors == []


def test_a_scenario_link_reproduces_the_view(page, server):
    page.goto(server + "/scenario?countries=POL&target=4.5&deadline=2030&paths=300&seed=7")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=30_000)
    assert page.input_value("#target") == "4.5" and page.input_value("#deadline") == "2030"
    assert page.input_value("#countries") == "POL"
    assert page.errors == []

"""Dashboard benchmarks: first render of the tracker page with its map in headless Chromium
(navigation start to the map drawn; goal <= 1 s on loopback), and GET /chart/tracker.png warm
(goal <= 300 ms): repeated (the server's memo) and for a year not drawn before (spec and PNG
rendered by vl-convert, which is already loaded). Prints figures; asserts nothing. The machine
is shared: read the load averages.

Run: python benchmarks/bench_dashboard.py   (needs Debian's chromium at /usr/bin/chromium)
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "milex.web.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/tracker", timeout=30).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def first_render(base: str, runs: int = 5) -> list[float]:
    """Seconds from navigation start to the map drawn, each in a fresh browser context (no
    browser cache), after one untimed load that warms the server's memo of the map spec."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for i in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(base + "/?tab=map", wait_until="commit")
            page.wait_for_selector("#tracker-map[data-rendered='true'] svg", timeout=30_000)
            elapsed = page.evaluate("() => performance.now()") / 1000
            if i:
                times.append(elapsed)
            context.close()
        browser.close()
    return times


def png_times(base: str) -> tuple[float, list[float], list[float]]:
    """Cold first PNG, then repeated requests (memo) and new years (rendered each time)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        t = time.perf_counter()
        client.get("/chart/tracker.png").raise_for_status()
        cold = time.perf_counter() - t
        repeated = []
        for _ in range(20):
            t = time.perf_counter()
            client.get("/chart/tracker.png").raise_for_status()
            repeated.append(time.perf_counter() - t)
        fresh = []
        for year in (2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023):
            t = time.perf_counter()
            client.get(f"/chart/tracker.png?year={year}").raise_for_status()
            fresh.append(time.perf_counter() - t)
    return cold, repeated, fresh


def main() -> None:
    print(f"load averages: {os.getloadavg()}")
    port = free_port()
    proc = start(port)
    base = f"http://127.0.0.1:{port}"
    try:
        cold, repeated, fresh = png_times(base)
        print(f"/chart/tracker.png cold (first in the process): {cold * 1000:.0f} ms")
        p50 = statistics.median(repeated) * 1000
        print(f"/chart/tracker.png warm, repeated: p50 {p50:.1f} ms (goal <= 300 ms)")
        f50, fmax = statistics.median(fresh) * 1000, max(fresh) * 1000
        print(f"/chart/tracker.png warm, a year not drawn before: p50 {f50:.0f} ms, "
              f"max {fmax:.0f} ms (goal <= 300 ms)")  # fmt: skip
        renders = first_render(base)
        r50, rmax = statistics.median(renders), max(renders)
        print(f"tracker page with map, first render in headless chromium: p50 {r50:.2f} s, "
              f"max {rmax:.2f} s over {len(renders)} fresh contexts (goal <= 1 s)")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()

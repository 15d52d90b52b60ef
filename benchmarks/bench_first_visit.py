"""First visit: how long a just-started `milex serve` takes to answer GET / in full.

Each run starts a fresh server process on a free port, waits until the port accepts a TCP
connection (uvicorn binds only after the app's start-up), then times one GET / from sending the
request to the last byte of the body; it also prints the time from launch to the port opening
and to the first byte. Runs repeat, interleaved when trees are compared (A/B), and the medians
are printed with the load average and the ratio to the 1.5 s goal. Asserts nothing: the machine
is shared, so read the load averages.

Run: python benchmarks/bench_first_visit.py [--runs 5] [--cold-engine] [--compare OTHER_SRC ...]
  (each --compare names another tree's ``src`` directory, e.g. /work/main/src, to run as B)
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

GOAL = 1.5  # seconds, first GET / on a just-started server
FIGURE = re.compile(
    r'<figure class="chart[^"]*" id="[^"]*" data-chart="([a-z-]+)" data-params="([^"]*)"'
)
HERE = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Visit:
    ready: float  # launch to the port accepting connections
    first_byte: float  # GET / sent to its response headers
    full: float  # GET / sent to the last byte of its body
    size: int
    chart: float  # GET / sent to the page's first chart spec and its table in full


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before it listened")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError("the server did not listen in time")


def visit(src: Path, cold_engine: bool) -> Visit:
    """Start a server from ``src``, time its first GET /, stop it; ``cold_engine``: with an empty
    numba cache, as a fresh install or checkout starts (the engine compiles in the background)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(src)}
    if cold_engine:
        env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="milex-bench-numba-")
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    launched = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "milex", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        try:
            _wait_for_port(port, proc)
        except RuntimeError:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise
        ready = time.perf_counter() - launched
        with httpx.Client(timeout=120) as client:
            sent = time.perf_counter()
            with client.stream("GET", f"http://127.0.0.1:{port}/") as response:
                first_byte = time.perf_counter() - sent
                body = response.read()
                full = time.perf_counter() - sent
            response.raise_for_status()
            # what the browser fetches next to draw the visible chart (static files aside)
            figure = FIGURE.search(body.decode())
            if figure is None:
                raise RuntimeError("GET / holds no chart figure")
            name, params = figure.group(1), html.unescape(figure.group(2))
            query = f"?{params}" if params else ""
            for path in (f"/chart/{name}.json{query}", f"/chart/{name}/table{query}"):
                client.get(f"http://127.0.0.1:{port}{path}").raise_for_status()
            chart = time.perf_counter() - sent
        return Visit(ready, first_byte, full, len(body), chart)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if cold_engine:
            shutil.rmtree(env["NUMBA_CACHE_DIR"], ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits per tree (default 5)")
    parser.add_argument("--compare", type=Path, nargs="*", default=[], help="other src dirs (B)")
    parser.add_argument(
        "--cold-engine",
        action="store_true",
        help="start each server with an empty numba cache (a fresh checkout)",
    )
    args = parser.parse_args()
    trees = [HERE, *args.compare]
    labels = {t: ("A " if i == 0 else f"{chr(66 + i - 1)} ") + str(t) for i, t in enumerate(trees)}
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)"
    )
    results: dict[Path, list[Visit]] = {t: [] for t in trees}
    for run in range(args.runs):
        for tree in trees if run % 2 == 0 else list(reversed(trees)):  # interleaved, alternating
            v = visit(tree, args.cold_engine)
            results[tree].append(v)
            print(f"  run {run + 1} {labels[tree][:1]}: ready {v.ready:.2f} s, first GET / "
                  f"{v.full:.3f} s (first byte {v.first_byte:.3f} s, {v.size:,} bytes); with its chart "
                  f"{v.chart:.3f} s")  # fmt: skip
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for tree in trees:
        runs = results[tree]
        full = statistics.median(v.full for v in runs)
        ready = statistics.median(v.ready for v in runs)
        print(
            f"{labels[tree]}: first GET / median {full:.3f} s over {len(runs)} runs "
            f"(goal <= {GOAL} s, ratio {full / GOAL:.2f}); launch to listening median {ready:.2f} s;"
            f" launch to full answer median {statistics.median(v.ready + v.full for v in runs):.2f} s"
        )
        chart = statistics.median(v.chart for v in runs)
        print(
            f"  GET / and its chart's spec and table (what the browser needs to draw it) median "
            f"{chart:.3f} s (goal <= {GOAL} s, ratio {chart / GOAL:.2f})"
        )


if __name__ == "__main__":
    main()

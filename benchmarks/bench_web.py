"""Web benchmarks: GET /api/v1/tracker throughput and p99 under load (wrk), POST /api/v1/projections
with 10,000 paths (p50, and a repeated request from the cache), and a burst of 10 concurrent
100,000-path requests (statuses, peak RSS, RSS afterwards). Prints figures with goals and
ratios; asserts nothing. The machine is shared: read the load averages.

Run: python benchmarks/bench_web.py   (needs Debian's `wrk` for the load test)
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SETTLE = 5.0  # s


def start(port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "milex.web.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/tracker", timeout=30).raise_for_status()
            # each worker loads the compiled engine in a background thread as it starts (about
            # 0.5-1 s of CPU, holding the GIL at times): measure the server once it has settled
            time.sleep(SETTLE)
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def wrk(url: str, seconds: int = 10, connections: int = 8) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def rss_mib(pid: int, key: str = "VmRSS:") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def burst(base: str, pid: int, requests: int = 10, paths: int = 100_000) -> None:
    """``requests`` distinct 100k-path projections at once: statuses and the server's memory."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    before = rss_mib(pid)
    peak, done = before, threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mib(pid))
            time.sleep(0.02)

    def post(seed: int) -> int:
        body = {"bloc": "NATO", "uncertainty": {"paths": paths, "seed": 1000 + seed}}
        with httpx.Client(timeout=300) as client:
            return client.post(f"{base}/api/v1/projections", json=body).status_code

    watcher = threading.Thread(target=watch)
    watcher.start()
    start_t = time.perf_counter()
    with ThreadPoolExecutor(requests) as pool:
        statuses = list(pool.map(post, range(requests)))
    seconds = time.perf_counter() - start_t
    time.sleep(2)
    done.set()
    watcher.join()
    after = rss_mib(pid)
    counts = {code: statuses.count(code) for code in sorted(set(statuses))}
    print(
        f"burst of {requests} x {paths:,}-path projections: statuses {counts} in {seconds:.1f} s "
        f"(goal: no error but 429)"
    )
    print(
        f"  server RSS: {before:.0f} MiB before, peak {peak:.0f} MiB (goal <= 1536, ratio "
        f"{peak / 1536:.2f}), {after:.0f} MiB 2 s after (baseline + {after - before:.0f} MiB)"
    )


def main() -> None:
    import os

    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    body = {"bloc": "NATO", "currency": "EUR", "uncertainty": {"paths": 10_000, "seed": 1}}
    for workers in (1, 2):
        port = free_port()
        proc = start(port, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(timeout=60) as client:  # warm every worker's cache
                for _ in range(20 * workers):
                    client.get(f"{base}/api/v1/tracker").raise_for_status()
            if shutil.which("wrk"):
                rps, p99 = wrk(f"{base}/api/v1/tracker")
                print(
                    f"GET /api/v1/tracker, {workers} worker(s): {rps:8.0f} req/s (goal >= 1000, "
                    f"ratio {rps / 1000:.2f}); p99 {p99:.1f} ms (goal <= 20, ratio {p99 / 20:.2f})"
                )
            else:
                print("wrk not installed (apt-get install wrk): throughput not measured")
            if workers == 1:
                times = []
                with httpx.Client(timeout=120) as client:
                    for seed in range(12):
                        body["uncertainty"]["seed"] = seed  # type: ignore[index]
                        start_t = time.perf_counter()
                        client.post(f"{base}/api/v1/projections", json=body).raise_for_status()
                        times.append((time.perf_counter() - start_t) * 1000)
                p50 = statistics.median(times[2:])
                print(
                    f"POST /api/v1/projections, 10,000 paths x 31 allies, a new seed each: p50 "
                    f"{p50:.0f} ms (goal <= 100, ratio {p50 / 100:.2f})"
                )
                repeat = []
                with httpx.Client(timeout=120) as client:
                    for _ in range(10):
                        start_t = time.perf_counter()
                        client.post(f"{base}/api/v1/projections", json=body).raise_for_status()
                        repeat.append((time.perf_counter() - start_t) * 1000)
                print(
                    f"  the same request again (from the cache): p50 {statistics.median(repeat):.1f} ms"
                )
                burst(base, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Foundation benchmarks: snapshot build, `import milex`, load + one query. Prints figures and ratios.

Run: python benchmarks/bench_foundation.py [RAW_DIR]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAW = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared/data/raw"
)


def timed_subprocess(code: str, repeat: int = 5) -> float:
    """Median wall time of a fresh interpreter running code, minus an empty interpreter's start."""

    def run(src: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", src], check=True)
        return time.perf_counter() - start

    base = statistics.median(run("pass") for _ in range(repeat))
    return statistics.median(run(code) for _ in range(repeat)) - base


def report(name: str, seconds: float, goal: float) -> None:
    print(f"{name:<42} {seconds:8.3f} s   goal <= {goal:.2f} s   ratio {seconds / goal:5.2f}")


def main() -> None:
    from milex.data import snapshot

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        snapshot.build(RAW, Path(out))
        report("snapshot build from raw", time.perf_counter() - start, 10.0)

    report("import milex (fresh process)", timed_subprocess("import milex"), 0.3)
    cold = timed_subprocess(
        "import milex; milex.load().series('milex_pct_gdp', 'NATO', 'nato', (2014, 2024))"
    )
    report("import + load() + one series (fresh process)", cold, 1.0)

    import pandas  # noqa: F401  (warm the heavy imports once)

    import milex

    times = []
    for _ in range(10):
        start = time.perf_counter()
        milex.load().series("milex_pct_gdp", "NATO", "nato", (2014, 2024))
        times.append(time.perf_counter() - start)
    report("load() + one series (libraries imported)", statistics.median(times), 0.2)


if __name__ == "__main__":
    main()

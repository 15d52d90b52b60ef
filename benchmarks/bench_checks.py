"""Snapshot build with every check (issue 33: <= 10 s), and the checks alone. Prints the figures.

Run: python benchmarks/bench_checks.py [RAW_DIR]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

RAW = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared/data/raw"
)
GOAL_BUILD = 10.0
GOAL_CHECKS = 2.0


def main() -> None:
    import pandas as pd

    from milex.data import snapshot
    from milex.data.checks import run_checks

    with tempfile.TemporaryDirectory() as tmp:
        builds = []
        for _ in range(3):  # the second and third check against the snapshot they replace
            start = time.perf_counter()
            package = snapshot.build(RAW, Path(tmp) / "out")
            builds.append(time.perf_counter() - start)
        obs = pd.read_parquet(next((Path(tmp) / "out").glob("observations-*.parquet")))
        checks = []
        for _ in range(3):
            start = time.perf_counter()
            run_checks(obs, package["sources"], obs)
            checks.append(time.perf_counter() - start)
    build, check = statistics.median(builds), statistics.median(checks)
    print(
        f"{'milex data build (with every check)':<42} {build:8.3f} s   goal <= {GOAL_BUILD:.2f} s"
    )
    print(
        f"{'run_checks alone (vs previous snapshot)':<42} {check:8.3f} s   goal <= {GOAL_CHECKS:.2f} s"
    )


if __name__ == "__main__":
    main()

"""`milex fiscal --bloc NATO` benchmark: the command warm (in one process, after a first run) and
cold (a fresh interpreter); with ``--sensitivity``, a 10-factor Sobol' run for NATO (1,024 base
samples, 1,000 paths each, 2 worker processes). Prints figures, goals and ratios (ratio = time /
goal; at most 1 meets the goal).

Run: python benchmarks/bench_fiscal.py [--sensitivity]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def line(name: str, seconds: float, goal: float | None) -> None:
    target = f"goal <= {goal:5.2f} s   ratio {seconds / goal:5.2f}" if goal else "(no goal)"
    print(f"{name:<52} {seconds:8.3f} s   {target}")


def main() -> None:
    from typer.testing import CliRunner

    from milex.cli import app

    runner = CliRunner()

    def command() -> None:
        result = runner.invoke(app, ["fiscal", "--bloc", "NATO"])
        assert result.exit_code == 0, result.output

    command()  # warm: imports, the snapshot, the projection's prepared inputs
    times = []
    for _ in range(5):
        start = time.perf_counter()
        command()
        times.append(time.perf_counter() - start)
    line("milex fiscal --bloc NATO, warm (median of 5)", statistics.median(times), 2.0)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "milex", "fiscal", "--bloc", "NATO"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    line("milex fiscal --bloc NATO, cold (fresh process)", time.perf_counter() - start, None)
    if "--sensitivity" in sys.argv:
        sensitivity()


def sensitivity() -> None:
    import milex
    from milex.finance.sensitivity import FACTORS, sobol_indices

    ds = milex.load()
    start = time.perf_counter()
    result = sobol_indices(ds, bloc="NATO", factors=tuple(FACTORS), samples=1024, paths=1000,
                           workers=2)  # fmt: skip
    points = (len(FACTORS) + 2) * result.samples
    line(f"sensitivity: NATO, {len(FACTORS)} factors, {points:,} points x 1,000 paths",
         time.perf_counter() - start, 600.0)  # fmt: skip


if __name__ == "__main__":
    main()

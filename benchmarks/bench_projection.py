"""Projection benchmarks: engine speed, a plain Python loop of the same model, 1M streamed paths,
accuracy. Prints figures, goals and ratios; asserts nothing.

Run: python benchmarks/bench_projection.py [--quick]

The model: every NATO ally with figures (31: Iceland has none), base year 2024 to 2035, the default
scenario (3.5% of GDP by 2035 on a linear path, USD, NATO and NATO_EU_CA totals): 8 measures for
31 countries and 2 blocs over 12 years, central path plus p5/p25/p50/p75/p95 of every cell.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from milex.projection import Scenario
from milex.projection.engine import MEASURES, QUANTILES, simulate
from milex.projection.inputs import prepare

QUICK = "--quick" in sys.argv


def inputs_for(paths: int, *, antithetic: bool = True, seed: int = 1):
    import milex

    scenario = Scenario(uncertainty={"paths": paths, "seed": seed, "antithetic": antithetic})
    prepared = prepare(scenario, milex.load())
    return prepared.inputs, prepared.shocks


def median_time(fn, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (all threads) of fn, after a warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def report(name: str, value: float, goal: float, unit: str, better: str = "lower") -> None:
    sign = "<=" if better == "lower" else ">="
    print(
        f"{name:<60} {value:10.3f} {unit:<3} goal {sign} {goal:g} {unit:<3} ratio {value / goal:6.2f}"
    )


# -- a plain per-path Python loop of the same model -----------------------------------------------
def python_loop(inputs, shocks) -> tuple[np.ndarray, np.ndarray]:
    """The engine's model path by path, year by year, country by country, in plain Python.

    Same equations and outputs (8 measures for every country, bloc and year, then quantiles of
    every cell), its own random draws (random.gauss): statistically, not bitwise, the same.
    Share-of-GDP paths only (the benchmark's scenario). Returns central and quantiles shaped like
    the engine's: (8, E, T1) and (5, 8, E, T1), measures in MEASURES order.
    """
    rng = random.Random(shocks.seed)
    T1, C = len(inputs.years), len(inputs.gdp0)
    groups = [list(members) for _, members in inputs.groups]
    E = C + len(groups)
    part = inputs.parts[0]
    w, phi = shocks.correlation, shocks.persistence
    a, b = (1 - w) ** 0.5, w**0.5

    def one_path(zero: bool) -> list[float]:
        """Every cell of one path, flattened as (measure, entity, year)."""
        cells = [[[0.0] * T1 for _ in range(E)] for _ in MEASURES]
        eg, ep, Y, P = [0.0] * C, [0.0] * C, list(inputs.gdp0), [1.0] * C
        for t in range(T1):
            fg, fp = (0.0, 0.0) if zero or t == 0 else (rng.gauss(0, 1), rng.gauss(0, 1))
            for c in range(C):
                if t:
                    ug = 0.0 if zero else shocks.growth_sd * (a * rng.gauss(0, 1) + b * fg)
                    up = 0.0 if zero else shocks.inflation_sd * (a * rng.gauss(0, 1) + b * fp)
                    eg[c] = phi * eg[c] + ug
                    ep[c] = phi * ep[c] + up
                    pf = max(1 + inputs.inflation[t - 1, c] + ep[c], 0.1)
                    P[c] *= pf
                    Y[c] = Y[c] * max(1 + inputs.growth[t - 1, c] + eg[c], 0.1) * pf
                share, extra = part.share[t, c] / 100, (part.share[t, c] - part.base_share[c]) / 100
                fx, fx0, real = inputs.fx[t, c], inputs.fx_const[c], Y[c] / P[c]
                values = (Y[c] * fx, share * 100, share * Y[c] * fx, share * real * fx0,
                          extra * Y[c] * fx, extra * real * fx0)  # fmt: skip
                for m, value in enumerate(values):
                    cells[m][c][t] = value
                for m in (6, 7):  # cumulative extra, from the year after the base year
                    cells[m][c][t] = (cells[m][c][t - 1] if t else 0.0) + (
                        values[m - 2] if t else 0.0
                    )
            for g, members in enumerate(groups):
                for m in (0, 2, 3, 4, 5, 6, 7):
                    cells[m][C + g][t] = sum(cells[m][c][t] for c in members)
                cells[1][C + g][t] = 100 * cells[2][C + g][t] / cells[0][C + g][t]
        return [v for measure in cells for entity in measure for v in entity]

    central = one_path(zero=True)
    columns: list[list[float]] = [[] for _ in central]
    for _ in range(shocks.paths):
        for cell, value in enumerate(one_path(zero=False)):
            columns[cell].append(value)
    quantiles = [loop_quantiles(column) for column in columns]
    shape = (len(MEASURES), E, T1)
    return np.array(central).reshape(shape), np.array(quantiles).T.reshape((5, *shape))


def loop_quantiles(column: list[float]) -> list[float]:
    """QUANTILES of a list, sorted in plain Python, interpolated as numpy.quantile does."""
    column.sort()
    out = []
    for q in QUANTILES:
        pos = q * (len(column) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(column) - 1)
        out.append(column[lo] + (column[hi] - column[lo]) * (pos - lo))
    return out


# -- 1,000,000 paths in a fresh process (time and peak memory) ------------------------------------
STREAM = """
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {here!r})
from bench_projection import inputs_for
from milex.projection.engine import simulate

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])  # KiB

inputs, shocks = inputs_for({paths})
before = status("VmRSS:")
try:
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak to the current size
    reset = True
except OSError:
    reset = False
start = time.perf_counter()
out = simulate(inputs, shocks)
seconds = time.perf_counter() - start
peak = status("VmHWM:") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
np.save({target!r}, out.quantiles)
print(json.dumps({{"seconds": seconds, "peak_kib": peak, "before_kib": before,
                   "method": out.method, "outside": out.outside, "reset": reset}}))
"""


def streamed(paths: int, target: Path) -> dict:
    code = STREAM.format(here=str(Path(__file__).parent), paths=paths, target=str(target))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def relative_errors(estimate: np.ndarray, reference: np.ndarray, series) -> dict[str, float]:
    """Max |estimate / reference - 1| of p5, p50, p95 per measure over cells not exactly zero."""
    out = {}
    for measure in MEASURES:
        s = [i for i, (_, m) in enumerate(series) if m == measure]
        ref, est = reference[[0, 2, 4]][:, s], estimate[[0, 2, 4]][:, s]
        live = np.abs(ref) > 1e-9 * np.abs(ref).max()
        out[measure] = float(np.max(np.abs(est[live] / ref[live] - 1)))
    return out


def main() -> None:
    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load:.2f} at start; numpy "
        f"{np.__version__}; python {sys.version.split()[0]}"
    )
    inputs, shocks = inputs_for(10_000)
    C, T1, G = len(inputs.gdp0), len(inputs.years), len(inputs.groups)
    print(
        f"model: {C} allies + {G} blocs x {T1} years ({inputs.years[0]}-{inputs.years[-1]}), "
        f"8 measures, central + 5 quantiles per cell\n"
    )

    wall, cpu = median_time(lambda: simulate(inputs, shocks), 5 if QUICK else 15)
    report("10,000 paths, engine (default threads), median wall", wall * 1e3, 50, "ms")
    print(f"{'  same, median CPU time of all threads':<60} {cpu * 1e3:10.3f} ms")
    wall1, _ = median_time(lambda: simulate(inputs, shocks, workers=1), 3 if QUICK else 9)
    report("10,000 paths, engine (one thread), median wall", wall1 * 1e3, 50, "ms")
    import milex
    from milex.projection import project

    ds = milex.load()
    whole, _ = median_time(lambda: project(Scenario(), ds), 3)
    print(f"{'10,000 paths, project() with its data queries, median':<60} {whole * 1e3:10.3f} ms\n")

    loop_paths = 300 if QUICK else 2_000
    _, loop_shocks = inputs_for(loop_paths)
    start = time.perf_counter()
    loop_central, loop_quant = python_loop(inputs, loop_shocks)
    loop_seconds = time.perf_counter() - start
    engine_same, _ = median_time(lambda: simulate(inputs, loop_shocks), 5)
    print(f"{f'plain Python loop, {loop_paths:,} paths (all outputs)':<60} {loop_seconds:10.3f} s")
    print(f"{f'engine, the same {loop_paths:,} paths':<60} {engine_same:10.3f} s")
    report("speed-up of the engine over the loop", loop_seconds / engine_same, 50, "x", "higher")
    print(
        f"{'  per path, loop 10,000 paths (extrapolated) vs engine':<60} "
        f"{loop_seconds / loop_paths * 10_000 / wall:10.1f} x"
    )
    out = simulate(inputs, loop_shocks)
    order = [out.series.index(("" if m == "gdp" else "core", m)) for m in MEASURES]
    central, quant = out.central[order], out.quantiles[:, order]
    live = np.abs(central) > 1e-9
    print(
        f"  loop vs engine: central path max rel. diff "
        f"{np.max(np.abs(loop_central[live] / central[live] - 1)):.1e} (same equations); "
        f"p50 max rel. diff {np.max(np.abs(loop_quant[2][live] / quant[2][live] - 1)):.2%} "
        "(independent draws)\n"
    )

    big = 200_000 if QUICK else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "reference.npy"
        stats = streamed(big, target)
        reference = np.load(target)
    report(f"{big:,} paths streamed ({stats['method']}), wall time", stats["seconds"], 5, "s")
    peak, before = stats["peak_kib"] / 2**20, stats["before_kib"] / 2**20
    label = "peak RSS during the run" if stats["reset"] else "peak RSS of the process"
    report(f"{big:,} paths, {label}", peak, 1, "GiB")
    print(
        f"  (of which {before:.2f} GiB before the run: Python, pandas, DuckDB, the data); "
        f"{stats['outside']} quantiles outside the pilot range\n"
    )

    worst = {}
    for antithetic in (True, False):
        errors = []
        for seed in (2, 3, 4):
            inp, sh = inputs_for(10_000, antithetic=antithetic, seed=seed)
            errors.append(relative_errors(simulate(inp, sh).quantiles, reference, out.series))
        worst[antithetic] = {m: max(e[m] for e in errors) for m in errors[0]}
    print(
        f"accuracy: max relative error of p5/p50/p95 over all cells at 10,000 paths against "
        f"{big:,} paths (worst of seeds 2, 3, 4):"
    )
    for measure in MEASURES:
        print(
            f"  {measure:<18} antithetic {worst[True][measure]:7.3%}   "
            f"independent draws {worst[False][measure]:7.3%}"
        )
    report(
        "max relative error, every measure (antithetic)", max(worst[True].values()) * 100, 1, "%"
    )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

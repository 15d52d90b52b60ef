"""Projection benchmarks: project() and the engine against a plain NumPy float64 implementation of
the same model, 1M streamed paths, accuracy per sampling design, cold CLI processes. Prints
figures, goals and ratios; asserts nothing. The machine is shared: read the load averages.

Run: python benchmarks/bench_projection.py [--quick] [--headline] [--against SRC]

``--against SRC``: the headline figures (ten calls of ``milex.project()`` in a fresh process, and
1,000,000 streamed paths) also for another version's source tree, e.g. the last commit's
(``git archive HEAD src | tar -x -C /tmp/base``, then ``--against /tmp/base/src``), in fresh
processes interleaved with this one's (A B A B ...), so that both see the same machine load.

The model: every NATO ally with figures (31: Iceland has none), base year 2024 to 2035, the default
scenario (3.5% of GDP by 2035 on a linear path, USD, NATO and NATO_EU_CA totals): 8 measures for
31 countries and 2 blocs over 12 years, central path plus p5/p25/p50/p75/p95 of every cell.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from milex.projection import Scenario
from milex.projection.engine import MEASURES, QUANTILES, simulate

try:  # internal (_inputs) since the layout move; --against may run a tree from before it
    from milex.projection._inputs import prepare
except ImportError:
    from milex.projection.inputs import prepare  # type: ignore[no-redef]

QUICK = "--quick" in sys.argv
AGAINST = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None


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


# -- a plain NumPy float64 implementation of the same model ---------------------------------------
def plain_numpy(inputs, shocks) -> np.ndarray:
    """The engine's model written the plain way: every draw, path and cell at once in float64,
    then numpy.quantile. Same equations and outputs (8 measures for every country, bloc and
    year); its own draws (default_rng), so statistically, not bitwise, the same. Share-of-GDP
    paths only (the benchmark's scenario). Returns quantiles (5, 8, E, T1), MEASURES order."""
    rng = np.random.default_rng(shocks.seed)
    T1, C, N = len(inputs.years), len(inputs.gdp0), shocks.paths
    T, w, phi = T1 - 1, shocks.correlation, shocks.persistence

    def ar1(sd: float) -> np.ndarray:
        e = sd * (np.sqrt(1 - w) * rng.standard_normal((T, C, N))
                  + np.sqrt(w) * rng.standard_normal((T, 1, N)))  # fmt: skip
        for t in range(1, T):
            e[t] += phi * e[t - 1]
        return e

    gf = np.maximum(1 + inputs.growth[:, :, None] + ar1(shocks.growth_sd), 0.1)
    pf = np.maximum(1 + inputs.inflation[:, :, None] + ar1(shocks.inflation_sd), 0.1)
    ones = np.ones((1, C, N))
    P = np.concatenate([ones, np.cumprod(pf, axis=0)])
    R = inputs.gdp0[:, None] * np.concatenate([ones, np.cumprod(gf, axis=0)])
    Y = R * P
    part = inputs.parts[0]
    share, extra = part.share[:, :, None] / 100, (part.share - part.base_share)[:, :, None] / 100
    fx, fx0 = inputs.fx[:, :, None], inputs.fx_const[None, :, None]
    money = [Y * fx, share * Y * fx, share * R * fx0, extra * Y * fx, extra * R * fx0]
    money += [np.cumsum(money[3], axis=0), np.cumsum(money[4], axis=0)]
    countries = [money[0], 100 * money[1] / money[0], *money[1:]]  # (T1, C, N) each
    blocs = []
    for _, members in inputs.groups:
        sums = [m[:, members].sum(axis=1) for m in money]
        blocs.append([sums[0], 100 * sums[1] / sums[0], *sums[1:]])  # (T1, N) each
    cells = np.empty((len(MEASURES), C + len(blocs), T1, N))
    for m in range(len(MEASURES)):
        cells[m, :C] = countries[m].transpose(1, 0, 2)
        for g, bloc in enumerate(blocs):
            cells[m, C + g] = bloc[m]
    return np.quantile(cells, QUANTILES, axis=-1)


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
try:  # the kernels' module, internal (_kernel) since the layout move, public before it
    from milex.projection import _kernel as kernel
except ImportError:
    from milex.projection import kernel
try:  # this version: one engine interface; loading the compiled engine timed on its own
    start = time.perf_counter()
    kernel.load()
    load = time.perf_counter() - start
    engine = {{"engine": "auto"}}
except AttributeError:  # an earlier version (compiled=None: the kernel at 1M paths)
    load, engine = None, {{}}
before = status("VmRSS:")
try:
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak to the current size
    reset = True
except OSError:
    reset = False
start, cpu = time.perf_counter(), time.process_time()
out = simulate(inputs, shocks, **engine)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = status("VmHWM:") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
np.save({target!r}, out.quantiles)
print(json.dumps({{"seconds": seconds, "cpu": cpu, "peak_kib": peak, "before_kib": before, "load": load,
                   "method": out.method, "outside": out.outside, "reset": reset,
                   "engine": getattr(out, "engine", "compiled (chosen at >= 50,000 paths)")}}))
"""


def streamed(paths: int, target: Path, src: str | None = None) -> dict:
    code = STREAM.format(here=str(Path(__file__).parent), paths=paths, target=str(target))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env(src)
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env(src: str | None) -> dict[str, str]:
    """The environment of a fresh process running the source tree ``src`` (default: this one)."""
    if src is None:
        return dict(os.environ)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


# -- ten calls of milex.project() with default arguments in a fresh process ---------------------
TEN_CALLS = """
import json, time
start = time.perf_counter()
import milex
calls = []
for _ in range(10):
    t, cpu = time.perf_counter(), time.process_time()
    result = milex.project()
    calls.append((time.perf_counter() - t, getattr(result, "engine", "numpy (chosen < 50,000)"),
                  time.process_time() - cpu))
print(json.dumps({"import": start, "calls": calls}))
"""


def ten_calls(src: str | None = None) -> list[tuple[float, str, float]]:
    """(wall seconds, engine, CPU seconds of all threads, a background load's included) per call."""
    done = subprocess.run(
        [sys.executable, "-c", TEN_CALLS], capture_output=True, text=True, check=True, env=_env(src)
    )
    return [tuple(c) for c in json.loads(done.stdout.strip().splitlines()[-1])["calls"]]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def headline() -> None:
    """The issue's two goals, in fresh processes, this version (B) interleaved with --against (A)."""
    versions = [("B (this tree)", None)] + ([("A (--against)", AGAINST)] if AGAINST else [])
    rounds = 2 if QUICK else 3
    print(f"== milex.project(), default arguments, ten calls in a fresh process ({load()})")
    firsts: dict[str, list[float]] = {name: [] for name, _ in versions}
    for r in range(rounds):
        for name, src in versions[::-1] if r % 2 else versions:
            calls = ten_calls(src)
            firsts[name].append(calls[0][0])
            rest = statistics.median(t for t, _, _ in calls[1:])
            cpu = statistics.median(c for _, _, c in calls[1:])
            shown = ", ".join(f"{t * 1e3:.0f} {e}" for t, e, _ in calls)
            print(f"  {name} round {r + 1}: calls 2-10 median {rest * 1e3:6.1f} ms (goal <= 100; "
                  f"CPU {cpu * 1e3:.0f} ms); first {calls[0][0] * 1e3:.0f} ms; each: {shown} "
                  f"({load()})")  # fmt: skip
    for name, values in firsts.items():
        print(f"  {name}: first call median {statistics.median(values) * 1e3:.0f} ms")
    big = 200_000 if QUICK else 1_000_000
    print(f"== {big:,} paths streamed, fresh processes ({load()})")
    with tempfile.TemporaryDirectory() as tmp:
        for _, src in versions:  # each version's numba cache filled first: loads, not compiles
            streamed(20_000, Path(tmp) / "q.npy", src)
        for r in range(rounds):
            for name, src in versions[::-1] if r % 2 else versions:
                run = streamed(big, Path(tmp) / "q.npy", src)
                loaded = "" if run["load"] is None else f" (+ {run['load']:.2f} s loading before)"
                print(f"  {name} round {r + 1}: {run['seconds']:.2f} s{loaded} (goal <= 5; "
                      f"CPU {run['cpu']:.2f} s, all threads), "
                      f"peak RSS {run['peak_kib'] / 2**20:.2f} GiB (goal <= 1), {run['method']}, "
                      f"engine {run['engine']} ({load()})")  # fmt: skip
    print()


def relative_errors(estimate: np.ndarray, reference: np.ndarray, series) -> dict[str, float]:
    """Max |estimate / reference - 1| of p5, p50, p95 per measure over cells not exactly zero."""
    out = {}
    for measure in MEASURES:
        s = [i for i, (_, m) in enumerate(series) if m == measure]
        ref, est = reference[[0, 2, 4]][:, s], estimate[[0, 2, 4]][:, s]
        live = np.abs(ref) > 1e-9 * np.abs(ref).max()
        out[measure] = float(np.max(np.abs(est[live] / ref[live] - 1)))
    return out


def designs() -> list[tuple[str, dict]]:
    """Sampling designs compared for accuracy per millisecond (the first is the default)."""
    return [
        ("sobol, 10,000 paths (default)", {"paths": 10_000}),
        ("sobol, 4,096 paths", {"paths": 4_096}),
        ("pcg64 antithetic, 10,000 paths", {"paths": 10_000, "generator": "pcg64"}),
        ("pcg64 independent, 10,000 paths",
         {"paths": 10_000, "generator": "pcg64", "antithetic": False}),
    ]  # fmt: skip


def cold(command: list[str], repeat: int) -> float | None:
    """Median wall time of a whole process, or None if it fails."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        if done.returncode:
            print(f"  {' '.join(command)} failed: {done.stderr.decode()[-300:].strip()}")
            return None
        times.append(time.perf_counter() - start)
    return statistics.median(times)


KERNEL_START = """
import time
start = time.perf_counter()
from milex.projection import _kernels  # noqa: F401 (numba's import and the module's)
imported = time.perf_counter()
from milex.projection import _kernel as kernel
loaded = time.perf_counter()
kernel.load()  # every routine, compiled or read from numba's cache
print(imported - start, time.perf_counter() - loaded)
"""


def kernel_start() -> list[tuple[str, float]]:
    """The kernel's cold start in fresh processes: compiling into an empty cache, then loading
    from that cache (what every later process on the machine pays)."""
    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("compile (empty numba cache)", "load from numba's on-disk cache"):
            done = subprocess.run(
                [sys.executable, "-c", KERNEL_START], env=env, capture_output=True, text=True,
                check=True,
            )  # fmt: skip
            imported, warm = map(float, done.stdout.split())
            out.append((f"kernel in a fresh process: {label}", warm))
        out.append(("  of which importing numba and the kernels module", imported))
    return out


def main() -> None:
    print(
        f"machine: {os.cpu_count()} CPUs, {load()} at start; numpy "
        f"{np.__version__}; python {sys.version.split()[0]}"
    )
    headline()
    import milex
    from milex.projection import project

    ds = milex.load()
    inputs, shocks = inputs_for(10_000)
    C, T1, G = len(inputs.gdp0), len(inputs.years), len(inputs.groups)
    print(
        f"model: {C} allies + {G} blocs x {T1} years ({inputs.years[0]}-{inputs.years[-1]}), "
        f"8 measures, central + 5 quantiles per cell; default design: {shocks.generator}\n"
    )
    from milex.projection import _kernel as kernel

    compiled = kernel.available()
    if compiled:
        for label, seconds in kernel_start():
            print(f"{label:<60} {seconds:10.3f} s")
        start = time.perf_counter()
        kernel.load()
        print(
            f"{'  loading it in this process (kernel.load)':<60} {time.perf_counter() - start:10.3f} s"
        )
    else:
        print("numba is not installed: the NumPy engine only")
    repeat = 5 if QUICK else 21
    seeds = iter(range(100, 10_000))
    scenario = Scenario()
    engines = (
        [("compiled", "compiled kernel"), ("numpy", "NumPy engine")]
        if compiled
        else [("numpy", "NumPy engine")]
    )
    for flag, name in engines:
        took, _ = median_time(
            lambda f=flag: project(
                scenario.with_changes(uncertainty={"seed": next(seeds)}), ds, engine=f
            ),
            repeat,
        )
        if flag == engines[0][0]:
            whole = took
            report(f"project(), 10,000 paths, new seed each call, {name}", took * 1e3, 50, "ms")
        else:
            print(f"{'  project() on the ' + name + ', median':<60} {took * 1e3:10.3f} ms")
    for flag, name in engines:
        wall, cpu = median_time(lambda f=flag: simulate(inputs, shocks, engine=f), repeat)
        print(f"{'  simulate(), ' + name + ', median wall (CPU)':<60} {wall * 1e3:10.3f} ms"
              f" ({cpu * 1e3:.0f} ms)")  # fmt: skip
        wall1, _ = median_time(
            lambda f=flag: simulate(inputs, shocks, workers=1, engine=f), 3 if QUICK else 7
        )
        print(f"{'  simulate(), ' + name + ', one thread, median':<60} {wall1 * 1e3:10.3f} ms")
    plain, _ = median_time(lambda: plain_numpy(inputs, shocks), 3)
    print(
        f"{'plain NumPy float64 implementation, 10,000 paths, median':<60} {plain * 1e3:10.3f} ms"
    )
    report("project() / plain NumPy", whole / plain, 0.10, "x")
    out = simulate(inputs, shocks)
    order = [out.series.index(("" if m == "gdp" else "core", m)) for m in MEASURES]
    plain_q = plain_numpy(inputs, shocks)[2]
    live = np.abs(out.quantiles[2][order]) > 1e-9
    diff = np.max(np.abs(plain_q[live] / out.quantiles[2][order][live] - 1))
    print(f"  plain vs engine: p50 max rel. diff {diff:.2%} (independent draws)\n")

    big = 200_000 if QUICK else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "reference.npy"
        # three fresh processes: one run on a shared 2-core host swings by a second or more
        runs = [streamed(big, target) for _ in range(1 if QUICK else 3)]
        reference = np.load(target)  # the same seed each run: the same quantiles
    stats = max(runs, key=lambda r: r["peak_kib"])
    seconds = sorted(r["seconds"] for r in runs)
    report(
        f"{big:,} paths streamed ({stats['method']}), median wall time",
        statistics.median(seconds),
        5,
        "s",
    )
    if len(runs) > 1:
        print(
            f"  (fresh processes: {', '.join(f'{t:.2f}' for t in seconds)} s; peak RSS: the highest)"
        )
    peak, before = stats["peak_kib"] / 2**20, stats["before_kib"] / 2**20
    label = "peak RSS during the run" if stats["reset"] else "peak RSS of the process"
    report(f"{big:,} paths, {label}", peak, 1, "GiB")
    print(
        f"  (of which {before:.2f} GiB before the run: Python, pandas, DuckDB, the data); "
        f"{stats['outside']} quantiles outside the pilot range\n"
    )

    print(
        f"accuracy: max relative error of p5/p50/p95 over all cells against {big:,} paths "
        "(worst of seeds 2, 3, 4), and the time of simulate():"
    )
    for name, spec in designs():
        errors = []
        for seed in (2, 3, 4):
            unc = {"seed": seed, **spec}
            prepared = prepare(Scenario(uncertainty=unc), ds)
            got = simulate(prepared.inputs, prepared.shocks).quantiles
            errors.append(max(relative_errors(got, reference, out.series).values()))
        t, _ = median_time(lambda p=prepared: simulate(p.inputs, p.shocks), 3)
        print(f"  {name:<36} max error {max(errors):7.3%}  simulate {t * 1e3:7.1f} ms")
        if name.endswith("(default)"):
            default_error = max(errors)
    report("max relative error, every cell (default design)", default_error * 100, 0.5, "%")

    print()
    runs = 1 if QUICK else 3
    for goal, args in (
        (1.5, ["project", "--scenario", "examples/hague-2035.toml"]),
        (1.0, ["tracker"]),
    ):  # `python -m milex`: the venv's bin need not be on PATH
        seconds = cold([sys.executable, "-m", "milex", *args], runs)
        if seconds is not None:
            report(f"cold `milex {args[0]}` (whole process), median", seconds, goal, "s")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if "--headline" in sys.argv:  # only the two goals (and --against's figures)
        print(f"machine: {os.cpu_count()} CPUs, {load()} at start")
        headline()
    else:
        main()

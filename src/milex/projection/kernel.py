"""The engine's compiled path (numba): draws, levels and series of a block of paths in one pass,
and exact quantiles by selection instead of sorting.

The model and the draws are the NumPy engine's (``engine``); what changes is where the time goes.
For each block of paths the kernel turns the chunk's normal draws into shocks, shocks into
levels, and runs the series ``program`` on values that stay in cache, writing only the cells
that are sorted. Quantiles come from a selection per row: a histogram of the row between its
minimum and maximum finds the bins that hold the wanted order statistics, and only those bins
are sorted. The result is the same order statistics a full sort gives. Runs too large to keep
(streamed) count into per-row histograms instead: the kernel writes each value's bin for the
whole chunk, then counts one row at a time, so that row's counts stay in cache (counting as it
went, block by block, missed the cache on nearly every count and took 70% of a 1M-path run).

numba compiles on first use and caches the machine code on disk (``cache=True``): the compile
(about 7 s) is paid once per machine, and each new process still pays about 0.8 s to import numba
and load that code. So ``use()`` picks the kernel only where it pays: once it is loaded in this
process (``warm()``, which the web server runs at start), or for runs of ``AUTO_PATHS`` paths or
more. ``available()`` says whether numba imports; ``MILEX_ENGINE=numpy`` turns the kernel off and
``MILEX_ENGINE=compiled`` uses it for every run.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from milex.projection.engine import PerInputs

Array = np.ndarray
#: From this many paths a process that has not loaded the kernel yet loads it: the NumPy engine
#: takes about 45 ms per 1,000 paths and the kernel 7, against about 0.8 s to load it.
AUTO_PATHS = 50_000
_READY = threading.Event()


def _setting() -> str:
    """MILEX_ENGINE, read on every call: ``numpy`` turns the kernel off, ``compiled`` uses it
    for every run."""
    return os.environ.get("MILEX_ENGINE", "").strip().lower()


@lru_cache(maxsize=1)
def _installed() -> bool:
    """Whether numba is installed, looked up without importing it (a third of a second a
    process need not pay when it runs on NumPy)."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def available() -> bool:
    """Whether the compiled path may be used: numba is installed and MILEX_ENGINE is not numpy."""
    return _setting() != "numpy" and _installed()


def unavailable_reason() -> str:
    """Why ``available()`` is False, for the error asking for the kernel."""
    if _setting() == "numpy":
        return "MILEX_ENGINE=numpy turns the compiled engine off"
    return "the compiled engine needs numba, which is not installed (pip install numba)"


def ready() -> bool:
    """Whether the kernels are loaded in this process (a run through them has finished)."""
    return _READY.is_set()


def use(paths: int) -> bool:
    """Whether a run of ``paths`` paths takes the kernel (see the module's docstring)."""
    if not available():
        return False
    if _setting() == "compiled" or ready():
        return True
    if paths < AUTO_PATHS:
        return False
    try:  # numba installed but broken (say, built for another NumPy): the NumPy engine runs
        _compiled()
    except Exception as exc:
        import warnings

        warnings.warn(f"the compiled engine failed to load, using NumPy: {exc}", stacklevel=3)
        return False
    return True


def warm(dataset: Any = None) -> bool:
    """Load (compiling on a machine's first run) the kernels with a small projection of the
    default scenario, so later runs in this process take them; False where it is not
    available or fails to load (the NumPy engine then serves every run, with a warning)."""
    if not available():
        return False
    from milex.projection import project
    from milex.projection.scenario import Scenario, Uncertainty

    try:
        project(Scenario(uncertainty=Uncertainty(paths=256)), dataset, compiled=True)
    except Exception as exc:  # a server must start even where numba is broken
        import warnings

        warnings.warn(f"the compiled engine failed to load, using NumPy: {exc}", stacklevel=2)
        return False
    return True


@lru_cache(maxsize=1)
def _compiled() -> Any:
    """Compile (or load from numba's on-disk cache) the kernels; imported only when used."""
    from milex.projection import _kernels

    return _kernels


def scramble_product() -> Any:
    """The kernel's Sobol' scramble product (``draws.scramble_product`` in one pass: a new seed
    then costs 0.1 ms instead of 1.3)."""
    return _compiled().scramble


def run(engine: Any, workers: int, memory_limit: int, progress: Any) -> Any:  # noqa: C901
    """``engine``'s Monte Carlo on the compiled path: an ``EngineOutput`` as the NumPy path's."""
    from milex.projection.engine import CHUNK_PATHS, FACTOR_FLOOR, PRIMS, EngineOutput, _run_ordered
    from milex.projection.quantiles import ExactSink, HistogramSink

    k = _compiled()
    inp, sh = engine.inp, engine.shocks
    T1, C = engine.T1, engine.C
    T, N = T1 - 1, sh.paths
    sd = np.array(
        [
            [s * np.sqrt(1.0 - sh.correlation), s * np.sqrt(sh.correlation)]
            for s in (sh.growth_sd, sh.inflation_sd)
        ]
    )
    growth1 = np.ascontiguousarray(engine.growth1, float)
    infl1 = np.ascontiguousarray(engine.infl1, float)
    gdp0 = np.ascontiguousarray(inp.gdp0, float)
    empty_f, empty_f32 = np.zeros(1), np.zeros((1, 1), np.float32)
    empty_hist = np.zeros((1, 2), np.int32)
    empty_bins = np.zeros((1, 1), np.uint16)

    def call(
        program: Any, z: Array, n: int, m: int, out_slot: Array, mode: int, **arrays: Any
    ) -> int:
        return int(
            k.run_chunk(
                z, n, m, sd, sh.persistence, growth1, infl1, gdp0, FACTOR_FLOOR,
                program.kind, program.dst, program.a, program.b, program.weight, program.const,
                program.has_const, program.term_start, program.term_slot, program.term_weight,
                program.slots, out_slot, mode,
                arrays.get("center", empty_f), arrays.get("inverse", empty_f),
                arrays.get("store", empty_f32), arrays.get("col0", 0),
                arrays.get("rows", np.zeros((1, 1))), arrays.get("hscale", empty_f),
                arrays.get("hshift", empty_f), arrays.get("hist", empty_hist),
                arrays.get("binned", empty_bins),
                arrays.get("low", empty_f), arrays.get("high", empty_f),
            )
        )  # fmt: skip

    plan = _plan(engine, call)
    central, prim0, program, slots, centers = (
        plan.central,
        plan.prim0,
        plan.program,
        plan.slots,
        plan.centers,
    )
    n_rows = len(slots)
    local = threading.local()
    sobol = engine.sobol
    use_sobol_kernel = sobol is not None and sobol.d == sobol.dims

    def draws(i: int, n: int) -> tuple[Array, int]:
        m = (n + 1) // 2 if sh.antithetic else n
        z = getattr(local, "z", None)
        if z is None or z.shape[3] != m:
            z = local.z = np.empty((2, T, C + 1, m))
        if sobol is not None:
            if use_sobol_kernel:
                base, offset, high = sobol.points(i * points_per_chunk, m)
                k.sobol_normals(base, offset, high, m, *sobol.table(), z.reshape(-1, m))
            else:
                z[...] = sobol.normals(i * sobol.block_size, m).reshape(2, T, C + 1, m)
        else:
            rng = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(sh.seed, spawn_key=(i,)))
            )
            for j in range(2):
                z[j, :, 0, :] = rng.standard_normal((T, m))
                z[j, :, 1:, :] = rng.standard_normal((T, C, m))
        return z, m

    sink: Any
    exact = n_rows * N * 4 <= memory_limit
    sink = ExactSink(n_rows, N, centers) if exact else HistogramSink(n_rows, N)
    # Sobol' chunks may be any size (a chunk is a run of points and their mirrors, so the paths
    # and the pilot are the same sets): half-size ones share the work evenly between threads
    size = CHUNK_PATHS // 2 if use_sobol_kernel and N > CHUNK_PATHS else CHUNK_PATHS
    points_per_chunk = size // 2 if sh.antithetic else size
    chunks = [(i, s, min(size, N - s)) for i, s in enumerate(range(0, N, size))]
    done, floored = 0, 0
    hists: list[Array] = []
    lows: list[tuple[Array, Array]] = []
    lock = threading.Lock()

    def task(spec: tuple[int, int, int], pilot: bool) -> tuple[int, Any, int]:
        i, start, n = spec
        z, m = draws(i, n)
        if exact:
            fl = call(program, z, n, m, slots, k.EXACT, center=sink.center, inverse=sink.inverse,
                      store=sink.store, col0=start)  # fmt: skip
            return n, None, fl
        if pilot:  # only the rows' ranges: scale and shift 0 put every value in a scratch bin 0
            hist = getattr(local, "scratch", None)
            if hist is None:
                hist = local.scratch = np.zeros((n_rows, 2), np.int32)
            scale = shift = np.zeros(n_rows)
        else:
            hist = getattr(local, "hist", None)
            if hist is None:
                hist = local.hist = np.zeros((n_rows, sink.bins + 2), np.int32)
                with lock:
                    hists.append(hist)
            scale, shift = hscale, hshift
        binned = getattr(local, "binned", None)  # uint16: HistogramSink keeps bins + 2 <= 2**16
        if binned is None or binned.shape[1] != n:
            binned = local.binned = np.empty((n_rows, n), np.uint16)
        low, high = ranges()
        fl = call(program, z, n, m, slots, k.HISTOGRAM, hscale=scale, hshift=shift, hist=hist,
                  binned=binned, low=low, high=high)  # fmt: skip
        recount = not pilot and start < pilot_paths  # a pilot chunk again: already reported
        return (0, None, 0) if recount else (n, None, fl)

    def ranges() -> tuple[Array, Array]:
        """This thread's running minimum and maximum of each row."""
        state = getattr(local, "range", None)
        if state is None:
            state = local.range = (np.full(n_rows, np.inf), np.full(n_rows, -np.inf))
            with lock:
                lows.append(state)
        return state

    def combined_ranges() -> tuple[Array, Array]:
        """Every row's minimum and maximum over all threads so far."""
        low, high = np.full(n_rows, np.inf), np.full(n_rows, -np.inf)
        for lo, hi in lows:
            np.minimum(low, lo, out=low)
            np.maximum(high, hi, out=high)
        return low, high

    def collect(result: tuple[int, Any, int]) -> None:
        nonlocal done, floored
        n, payload, fl = result
        if payload is not None:
            sink.merge(payload)
        done, floored = done + n, floored + fl
        if progress is not None:
            progress(done, N)

    from functools import partial

    pilot = sink.pilot_chunks(len(chunks), size)
    _run_ordered([partial(task, c, True) for c in chunks[:pilot]], workers, collect)
    hscale = hshift = empty_f
    pilot_paths = sum(c[2] for c in chunks[:pilot])
    rest = chunks[pilot:]
    if not exact:  # the pilot gave the ranges; its chunks run again, binned, on all threads
        sink.start_from(*combined_ranges())
        hscale = np.ascontiguousarray(sink.scale[:, 0])
        hshift = np.ascontiguousarray(sink.shift[:, 0])
        rest = chunks
    _run_ordered((partial(task, c, False) for c in rest), workers, collect)
    if exact:
        rows = _select(k, sink, workers)
    else:
        low, high = combined_ranges()
        sink.hists.extend(h.astype(np.int64) for h in hists)
        np.minimum(sink.low, low, out=sink.low)
        np.maximum(sink.high, high, out=sink.high)
        rows = sink.quantiles(workers)
    sink.release()
    prim_q = {p: prim0[i].reshape(1, T1, C) for i, p in enumerate(PRIMS)}
    quantiles = engine._quantiles(
        central, {p: v.transpose(1, 2, 0) for p, v in prim_q.items()}, rows
    )
    _READY.set()
    return EngineOutput(
        tuple((s.part, s.measure) for s in engine.series),
        central,
        quantiles,
        sink.method,
        N,
        floored,
        sink.outside,
    )


@dataclass(frozen=True)
class _Plan:
    """What a projection's Monte Carlo needs that does not depend on the shocks or the seed."""

    central: Array
    prim0: Array
    program: Any
    slots: Array
    centers: Array


_PLANS: PerInputs[_Plan] = PerInputs(16)


def _plan(engine: Any, call: Any) -> _Plan:
    """The central path and the programs of ``engine``'s inputs, kept per inputs object."""
    return _PLANS.get(engine.inp, lambda: _make_plan(engine, call))


def _make_plan(engine: Any, call: Any) -> _Plan:
    from milex.projection.program import Builder

    k = _compiled()
    inp = engine.inp
    T1, C, G, S = engine.T1, engine.C, engine.G, len(engine.series)
    T = T1 - 1
    # the central path: every cell, with zero shocks, through the same arithmetic
    full = Builder(engine.series, T1, C, inp.groups)
    cells = [full.country(s, t, c) for s in range(S) for c in range(C) for t in range(T1)]
    cells += [full.aggregate(s, g, t) for s in range(S) for g in range(G) for t in range(T1)]
    prim_slots = list(range(3 * T1 * C))
    every = np.array(cells + prim_slots, np.int64)
    zero = np.zeros((2, T, C + 1, 1))
    values0 = np.empty((len(every), 1))
    call(full.program(), zero, 1, 1, every, k.ROWS, rows=values0)
    v0 = values0[:, 0]
    central = np.empty((S, C + G, T1))
    central[:, :C] = v0[: S * C * T1].reshape(S, C, T1)
    at = S * C * T1
    central[:, C:] = v0[at : at + S * G * T1].reshape(S, G, T1)
    prim0 = v0[at + S * G * T1 :].reshape(3, T1, C)

    # what the Monte Carlo computes: the cells that are sorted, in the NumPy engine's row order
    mc = Builder(engine.series, T1, C, inp.groups)
    out_slot: list[int] = []
    centers: list[float] = []
    for kind, key, idx in engine.rows:
        for cell in idx:
            cell = int(cell)
            if kind == "prim":
                t, c = divmod(cell, C)
                out_slot.append(mc.prim(key, t, c))
                centers.append(prim0[key, t, c])
            elif kind == "series":
                t, c = divmod(cell, C)
                out_slot.append(mc.country(key, t, c))
                centers.append(central[key, c, t])
            else:
                s, g = divmod(key, G)
                out_slot.append(mc.aggregate(s, g, cell))
                centers.append(central[s, C + g, cell])
    program = mc.program()
    slots = np.array(out_slot, np.int64)
    return _Plan(central, prim0, program, slots, np.array(centers))


def _select(k: Any, sink: Any, workers: int) -> Array:
    """Quantiles of every row of an exact sink by selection, rows split over threads."""
    from milex.projection.quantiles import QUANTILES
    from milex.projection.threads import parallel_map

    rows, n = sink.store.shape
    pos = np.array([q * (n - 1) for q in QUANTILES])
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    out = np.empty((len(QUANTILES), rows))
    bounds = np.linspace(0, rows, max(1, min(workers, rows)) + 1).astype(int)
    jobs = [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]

    def one(job: tuple[int, int]) -> None:
        k.select_rows(sink.store, job[0], job[1], lo, frac, sink.center, sink.scale, out)

    parallel_map(one, jobs, len(jobs))
    return out

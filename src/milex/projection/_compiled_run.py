"""One projection on the compiled kernels (``_kernels``): chunks of paths on worker threads, the
central path and the program of sorted cells (kept per inputs object), quantiles by selection
or streamed histograms. ``kernel`` loads the kernels and hands them in; this module imports
neither, so it never loads numba itself.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from milex.projection._layout import Setup
from milex.projection._model import (
    CHUNK_PATHS,
    FACTOR_FLOOR,
    PRIMS,
    QUANTILES,
    EngineOutput,
    PerInputs,
)
from milex.projection._program import Builder
from milex.projection._quantiles import ExactSink, HistogramSink
from milex.projection._threads import parallel_map, run_ordered

Array = np.ndarray
_EMPTY_F = np.zeros(1)


class CompiledRun:
    """One projection on the kernels: chunks of paths on ``workers`` threads, then quantiles."""

    def __init__(
        self, k: Any, setup: Setup, workers: int, memory_limit: int, progress: Any
    ) -> None:
        self.k, self.setup, self.workers, self.progress = k, setup, workers, progress
        sh = self.shocks = setup.shocks
        self.T, self.N = setup.T1 - 1, sh.paths
        self.sd = np.array(
            [
                [s * np.sqrt(1.0 - sh.correlation), s * np.sqrt(sh.correlation)]
                for s in (sh.growth_sd, sh.inflation_sd)
            ]
        )
        # one layout for every array the kernels take (C order, writable, float64): a read-only
        # or strided input would be another signature, compiled when it first came
        self.growth1 = np.array(setup.growth1, float, order="C")
        self.infl1 = np.array(setup.infl1, float, order="C")
        self.gdp0 = np.array(setup.inp.gdp0, float, order="C")
        self.local = threading.local()
        sobol = self.sobol = setup.sobol
        self.sobol_kernel = sobol is not None and sobol.d == sobol.dims
        self.plan = _PLANS.get(setup.inp, lambda: _make_plan(self))
        n_rows = len(self.plan.slots)
        self.exact = n_rows * self.N * 4 <= memory_limit
        self.sink: Any = (
            ExactSink(n_rows, self.N, self.plan.centers)
            if self.exact
            else HistogramSink(n_rows, self.N)
        )
        self.n_rows = n_rows
        # Sobol' chunks may be any size (a chunk is a run of points and their mirrors, so the
        # paths and the pilot are the same sets): half-size ones share the work evenly
        size = self.size = (
            CHUNK_PATHS // 2 if self.sobol_kernel and self.N > CHUNK_PATHS else CHUNK_PATHS
        )
        self.points_per_chunk = size // 2 if sh.antithetic else size
        self.chunks = [(i, s, min(size, self.N - s)) for i, s in enumerate(range(0, self.N, size))]
        self.done = self.floored = self.pilot_paths = 0
        self.hists: list[Array] = []
        self.lows: list[tuple[Array, Array]] = []
        self.lock = threading.Lock()
        self.hscale = self.hshift = _EMPTY_F

    def call(
        self, program: Any, z: Array, n: int, m: int, out_slot: Array, mode: int, **arrays: Any
    ) -> int:
        """One chunk through the kernel; returns the year-factors floored."""
        get = arrays.get
        return int(
            self.k.run_chunk(
                z, int(n), int(m), self.sd, float(self.shocks.persistence), self.growth1,
                self.infl1, self.gdp0, FACTOR_FLOOR,
                program.kind, program.dst, program.a, program.b, program.weight, program.const,
                program.has_const, program.term_start, program.term_slot, program.term_weight,
                program.slots, out_slot, mode,
                get("center", _EMPTY_F), get("inverse", _EMPTY_F),
                get("store", _EMPTY_F32), int(get("col0", 0)),
                get("rows", _EMPTY_ROWS), get("hscale", _EMPTY_F),
                get("hshift", _EMPTY_F), get("hist", _EMPTY_HIST),
                get("binned", _EMPTY_BINS),
                get("low", _EMPTY_F), get("high", _EMPTY_F),
            )
        )  # fmt: skip

    def draws(self, i: int, n: int) -> tuple[Array, int]:
        """Normal draws (2, T, C + 1, m) of chunk ``i``, common factor first: this thread's array."""
        sh, T, C = self.shocks, self.T, self.setup.C
        m = (n + 1) // 2 if sh.antithetic else n
        z = getattr(self.local, "z", None)
        if z is None or z.shape[3] != m:
            z = self.local.z = np.empty((2, T, C + 1, m))
        sobol = self.sobol
        if sobol is not None and self.sobol_kernel:
            base, offset, high = sobol.points(i * self.points_per_chunk, m)
            self.k.sobol_normals(base, offset, high, m, *sobol.table(), z.reshape(-1, m))
        elif sobol is not None:
            z[...] = sobol.normals(i * sobol.block_size, m).reshape(2, T, C + 1, m)
        else:
            rng = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(sh.seed, spawn_key=(i,)))
            )
            for j in range(2):
                z[j, :, 0, :] = rng.standard_normal((T, m))
                z[j, :, 1:, :] = rng.standard_normal((T, C, m))
        return z, m

    def task(self, spec: tuple[int, int, int], pilot: bool) -> tuple[int, int]:
        """One chunk: its paths counted (0 for a pilot chunk run again) and year-factors floored."""
        i, start, n = spec
        z, m = self.draws(i, n)
        program, slots, sink = self.plan.program, self.plan.slots, self.sink
        if self.exact:
            fl = self.call(program, z, n, m, slots, self.k.EXACT, center=sink.center,
                           inverse=sink.inverse, store=sink.store, col0=start)  # fmt: skip
            return n, fl
        if pilot:  # only the rows' ranges: scale and shift 0 put every value in a scratch bin 0
            hist = self._local_array("scratch", (self.n_rows, 2), np.int32)
            scale = shift = np.zeros(self.n_rows)
        else:
            hist = self._thread_hist()
            scale, shift = self.hscale, self.hshift
        # uint16: HistogramSink keeps bins + 2 <= 2**16
        binned = self._local_array("binned", (self.n_rows, n), np.uint16)
        low, high = self._ranges()
        fl = self.call(program, z, n, m, slots, self.k.HISTOGRAM, hscale=scale, hshift=shift,
                       hist=hist, binned=binned, low=low, high=high)  # fmt: skip
        recount = not pilot and start < self.pilot_paths  # a pilot chunk again: already reported
        return (0, 0) if recount else (n, fl)

    def _thread_hist(self) -> Array:
        """This thread's histogram counts (each thread counts into its own; summed at the end)."""
        hist: Array | None = getattr(self.local, "hist", None)
        if hist is None:
            hist = self.local.hist = np.zeros((self.n_rows, self.sink.bins + 2), np.int32)
            with self.lock:
                self.hists.append(hist)
        return hist

    def _local_array(self, name: str, shape: tuple[int, ...], dtype: Any) -> Array:
        array: Array | None = getattr(self.local, name, None)
        if array is None or array.shape != shape:
            array = np.zeros(shape, dtype)
            setattr(self.local, name, array)
        return array

    def _ranges(self) -> tuple[Array, Array]:
        """This thread's running minimum and maximum of each row."""
        state = getattr(self.local, "range", None)
        if state is None:
            state = self.local.range = (np.full(self.n_rows, np.inf), np.full(self.n_rows, -np.inf))
            with self.lock:
                self.lows.append(state)
        return state

    def _combined_ranges(self) -> tuple[Array, Array]:
        """Every row's minimum and maximum over all threads so far."""
        low, high = np.full(self.n_rows, np.inf), np.full(self.n_rows, -np.inf)
        for lo, hi in self.lows:
            np.minimum(low, lo, out=low)
            np.maximum(high, hi, out=high)
        return low, high

    def collect(self, result: tuple[int, int]) -> None:
        n, fl = result
        self.done, self.floored = self.done + n, self.floored + fl
        if self.progress is not None:
            self.progress(self.done, self.N)

    def execute(self) -> EngineOutput:
        chunks, sink = self.chunks, self.sink
        pilot = sink.pilot_chunks(len(chunks), self.size)
        run_ordered(
            [partial(self.task, c, True) for c in chunks[:pilot]], self.workers, self.collect
        )
        self.pilot_paths = sum(c[2] for c in chunks[:pilot])
        rest = chunks[pilot:]
        if (
            not self.exact
        ):  # the pilot gave the ranges; its chunks run again, binned, on all threads
            sink.start_from(*self._combined_ranges())
            self.hscale = np.ascontiguousarray(sink.scale[:, 0])
            self.hshift = np.ascontiguousarray(sink.shift[:, 0])
            rest = chunks
        run_ordered((partial(self.task, c, False) for c in rest), self.workers, self.collect)
        if self.exact:
            rows = _select(self.k, sink, self.workers)
        else:
            low, high = self._combined_ranges()
            sink.hists.extend(h.astype(np.int64) for h in self.hists)
            np.minimum(sink.low, low, out=sink.low)
            np.maximum(sink.high, high, out=sink.high)
            rows = sink.quantiles(self.workers)
        sink.release()
        setup, plan = self.setup, self.plan
        prim0 = {p: plan.prim0[i][:, :, None] for i, p in enumerate(PRIMS)}
        quantiles = setup.quantiles(plan.central, prim0, rows)
        return setup.output(plan.central, quantiles, sink, self.floored, "compiled")


_EMPTY_F32 = np.zeros((1, 1), np.float32)
_EMPTY_ROWS = np.zeros((1, 1))
_EMPTY_HIST = np.zeros((1, 2), np.int32)
_EMPTY_BINS = np.zeros((1, 1), np.uint16)


@dataclass(frozen=True)
class _Plan:
    """What a projection's Monte Carlo needs that does not depend on the shocks or the seed."""

    central: Array
    prim0: Array
    program: Any
    slots: Array
    centers: Array


_PLANS: PerInputs[_Plan] = PerInputs(16)


def _make_plan(run: CompiledRun) -> _Plan:
    """The central path (every cell, zero shocks, through the same arithmetic) and the program
    of the cells that are sorted, in the NumPy path's row order."""
    setup = run.setup
    T1, C, G, S = setup.T1, setup.C, setup.G, len(setup.series)
    full = Builder(setup.series, T1, C, setup.inp.groups, setup.bloc_scales)
    cells = [full.country(s, t, c) for s in range(S) for c in range(C) for t in range(T1)]
    cells += [full.aggregate(s, g, t) for s in range(S) for g in range(G) for t in range(T1)]
    every = np.array(cells + list(range(3 * T1 * C)), np.int64)
    values0 = np.empty((len(every), 1))
    zero = np.zeros((2, T1 - 1, C + 1, 1))
    run.call(full.program(), zero, 1, 1, every, run.k.ROWS, rows=values0)
    v0 = values0[:, 0]
    central = np.empty((S, C + G, T1))
    central[:, :C] = v0[: S * C * T1].reshape(S, C, T1)
    at = S * C * T1
    central[:, C:] = v0[at : at + S * G * T1].reshape(S, G, T1)
    prim0 = v0[at + S * G * T1 :].reshape(3, T1, C)

    mc = Builder(setup.series, T1, C, setup.inp.groups, setup.bloc_scales)
    out_slot: list[int] = []
    centers: list[float] = []
    for kind, key, idx in setup.rows:
        for cell in (int(i) for i in idx):
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
    slots = np.array(out_slot, np.int64)
    return _Plan(central, prim0, mc.program(), slots, np.array(centers))


def _select(k: Any, sink: Any, workers: int) -> Array:
    """Quantiles of every row of an exact sink by selection, rows split over threads."""
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

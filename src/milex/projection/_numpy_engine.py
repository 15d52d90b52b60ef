"""The engine's NumPy path: paths x countries x years as whole arrays, chunked, seeded, deterministic.

Chunks draw from their own seed (SeedSequence(seed, spawn_key=(i,))) and histograms add integers,
so results do not depend on the number of worker threads. Quantiles are exact order statistics
(a sort, then ``quantiles.sorted_quantiles``) while all values fit in ``memory_limit``; beyond that
a fixed-bin histogram per cell, its range set by a pilot of the first paths, streams the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from milex.projection._layout import Setup, cumulate
from milex.projection._model import CHUNK_PATHS, FACTOR_FLOOR, PRIMS, EngineOutput
from milex.projection._quantiles import ExactSink, HistogramSink, Rows, Sink
from milex.projection._threads import run_ordered

Array = np.ndarray
Alloc = Callable[[str, tuple[int, ...]], Array]


def _fresh(name: str, shape: tuple[int, ...]) -> Array:
    """A new array (for the central path, whose arrays are kept)."""
    return np.empty(shape)


class _Scratch:
    """One thread's arrays, reused from chunk to chunk: fresh memory costs page faults, which on
    a virtual machine can cost more than the arithmetic done in it."""

    def __init__(self) -> None:
        self.arrays: dict[str, Array] = {}

    def __call__(self, name: str, shape: tuple[int, ...]) -> Array:
        array = self.arrays.get(name)
        if array is None or array.shape != shape:
            array = self.arrays[name] = np.empty(shape)
        return array


class NumpyEngine(Setup):
    """One projection's Monte Carlo on NumPy: the draws, levels and series of chunks of paths.

    Keeps no per-chunk state: chunks run on several threads at once (each reuses its own arrays).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()  # each worker thread's reusable arrays

    # -- one chunk ---------------------------------------------------------------------------------
    def draws(self, chunk: int, n: int, alloc: Alloc = _fresh) -> tuple[Array, Array]:
        """Growth and inflation shocks (T, C, n) for one chunk, as fractions."""
        sh, T, C = self.shocks, self.T1 - 1, self.C
        antithetic = sh.antithetic
        m = (n + 1) // 2 if antithetic else n
        if self.sobol is not None:
            z = self.sobol.normals(chunk * self.sobol.block_size, m).reshape(2, T, C + 1, m)
        else:
            rng = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(sh.seed, spawn_key=(chunk,)))
            )
        out = []
        for k, sd in enumerate((sh.growth_sd, sh.inflation_sd)):
            half = alloc(f"draw{k}", (T, C, m))
            if self.sobol is not None:
                common = z[k, :, :1]
                np.copyto(half, z[k, :, 1:])
            else:
                common = rng.standard_normal((T, 1, m))
                rng.standard_normal(out=half)
            half *= sd * np.sqrt(1.0 - sh.correlation)
            common *= sd * np.sqrt(sh.correlation)
            half += common
            for t in range(1, T):
                half[t] += sh.persistence * half[t - 1]
            eps = half
            if antithetic:  # paths m.. mirror paths 0..
                eps = alloc(f"shock{k}", (T, C, n))
                eps[:, :, :m] = half
                np.negative(half[:, :, : n - m], out=eps[:, :, m:])
            out.append(eps)
        return out[0], out[1]

    def levels(self, eg: Array, ep: Array, alloc: Alloc = _fresh) -> tuple[dict[str, Array], int]:
        """Nominal GDP Y, price level P (base year = 1) and real GDP R, each (T1, C, n)."""
        gf = np.add(self.growth1[:, :, None], eg, out=alloc("gf", eg.shape))
        pf = np.add(self.infl1[:, :, None], ep, out=alloc("pf", ep.shape))
        floored = 0
        if min(gf.min(), pf.min()) < FACTOR_FLOOR:
            floored = int(np.count_nonzero(gf < FACTOR_FLOOR) + np.count_nonzero(pf < FACTOR_FLOOR))
            np.maximum(gf, FACTOR_FLOOR, out=gf)
            np.maximum(pf, FACTOR_FLOOR, out=pf)
        shape = (self.T1, self.C, eg.shape[2])
        Y, P = alloc("Y", shape), alloc("P", shape)
        Y[0] = self.inp.gdp0[:, None]
        P[0] = 1.0
        for t in range(1, self.T1):
            np.multiply(P[t - 1], pf[t - 1], out=P[t])
            np.multiply(Y[t - 1], gf[t - 1], out=Y[t])
            Y[t] *= pf[t - 1]
        return {"Y": Y, "P": P, "R": np.divide(Y, P, out=alloc("R", shape))}, floored

    def evaluate(
        self, prim: dict[str, Array], full: bool, alloc: Alloc = _fresh
    ) -> dict[tuple[str, int], Array]:
        """Country series (T1, C, n) and aggregates (T1, n): all if ``full``, else what is sorted."""
        out: dict[tuple[str, int], Array] = {}

        def country(s: int) -> Array:
            if ("series", s) not in out:
                out[("series", s)] = self._country(s, prim, country, alloc)
            return out[("series", s)]

        def agg(s: int, g: int) -> Array:
            key = ("agg", s * self.G + g)
            if key not in out:
                out[key] = self._aggregate(s, g, prim, agg)
            return out[key]

        wanted = range(len(self.series)) if full else sorted(self.need_series)
        for s in wanted:
            country(s)
        for s in range(len(self.series)):
            for g in range(self.G):
                if full or not self.agg_fixed[s, g].all():
                    agg(s, g)
        return out

    def _country(
        self, s: int, prim: dict[str, Array], country: Callable[[int], Array], alloc: Alloc
    ) -> Array:
        ser, shape = self.series[s], prim["Y"].shape
        out = alloc(f"series{s}", shape)
        if ser.source >= 0:
            np.copyto(out, country(ser.source))
            return cumulate(out)
        if ser.inv is not None:
            np.divide(ser.inv[:, :, None], prim["R"], out=out)
            out += ser.const[:, :, None]
            return out
        if not ser.coef:
            np.copyto(out, ser.const[:, :, None])
            return out
        for i, (name, c) in enumerate(ser.coef.items()):
            if i == 0:
                np.multiply(c[:, :, None], prim[name], out=out)
            else:
                out += np.multiply(c[:, :, None], prim[name], out=alloc("term", shape))
        if ser.const.any():
            out += ser.const[:, :, None]
        return out

    def _aggregate(self, s: int, g: int, prim: dict[str, Array], agg: Any) -> Array:
        ser = self.series[s]
        if ser.source >= 0:
            return cumulate(agg(ser.source, g).copy())
        if ser.inv is not None and ser.bloc_num is not None and ser.bloc_den is not None:
            num = self._summed(*ser.bloc_num, g, prim)
            den = self._summed(ser.bloc_den[0]["R"] * self.bloc_scale(g), ser.bloc_den[1], g, prim)
            with np.errstate(divide="ignore", invalid="ignore"):
                share: Array = 100.0 * num / den
            return share
        return self._summed(ser.coef, ser.const, g, prim)

    def _summed(self, coef: Any, const: Array, g: int, prim: dict[str, Array]) -> Array:
        """Sum over group ``g``'s members of coef x the simulated quantity, plus the constants
        (``coef`` a table per quantity, or one table on R)."""
        if not isinstance(coef, dict):
            coef = {"R": coef}
        mask = np.zeros(self.C)
        mask[self.inp.groups[g][1]] = 1.0
        total = None
        for name, c in coef.items():
            # countries are added in order for every path, whatever the number of paths (a
            # non-member adds an exact 0): the central path and no-shock paths agree to the bit
            term = np.einsum("tc,tcn->tn", c * mask, prim[name])
            total = term if total is None else np.add(total, term, out=total)
        const = (const * mask).sum(axis=1)[:, None]
        if total is None:
            return np.repeat(const, prim["Y"].shape[2], axis=1)
        summed: Array = total + const if const.any() else total
        return summed

    def block(self, prim: dict[str, Array], values: dict[tuple[str, int], Array]) -> Rows:
        """The values to sort, one row per stochastic cell: where each row range comes from."""
        n = prim["Y"].shape[2]
        parts = []
        for kind, key, idx in self.rows:
            if kind == "prim":
                source = prim[PRIMS[key]].reshape(self.T1 * self.C, n)
            elif kind == "series":
                source = values[("series", key)].reshape(self.T1 * self.C, n)
            else:
                source = values[("agg", key)]
            parts.append((source, idx))
        return Rows(parts, n)

    def chunk(self, i: int, n: int) -> tuple[Rows, int]:
        """One chunk of paths, its arrays reused from this thread's last chunk."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = _Scratch()
        eg, ep = self.draws(i, n, scratch)
        prim, floored = self.levels(eg, ep, scratch)
        return self.block(prim, self.evaluate(prim, False, scratch)), floored

    # -- the run -------------------------------------------------------------------------------------
    def run(
        self, workers: int, memory_limit: int, progress: Callable[[int, int], None] | None
    ) -> EngineOutput:
        N = self.shocks.paths
        # the central path is computed as two identical paths: with one, NumPy would sum over
        # countries in another order, and a no-shock run would differ from it in the last bit
        zero = np.zeros((self.T1 - 1, self.C, 2))
        prim0, _ = self.levels(zero, zero)
        values0 = self.evaluate(prim0, full=True)
        central = self._assemble(values0)
        sink: Sink
        if self.n_rows * N * 4 <= memory_limit:
            centers = self.block(prim0, values0).gather(0, self.n_rows, np.empty((self.n_rows, 2)))
            sink = ExactSink(self.n_rows, N, centers[:, 0])
        else:
            sink = HistogramSink(self.n_rows, N)
        chunks = [(i, s, min(CHUNK_PATHS, N - s)) for i, s in enumerate(range(0, N, CHUNK_PATHS))]
        done, floored = 0, 0

        def task(spec: tuple[int, int, int]) -> tuple[int, Any, int]:
            i, start, n = spec
            rows, fl = self.chunk(i, n)
            return n, sink.take(start, rows), fl

        def collect(result: tuple[int, Any, int]) -> None:
            nonlocal done, floored
            n, payload, fl = result
            sink.merge(payload)
            done, floored = done + n, floored + fl
            if progress is not None:
                progress(done, N)

        pilot = sink.pilot_chunks(len(chunks), CHUNK_PATHS)
        run_ordered([partial(task, c) for c in chunks[:pilot]], workers, collect)
        sink.start()
        run_ordered((partial(task, c) for c in chunks[pilot:]), workers, collect)
        rows = sink.quantiles(workers)
        sink.release()
        return self.output(central, self.quantiles(central, prim0, rows), sink, floored, "numpy")

    def _assemble(self, values: dict[tuple[str, int], Array]) -> Array:
        """Central (S, E, T1) from a full evaluation with one path."""
        S = len(self.series)
        out = np.empty((S, self.C + self.G, self.T1))
        for s in range(S):
            out[s, : self.C] = values[("series", s)][:, :, 0].T  # path 0 of the two
            for g in range(self.G):
                out[s, self.C + g] = values[("agg", s * self.G + g)][:, 0]
        return out

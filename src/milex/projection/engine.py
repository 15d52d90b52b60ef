"""The Monte Carlo engine: paths x countries x years in NumPy, chunked, seeded and deterministic.

Per path, nominal GDP follows Y[t] = Y[t-1] (1 + g[t] + eg[t]) (1 + p[t] + ep[t]) and the price
level P[t] = P[t-1] (1 + p[t] + ep[t]), where g and p are the central real growth and GDP-deflator
inflation and eg, ep are AR(1) shocks whose innovations mix a common factor (shared by all
countries) and an idiosyncratic draw. Every money output is linear in the simulated quantities:
spending = share x Y + real spending x P (see ``paths``), constant-price figures use R = Y / P.

Quantiles are exact order statistics (linear interpolation, as ``numpy.quantile``) while all values
fit in ``memory_limit``; beyond that a fixed-bin histogram per cell, its range set by a pilot of
the first paths, streams the rest (within a bin's width of exact; see ``quantiles``). A cell that
is an affine function of one simulated quantity takes its quantiles from that quantity's, which is
exact: affine maps commute with order statistics. Chunks draw from their own seed
(SeedSequence(seed, spawn_key=(i,))) and histograms add integers, so results do not depend on the
number of worker threads.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import numpy as np

from milex.projection.draws import Sobol
from milex.projection.quantiles import QUANTILES, ExactSink, HistogramSink, Rows, Sink
from milex.projection.threads import executor

CHUNK_PATHS = 2048  # fixed: with the seed it fixes every draw
FACTOR_FLOOR = 0.1  # a year's growth or price factor never falls below 0.1 (a 90% fall)
MEMORY_LIMIT = 512 * 2**20
LINEAR = ("gdp", "spending", "spending_const", "extra", "extra_const")
MEASURES = ("gdp", "share_pct", *LINEAR[1:], "cum_extra", "cum_extra_const")
PRIMS = ("Y", "R", "P")
Array = np.ndarray
Alloc = Callable[[str, tuple[int, ...]], Array]
V = TypeVar("V")


class PerInputs(Generic[V]):
    """Values computed from an inputs object, kept while it lives and among the last ``size``
    used: ``prepare_cached`` hands out the same inputs for the same scenario and dataset, so a
    new seed pays only for what depends on it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[weakref.ref[Any], V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, inputs: Any, make: Callable[[], V]) -> V:
        with self._lock:
            hit = self._items.get(id(inputs))
            if hit is not None and hit[0]() is inputs:
                self._items.move_to_end(id(inputs))
                return hit[1]
        value = make()
        with self._lock:
            self._items[id(inputs)] = (weakref.ref(inputs), value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def _fresh(name: str, shape: tuple[int, ...]) -> Array:
    """A new array (for the central path, whose arrays are kept)."""
    return np.empty(shape)


class Part(Protocol):
    """What the engine needs of one target (``paths.PartPaths`` provides it)."""

    name: str
    share: Array  # (years, countries) % of GDP
    real: Array  # (years, countries) national currency m at base-year prices
    base_share: Array  # (countries,) % of GDP


@dataclass(frozen=True)
class Shocks:
    """Shock sizes as fractions (0.015 = 1.5 percentage points) and Monte Carlo settings."""

    growth_sd: float
    inflation_sd: float
    correlation: float
    persistence: float
    paths: int
    seed: int
    antithetic: bool = True  # paths n/2.. mirror paths 0.. (Sobol': half the points, mirrored)
    generator: str = "pcg64"  # or "sobol": see ``draws``


@dataclass(frozen=True)
class EngineInputs:
    """Arrays for one projection; ``years[0]`` is the base year, T1 = len(years), C countries."""

    years: Array  # (T1,)
    gdp0: Array  # (C,) base-year nominal GDP, national currency m
    growth: Array  # (T1 - 1, C) central real growth, fraction
    inflation: Array  # (T1 - 1, C) central GDP-deflator inflation, fraction
    fx: Array  # (T1, C) output currency per national currency, for current prices
    fx_const: Array  # (C,) base-year rate, for constant prices
    parts: tuple[Part, ...]
    groups: tuple[tuple[str, Array], ...] = ()  # aggregate code, country indices


@dataclass(frozen=True)
class EngineOutput:
    """Central path and quantiles for every (part, measure) series, entity and year."""

    series: tuple[tuple[str, str], ...]  # (part, measure); part "" for gdp, "total" for sums
    central: Array  # (S, E, T1); entities: countries, then groups
    quantiles: Array  # (len(QUANTILES), S, E, T1)
    method: str  # "exact" or "histogram"
    paths: int
    floored: int  # year-factors raised to FACTOR_FLOOR
    outside: int  # histogram quantiles that fell outside the pilot range (clamped)


@dataclass
class _Series:
    """One output series (a target's measure) as coefficients on the simulated quantities."""

    part: str
    measure: str
    coef: dict[str, Array]  # primitive -> (T1, C); linear series only
    const: Array  # (T1, C)
    inv: Array | None = None  # share only: share = const + inv / R
    source: int = -1  # cum only: the series cumulated
    spending: int = -1  # share only: the spending series (for aggregates)


def simulate(
    inputs: EngineInputs,
    shocks: Shocks,
    *,
    workers: int | None = None,
    memory_limit: int = MEMORY_LIMIT,
    progress: Callable[[int, int], None] | None = None,
    compiled: bool | None = None,
) -> EngineOutput:
    """Run the Monte Carlo; ``progress(done, total)`` is called after each chunk.

    ``compiled``: True runs the numba kernel (``kernel``), False the NumPy engine, None the
    kernel where it pays (``kernel.use``). Both give the same numbers for the same seed, to
    rounding: the same draws go through the same arithmetic in the same order.
    """
    from milex.projection import kernel

    if compiled is None:
        compiled = kernel.use(shocks.paths)
    elif compiled and not kernel.available():
        raise RuntimeError(kernel.unavailable_reason())
    product = kernel.scramble_product() if compiled else None
    return _Engine(inputs, shocks, product).run(workers, memory_limit, progress, compiled)


class _Engine:
    """One projection's Monte Carlo: the layout of what to sort, chunks of paths, the quantiles.

    Keeps no per-chunk state: chunks run on several threads at once (each reuses its own arrays).
    """

    def __init__(
        self,
        inputs: EngineInputs,
        shocks: Shocks,
        product: Callable[[Array, Array], Array] | None = None,
    ) -> None:
        """``product``: how the Sobol' scramble's L v is computed (the compiled engine's kernel
        or NumPy's; the same integers)."""
        self.inp, self.shocks = inputs, shocks
        self.T1, self.C = len(inputs.years), len(inputs.gdp0)
        self.G = len(inputs.groups)
        self.growth1 = 1.0 + inputs.growth
        self.infl1 = 1.0 + inputs.inflation
        self._local = threading.local()  # each worker thread's reusable arrays
        self.sobol = (
            _sobol(shocks, self.T1 - 1, self.C, product) if shocks.generator == "sobol" else None
        )
        layout = _LAYOUTS.get(inputs, lambda: _layout(inputs))
        self.series, self.fixed, self.mapped, self.rows, self.agg_fixed = layout[:5]
        self.n_rows, self.need_series = layout.n_rows, layout.need_series

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
            return _cumulate(out)
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
            return _cumulate(agg(ser.source, g).copy())
        if ser.inv is not None:
            gdp = agg(0, g)
            with np.errstate(divide="ignore", invalid="ignore"):
                return 100.0 * agg(ser.spending, g) / gdp
        mask = np.zeros(self.C)
        mask[self.inp.groups[g][1]] = 1.0
        total = None
        for name, c in ser.coef.items():
            # countries are added in order for every path, whatever the number of paths (a
            # non-member adds an exact 0): the central path and no-shock paths agree to the bit
            term = np.einsum("tc,tcn->tn", c * mask, prim[name])
            total = term if total is None else np.add(total, term, out=total)
        const = (ser.const * mask).sum(axis=1)[:, None]
        if total is None:
            return np.repeat(const, prim["Y"].shape[2], axis=1)
        return total + const if const.any() else total

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
        self,
        workers: int | None,
        memory_limit: int,
        progress: Callable[[int, int], None] | None,
        compiled: bool = False,
    ) -> EngineOutput:
        if compiled:
            from milex.projection import kernel

            workers = max(1, workers or min(4, os.cpu_count() or 1))
            return kernel.run(self, workers, memory_limit, progress)  # type: ignore[no-any-return]
        N = self.shocks.paths
        # the central path is computed as two identical paths: with one, NumPy would sum over
        # countries in another order, and a no-shock run would differ from it in the last bit
        zero = np.zeros((self.T1 - 1, self.C, 2))
        prim0, _ = self.levels(zero, zero)
        values0 = self.evaluate(prim0, full=True)
        central = self._assemble(values0)
        workers = max(1, workers or min(4, os.cpu_count() or 1))
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
        _run_ordered([partial(task, c) for c in chunks[:pilot]], workers, collect)
        sink.start()
        _run_ordered((partial(task, c) for c in chunks[pilot:]), workers, collect)
        rows = sink.quantiles(workers)
        sink.release()
        quantiles = self._quantiles(central, prim0, rows)
        return EngineOutput(
            tuple((s.part, s.measure) for s in self.series),
            central,
            quantiles,
            sink.method,
            N,
            floored,
            sink.outside,
        )

    def _assemble(self, values: dict[tuple[str, int], Array]) -> Array:
        """Central (S, E, T1) from a full evaluation with one path."""
        S = len(self.series)
        out = np.empty((S, self.C + self.G, self.T1))
        for s in range(S):
            out[s, : self.C] = values[("series", s)][:, :, 0].T  # path 0 of the two
            for g in range(self.G):
                out[s, self.C + g] = values[("agg", s * self.G + g)][:, 0]
        return out

    def _quantiles(self, central: Array, prim0: dict[str, Array], rows: Array) -> Array:
        """Quantiles (Q, S, E, T1): fixed cells from the central path, the rest mapped or sorted."""
        Q, T1, C = len(QUANTILES), self.T1, self.C
        out = np.repeat(central[None], Q, axis=0)
        prim_q: dict[str, Array] = {}
        at = 0
        for kind, key, idx in self.rows:
            chunk = rows[:, at : at + len(idx)]
            at += len(idx)
            if kind == "prim":
                full = np.repeat(prim0[PRIMS[key]][:, :, 0].reshape(1, T1 * C), Q, axis=0)
                full[:, idx] = chunk
                prim_q[PRIMS[key]] = full
            elif kind == "series":
                t, c = np.divmod(idx, C)
                out[:, key, c, t] = chunk
            else:
                s, g = divmod(key, self.G)
                out[:, s, C + g, idx] = chunk
        for s, prim, flat, a, b in self.mapped:
            q = prim_q[prim][:, flat]
            q = np.where(a >= 0, q, q[::-1])  # a decreasing map swaps p5 and p95
            t, c = np.divmod(flat, C)
            out[:, s, c, t] = a * q + b
        return out


class _Layout(NamedTuple):
    """What is sorted and what is derived, for one inputs object (it does not depend on the
    shocks or the seed)."""

    series: list[_Series]
    fixed: Array  # (S, T1, C): quantiles = central
    mapped: list[tuple[int, str, Array, Array, Array]]  # s, prim, flat, a, b
    rows: list[tuple[str, int, Array]]  # ("prim"|"series"|"agg", key, flat idx)
    agg_fixed: Array  # (S, G, T1)
    n_rows: int
    need_series: set[int]


_LAYOUTS: PerInputs[_Layout] = PerInputs(16)


def _layout(inputs: EngineInputs) -> _Layout:
    """Classify each (series, year, country) cell: fixed, affine in one quantity, or sorted."""
    series = _build_series(inputs)
    S, T1, C, G = len(series), len(inputs.years), len(inputs.gdp0), len(inputs.groups)
    fixed = np.zeros((S, T1, C), bool)
    mapped: list[tuple[int, str, Array, Array, Array]] = []
    rows: list[tuple[str, int, Array]] = []
    stochastic = np.zeros((S, T1, C), bool)
    need_prim = {p: np.zeros((T1, C), bool) for p in PRIMS}
    later = np.arange(T1)[:, None] >= 1
    for s, ser in enumerate(series):
        if ser.source >= 0:
            src = stochastic[ser.source]
            stochastic[s] = np.logical_or.accumulate(src, axis=0) & later
            direct = stochastic[s]
        elif ser.inv is not None:
            stochastic[s] = direct = (ser.inv != 0) & later
        else:
            nnz = sum((c != 0).astype(int) for c in ser.coef.values())
            stochastic[s] = (nnz > 0) & later
            direct = (nnz > 1) & later
            for prim, c in ser.coef.items():
                single = (nnz == 1) & (c != 0) & later
                if single.any():
                    need_prim[prim] |= single
                    flat = np.flatnonzero(single)
                    mapped.append((s, prim, flat, c.ravel()[flat], ser.const.ravel()[flat]))
        fixed[s] = ~stochastic[s]
        if direct.any():
            rows.append(("series", s, np.flatnonzero(direct)))
    for p in PRIMS:
        if need_prim[p].any():
            rows.insert(0, ("prim", PRIMS.index(p), np.flatnonzero(need_prim[p])))
    agg_fixed = np.zeros((S, G, T1), bool)
    for g, (_, members) in enumerate(inputs.groups):
        for s, ser in enumerate(series):
            basis = ser.spending if ser.inv is not None else s  # a bloc share: its spending
            live = stochastic[basis][:, members].any(axis=1)
            agg_fixed[s, g] = ~live
            if live.any():
                rows.append(("agg", s * G + g, np.flatnonzero(live)))
    n_rows = sum(len(idx) for _, _, idx in rows)
    need_series = {key for kind, key, _ in rows if kind == "series"}

    return _Layout(series, fixed, mapped, rows, agg_fixed, n_rows, need_series)


# ----------------------------------------------------------------------------------------------
def _sobol(
    shocks: Shocks, T: int, C: int, product: Callable[[Array, Array], Array] | None = None
) -> Sobol:
    """The run's Sobol' sequence over (growth, inflation) x years x (common factor, countries):
    the common factors take its first (best spread) dimensions, year by year."""
    k, t, j = np.meshgrid(np.arange(2), np.arange(T), np.arange(C + 1), indexing="ij")
    rank = np.where(j == 0, k * T + t, 2 * T + (j - 1) * 2 * T + k * T + t)
    block = CHUNK_PATHS // 2 if shocks.antithetic else CHUNK_PATHS  # points per chunk
    return Sobol(2 * T * (C + 1), shocks.seed, block, rank.ravel(), product)


def _cumulate(values: Array) -> Array:
    """Running sum over years (axis 0), in place, from the year after the base year (0 in it)."""
    values[0] = 0.0
    for t in range(2, len(values)):
        values[t] += values[t - 1]
    return values


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


def _build_series(inp: EngineInputs) -> list[_Series]:
    """Coefficient tables of every (part, measure) series, in output currency (shares in %)."""
    T1, C = len(inp.years), len(inp.gdp0)
    zeros = np.zeros((T1, C))
    fx, fx0 = inp.fx, np.broadcast_to(inp.fx_const, (T1, C))
    series = [_Series("", "gdp", {"Y": fx.copy()}, zeros)]
    parts: list[tuple[str, Array, Array, Array]] = []
    for p in inp.parts:
        base = np.broadcast_to(p.base_share, (T1, C))
        extra = np.where(p.real != 0, -base, p.share - base)  # exactly 0 where the share is held
        parts.append((p.name, p.share, p.real, extra / 100.0))
    if len(parts) > 1:
        share = np.sum([p[1] for p in parts], axis=0)
        real = np.sum([p[2] for p in parts], axis=0)
        parts.append(("total", share, real, np.sum([p[3] for p in parts], axis=0)))
    for name, share, real, extra in parts:
        first = len(series)
        series += [
            _Series(name, "share_pct", {}, share.copy(), inv=100.0 * real, spending=first + 1),
            _Series(name, "spending", {"Y": share / 100.0 * fx, "P": real * fx}, zeros),
            _Series(name, "spending_const", {"R": share / 100.0 * fx0}, real * fx0),
            _Series(name, "extra", {"Y": extra * fx, "P": real * fx}, zeros),
            _Series(name, "extra_const", {"R": extra * fx0}, real * fx0),
            _Series(name, "cum_extra", {}, zeros, source=first + 3),
            _Series(name, "cum_extra_const", {}, zeros, source=first + 4),
        ]
    for ser in series:  # drop all-zero terms so that they cost nothing
        ser.coef = {k: v for k, v in ser.coef.items() if np.any(v != 0)}
        if ser.inv is not None and not np.any(ser.inv != 0):
            ser.inv = None if ser.measure != "share_pct" else np.zeros((T1, C))
    return series


def _run_ordered(
    tasks: Iterable[Callable[[], Any]], workers: int, collect: Callable[[Any], None]
) -> None:
    """Run tasks on ``workers`` threads, collecting results in order, a bounded number in flight."""
    if workers == 1:
        for task in tasks:
            collect(task())
        return
    pool = executor(workers)
    pending: deque[Any] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(task))
            if len(pending) >= 2 * workers:
                collect(pending.popleft().result())
        while pending:
            collect(pending.popleft().result())
    finally:  # on an error, cancel the tasks not started and wait for those running
        for future in pending:
            if not future.cancel():
                future.exception()

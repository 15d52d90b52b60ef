"""Where the engine's per-path values go: kept whole for exact quantiles, or streamed into histograms.

Both sinks take a block of values per chunk of paths, one row per cell (a country or bloc, year
and measure), and return the QUANTILES of every row. The exact sink keeps every value and sorts;
the histogram sink sets each row's range from a pilot of the first paths and counts the rest into
fixed bins, so its memory does not grow with the number of paths.

One implementation per path: the NumPy engine's exact quantiles are ``ExactSink.quantiles`` (a
sort, then ``sorted_quantiles``); the compiled engine's are its kernel's selection
(``_kernels.select_rows``, the same order statistics and the same interpolation); streamed runs
on either engine take theirs from ``HistogramSink.quantiles``.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np

from milex.projection._threads import parallel_map

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
PILOT_PATHS = 8192
HIST_BINS = 1024
Array = np.ndarray


class Rows:
    """One chunk's values to sort, (rows, n), kept where the engine computed them: row ranges
    are copied out on demand, so that a histogram sink can bin them slab by slab in cache."""

    def __init__(self, parts: list[tuple[Array, Array]], n: int) -> None:
        # a contiguous run of row indices is read as a slice: a view, not a fancy-indexed copy
        self.parts = [(source, _as_slice(idx)) for source, idx in parts]
        self.n = n  # (source (cells, n), the cells' row indices)
        self.starts = np.cumsum([0] + [len(idx) for _, idx in parts])
        self.total = int(self.starts[-1])

    def gather(self, a: int, b: int, out: Array) -> Array:
        """Rows a..b into ``out`` (b - a, n)."""
        for (source, idx), s0, s1 in zip(
            self.parts, self.starts[:-1], self.starts[1:], strict=True
        ):
            lo, hi = max(a, s0), min(b, s1)
            if lo < hi:
                out[lo - a : hi - a] = source[_sub(idx, lo - s0, hi - s0)]
        return out

    def deviations(
        self, center: Array, inverse: Array, out: Array, scratch: Array | None = None
    ) -> Array:
        """(value - center) x inverse for every row, into ``out`` (rows, n), float32 or wider;
        ``scratch`` (at least the largest part's rows x n, float64) saves fresh temporaries."""
        for (source, idx), s0, s1 in zip(
            self.parts, self.starts[:-1], self.starts[1:], strict=True
        ):
            if scratch is None:
                block = np.subtract(source[idx], center[s0:s1, None])
            else:
                block = np.subtract(source[idx], center[s0:s1, None], out=scratch[: s1 - s0])
            block *= inverse[s0:s1, None]
            out[s0:s1] = block
        return out

    @classmethod
    def of(cls, values: Array) -> Rows:
        """Rows of an array already in memory."""
        return cls([(values, np.arange(values.shape[0]))], values.shape[1])


def _as_slice(idx: Array) -> Array | slice:
    if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and np.all(np.diff(idx) == 1):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _sub(idx: Array | slice, a: int, b: int) -> Array | slice:
    if isinstance(idx, slice):
        return slice(idx.start + a, idx.start + b)
    return idx[a:b]


class Sink(Protocol):
    method: str
    outside: int

    def take(self, start: int, rows: Rows) -> Any: ...
    def merge(self, payload: Any) -> None: ...
    def release(self) -> None: ...
    def pilot_chunks(self, total: int, chunk: int) -> int: ...
    def start(self) -> None: ...
    def quantiles(self, workers: int) -> Array: ...


class _StorePool:
    """Stores of finished projections, kept for the next one of the same shape: a fresh
    60 MB array costs its page faults and zeroing (several ms) on every 10,000-path run.
    Holds at most ``KEEP`` stores of at most ``LARGEST`` bytes each, so memory stays bounded."""

    KEEP = 2
    LARGEST = 96 * 2**20  # 10,000 paths of about 2,400 rows

    def __init__(self) -> None:
        self._free: list[Array] = []
        self._lock = threading.Lock()

    def borrow(self, rows: int, paths: int) -> Array:
        with self._lock:
            for i, store in enumerate(self._free):
                if store.shape == (rows, paths):
                    return self._free.pop(i)
        return np.empty((rows, paths), np.float32)

    def give_back(self, store: Array) -> None:
        if store.nbytes > self.LARGEST:
            return
        with self._lock:
            self._free.insert(0, store)
            del self._free[self.KEEP :]


_STORES = _StorePool()


class ExactSink:
    """Keeps every value; quantiles are order statistics with linear interpolation.

    Values are kept as float32 deviations from each cell's central value, relative to its size,
    (x - c) / s with s = |c| (1 where c = 0), and mapped back in float64: this halves the memory
    and the sorting time. The rounding is about 6e-8 of the deviation (1e-8 of the value for a
    typical 20% spread), far below the sampling error; a path equal to the central path stays
    exactly equal, and scaling a cell scales its quantiles (the deviation is scale-free).
    """

    method = "exact"
    outside = 0

    def __init__(self, rows: int, paths: int, center: Array | None = None) -> None:
        self.store = _STORES.borrow(rows, paths)
        self.center = np.zeros(rows) if center is None else np.asarray(center, float)
        scale = np.abs(self.center)
        self.scale = np.where(scale > 0, scale, 1.0)
        self.inverse = 1.0 / self.scale
        self._local = threading.local()

    def take(self, start: int, rows: Rows) -> None:
        # disjoint columns of the store: thread-safe; each thread reuses its own scratch (fresh
        # memory costs page faults, dearer on a virtual machine than the arithmetic)
        largest = max(int(b - a) for a, b in zip(rows.starts[:-1], rows.starts[1:], strict=True))
        scratch = getattr(self._local, "scratch", None)
        if scratch is None or scratch.shape[0] < largest or scratch.shape[1] != rows.n:
            scratch = self._local.scratch = np.empty((largest, rows.n))
        out = self.store[:, start : start + rows.n]
        rows.deviations(self.center, self.inverse, out, scratch)

    def merge(self, payload: Any) -> None:
        return None

    def release(self) -> None:
        """Hand the store back for the next projection of the same size (its quantiles taken)."""
        _STORES.give_back(self.store)
        del self.store

    def pilot_chunks(self, total: int, chunk: int) -> int:
        return total

    def start(self) -> None:
        return None

    def quantiles(self, workers: int) -> Array:
        rows = self.store.shape[0]
        parts = np.array_split(np.arange(rows), max(1, min(workers, rows)))

        def one(idx: Array) -> Array:
            a, b = int(idx[0]), int(idx[-1]) + 1
            block = self.store[a:b]
            block.sort(axis=1)  # NumPy's SIMD sort, in place, without the GIL
            values: Array = self.center[a:b] + self.scale[a:b] * sorted_quantiles(block)
            return values

        return np.concatenate(parallel_map(one, parts, len(parts)), axis=1)


def sorted_quantiles(rows: Array) -> Array:
    """QUANTILES of each row of sorted values, as numpy.quantile's default ('linear'), float64."""
    n = rows.shape[1]
    out = np.empty((len(QUANTILES), rows.shape[0]))
    for i, q in enumerate(QUANTILES):
        pos = q * (n - 1)
        lo = int(np.floor(pos))
        frac = pos - lo
        a = rows[:, lo].astype(float)
        b = rows[:, min(lo + 1, n - 1)].astype(float)
        out[i] = a + (b - a) * frac if frac < 0.5 else b - (b - a) * (1.0 - frac)
    return out


class HistogramSink:
    """Per-row histograms whose range comes from a pilot of the first paths.

    Each row's range is the pilot's span with half as much room again on each side; values beyond
    it go to an underflow or overflow bin. A quantile is interpolated within its bin, so it is
    within a bin's width of exact, and it is clamped to the row's true minimum and maximum (so a
    row whose values are all equal gets exactly that value). Each worker thread counts into its
    own histogram: integers, summed at the end, so the result does not depend on which thread took
    which chunk. Rows are binned in slabs that stay in cache.
    """

    method = "histogram"
    SLAB = 64

    def __init__(self, rows: int, paths: int, bins: int = HIST_BINS) -> None:
        if not 1 <= bins <= 2**16 - 2:  # the compiled kernel keeps each value's bin as uint16
            raise ValueError(f"histogram bins must be 1 to {2**16 - 2}, not {bins}")
        self.rows, self.paths, self.bins = rows, paths, bins
        self.pilot: list[tuple[int, Array]] = []
        self.hists: list[Array] = []
        self.local = threading.local()
        self.lock = threading.Lock()
        self.outside = 0
        self.ready = False

    def pilot_chunks(self, total: int, chunk: int) -> int:
        return min(total, -(-PILOT_PATHS // chunk))

    def take(self, start: int, rows: Rows) -> Any:
        if not self.ready:
            return ("pilot", start, rows.gather(0, rows.total, np.empty((self.rows, rows.n))))
        return ("range", *self._bin(rows))

    def release(self) -> None:
        return None

    def merge(self, payload: Any) -> None:
        if payload[0] == "pilot":
            self.pilot.append((payload[1], payload[2]))
        else:
            np.minimum(self.low, payload[1], out=self.low)
            np.maximum(self.high, payload[2], out=self.high)

    def start(self) -> None:
        """Set each row's range from the pilot and count the pilot's values."""
        blocks = [b for _, b in sorted(self.pilot, key=lambda p: p[0])]
        self.start_from(
            np.minimum.reduce([b.min(axis=1) for b in blocks]),
            np.maximum.reduce([b.max(axis=1) for b in blocks]),
        )
        self._bin(Rows.of(np.concatenate(blocks, axis=1)))
        self.pilot = []

    def start_from(self, low: Array, high: Array) -> None:
        """Set each row's range from the pilot's minima and maxima, counting nothing: the
        compiled kernel finds them without keeping the pilot's values, then runs the pilot's
        chunks again, binned, on all threads."""
        self.low, self.high = np.array(low, float), np.array(high, float)
        span = self.high - self.low
        span = np.where(span > 0, span, np.maximum(np.abs(self.low) * 1e-9, 1e-12))
        self.origin = self.low - 0.5 * span
        self.width = 2.0 * span / self.bins
        self.scale = (1.0 / self.width)[:, None]
        self.shift = (1.0 - self.origin / self.width)[:, None]  # bin 0 is the underflow
        offsets = ((np.arange(self.rows) % self.SLAB) * (self.bins + 2))[:, None].astype(float)
        self.shift_slab, self.first, self.last = (
            self.shift + offsets,
            offsets,
            offsets + self.bins + 1,
        )
        self.ready = True

    def _bin(self, rows: Rows) -> tuple[Array, Array]:
        """Count the rows into this thread's histogram, slab by slab; their minima and maxima."""
        local = self.local
        width, n = self.bins + 2, rows.n
        if getattr(local, "hist", None) is None:
            local.hist = np.zeros((self.rows, width), np.int64)
            with self.lock:
                self.hists.append(local.hist)
        if getattr(local, "z", None) is None or local.z.shape[1] != n:
            local.values, local.z = np.empty((self.SLAB, n)), np.empty((self.SLAB, n))
            local.idx = np.empty((self.SLAB, n), np.intp)
        low, high = np.empty(self.rows), np.empty(self.rows)
        for a in range(0, self.rows, self.SLAB):
            b = min(self.rows, a + self.SLAB)
            values = rows.gather(a, b, local.values[: b - a])
            low[a:b], high[a:b] = values.min(axis=1), values.max(axis=1)
            z, idx = local.z[: b - a], local.idx[: b - a]
            # each row of the slab counts into its own range of bins: bin = offset + 1 +
            # floor((value - origin) / width), clipped to the row's underflow and overflow bins
            np.multiply(values, self.scale[a:b], out=z)
            z += self.shift_slab[a:b]
            np.clip(z, self.first[a:b], self.last[a:b], out=z)
            np.copyto(idx, z, casting="unsafe")  # truncation is floor: every value is >= 0
            counts = np.bincount(idx.ravel(), minlength=(b - a) * width)
            local.hist[a:b] += counts.reshape(b - a, width)
        return low, high

    def quantiles(self, workers: int) -> Array:
        if not self.ready:
            self.start()
        hist = np.sum(self.hists, axis=0)
        cum = np.cumsum(hist, axis=1)
        out = np.empty((len(QUANTILES), self.rows))
        rows = np.arange(self.rows)
        for i, q in enumerate(QUANTILES):
            rank = q * (self.paths - 1)
            j = np.argmax(cum > rank, axis=1)
            count = hist[rows, j]
            before = cum[rows, j] - count
            self.outside += int(np.count_nonzero((j < 1) | (j > self.bins)))
            frac = (rank - before + 0.5) / np.maximum(count, 1)
            value = self.origin + (j - 1 + frac) * self.width
            out[i] = np.clip(value, self.low, self.high)
        return out

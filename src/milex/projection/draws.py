"""Standard normal draws for the engine: pseudo-random (PCG64) or randomized quasi-random (Sobol).

``pcg64``: chunk i of a run draws from ``Generator(PCG64(SeedSequence(seed, spawn_key=(i,))))``,
optionally in antithetic pairs (the engine mirrors them). Same seed, same numbers.

``sobol``: a Sobol' sequence (Joe and Kuo's direction numbers, as SciPy ships them) randomized by a
linear matrix scramble and a digital shift (Matousek 1998; Owen 2003), both drawn from
``Generator(PCG64(SeedSequence(seed)))``; point k of the run is the k-th point of that one
scrambled sequence, whichever chunk computes it. Each randomization gives an unbiased estimate,
and for smooth functions of the draws, such as these paths, the error falls faster than 1/sqrt(n):
fewer paths reach the same accuracy. Dimensions are ordered so the common factors come first
(the first dimensions of a Sobol' sequence are the best spread). Beyond SciPy's 21,201 dimensions
the remaining ones are padded with PCG64 draws. Uniforms become normals through a table of the
inverse normal CDF on 2^16 cells, interpolated linearly (error below 2e-7 in [0.01, 0.99]); the
outer 2% of each tail use scipy.special.ndtri itself.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

GENERATORS = ("sobol", "pcg64")
MAX_SOBOL_DIMS = 21_201
BITS = 32
TABLE_BITS = 16
Array = np.ndarray


@lru_cache(maxsize=4)
def _directions(dims: int) -> Array:
    """Direction numbers (dims, 32) as uint64, MSB-aligned 32-bit integers."""
    from scipy.stats import qmc

    return qmc.Sobol(dims, scramble=False, bits=BITS)._sv.astype(np.uint64)


@lru_cache(maxsize=1)
def _table() -> tuple[Array, Array]:
    """Inverse normal CDF at i / 2^16 and its steps, for linear interpolation."""
    from scipy.special import ndtri

    knots = ndtri(np.arange(2**TABLE_BITS + 1) / 2**TABLE_BITS)
    knots[[0, -1]] = 0.0  # the end cells are in the tails, computed exactly
    # float32 halves the table (it then fits in cache): 6e-8 relative error on a normal draw
    return knots[:-1].astype(np.float32), np.diff(knots).astype(np.float32)


class Sobol:
    """One run's scrambled Sobol' sequence in ``dims`` dimensions; ``block`` gives any points."""

    def __init__(self, dims: int, seed: int, block: int, rank: Array | None = None) -> None:
        """``rank[r]``: which Sobol' dimension row r of the output takes (default: r)."""
        self.dims, self.seed, self.block_size = dims, seed, block
        rank = np.arange(dims) if rank is None else np.asarray(rank)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        d = min(dims, MAX_SOBOL_DIMS)
        v = _scramble(_directions(d), rng).astype(np.uint32)  # 32-bit: twice as fast
        shift = rng.integers(0, 2**BITS, d, dtype=np.uint64).astype(np.uint32)
        self.rows = rank < d  # the others are padded with pseudo-random draws
        self.d = int(self.rows.sum())
        self.v, self.shift = v[rank[self.rows]], shift[rank[self.rows]]
        self._base: Array | None = None
        self._lock = threading.Lock()

    def base(self) -> Array:
        """Points 0 .. block - 1 of the scrambled sequence (before the shift), (d, block)."""
        with self._lock:
            if self._base is None:
                bits = int(self.block_size - 1).bit_length()
                out = np.zeros((self.d, 2**bits), np.uint32)
                for j in range(bits):  # point i is the XOR of v_j over the bits j of i
                    out[:, 2**j : 2 ** (j + 1)] = out[:, : 2**j] ^ self.v[:, j : j + 1]
                self._base = out
            return self._base

    def normals(self, start: int, n: int) -> Array:
        """Normal draws (dims, n) of points start .. start + n - 1; start a multiple of block."""
        if start % self.block_size or n > self.block_size:
            raise ValueError(f"Sobol points from {start}: not a block of {self.block_size}")
        bits = int(self.block_size - 1).bit_length()
        high = self.shift.copy()
        for j in range(bits, BITS):
            if (start >> j) & 1:
                high ^= self.v[:, j]
        points = self.base()[:, :n] ^ high[:, None]
        if self.d == self.dims:
            return to_normal(points)
        out = np.empty((self.dims, n))  # padding beyond the table of direction numbers
        out[self.rows] = to_normal(points)
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(start,)))
        )
        out[~self.rows] = rng.standard_normal((self.dims - self.d, n))
        return out


def _scramble(v: Array, rng: np.random.Generator) -> Array:
    """Linear matrix scramble of direction numbers: v' = L v over GF(2), L random lower
    triangular with a unit diagonal per dimension (output digit r depends on digits 1..r)."""
    d = v.shape[0]
    r = np.arange(BITS, dtype=np.uint64)
    diagonal = np.uint64(1) << (np.uint64(BITS - 1) - r)  # digit r, from the most significant
    above = ~((diagonal << np.uint64(1)) - np.uint64(1)) & np.uint64(2**BITS - 1)  # digits < r
    rows = rng.integers(0, 2**BITS, (d, BITS), dtype=np.uint64) & above | diagonal
    parity = np.bitwise_count(rows[:, :, None] & v[:, None, :]) & 1  # (d, r, j)
    weights = diagonal[None, :, None]
    return np.bitwise_or.reduce(parity.astype(np.uint64) * weights, axis=1)


def to_normal(points: Array, out: Array | None = None) -> Array:
    """Standard normals from 32-bit points, each the centre of its cell: u = (x + 0.5) / 2^32."""
    from scipy.special import ndtri

    low, step = _table()
    cell = (points >> np.uint32(BITS - TABLE_BITS)).astype(np.intp)
    frac = (points & np.uint32(2 ** (BITS - TABLE_BITS) - 1)).astype(float)
    frac += 0.5
    out = np.multiply(step.take(cell), frac, out=out)
    out *= 2.0 ** -(BITS - TABLE_BITS)
    out += low.take(cell)
    edge = 2**TABLE_BITS // 100  # the outer 1% of cells on each side: the exact function
    flat = cell.reshape(-1)
    tails = np.flatnonzero((flat < edge) | (flat >= 2**TABLE_BITS - edge))
    out.reshape(-1)[tails] = ndtri((points.reshape(-1)[tails] + 0.5) * 2.0**-BITS)
    return out

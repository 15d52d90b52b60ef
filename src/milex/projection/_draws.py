"""Standard normal draws for the engine: pseudo-random (PCG64) or randomized quasi-random (Sobol).

``pcg64``: chunk i of a run draws from ``Generator(PCG64(SeedSequence(seed, spawn_key=(i,))))``,
optionally in antithetic pairs (the engine mirrors them). Same seed, same numbers.

``sobol``: (with antithetic pairs, the engine takes half as many points and mirrors them) a
Sobol' sequence (Joe and Kuo's direction numbers, as SciPy ships them) randomized by a
linear matrix scramble and a digital shift (Matousek 1998; Owen 2003), both drawn from
``Generator(PCG64(SeedSequence(seed)))``; point k of the run is the k-th point of that one
scrambled sequence, whichever chunk computes it. Each randomization gives an unbiased estimate,
and for smooth functions of the draws, such as these paths, the error falls faster than 1/sqrt(n):
fewer paths reach the same accuracy. Dimensions are ordered so the common factors come first
(the first dimensions of a Sobol' sequence are the best spread). Beyond SciPy's 21,201 dimensions
the remaining ones are padded with PCG64 draws. Uniforms become normals through a table of the
inverse normal CDF on 2^16 cells, interpolated linearly (error below 3e-7 in [0.01, 0.99]). The
outer 1% on each side, where that table's cells are too coarse, use a second table with 1,024
cells per octave of u (from 2^-33 up), also interpolated linearly: its error is below 1e-7
down to u = 2^-33, and a tail draw costs a table look-up instead of a logarithm and two
rational functions (which took half of the conversion's time). The upper tail mirrors the
lower: z(1 - u) = -z(u). The tables are computed with AS 241, vectorised here (importing SciPy's
would cost a cold process a few tenths of a second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

import numpy as np

GENERATORS = ("sobol", "pcg64")
MAX_SOBOL_DIMS = 21_201
BITS = 32
TABLE_BITS = 16
TAIL_EDGE = 2**TABLE_BITS // 100  # cells of the main table below it (and mirrored) use the tail's
TAIL_OCTAVES, TAIL_CELLS = 27, 1024  # octaves of x + 0.5 from [2^-1, 2^0) to [2^25, 2^26)
Array = np.ndarray


@lru_cache(maxsize=4)
def _directions(dims: int) -> Array:
    """Direction numbers (dims, 32), MSB-aligned 32-bit integers as uint64, from Joe and Kuo's
    primitive polynomials and initial numbers (the file SciPy ships, read without importing
    scipy.stats, which costs most of a second): m_k = m_{k-s} ^ (m_{k-s} << s) ^ sum of
    a_i (m_{k-i} << i) for a polynomial of degree s with coefficients a_i."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("scipy")
    assert spec is not None and spec.submodule_search_locations
    table = Path(spec.submodule_search_locations[0]) / "stats" / "_sobol_direction_numbers.npz"
    with np.load(table) as data:
        poly, vinit = data["poly"][:dims].astype(np.int64), data["vinit"][:dims].astype(np.int64)
    degree = np.array([int(p).bit_length() - 1 for p in poly])
    m = np.ones((dims, BITS), np.int64)  # dimension 0: every m_k = 1 (the van der Corput sequence)
    rest = np.arange(dims) > 0
    for k in range(BITS):
        init = rest & (k < degree)
        if init.any():
            m[init, k] = vinit[init, k]
        new = rest & (k >= degree)
        if not new.any():
            continue
        s = degree[new]
        value = m[new, k - s] ^ (m[new, k - s] << s)
        for i in range(1, int(s.max())):
            use = (i < s) & (((poly[new] >> (s - i)) & 1) == 1)
            value ^= np.where(use, m[new, k - i] << i, 0)
        m[new, k] = value
    shifts = BITS - 1 - np.arange(BITS)
    return (m << shifts).astype(np.uint64)


def inverse_normal(p: Array) -> Array:
    """The standard normal quantile function, vectorised: Wichura's algorithm AS 241 (PPND16,
    relative error about 1e-16), as Python's statistics.NormalDist.inv_cdf computes it."""
    p = np.asarray(p, float)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    qc = q[central]
    r = 0.180625 - qc * qc
    out[central] = qc * _poly(r, _A) / _poly(r, _B)
    tail = ~central
    r = np.sqrt(-np.log(np.where(q[tail] < 0, p[tail], 1.0 - p[tail])))
    near = r <= 5.0
    x = np.where(
        near,
        _poly(r - 1.6, _C) / _poly(r - 1.6, _D),
        _poly(r - 5.0, _E) / _poly(r - 5.0, _F),
    )
    out[tail] = np.where(q[tail] < 0, -x, x)
    return out


def _poly(x: Array, coefficients: tuple[float, ...]) -> Array:
    """Horner's rule, highest power first."""
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out = out * x + c
    return out


# AS 241 coefficients, highest power first (Wichura 1988, Applied Statistics 37: 477-484)
_A = (2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
      4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
      1.3314166789178437745e2, 3.3871328727963666080e0)  # fmt: skip
_B = (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
      2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
      4.2313330701600911252e1, 1.0)  # fmt: skip
_C = (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
      1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
      4.63033784615654529590e0, 1.42343711074968357734e0)  # fmt: skip
_D = (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
      1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
      2.05319162663775882187e0, 1.0)  # fmt: skip
_E = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
      2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
      5.46378491116411436990e0, 6.65790464350110377720e0)  # fmt: skip
_F = (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
      7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
      5.99832206555887937690e-1, 1.0)  # fmt: skip


@lru_cache(maxsize=1)
def _table() -> tuple[Array, Array]:
    """Inverse normal CDF at i / 2^16 and its steps, for linear interpolation."""
    knots = np.zeros(2**TABLE_BITS + 1)  # the end cells are in the tails, computed exactly
    knots[1:-1] = inverse_normal(np.arange(1, 2**TABLE_BITS) / 2**TABLE_BITS)
    # float32 halves the table (it then fits in cache): 6e-8 relative error on a normal draw
    return knots[:-1].astype(np.float32), np.diff(knots).astype(np.float32)


@lru_cache(maxsize=1)
def _tail_table() -> tuple[Array, Array]:
    """Inverse normal CDF in the lower tail, at y = (1 + j / 1024) 2^e for the octaves e = -1 ..
    25 of y = x + 0.5 (u = y / 2^32), and its steps: knots and steps, float64."""
    k = np.arange(TAIL_OCTAVES * TAIL_CELLS + 1)
    y = (1.0 + (k % TAIL_CELLS) / TAIL_CELLS) * 2.0 ** (k // TAIL_CELLS - 1)
    knots = inverse_normal(y * 2.0**-BITS)
    return knots[:-1], np.diff(knots)


def tail_position(y: Array) -> Array:
    """Where y = x + 0.5 (lower tail) falls in the tail table, as a fractional knot index: its
    octave times 1024 plus its place within the octave (exact in float64)."""
    m, e = np.frexp(y)  # y = m 2^e, m in [0.5, 1): octave e - 1, row e of the table
    position: Array = e * float(TAIL_CELLS) + (m * 2.0 - 1.0) * float(TAIL_CELLS)
    return position


class Sobol:
    """One run's scrambled Sobol' sequence in ``dims`` dimensions; ``block`` gives any points."""

    def __init__(
        self,
        dims: int,
        seed: int,
        block: int,
        rank: Array | None = None,
        product: Callable[[Array, Array], Array] | None = None,
    ) -> None:
        """``rank[r]``: which Sobol' dimension row r of the output takes (default: r);
        ``product``: how L v is computed (the compiled engine passes its kernel's)."""
        self.dims, self.seed, self.block_size = dims, seed, block
        rank = np.arange(dims) if rank is None else np.asarray(rank)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        d = min(dims, MAX_SOBOL_DIMS)
        product = product or scramble_product
        v = product(_directions(d), scramble_rows(d, rng)).astype(np.uint32)  # 32-bit: faster
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

    def points(self, start: int, n: int) -> tuple[Array, int, Array]:
        """Points start .. start + n - 1 (all within one block) as the block's base points, the
        offset of the first in them and the XOR that moves them there: point start + i is
        base[:, offset + i] ^ high."""
        offset = start % self.block_size
        if offset + n > self.block_size:
            raise ValueError(f"Sobol points {start}+{n}: not within one block of {self.block_size}")
        return self.base(), offset, self._high(start - offset)

    def _high(self, block_start: int) -> Array:
        """The XOR that moves a block's base points to the block starting at ``block_start``:
        the shift and the direction numbers of the bits above the block's."""
        bits = int(self.block_size - 1).bit_length()
        high = self.shift.copy()
        for j in range(bits, BITS):
            if (block_start >> j) & 1:
                high ^= self.v[:, j]
        return high

    @staticmethod
    def table() -> tuple[Array, Array, Array, Array]:
        """The inverse-normal tables ``to_normal`` interpolates: the main one's knots and steps
        (float32), the tail's (float64)."""
        return (*_table(), *_tail_table())

    def normals(self, start: int, n: int) -> Array:
        """Normal draws (dims, n) of points start .. start + n - 1; start a multiple of block."""
        if start % self.block_size:
            raise ValueError(f"Sobol points from {start}: not a multiple of {self.block_size}")
        if n > self.block_size:
            size = self.block_size
            blocks = [
                self.normals(a, min(size, start + n - a)) for a in range(start, start + n, size)
            ]
            return np.concatenate(blocks, axis=1)
        points = self.base()[:, :n] ^ self._high(start)[:, None]
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
    return scramble_product(v, scramble_rows(v.shape[0], rng))


def scramble_rows(d: int, rng: np.random.Generator) -> Array:
    """The rows of each dimension's L (d, 32) uint32: row r has its digit r (bit 31 - r) set,
    random digits before it and none after."""
    r = np.arange(BITS, dtype=np.uint64)
    diagonal = np.uint64(1) << (np.uint64(BITS - 1) - r)  # digit r, from the most significant
    above = ~((diagonal << np.uint64(1)) - np.uint64(1)) & np.uint64(2**BITS - 1)  # digits < r
    rows: Array = rng.integers(0, 2**BITS, (d, BITS), dtype=np.uint64) & above | diagonal
    return rows.astype(np.uint32)


def scramble_product(v: Array, rows: Array) -> Array:
    """L v for each dimension: the XOR of the columns of L picked by the bits of v, a loop of 32
    steps over whole arrays (a few times faster than a parity per row and direction number).
    The compiled engine has the same product as one kernel (``_kernels.scramble``)."""
    d = v.shape[0]
    # column k of L: its digit r (bit 31 - r) is digit k (bit 31 - k) of row r
    digit = (BITS - 1 - np.arange(BITS)).astype(np.uint32)
    columns = np.empty((d, BITS), np.uint32)
    for k in range(BITS):
        picked = (rows >> digit[k]) & np.uint32(1)  # (d, r)
        columns[:, k] = np.bitwise_or.reduce(picked << digit, axis=1)
    v = v.astype(np.uint32)
    out = np.zeros_like(v)
    for k in range(BITS):
        out ^= ((v >> digit[k]) & np.uint32(1)) * columns[:, k : k + 1]
    return out.astype(np.uint64)


def to_normal(points: Array, out: Array | None = None) -> Array:
    """Standard normals from 32-bit points, each the centre of its cell: u = (x + 0.5) / 2^32."""
    low, step = _table()
    cell = (points >> np.uint32(BITS - TABLE_BITS)).astype(np.intp)
    frac = (points & np.uint32(2 ** (BITS - TABLE_BITS) - 1)).astype(float)
    frac += 0.5
    out = np.multiply(step.take(cell), frac, out=out)
    out *= 2.0 ** -(BITS - TABLE_BITS)
    out += low.take(cell)
    flat = cell.reshape(-1)
    tails = np.flatnonzero((flat < TAIL_EDGE) | (flat >= 2**TABLE_BITS - TAIL_EDGE))
    x = points.reshape(-1)[tails].astype(np.int64)
    upper = x >= 2 ** (BITS - 1)
    pos = tail_position(np.where(upper, (2**BITS - 1) - x, x) + 0.5)
    j = pos.astype(np.intp)
    tail_low, tail_step = _tail_table()
    z = tail_low.take(j) + tail_step.take(j) * (pos - j)
    out.reshape(-1)[tails] = np.where(upper, -z, z)
    return out

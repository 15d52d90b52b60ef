"""numba kernels behind ``kernel``: importing this module needs numba (see ``kernel.available``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from milex.projection._program import ADD, INV, LIN, RATIO

BLOCK = 32
TABLE_BITS = 16
EXACT, ROWS, HISTOGRAM = 0, 1, 2
_JIT: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}


@njit(**_JIT)
def sobol_normals(base, offset, high, n, low, step, tail_low, tail_step, out):  # type: ignore[no-untyped-def]
    """out[d, i] = normal of point i (base[d, offset + i] XOR high[d]), as ``draws.to_normal``."""
    shift = np.uint32(32 - TABLE_BITS)
    mask = np.uint32(2 ** (32 - TABLE_BITS) - 1)
    edge = 2**TABLE_BITS // 100
    top = 2**TABLE_BITS - edge
    scale = 2.0 ** -(32 - TABLE_BITS)
    # the octave of y = x + 0.5 for x >= 2^16 is the bit length of x, 16 + that of its cell
    bits = np.zeros(edge, np.int64)
    for q in range(1, edge):
        bits[q] = bits[q // 2] + 1
    for d in range(base.shape[0]):
        h = high[d]
        for i in range(n):
            x = base[d, offset + i] ^ h
            cell = np.intp(x >> shift)
            if cell < edge or cell >= top:  # the tail table, mirrored for the upper tail
                upper = cell >= top
                lx = np.uint32(4294967295) - x if upper else x
                y = float(lx) + 0.5
                c = np.intp(lx >> shift)
                if c > 0:  # y = m 2^e as math.frexp gives it, without its call
                    e = 16 + bits[c]
                    m2 = y * 2.0 ** (1 - e)
                else:
                    m, e = math.frexp(y)
                    m2 = m * 2.0
                pos = e * 1024.0 + (m2 - 1.0) * 1024.0
                j = np.intp(pos)
                v = tail_low[j] + tail_step[j] * (pos - j)
                out[d, i] = -v if upper else v
            else:
                frac = float(x & mask) + 0.5
                out[d, i] = float(step[cell]) * frac * scale + float(low[cell])


@njit(**_JIT)
def _scramble(v, rows, out):  # type: ignore[no-untyped-def]
    """``draws.scramble_product`` in one pass: out[d, j] = L_d v[d, j] over GF(2)."""
    columns = np.empty(32, np.uint32)
    one = np.uint32(1)
    for d in range(v.shape[0]):
        for k in range(32):  # column k of L: its digit r is digit k of row r
            c = np.uint32(0)
            for r in range(32):
                c |= ((rows[d, r] >> np.uint32(31 - k)) & one) << np.uint32(31 - r)
            columns[k] = c
        for j in range(v.shape[1]):
            x = np.uint32(v[d, j])
            o = np.uint32(0)
            for k in range(32):
                o ^= ((x >> np.uint32(31 - k)) & one) * columns[k]
            out[d, j] = o


def scramble(v, rows):  # type: ignore[no-untyped-def]
    """L v for each dimension, as ``draws.scramble_product`` computes it (uint64 out)."""
    out = np.empty(v.shape, np.uint32)
    _scramble(v, rows, out)
    return out.astype(np.uint64)


@njit(**_JIT)
def run_chunk(  # type: ignore[no-untyped-def]
    z,  # (2, T, C + 1, m) normal draws, common factor first
    n,  # paths in this chunk: paths m.. mirror 0.. when antithetic
    m,
    sd,  # (2, 2): [growth, inflation] x [idiosyncratic, common] sizes
    phi,
    growth1,  # (T, C)
    infl1,  # (T, C)
    gdp0,  # (C,)
    floor,
    kind,
    dst,
    opa,
    opb,
    weight,
    const,
    has_const,
    term_start,
    term_slot,
    term_weight,
    slots,
    out_slot,  # (rows,) slot of each output row
    mode,  # EXACT: deviations into store; ROWS: values into rows; HISTOGRAM: counts
    center,
    inverse,
    store,  # (rows, N) float32 (EXACT)
    col0,
    rows,  # (rows, n) float64 (ROWS)
    hscale,  # (rows,) HISTOGRAM: bin = value * hscale + hshift, clipped to 0 .. bins + 1
    hshift,
    hist,  # (rows, bins + 2) int32: this thread's counts
    binned,  # (rows, n) uint16 (HISTOGRAM): each value's bin
    low,  # (rows,) running minimum and maximum of the values (HISTOGRAM)
    high,
):
    """Simulate one chunk of paths block by block; returns the year-factors floored."""
    T, C = growth1.shape
    floored = 0
    vals = np.empty((slots, BLOCK))
    h = np.empty((2, T, BLOCK))
    for i0 in range(0, n, BLOCK):
        B = min(BLOCK, n - i0)
        for c in range(C):
            _shocks(z, i0, B, n, m, c, sd, phi, h)
            floored += _levels(vals, h, B, c, growth1, infl1, gdp0, floor)
        _evaluate(
            vals,
            B,
            kind,
            dst,
            opa,
            opb,
            weight,
            const,
            has_const,
            term_start,
            term_slot,
            term_weight,
        )
        if mode == EXACT:  # deviations only: select_rows finds each row's range (see there)
            _store_deviations(vals, B, col0 + i0, out_slot, center, inverse, store)
        elif mode == ROWS:
            for r in range(len(out_slot)):
                s = out_slot[r]
                for i in range(B):
                    rows[r, i0 + i] = vals[s, i]
        else:  # each value's bin, kept for the whole chunk: counted row by row below
            _store_bins(vals, B, i0, out_slot, hscale, hshift, hist.shape[1] - 1, binned, low, high)
    if mode == HISTOGRAM:  # one row's counts at a time stay in cache
        for r in range(len(out_slot)):
            counts = hist[r]
            src_bins = binned[r]
            for i in range(n):
                counts[src_bins[i]] += 1
    return floored


@njit(**_JIT)
def _shocks(z, i0, B, n, m, c, sd, phi, h):  # type: ignore[no-untyped-def]
    """Country c's growth and inflation shocks h[k, t, i] of paths i0 .. i0 + B - 1: the AR(1)
    of its draws mixed with the common factor; paths m.. negate their twin's (antithetic)."""
    T = h.shape[1]
    for k in range(2):
        a_i, a_c = sd[k, 0], sd[k, 1]
        for t in range(T):
            for i in range(B):
                p = i0 + i
                q = p if p < m else p - m
                v = z[k, t, c + 1, q] * a_i + z[k, t, 0, q] * a_c
                if t > 0:
                    v += phi * h[k, t - 1, i]
                h[k, t, i] = v
        if n > m:  # the mirrored paths: the negated shock of their twin
            for t in range(T):
                for i in range(B):
                    if i0 + i >= m:
                        h[k, t, i] = -h[k, t, i]


@njit(**_JIT)
def _levels(vals, h, B, c, growth1, infl1, gdp0, floor):  # type: ignore[no-untyped-def]
    """Country c's Y, R and P slots of the first B paths from its shocks; the factors floored."""
    T, C = growth1.shape
    T1 = T + 1
    floored = 0
    y_row, r_row, p_row = (0 * T1) * C + c, (1 * T1) * C + c, (2 * T1) * C + c
    for i in range(B):
        vals[y_row, i] = gdp0[c]
        vals[p_row, i] = 1.0
        vals[r_row, i] = gdp0[c] / 1.0
    for t in range(1, T1):
        g1, p1 = growth1[t - 1, c], infl1[t - 1, c]
        yt, rt, pt = y_row + t * C, r_row + t * C, p_row + t * C
        for i in range(B):
            gf = g1 + h[0, t - 1, i]
            pf = p1 + h[1, t - 1, i]
            if gf < floor:
                gf = floor
                floored += 1
            if pf < floor:
                pf = floor
                floored += 1
            pt_v = vals[pt - C, i] * pf
            yt_v = vals[yt - C, i] * gf * pf
            vals[pt, i] = pt_v
            vals[yt, i] = yt_v
            vals[rt, i] = yt_v / pt_v
    return floored


@njit(**_JIT)
def _store_deviations(vals, B, col, out_slot, center, inverse, store):  # type: ignore[no-untyped-def]
    """(value - center) x inverse of every output row, float32, into store[:, col .. col + B]."""
    for r in range(len(out_slot)):
        c0, inv = center[r], inverse[r]
        src = vals[out_slot[r]]
        dst_row = store[r, col : col + B]
        for i in range(B):
            dst_row[i] = np.float32((src[i] - c0) * inv)


@njit(**_JIT)
def _store_bins(vals, B, i0, out_slot, hscale, hshift, nbins, binned, low, high):  # type: ignore[no-untyped-def]
    """Each output value's histogram bin into binned[:, i0 .. i0 + B]; the rows' running
    minimum and maximum."""
    for r in range(len(out_slot)):
        s, sc, sh = out_slot[r], hscale[r], hshift[r]
        lo, hi = low[r], high[r]
        dst_bins = binned[r, i0 : i0 + B]
        for i in range(B):
            x = vals[s, i]
            lo = min(lo, x)
            hi = max(hi, x)
            b = x * sc + sh
            b = min(max(b, 0.0), float(nbins))
            dst_bins[i] = np.uint16(b)
        low[r], high[r] = lo, hi


@njit(**_JIT)
def _evaluate(  # type: ignore[no-untyped-def]  # noqa: C901
    vals, B, kind, dst, opa, opb, weight, const, has_const, term_start, term_slot, term_weight
):
    """Run the program on the first B paths of ``vals`` (the NumPy engine's order of operations)."""
    for o in range(len(kind)):
        d = dst[o]
        k = kind[o]
        if k == LIN:
            t0, t1 = term_start[o], term_start[o + 1]
            if t0 == t1:
                for i in range(B):
                    vals[d, i] = 0.0
            else:
                s, w = term_slot[t0], term_weight[t0]
                for i in range(B):
                    vals[d, i] = w * vals[s, i]
                for t in range(t0 + 1, t1):
                    s, w = term_slot[t], term_weight[t]
                    for i in range(B):
                        vals[d, i] += w * vals[s, i]
            if has_const[o]:
                cst = const[o]
                for i in range(B):
                    vals[d, i] += cst
        elif k == ADD:
            a, b = opa[o], opb[o]
            for i in range(B):
                vals[d, i] = vals[a, i] + vals[b, i]
        elif k == INV:
            a, w, cst = opa[o], weight[o], const[o]
            for i in range(B):
                vals[d, i] = w / vals[a, i] + cst
        elif k == RATIO:
            a, b = opa[o], opb[o]
            for i in range(B):
                vals[d, i] = 100.0 * vals[a, i] / vals[b, i]


@njit(**_JIT)
def select_rows(store, r0, r1, lo, frac, center, scale, out):  # type: ignore[no-untyped-def]  # noqa: C901
    """Quantiles of rows r0..r1 of ``store`` into out[:, r]: center + scale x the order-statistic
    interpolation (numpy.quantile's 'linear') at positions lo + frac, found by selection.

    Each row is counted into bins between its minimum and maximum; only the bins that hold a
    wanted rank are sorted. The range is found on the float32 bits read as ordered integers, a
    reduction the compiler vectorises (a float minimum must carry NaN through one value at a
    time, which cost a quarter of a run when the simulation kept it as it wrote the store)."""
    n = store.shape[1]
    Q = len(lo)
    nb = max(16, min(4096, n // 4))
    counts = np.zeros(nb, np.int64)
    want = np.empty(nb, np.int64)
    fill = np.empty(nb, np.int64)
    ranks = np.empty(2 * Q, np.int64)
    for j in range(Q):
        ranks[2 * j] = lo[j]
        ranks[2 * j + 1] = min(lo[j] + 1, n - 1)
    value = np.empty(2 * Q)
    before = np.empty(2 * Q, np.int64)
    binof = np.empty(2 * Q, np.int64)
    bins = np.empty(n, np.int32)
    buf = np.empty(n, np.float32)
    keys = store.view(np.int32)
    ends = np.empty(2, np.int32)  # a row's smallest and largest key, read back as float32
    ends_f = ends.view(np.float32)
    for r in range(r0, r1):
        row = store[r]
        kmin, kmax = _key_range(keys[r])
        finite = kmin > NEG_INF_KEY and kmax < POS_INF_KEY
        ends[0], ends[1] = _ordered(kmin), _ordered(kmax)  # the mapping is its own inverse
        mn, mx = float(ends_f[0]), float(ends_f[1])
        if n < 64 or not finite:
            srt = np.sort(row)  # NaN or infinities (or a handful of paths): a plain sort
            for j in range(2 * Q):
                value[j] = srt[ranks[j]]
        elif mn == mx:
            for j in range(2 * Q):
                value[j] = mn
        else:
            inv = nb / (mx - mn)
            top = nb - 1
            for i in range(n):
                bins[i] = min(np.int32((float(row[i]) - mn) * inv), top)
            counts[:] = 0
            for i in range(n):
                counts[bins[i]] += 1
            want[:] = -1
            cum, j, used = 0, 0, 0
            for b in range(nb):
                nxt = cum + counts[b]
                while j < 2 * Q and ranks[j] < nxt:
                    binof[j] = b
                    before[j] = cum
                    if want[b] < 0:
                        want[b] = used
                        fill[b] = used
                        used += counts[b]
                    j += 1
                if j == 2 * Q:
                    break
                cum = nxt
            for i in range(n):
                b = bins[i]
                if want[b] >= 0:
                    buf[fill[b]] = row[i]
                    fill[b] += 1
            done = -1
            for j in range(2 * Q):
                b = binof[j]
                s = want[b]
                if b != done:
                    _insertion_sort(buf, s, s + counts[b])
                    done = b
                value[j] = buf[s + ranks[j] - before[j]]
        for j in range(Q):
            a, b = value[2 * j], value[2 * j + 1]
            f = frac[j]
            v = a + (b - a) * f if f < 0.5 else b - (b - a) * (1.0 - f)
            out[j, r] = center[r] + scale[r] * v


#: float32 bits read as int32 and mapped so that integer order is float order (negative floats
#: have their magnitude bits flipped); NaN of either sign lies beyond the infinities.
POS_INF_KEY = 0x7F800000
NEG_INF_KEY = -0x7F800001


@njit(**_JIT)
def _ordered(b):  # type: ignore[no-untyped-def]
    """float32 bits (int32) to their ordered key, and a key back to its bits."""
    return b ^ ((b >> 31) & np.int32(2147483647))


@njit(**_JIT)
def _key_range(bits):  # type: ignore[no-untyped-def]
    """The smallest and largest ordered key of a row of float32 bits."""
    kmin, kmax = np.int32(2147483647), np.int32(-2147483648)
    for i in range(bits.shape[0]):
        k = _ordered(bits[i])
        kmin = min(kmin, k)
        kmax = max(kmax, k)
    return kmin, kmax


@njit(**_JIT)
def _insertion_sort(a, start, stop):  # type: ignore[no-untyped-def]
    """Sort a[start:stop] in place: short runs by insertion, longer ones by numba's sort."""
    if stop - start > 48:
        a[start:stop].sort()
        return
    for i in range(start + 1, stop):
        x = a[i]
        j = i - 1
        while j >= start and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x

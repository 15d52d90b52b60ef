"""What one projection computes, shared by both engines: its series, which cells are sorted, and
how the quantiles of every cell are put together.

Each output series (a target's measure) is a table of coefficients on the simulated quantities
Y, R and P (``Series``). A cell that is an affine function of one simulated quantity takes its
quantiles from that quantity's, which is exact: affine maps commute with order statistics; a
cell with no uncertainty is its central value; only the rest is sorted (``Layout``). ``Setup``
is one run's part of this that both engines start from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from milex.projection._draws import Sobol
from milex.projection._model import (
    CHUNK_PATHS,
    PRIMS,
    QUANTILES,
    EngineInputs,
    EngineOutput,
    PerInputs,
    Shocks,
)

Array = np.ndarray


@dataclass
class Series:
    """One output series (a target's measure) as coefficients on the simulated quantities."""

    part: str
    measure: str
    coef: dict[str, Array]  # primitive -> (T1, C); linear series only
    const: Array  # (T1, C)
    inv: Array | None = None  # share only: share = const + inv / R
    source: int = -1  # cum only: the series cumulated
    spending: int = -1  # share only: the spending series (for aggregates)
    #: share only: a bloc's share is 100 x the sum of ``bloc_num`` over the sum of ``bloc_den``
    #: (coefficients on the simulated quantities, constant term): NATO's rule, see ``bloc_terms``
    bloc_num: tuple[dict[str, Array], Array] | None = None
    bloc_den: tuple[dict[str, Array], Array] | None = None


class Layout(NamedTuple):
    """What is sorted and what is derived, for one inputs object (it does not depend on the
    shocks or the seed)."""

    series: list[Series]
    fixed: Array  # (S, T1, C): quantiles = central
    mapped: list[tuple[int, str, Array, Array, Array]]  # s, prim, flat, a, b
    rows: list[tuple[str, int, Array]]  # ("prim"|"series"|"agg", key, flat idx)
    agg_fixed: Array  # (S, G, T1)
    n_rows: int
    need_series: set[int]


_LAYOUTS: PerInputs[Layout] = PerInputs(16)


class Setup:
    """One run's inputs, shocks, layout and draws: what both engines start from."""

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
        self.sobol = (
            make_sobol(shocks, self.T1 - 1, self.C, product)
            if shocks.generator == "sobol"
            else None
        )
        layout = _LAYOUTS.get(inputs, lambda: make_layout(inputs))
        self.series, self.fixed, self.mapped, self.rows, self.agg_fixed = layout[:5]
        self.n_rows, self.need_series = layout.n_rows, layout.need_series
        self.bloc_scales = inputs.bloc_scale or (1.0,) * self.G

    def bloc_scale(self, g: int) -> float:
        """Group ``g``'s GDP scale for members not projected (see EngineInputs.bloc_scale)."""
        return self.bloc_scales[g]

    def quantiles(self, central: Array, prim0: dict[str, Array], rows: Array) -> Array:
        """Quantiles (Q, S, E, T1): fixed cells from the central path, the rest mapped or sorted.

        ``prim0``: the central path's Y, R, P, each (T1, C, k); ``rows``: the sorted rows'
        quantiles (Q, rows) in ``self.rows`` order."""
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

    def output(
        self, central: Array, quantiles: Array, sink: Any, floored: int, engine: str
    ) -> EngineOutput:
        """The run's ``EngineOutput``, naming the engine and the seed."""
        return EngineOutput(
            tuple((s.part, s.measure) for s in self.series),
            central,
            quantiles,
            sink.method,
            self.shocks.paths,
            floored,
            sink.outside,
            engine,
            self.shocks.seed,
        )


def make_layout(inputs: EngineInputs) -> Layout:
    """Classify each (series, year, country) cell: fixed, affine in one quantity, or sorted."""
    series = build_series(inputs)
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
    return Layout(series, fixed, mapped, rows, agg_fixed, n_rows, need_series)


def make_sobol(
    shocks: Shocks, T: int, C: int, product: Callable[[Array, Array], Array] | None = None
) -> Sobol:
    """The run's Sobol' sequence over (growth, inflation) x years x (common factor, countries):
    the common factors take its first (best spread) dimensions, year by year."""
    k, t, j = np.meshgrid(np.arange(2), np.arange(T), np.arange(C + 1), indexing="ij")
    rank = np.where(j == 0, k * T + t, 2 * T + (j - 1) * 2 * T + k * T + t)
    block = CHUNK_PATHS // 2 if shocks.antithetic else CHUNK_PATHS  # points per chunk
    return Sobol(2 * T * (C + 1), shocks.seed, block, rank.ravel(), product)


def cumulate(values: Array) -> Array:
    """Running sum over years (axis 0), in place, from the year after the base year (0 in it)."""
    values[0] = 0.0
    for t in range(2, len(values)):
        values[t] += values[t - 1]
    return values


def build_series(inp: EngineInputs) -> list[Series]:
    """Coefficient tables of every (part, measure) series, in output currency (shares in %)."""
    T1, C = len(inp.years), len(inp.gdp0)
    zeros = np.zeros((T1, C))
    fx, fx0 = inp.fx, np.broadcast_to(inp.fx_const, (T1, C))
    series = [Series("", "gdp", {"Y": fx.copy()}, zeros)]
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
        num, den = bloc_terms(inp, share, real)
        own = Series(name, "share_pct", {}, share.copy(), inv=100.0 * real, spending=first + 1)
        own.bloc_num, own.bloc_den = num, den
        series += [
            own,
            Series(name, "spending", {"Y": share / 100.0 * fx, "P": real * fx}, zeros),
            Series(name, "spending_const", {"R": share / 100.0 * fx0}, real * fx0),
            Series(name, "extra", {"Y": extra * fx, "P": real * fx}, zeros),
            Series(name, "extra_const", {"R": extra * fx0}, real * fx0),
            Series(name, "cum_extra", {}, zeros, source=first + 3),
            Series(name, "cum_extra_const", {}, zeros, source=first + 4),
        ]
    for ser in series:  # drop all-zero terms so that they cost nothing
        ser.coef = {k: v for k, v in ser.coef.items() if np.any(v != 0)}
        if ser.inv is not None and not np.any(ser.inv != 0):
            ser.inv = None if ser.measure != "share_pct" else np.zeros((T1, C))
    return series


def bloc_terms(
    inp: EngineInputs, share: Array, real: Array
) -> tuple[tuple[dict[str, Array], Array], tuple[dict[str, Array], Array]]:
    """A bloc's share of GDP by NATO's rule, as sums over members: constant-price spending over
    constant-price GDP, each member weighed by its GDP at NATO's constant prices (``bloc_weights``,
    grown with the member's simulated real GDP R), not by its GDP in current dollars.

    The same rule as the tracker's aggregate (``milex.analysis.tracking``), so the projection's
    NATO share in the base year is the tracker's figure for that year and definition."""
    T1, C = share.shape
    k = np.ones(C) if inp.bloc_weights is None else np.asarray(inp.bloc_weights, float)
    fx0k = np.broadcast_to(inp.fx_const * k, (T1, C))
    num = ({"R": share / 100.0 * fx0k}, real * fx0k)
    den = ({"R": fx0k.copy()}, np.zeros((T1, C)))
    return num, den

"""The engine's series as a program of small vector operations over value slots, for the kernel.

The NumPy engine (``numpy_engine``) evaluates whole series arrays; the compiled kernel (``kernel``)
instead runs, for a block of paths, a flat list of operations on numbered slots, each slot one cell (a country
or bloc, a year, a quantity) holding one value per path. Slots 0 .. 3 T1 C - 1 hold the simulated
quantities Y, R, P (``PRIMS`` order) of every year and country; every other slot is computed by
an operation from earlier ones, in the order the NumPy engine computes the same cell (products,
then sums in country order, then the constant), so the two agree to rounding.

Only cells something asks for are emitted, with whatever they need: the Monte Carlo's program
holds the cells that are sorted, the central path's holds every cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from milex.projection._layout import Series
from milex.projection._model import PRIMS

LIN, ADD, INV, RATIO = 0, 1, 2, 3
Array = np.ndarray


@dataclass(frozen=True)
class Program:
    """Operations in evaluation order; ``slots`` values per path are needed in all."""

    kind: Array  # (ops,) int64: LIN, ADD, INV or RATIO
    dst: Array  # (ops,) slot written
    a: Array  # (ops,) ADD/RATIO: first operand; INV: the R slot
    b: Array  # (ops,) ADD/RATIO: second operand
    weight: Array  # (ops,) INV: the numerator
    const: Array  # (ops,) added last where has_const
    has_const: Array  # (ops,) bool
    term_start: Array  # (ops + 1,) LIN: terms term_start[i] .. term_start[i + 1] - 1
    term_slot: Array  # (terms,)
    term_weight: Array  # (terms,)
    slots: int


class Builder:
    """Emits the operations for the cells asked for, each once (memoised by cell)."""

    def __init__(
        self,
        series: list[Series],
        T1: int,
        C: int,
        groups: tuple[tuple[str, Array], ...],
        scale: tuple[float, ...] = (),
    ) -> None:
        self.series, self.T1, self.C, self.groups = series, T1, C, groups
        self.scale = scale or (1.0,) * len(groups)  # per group: see EngineInputs.bloc_scale
        self.next = 3 * T1 * C
        self.memo: dict[tuple[str, int, int, int], int] = {}
        self.ops: list[tuple[int, int, int, int, float, float, bool]] = []
        self.terms: list[list[tuple[int, float]]] = []
        self.has_const = [bool(np.any(s.const != 0)) for s in series]

    def prim(self, p: int, t: int, c: int) -> int:
        return (p * self.T1 + t) * self.C + c

    def _emit(
        self,
        kind: int,
        *,
        a: int = -1,
        b: int = -1,
        weight: float = 0.0,
        const: float = 0.0,
        has_const: bool = False,
        terms: list[tuple[int, float]] | None = None,
    ) -> int:
        dst = self.next
        self.next += 1
        self.ops.append((kind, dst, a, b, weight, const, has_const))
        self.terms.append(terms or [])
        return dst

    def country(self, s: int, t: int, c: int) -> int:
        """The slot of series ``s`` for country ``c`` in year index ``t``."""
        key = ("c", s, t, c)
        if key in self.memo:
            return self.memo[key]
        ser = self.series[s]
        if ser.source >= 0:  # running sum from the year after the base year (0 in it)
            if t == 0:
                slot = self._emit(LIN)
            elif t == 1:
                slot = self.country(ser.source, 1, c)
            else:
                slot = self._emit(
                    ADD, a=self.country(s, t - 1, c), b=self.country(ser.source, t, c)
                )
        elif ser.inv is not None:
            slot = self._emit(
                INV,
                a=self.prim(PRIMS.index("R"), t, c),
                weight=float(ser.inv[t, c]),
                const=float(ser.const[t, c]),
                has_const=True,
            )
        elif not ser.coef:
            slot = self._emit(LIN, const=float(ser.const[t, c]), has_const=True)
        else:
            terms = [
                (self.prim(PRIMS.index(name), t, c), float(coef[t, c]))
                for name, coef in ser.coef.items()
            ]
            slot = self._emit(
                LIN, terms=terms, const=float(ser.const[t, c]), has_const=self.has_const[s]
            )
        self.memo[key] = slot
        return slot

    def aggregate(self, s: int, g: int, t: int) -> int:
        """The slot of series ``s`` for group ``g`` in year index ``t``."""
        key = ("g", s, t, g)
        if key in self.memo:
            return self.memo[key]
        ser = self.series[s]
        members = np.asarray(self.groups[g][1])
        if ser.source >= 0:
            if t == 0:
                slot = self._emit(LIN)
            elif t == 1:
                slot = self.aggregate(ser.source, g, 1)
            else:
                slot = self._emit(
                    ADD, a=self.aggregate(s, g, t - 1), b=self.aggregate(ser.source, g, t)
                )
        elif ser.inv is not None and ser.bloc_num is not None and ser.bloc_den is not None:
            # a bloc's share by NATO's rule: constant-price spending over constant-price GDP
            den = {"R": ser.bloc_den[0]["R"] * self.scale[g]}
            slot = self._emit(
                RATIO,
                a=self._summed(*ser.bloc_num, members, t),
                b=self._summed(den, ser.bloc_den[1], members, t),
            )
        else:
            slot = self._summed(ser.coef, ser.const, members, t)
        self.memo[key] = slot
        return slot

    def _summed(self, coef: dict[str, Array], const: Array, members: Array, t: int) -> int:
        """A LIN slot: the members' coef x simulated quantity in country order, then constants."""
        total = float(const[t, members].sum())
        terms = [
            (self.prim(PRIMS.index(name), t, int(c)), float(table[t, c]))
            for name, table in coef.items()
            for c in sorted(members)
            if table[t, c] != 0
        ]
        return self._emit(LIN, terms=terms, const=total, has_const=total != 0 or not terms)

    def program(self) -> Program:
        ops = self.ops
        starts = np.cumsum([0] + [len(t) for t in self.terms])
        flat = [term for terms in self.terms for term in terms]
        return Program(
            kind=np.array([o[0] for o in ops], np.int64),
            dst=np.array([o[1] for o in ops], np.int64),
            a=np.array([o[2] for o in ops], np.int64),
            b=np.array([o[3] for o in ops], np.int64),
            weight=np.array([o[4] for o in ops], float),
            const=np.array([o[5] for o in ops], float),
            has_const=np.array([o[6] for o in ops], bool),
            term_start=starts.astype(np.int64),
            term_slot=np.array([s for s, _ in flat], np.int64),
            term_weight=np.array([w for _, w in flat], float),
            slots=self.next,
        )

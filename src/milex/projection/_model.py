"""The Monte Carlo model's vocabulary, shared by both engines: inputs, shocks, output, constants.

Per path, nominal GDP follows Y[t] = Y[t-1] (1 + g[t] + eg[t]) (1 + p[t] + ep[t]) and the price
level P[t] = P[t-1] (1 + p[t] + ep[t]), where g and p are the central real growth and GDP-deflator
inflation and eg, ep are AR(1) shocks whose innovations mix a common factor (shared by all
countries) and an idiosyncratic draw. Every money output is linear in the simulated quantities:
spending = share x Y + real spending x P (see ``paths``), constant-price figures use R = Y / P.

This module imports nothing of the engines: ``layout`` (what is sorted), ``numpy_engine`` and
``kernel`` (the two paths) and ``engine`` (the one interface) build on it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

import numpy as np

from milex.projection._quantiles import QUANTILES

CHUNK_PATHS = 2048  # fixed: with the seed it fixes every draw
FACTOR_FLOOR = 0.1  # a year's growth or price factor never falls below 0.1 (a 90% fall)
MEMORY_LIMIT = 512 * 2**20
LINEAR = ("gdp", "spending", "spending_const", "extra", "extra_const")
MEASURES = ("gdp", "share_pct", *LINEAR[1:], "cum_extra", "cum_extra_const")
PRIMS = ("Y", "R", "P")
#: The engines a caller may ask for: ``auto`` picks (see ``engine.choose``), the others force.
EngineName = Literal["auto", "numpy", "compiled"]
ENGINES: tuple[str, ...] = ("auto", "numpy", "compiled")
Array = np.ndarray
V = TypeVar("V")

__all__ = [
    "CHUNK_PATHS",
    "ENGINES",
    "FACTOR_FLOOR",
    "LINEAR",
    "MEASURES",
    "MEMORY_LIMIT",
    "PRIMS",
    "QUANTILES",
    "EngineInputs",
    "EngineName",
    "EngineOutput",
    "Part",
    "PerInputs",
    "Shocks",
]


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
    #: A bloc's share of GDP follows NATO's rule (``bloc_weights``): its members' spending over
    #: their GDP, both at constant prices, each member's GDP weighed as NATO weighs it. (C,):
    #: NATO's constant-price GDP per unit of the model's base-year GDP; None: 1 (base-year prices).
    bloc_weights: Array | None = None
    #: Per group: its members' GDP scaled up for members not projected (Iceland's, as NATO counts
    #: it in the denominator); empty: 1 for every group.
    bloc_scale: tuple[float, ...] = ()


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
    engine: str = "numpy"  # the path that ran: "numpy" or "compiled"
    seed: int = 0  # the seed that drew the paths

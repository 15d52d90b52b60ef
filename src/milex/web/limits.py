"""Admission control for projections: a few at once, a budget of work in flight, 429 beyond it.

A projection's work and memory grow with paths x countries x years (its *cells*). The server runs
at most ``slots`` projections at once and at most ``budget`` cells in flight; a request that would
pass either waits for no one: it is refused at once with 429 and a Retry-After estimate, so a
burst cannot queue up memory (every waiting request would hold its own arrays) and the server
stays responsive. A single request larger than the whole budget is a 422: it would never fit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.data.store import Dataset
    from milex.projection import Scenario

SLOTS = 2  # the machine's cores: more at once only share them
BUDGET = 50_000_000  # cells in flight: a 100,000-path NATO run to 2035 is 37 million
CELLS_PER_SECOND = 20_000_000  # for Retry-After: about what two cores simulate


class Busy(Exception):
    """The server is at its projection limit; ``retry_after`` is a guess in whole seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TooLarge(MilexError):
    """One request asks for more work than the server ever runs at once (a 422)."""


class Limiter:
    """At most ``slots`` projections and ``budget`` cells at once; thread-safe, never blocks."""

    def __init__(self, slots: int = SLOTS, budget: int = BUDGET) -> None:
        self.slots, self.budget = slots, budget
        self.running, self.cells = 0, 0
        self._lock = threading.Lock()

    @contextmanager
    def admit(self, cells: int) -> Iterator[None]:
        """Hold a slot and ``cells`` of the budget for the body of the ``with``, or raise Busy."""
        if cells > self.budget:
            raise TooLarge(
                f"uncertainty.paths x countries x years = {cells:,} is more than this server "
                f"runs ({self.budget:,}): use fewer paths, countries or years, or the CLI"
            )
        with self._lock:
            free = self.running < self.slots and self.cells + cells <= self.budget
            if free:
                self.running += 1
                self.cells += cells
            in_flight = self.cells
        if not free:
            wait = max(1, math.ceil(in_flight / CELLS_PER_SECOND))
            raise Busy(
                f"the server is running {self.running} projection(s) ({in_flight:,} cells): "
                f"try again in {wait} s",
                wait,
            )
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
                self.cells -= cells
            release_memory()


def cells(scenario: Scenario, dataset: Dataset) -> int:
    """paths x countries x years x targets of a scenario, before any of it is computed."""
    from milex.analysis.coverage import default_year

    base = scenario.base_year or default_year(dataset)
    if scenario.countries:
        countries = len(scenario.countries)
    else:
        countries = len(dataset.registry.members(scenario.bloc or "NATO", base))
    years = max(1, scenario.horizon - base)
    return scenario.uncertainty.paths * max(1, countries) * years * len(scenario.targets)


_LIBC: list[ctypes.CDLL | None] = []


def release_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them after a burst otherwise)."""
    if not _LIBC:
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
            _LIBC.append(libc if libc is not None and hasattr(libc, "malloc_trim") else None)
        except OSError:
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0].malloc_trim(0)

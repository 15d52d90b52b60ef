"""Per-process memo of expensive, deterministic results (the tracker, profiles, chart specs)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset

T = TypeVar("T")


class Cache:
    """A small thread-safe LRU keyed by request parameters; the dataset never changes under it."""

    def __init__(self, dataset: Dataset, size: int = 256) -> None:
        from milex.web.drawing import Drawer

        self.dataset = dataset
        self.size = size
        self.drawer = Drawer()
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[tuple[Any, ...], threading.Lock] = {}

    def tracker(self, year: int | None, bloc: str = "NATO") -> TrackerResult:
        """The tracker result for a year and bloc, computed once for pages and API alike."""
        from milex.analysis.tracking import tracker

        return self.get(
            ("tracker-frame", year, bloc.upper()), lambda: tracker(year, bloc, dataset=self.dataset)
        )

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The memoised value; concurrent misses on one key compute it once (single flight)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return cast(T, self._items[key])
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                if key in self._items:
                    return cast(T, self._items[key])
            try:
                value = compute()
            except BaseException:
                with self._lock:  # a failure is not remembered: the next request tries again
                    self._flights.pop(key, None)
                raise
            with self._lock:
                self._items[key] = value
                self._flights.pop(key, None)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value

    def peek(self, key: tuple[Any, ...]) -> Any | None:
        """The memoised value if there is one, without computing (for answers on the event loop)."""
        with self._lock:
            return self._items.get(key)

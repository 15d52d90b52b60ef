"""Which presentation-layer function draws each kind of result.

A result in a lower layer (a projection, say) offers ``chart()`` without importing the layer
that draws it: it looks its builder up here, and the presentation layer fills the slot when it is
imported. This module imports nothing of milex, so any layer may read it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Builder = Callable[..., Any]
_BUILDERS: dict[str, Builder] = {}
_LOCK = threading.Lock()
_LOADERS: list[Callable[[], None]] = []


def on_missing(loader: Callable[[], None]) -> None:
    """Call ``loader`` (once) when a kind is asked for that no builder has filled yet: the public
    face registers one that imports the presentation layer, so ``result.chart()`` works from any
    result without a lower layer importing a higher one."""
    with _LOCK:
        if loader not in _LOADERS:
            _LOADERS.append(loader)


def register(kind: str, builder: Builder, *, replace: bool = True) -> None:
    """Make ``builder`` draw results of ``kind``; ``replace=False`` keeps one already there (a
    stand-in that loads the presentation layer must not displace its own builder)."""
    with _LOCK:
        if replace or kind not in _BUILDERS:
            _BUILDERS[kind] = builder


def builder(kind: str) -> Builder:
    """The function that draws ``kind``, or an error saying which layer to load."""
    with _LOCK:
        found = _BUILDERS.get(kind)
        loaders = [] if found else list(_LOADERS)
    for load in loaders:
        load()
        with _LOCK:
            found = _BUILDERS.get(kind)
        if found is not None:
            break
    if found is None:
        raise RuntimeError(
            f"no chart builder registered for {kind!r}: charts are drawn by milex.present.charts "
            "(import it, or run the analysis through the milex functions, e.g. milex.project())"
        )
    return found

"""The one shape of an analysis result: its table, its chart and the sources behind it.

Every analysis (the tracker, the review, a country profile, a projection, the fiscal view, the
industrial models, the comparisons) returns a typed result with ``frame()`` (a tidy pandas table
with stable columns and nothing hidden in ``DataFrame.attrs``), ``chart()`` (an Altair chart, drawn
by the builder the presentation layer registers for the result's kind in ``milex.chart_registry``)
and ``sources()`` (one citation per publisher edition used: source, edition, citation, URL, ...).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from milex import chart_registry

if TYPE_CHECKING:
    import pandas as pd


class Result(ABC):
    """Base of every analysis result; a subclass names its ``chart_kind``."""

    #: the kind its chart builder is registered under in milex.chart_registry
    chart_kind: ClassVar[str]

    @abstractmethod
    def frame(self) -> pd.DataFrame:
        """The result as a tidy table (a new frame each call: changing it changes nothing here)."""

    @abstractmethod
    def sources(self) -> list[dict[str, Any]]:
        """One citation per publisher edition behind the result."""

    def chart(self, *args: Any, **options: Any) -> Any:
        """The result's chart (Altair), drawn by the presentation layer's builder for its kind."""
        return chart_registry.builder(self.chart_kind)(self, *args, **options)

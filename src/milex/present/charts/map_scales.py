"""What a map colours by: each indicator's name, unit, source and class breaks, and the palette.

A choropleth reads only as well as its classes: breaks sit where the policy lines are (2% and 3.5%
of GDP, 20% on equipment, a burden ratio of 1), so an ally at 2.00% and one at 3.43% never share a
colour. Classes are coloured from ColorBrewer's YlGnBu ramp (sequential and safe for the common
colour-vision deficiencies), or, for an indicator that changes sign (the real change), from its
PuOr ramp: cuts in orange, rises in purples; countries the indicator does not cover, or covers
without a figure, are two greys the legend names.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

__all__ = [
    "INDICATORS",
    "NO_FIGURE_COLOUR",
    "OUTSIDE_COLOUR",
    "MapIndicator",
    "palette",
]

#: ColorBrewer YlGnBu, n classes (the palest step left out: it vanishes against white paper).
_YLGNBU = {
    5: ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    7: ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
}
#: ColorBrewer PuOr (colour-blind safe) for a real change: the class under 0 in orange, the rises
#: in purples, palest first.
FALL_COLOUR = "#e08214"
_RISES = ("#d8daeb", "#b2abd2", "#8073ac", "#542788", "#2d004b", "#1b0030")
#: A country the indicator covers but has no figure for, and one it does not cover at all.
NO_FIGURE_COLOUR = "#9a9a9a"
OUTSIDE_COLOUR = "#e4e4e4"


def palette(n: int, *, diverging: bool = False) -> tuple[str, ...]:
    """``n`` sequential colours, palest first (5 to 7 classes); ``diverging``: the lowest class
    (below 0) in orange, then ``n - 1`` purples, palest first."""
    if n not in _YLGNBU:
        raise ValueError(f"a map has 5 to 7 classes, not {n}")
    return (FALL_COLOUR, *_RISES[: n - 1]) if diverging else _YLGNBU[n]


@dataclass(frozen=True)
class MapIndicator:
    """One mapped indicator: how its title, legend and tooltips name it, and its class breaks."""

    key: str
    name: str  #: what is measured, e.g. "Defence spending as a share of GDP"
    unit: str  #: the unit after a value, e.g. "% of GDP" (a unit not starting "%" in brackets)
    suffix: str  #: what follows a number in a class label ("%" or "")
    breaks: tuple[float, ...]
    decimals: int
    source: str  #: who publishes it, e.g. "NATO"
    outside: str  #: the legend's label for a country the indicator does not cover
    diverging: bool = False  #: the lowest class lies below 0, in its own hue (``palette``)

    def __post_init__(self) -> None:
        if list(self.breaks) != sorted(set(self.breaks)) or not 4 <= len(self.breaks) <= 6:
            raise ValueError(f"{self.key}: 4 to 6 increasing breaks (5 to 7 classes) are needed")

    @property
    def labels(self) -> tuple[str, ...]:
        """The classes' legend labels, lowest first: "under 1.5%", ..., "5% or more"."""
        b = [f"{x:,g}{self.suffix}" for x in self.breaks]
        middle = [f"{lo} to under {hi}" for lo, hi in itertools.pairwise(b)]
        return (f"under {b[0]}", *middle, f"{b[-1]} or more")

    @property
    def no_figure(self) -> str:
        """The legend's label for a covered country without a figure that year."""
        return f"no {self.source} figure"

    def label(self, value: float | None) -> str:
        """The class a value falls in (a value on a break belongs to the class above it)."""
        if value is None or not math.isfinite(value):
            return self.no_figure
        index = sum(1 for b in self.breaks if value >= b)
        return self.labels[index]

    def text(self, value: float) -> str:
        """A value as a tooltip prints it, with its unit: "2.00% of GDP"."""
        number = f"{value:,.{self.decimals}f}"
        return f"{number}{self.unit}" if self.unit.startswith("%") else f"{number} ({self.unit})"

    def colours(self) -> dict[str, str]:
        """Every legend entry and its colour: the classes, then no figure, then not covered."""
        out = dict(
            zip(self.labels, palette(len(self.labels), diverging=self.diverging), strict=True)
        )
        out[self.no_figure] = NO_FIGURE_COLOUR
        out[self.outside] = OUTSIDE_COLOUR
        return out


INDICATORS = {
    i.key: i
    for i in (
        MapIndicator(
            "share_gdp", "Defence spending as a share of GDP", "% of GDP", "%",
            (1.5, 2.0, 2.5, 3.5, 5.0), 2, "NATO", "not a NATO ally",
        ),
        MapIndicator(
            "equipment", "Equipment spending as a share of defence spending",
            "% of defence spending", "%", (15.0, 20.0, 25.0, 30.0, 40.0), 1, "NATO",
            "not a NATO ally",
        ),
        MapIndicator(
            "burden", "Burden ratio: share of the allies' spending over share of their GDP",
            "spending share over GDP share", "", (0.5, 0.75, 1.0, 1.25, 1.5), 2, "NATO", "not a NATO ally",
        ),
        MapIndicator(
            "sipri_share_gdp", "Military expenditure as a share of GDP", "% of GDP", "%",
            (1.0, 1.5, 2.0, 2.5, 3.5, 5.0), 2, "SIPRI", "not in the SIPRI extract",
        ),
        # the unit names the price base of the edition drawn (``indicator_figures``)
        MapIndicator(
            "per_capita", "Defence spending per capita", "US$ per person, at constant prices", "",
            (250.0, 500.0, 750.0, 1000.0, 1500.0), 0, "NATO", "not a NATO ally",
        ),
        MapIndicator(
            "real_change", "Real change in defence spending on the previous year",
            "% real change", "%", (0.0, 5.0, 10.0, 20.0, 40.0), 1, "NATO", "not a NATO ally",
            diverging=True,
        ),
    )
}  # fmt: skip

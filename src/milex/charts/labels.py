"""Point labels that do not cross: each label takes the first of four places beside its dot
(right, left, above, below) where it overlaps no dot and no label placed before it, else none.

Vega-Lite draws text where it is told, so a scatter's labels collide wherever dots crowd (the
burden chart's middle); placing them here, in the chart's pixels at its drawn size, keeps the
labels readable and leaves a crowded dot to its tooltip and the chart's table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Where a label sits against its dot: Vega-Lite's align, baseline, dx and dy for each place.
PLACES: dict[str, tuple[str, str, int, int]] = {
    "right": ("left", "middle", 7, 0),
    "left": ("right", "middle", -7, 0),
    "above": ("center", "bottom", 0, -7),
    "below": ("center", "top", 0, 7),
}
CHAR_WIDTH = 6.4  # px per character at 10 px in the house font, a little generous
LINE_HEIGHT = 12.0


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )


def label_box(x: float, y: float, text: str, place: str) -> Box:
    """The box a label of ``text`` fills at ``place`` beside a dot at pixel (x, y)."""
    w, h = len(text) * CHAR_WIDTH, LINE_HEIGHT
    _, _, dx, dy = PLACES[place]
    if place == "right":
        return Box(x + dx, y - h / 2, x + dx + w, y + h / 2)
    if place == "left":
        return Box(x + dx - w, y - h / 2, x + dx, y + h / 2)
    if place == "above":
        return Box(x - w / 2, y + dy - h, x + w / 2, y + dy)
    return Box(x - w / 2, y + dy, x + w / 2, y + dy + h)


def place_labels(
    xs: Sequence[float],
    ys: Sequence[float],
    texts: Sequence[str],
    *,
    width: float,
    height: float,
    radius: float = 5.0,
) -> list[str | None]:
    """A place (a key of PLACES) or None for each label, in the order given, which is the order
    of priority; ``xs``/``ys`` are pixels from the plot's top left, inside width x height."""
    dots = [
        Box(x - radius, y - radius, x + radius, y + radius) for x, y in zip(xs, ys, strict=True)
    ]
    taken: list[Box] = []
    out: list[str | None] = []
    for i, (x, y, text) in enumerate(zip(xs, ys, texts, strict=True)):
        chosen = None
        for place in PLACES:
            box = label_box(x, y, text, place)
            inside = box.left >= 0 and box.top >= 0 and box.right <= width and box.bottom <= height
            if (
                inside
                and not any(box.overlaps(d) for j, d in enumerate(dots) if j != i)
                and not any(box.overlaps(t) for t in taken)
            ):
                chosen = place
                taken.append(box)
                break
        out.append(chosen)
    return out


def log_pixels(values: Sequence[float], low: float, high: float, size: float) -> list[float]:
    """Pixels along a log axis from ``low`` to ``high`` drawn ``size`` px long."""
    span = math.log10(high) - math.log10(low)
    return [(math.log10(v) - math.log10(low)) / span * size if span else size / 2 for v in values]

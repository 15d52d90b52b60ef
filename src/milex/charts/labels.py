"""Scatter labels that do not cross: each ISO3 label goes beside its own point, clear of the other
labels and points, placed in the pixels of the plot as drawn at the chart's 800 px.

Vega-Lite draws text where it is told, so a scatter's labels collide wherever points crowd (the
equipment and burden charts' middles). The charts convert their points to pixels, place the
labels here, and draw each at the anchor it is given, with a leader line when it sits off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Box = tuple[float, float, float, float]  # left, top, right, bottom in px
LABEL_SIZE = (28.0, 13.0)  # an ISO3 code at 11 px, with a little room
DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))


@dataclass(frozen=True)
class Placement:
    """Where a label goes: its anchor in px, its text alignment, and whether it needs a leader."""

    x: float
    y: float
    align: str
    leader: bool


def place_labels(
    points: Sequence[tuple[float, float]], width: float, height: float
) -> list[Placement]:
    """A placement for each point's label (points in px from the plot's top left).

    Greedy, most crowded points first: try eight directions at growing distances and take the
    first spot that overlaps nothing and lies nearer its own point than any other (so no label
    reads as a neighbour's); further off, a label gets a leader line. Where nothing is free the
    label goes just right of its point, overlapping if it must.
    """
    w, h = LABEL_SIZE
    taken = [(px - 6, py - 6, px + 6, py + 6) for px, py in points]
    crowd = [sum(math.dist(p, q) < 40 for q in points) for p in points]
    out: list[Placement | None] = [None] * len(points)
    for i in sorted(range(len(points)), key=lambda i: (-crowd[i], points[i][0])):
        px, py = points[i]
        others = [q for j, q in enumerate(points) if j != i]
        found = None
        # First beside the point and nearer it than any other; else further off, with a leader.
        for distances, strict in (((9, 16), True), ((16, 24, 34, 46, 60), False)):
            for distance in distances:
                for dx, dy in DIRECTIONS:
                    cx, cy = px + dx * distance, py + dy * distance
                    align = "left" if dx > 0 else "right" if dx < 0 else "center"
                    box = label_box(cx, cy, align, w, h)
                    own = box_distance(box, (px, py))
                    if (
                        inside(box, width, height)
                        and not any(overlap(box, t) for t in taken)
                        and (not strict or all(box_distance(box, q) > own + 3 for q in others))
                    ):
                        found = (cx, cy, align, distance, box)
                        break
                if found:
                    break
            if found:
                break
        if found is None:
            found = (px + 9, py, "left", 9, label_box(px + 9, py, "left", w, h))
        cx, cy, align, distance, box = found
        taken.append(box)
        out[i] = Placement(cx, cy, align, distance > 9)
    return [p for p in out if p is not None]


def label_box(x: float, y: float, align: str, w: float, h: float) -> Box:
    """The box of a label ``w`` x ``h`` px anchored at (x, y) with its text ``align``-ed."""
    left = x if align == "left" else x - w if align == "right" else x - w / 2
    return (left, y - h / 2, left + w, y + h / 2)


def box_distance(box: Box, point: tuple[float, float]) -> float:
    """Distance from a point to the nearest edge of a box (0 inside)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(box: Box, width: float, height: float) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height


def label_layers(
    base: Any, x: Any, y: Any, x_scale: Any, y_scale: Any, weight: Any = "normal"
) -> tuple[Any, list[Any]]:
    """The leader lines and haloed ISO3 labels of a scatter whose rows carry ``lx``, ``ly``,
    ``align`` and ``leader`` (``x``/``y``: the points' channels; the scales: their domains)."""
    from milex.charts.style import altair_module, halo_text

    alt = altair_module()
    leaders = (
        base.transform_filter("datum.leader")
        .mark_rule(color="#888888")
        .encode(x=x, y=y, x2="lx:Q", y2="ly:Q")
    )
    labels: list[Any] = []
    for align in ("left", "right", "center"):
        labels += halo_text(
            base.transform_filter(f"datum.align === '{align}'"),
            {"align": align, "baseline": "middle", "fontWeight": weight},
            x=alt.X("lx:Q", scale=x_scale),
            y=alt.Y("ly:Q", scale=y_scale),
            text="iso3:N",
        )
    return leaders, labels

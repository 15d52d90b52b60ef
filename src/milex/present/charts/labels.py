"""Scatter labels that do not cross: each ISO3 label goes beside its own point, clear of the other
labels and points, placed in the pixels of the plot as drawn at the chart's 800 px.

Vega-Lite draws text where it is told, so a scatter's labels collide wherever points crowd (the
equipment and burden charts' middles). The charts give their points as fractions of the plot;
labels are placed twice, at the 800 px chart's plot width and at a phone's, and the chart draws
the set that fits the width it is drawn at (a phone drops the labels that find no free spot:
its tooltips and the chart's table name every point).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Box = tuple[float, float, float, float]  # left, top, right, bottom in px
LABEL_SIZE = (28.0, 13.0)  # an ISO3 code at 11 px, with a little room
DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
#: A scatter's plot width on a 390 px phone (page margins, axis and padding taken off), and the
#: drawn plot width below which the labels placed for it are used.
NARROW_PLOT = 270.0
NARROW_BELOW = 450
#: How far (px) a scatter's label keeps from a reference line, at the width it is placed for.
LINE_ROOM = 4.0


@dataclass(frozen=True)
class Placement:
    """Where a label goes: its anchor in px, its text alignment, and whether it needs a leader."""

    x: float
    y: float
    align: str
    leader: bool
    free: bool = True  # False: nowhere was free, so it overlaps something


def place_labels(
    points: Sequence[tuple[float, float]],
    width: float,
    height: float,
    lines: Sequence[tuple[str, float]] = (),
) -> list[Placement]:
    """A placement for each point's label (points in px from the plot's top left).

    Greedy, most crowded points first: try eight directions at growing distances and take the
    first spot that overlaps nothing and lies nearer its own point than any other (so no label
    reads as a neighbour's); further off, a label gets a leader line. Where nothing is free the
    label goes just right of its point, overlapping if it must. ``lines`` are reference lines
    across the plot, ("x", px) or ("y", px): no label is placed across one (LINE_ROOM px clear).
    """
    w, h = LABEL_SIZE
    taken = [(px - 6, py - 6, px + 6, py + 6) for px, py in points]
    r = LINE_ROOM
    taken += [(at - r, 0.0, at + r, height) if axis == "x" else (0.0, at - r, width, at + r)
              for axis, at in lines]  # fmt: skip
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
        free = found is not None
        if found is None:
            found = (px + 9, py, "left", 9, label_box(px + 9, py, "left", w, h))
        cx, cy, align, distance, box = found
        taken.append(box)
        out[i] = Placement(cx, cy, align, distance > 9, free)
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


def anchor_columns(
    points: Sequence[tuple[float, float]],
    width: float,
    height: float,
    to_data: Callable[[float, float], tuple[float, float]],
    lines: Sequence[tuple[str, float]] = (),
) -> dict[str, list[Any]]:
    """Label columns for a scatter's rows: ``points`` are fractions of the plot (0-1 from its left
    and top), placed at ``width`` x ``height`` px and at NARROW_PLOT x ``height``; ``to_data`` maps
    a fraction back to data units. ``lx``, ``ly``, ``align``, ``leader`` are the wide set; the
    ``_n`` columns the narrow one, with ``shown_n`` False for a label that found no free spot.
    ``lines``: reference lines as ("x" or "y", fraction of the plot), which labels keep off."""
    out: dict[str, list[Any]] = {}
    for suffix, w in (("", width), ("_n", NARROW_PLOT)):
        at = [(axis, f * (w if axis == "x" else height)) for axis, f in lines]
        placed = place_labels([(fx * w, fy * height) for fx, fy in points], w, height, at)
        anchors = [to_data(p.x / w, p.y / height) for p in placed]
        out["lx" + suffix] = [a[0] for a in anchors]
        out["ly" + suffix] = [a[1] for a in anchors]
        out["align" + suffix] = [p.align for p in placed]
        out["leader" + suffix] = [p.leader for p in placed]
        if suffix:
            out["shown" + suffix] = [p.free for p in placed]
    return out


def label_layers(base: Any, x: Any, y: Any, weight: Any = "normal") -> tuple[Any, list[Any]]:
    """The leader lines and haloed ISO3 labels of a scatter whose rows carry ``anchor_columns``
    (``x``/``y``: the points' channels, whose scales the labels share), drawn from the narrow
    set when the plot is drawn narrower than NARROW_BELOW px."""
    from milex.present.charts.style import altair_module, halo_text

    alt = altair_module()
    narrow = f"width < {NARROW_BELOW}"
    chosen = base.transform_calculate(
        **{
            f"label_{k}": f"{narrow} ? datum.{k}_n : datum.{k}"
            for k in ("lx", "ly", "align", "leader")
        },
        label_shown=f"{narrow} ? datum.shown_n : true",
    )
    leaders = (
        chosen.transform_filter("datum.label_leader && datum.label_shown")
        .mark_rule(color="#888888", aria=False)  # decoration: the points carry the figures
        .encode(x=x, y=y, x2="label_lx:Q", y2="label_ly:Q")
    )
    labels: list[Any] = []
    for align in ("left", "right", "center"):
        labels += halo_text(
            chosen.transform_filter(f"datum.label_align === '{align}' && datum.label_shown"),
            {"align": align, "baseline": "middle", "fontWeight": weight, "aria": False},
            x=alt.X("label_lx:Q", scale=x["scale"]),
            y=alt.Y("label_ly:Q", scale=y["scale"]),
            text="iso3:N",
        )
    return leaders, labels

"""A publication chart fitted to a printed A4 page, its smallest text at least 8 pt.

The charts are laid out 800 px wide. The report's A4 text column is 180 mm (510 pt): an 800 px
chart scaled into it prints 1 px as 0.64 pt, so the footer's 10.5 px would be 6.7 pt and the
labels' 11 px 7 pt (and a tall chart shrunk to half a page about 4 pt). Printed instead at
PRINT_WIDTH px across the column, 1 px is 0.77 pt: 10.5 px prints at 8.1 pt. The title, the
subtitle and the footer rewrap to the narrower width, and the chart grows by the lines they
gain, so the plot keeps its height. Labels placed by
``charts.clearance`` and ``charts.labels`` follow the drawn width.
"""

from __future__ import annotations

import copy
import textwrap
from typing import Any

from milex.present.charts.style import FOOTER, TITLE_WIDTH, WIDTH

#: The chart's width in px for print, and the printed text column it fills (A4 less 15 mm a side).
PRINT_WIDTH = 660
COLUMN_MM = 180.0
#: The smallest text the report prints, in pt.
MIN_PT = 8.0
#: Characters a subtitle line (12 px) holds at 800 px.
SUBTITLE_CHARS = 125


def points_per_px(width: float = PRINT_WIDTH) -> float:
    """How many pt one px of a chart ``width`` px wide prints at, filling the text column."""
    return COLUMN_MM / 25.4 * 72 / width


def print_spec(spec: dict[str, Any], width: int = PRINT_WIDTH) -> dict[str, Any]:
    """A copy of a chart's Vega-Lite spec laid out ``width`` px wide for print."""
    out = copy.deepcopy(spec)
    ratio = width / WIDTH
    before = _text_height(out)
    title = out.get("title")
    if isinstance(title, dict):
        text = title.get("text", "")
        lines = text if isinstance(text, list) else [text]
        wrapped = textwrap.wrap(" ".join(lines), int(TITLE_WIDTH * ratio)) or lines
        subtitle = _rewrap(title.get("subtitle") or [], int(SUBTITLE_CHARS * ratio))
        title.update(text=wrapped if len(wrapped) > 1 else wrapped[0], subtitle=subtitle)
    for layer in out.get("layer", []):
        if layer.get("name") == FOOTER and isinstance(layer["mark"].get("text"), list):
            # the footer starts at the plot's left edge, after the y axis (up to ~130 px)
            layer["mark"]["text"] = _rewrap(layer["mark"]["text"], int((width - 130) / 6.1))
    out["width"] = width
    if isinstance(out.get("height"), int | float):
        # the text keeps its size and the plot its height: a chart printed this large has
        # most of a page to itself, and the tracker's rows keep their 21 px
        out["height"] = round(out["height"] + max(_text_height(out) - before, 0))
    return out


def _text_height(spec: dict[str, Any]) -> int:
    """About how much of a chart's height its text takes: title and subtitle lines, footer
    lines, and the axis and legend (the rest is the plot)."""
    title = spec.get("title")
    lines = subtitle = 0
    if isinstance(title, dict):
        text = title.get("text", "")
        lines = len(text) if isinstance(text, list) else 1
        subtitle = len(title.get("subtitle") or [])
    footer = sum(
        len(layer["mark"]["text"])
        for layer in spec.get("layer", [])
        if layer.get("name") == FOOTER and isinstance(layer["mark"].get("text"), list)
    )
    return 22 * lines + 16 * subtitle + 14 * footer + 130


def _rewrap(lines: list[str], width: int) -> list[str]:
    """Lines rejoined into their sentences (each note ends one) and wrapped to ``width``."""
    notes: list[str] = []
    current = ""
    for line in lines:
        current = f"{current} {line}".strip()
        if current.endswith((".", ")")) or not line:
            notes.append(current)
            current = ""
    if current:
        notes.append(current)
    return [out for note in notes for out in (textwrap.wrap(note, width) or [""])]

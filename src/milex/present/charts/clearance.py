"""Labels clear of reference lines and of each other, at whatever size a chart is drawn.

A bar's value label goes just past the bar's end, unless a reference line (2%, 3.5%, the NATO
total) would strike it there: then it goes inside the bar's end, or else just past the line.
Reference lines' own labels beside the plot move apart where two lines run close (Ukraine's 2%
and 3.5% on a 0-40% axis), and those above the plot take a second tier where two would print
over each other. Every choice is a Vega expression of the plot's drawn ``width`` and ``height``,
so the web's phone-width chart, the 800 px PNG/SVG and the PDF's each get the placement that
fits the size they are drawn at. Widths of text come from DejaVu Sans's advance widths, the
house font.
"""

from __future__ import annotations

from collections.abc import Sequence

#: DejaVu Sans advance widths in em (regular, bold) for the characters figures use; the rest
#: take the font's average letter.
ADVANCE = {
    **{d: (0.636, 0.696) for d in "0123456789"},
    ".": (0.318, 0.38),
    ",": (0.318, 0.38),
    " ": (0.318, 0.348),
    "%": (0.95, 1.002),
    "≈": (0.838, 0.838),
    "e": (0.615, 0.678),
    "s": (0.521, 0.595),
    "-": (0.361, 0.415),
    "+": (0.838, 0.838),
}
AVERAGE = {False: (0.563, 0.672), True: (0.636, 0.755)}  # (lower case, upper case) by boldness
#: Pixels between a bar's end and its label, and the room a line keeps from any label's box.
GAP = 4.0
CLEAR = 3.0
#: Plot widths (px) below which a reference line's label above the plot keeps only its figure
#: ("2%", not "2% guideline"): the dashboard's phone and small-tablet widths.
SHORT_BELOW = 450
#: A text line's height for the labels beside a plot and the step between tiers above it.
LINE = 13.0
TIER = 15.0


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in px of ``text`` in DejaVu Sans at ``size`` px."""
    total = 0.0
    for ch in text:
        if ch in ADVANCE:
            total += ADVANCE[ch][bold]
        else:
            total += AVERAGE[bold][ch.isupper()]
    return total * size


def _num(value: float) -> str:
    return repr(float(value))


def bar_label_x(
    field: str, width_field: str, rules: Sequence[float], x_max: float, x_min: float = 0.0
) -> str:
    """A Vega expression for the left edge, in data units, of a horizontal bar's value label.

    The bar runs from 0 to ``datum[field]`` on a linear x scale with domain [``x_min``,
    ``x_max``] (a bar below 0 runs leftwards); the label is ``datum[width_field]`` px wide. In
    order of preference: just past the bar's end, just inside it (where the bar is long enough),
    just past the nearest line beyond the bar; the first spot no rule strikes (CLEAR px of room)
    and that stays inside the plot. Where none is free (never at the widths a chart is drawn at)
    the label stays past the bar's end.
    """
    k = f"({_num(x_max - x_min)} / max(width, 1))"  # data units per pixel
    end, w = f"datum[{field!r}]", f"datum[{width_field!r}]"

    def clear(left: str) -> str:
        right = f"({left} + {w} * {k})"
        tests = [f"{left} >= {_num(x_min)}", f"{right} <= {_num(x_max)}"]
        for r in rules:
            rv = _num(r)
            tests.append(f"!({rv} > {left} - {CLEAR} * {k} && {rv} < {right} + {CLEAR} * {k})")
        return "(" + " && ".join(tests) + ")"

    falls = f"{end} < 0"
    after = f"({end} + {GAP} * {k})"
    before = f"({end} - ({GAP} + {w}) * {k})"
    outside = f"({falls} ? {before} : {after})"
    inside = f"({falls} ? {after} : {before})"
    # inside means inside: a short bar's label would run across 0 into the other side
    within = f"({falls} ? ({inside} + {w} * {k} <= 0) : ({inside} >= 0))"
    choices = [(clear(outside), outside), (f"({within} && {clear(inside)})", inside)]
    for r in sorted(rules):
        past = f"({_num(r)} + {GAP} * {k})"
        choices.append((f"({end} >= 0 && {_num(r)} > {end} && {clear(past)})", past))
    expr = outside
    for test, spot in reversed(choices):
        expr = f"{test} ? {spot} : ({expr})"
    return expr


def tier_offsets(labels: Sequence[tuple[float, float | str]], *, base: float = -4.0) -> list[str]:
    """Vega expressions for the ``dy`` of labels above a plot, each centred on its x value
    (``labels``: value, and width in px or a Vega expression of it; the answer in the same
    order). In the order given (the first keep the lowest tier), each takes the lowest tier free
    of every earlier label it would print over (6 px apart), one TIER higher each."""
    px = [f"scale('x', {_num(v)})" for v, _ in labels]
    tiers: list[str] = []
    for i, (_, w) in enumerate(labels):
        close = [
            (j, f"(abs({px[i]} - {px[j]}) < (({w}) + ({wj})) / 2 + 6)")
            for j, (_, wj) in enumerate(labels[:i])
        ]
        # 0 unless a close label sits on 0; then 1 unless a close one sits on 1; else 2
        on = [
            " || ".join(f"({c} && {tiers[j]} === {t})" for j, c in close) or "false" for t in (0, 1)
        ]
        tiers.append(f"(({on[0]}) ? (({on[1]}) ? 2 : 1) : 0)")
    return [f"{base:g} - {TIER:g} * {t}" for t in tiers]


def side_dy(field: str, values: Sequence[float], *, scale: str = "y") -> str:
    """A Vega expression for the ``dy`` of labels beside a plot at their y ``values``: the lowest
    stays on its line, each one above moves up just enough to clear the one below (LINE px)."""
    ordered = sorted(values)
    px = [f"scale({scale!r}, {_num(v)})" for v in ordered]
    placed: list[str] = []
    for i in range(len(ordered)):
        placed.append(px[i] if i == 0 else f"min({px[i]}, {placed[i - 1]} - {LINE:g})")
    return by_value(field, ordered, [f"({p}) - {px[i]}" for i, p in enumerate(placed)])


def by_value(field: str, values: Sequence[float], exprs: Sequence[str]) -> str:
    """One expression from one per value: ``exprs[i]`` where ``datum[field]`` is ``values[i]``."""
    out = "0"
    for v, e in reversed(list(zip(values, exprs, strict=True))):
        out = f"datum[{field!r}] === {_num(v)} ? ({e}) : ({out})"
    return out

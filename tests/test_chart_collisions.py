"""No value label struck by a reference line or printed over another label (issue 32, item 6).

Each chart is laid out by Vega itself (vl-convert's scenegraph, the layout its PNG and SVG are
drawn from), at the publication's 800 px and at narrower widths the dashboard draws it at. Every
label in the plot (value labels, the reference lines' labels, the NATO total's) gets a box from
the font's real advance widths (DejaVu Sans, read with Pillow) and Vega's own baseline offsets;
each box must keep clear of every reference line (the plot's rule marks) and of every other box,
the legend's included.
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import vl_convert as vlc
from PIL import ImageFont

import milex
from milex.present import figures, render
from milex.present.charts import clearance
from milex.present.printing import print_spec

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: A line must pass this far (px) from a label's box: the label's white halo is 1.5 px.
ROOM = 1.0
#: The publication's width, the dashboard's on a tablet, and on a 360 px phone (container).
WIDTHS = (800, 560, 330)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Label:
    text: str
    box: Box
    role: str


@dataclass(frozen=True)
class Line:
    x: float
    y: float
    x2: float
    y2: float


@cache
def font(bold: bool, italic: bool) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans" + ("-Bold" if bold else "") + ("Oblique" if italic else "")
    name = name.replace("SansOblique", "Sans-Oblique")
    return ImageFont.truetype(str(FONT_DIR / f"{name}.ttf"), 100)


def text_box(item: dict, ox: float, oy: float) -> Box:
    """The box Vega gives a text item: its advance width by its alignment, its font size high,
    placed by its baseline as vega-scenegraph's ``offset`` does."""
    size = float(item.get("fontSize", 11))
    f = font(item.get("fontWeight") == "bold", item.get("fontStyle") == "italic")
    width = f.getlength(str(item["text"])) * size / 100
    x = ox + item.get("x", 0) + item.get("dx", 0)
    y = oy + item.get("y", 0) + item.get("dy", 0)
    offset = {"top": 0.79, "middle": 0.30, "bottom": -0.21}.get(item.get("baseline", ""), 0.0)
    y += round(offset * size)
    align = item.get("align", "left")
    left = x if align == "left" else x - width if align == "right" else x - width / 2
    return (left, y - round(0.8 * size), left + width, y - round(0.8 * size) + size)


def layout(spec: dict, width: int | None = None) -> list[tuple[dict, dict, float, float]]:
    """Every drawn item of a chart as Vega lays it out, with its mark and the offset of the
    groups it sits in (``width``: the chart's total width, as the dashboard sets it; default
    the publication's 800 px)."""
    spec = copy.deepcopy(spec)
    if width is not None:
        spec["width"] = width
    if width is not None and width < 600:
        narrow(spec, width)
    graph = vlc.vegalite_to_scenegraph(spec, allowed_base_urls=[])
    out: list[tuple[dict, dict, float, float]] = []

    def walk(mark: dict, ox: float, oy: float) -> None:
        for item in mark.get("items", []):
            if mark.get("marktype") == "group":
                for child in item.get("items", []):
                    walk(child, ox + item.get("x", 0), oy + item.get("y", 0))
            else:
                out.append((mark, item, ox, oy))

    walk(graph["scenegraph"], 0, 0)
    return out


def scene(spec: dict, width: int | None = None) -> tuple[list[Label], list[Line]]:
    """The labels and reference lines of a chart as Vega lays it out at ``width``."""
    labels: list[Label] = []
    lines: list[Line] = []
    for mark, item, ox, oy in layout(spec, width):
        kind, role, name = mark.get("marktype"), mark.get("role"), mark.get("name") or ""
        if kind == "text" and isinstance(item.get("text"), str) and item["text"]:
            plotted = role == "mark" and name != "footer_marks"
            if plotted or role in ("legend-label", "legend-title"):
                labels.append(Label(item["text"], text_box(item, ox, oy), role))
        elif kind == "rule" and role == "mark" and item.get("strokeDash"):  # not a leader
            x, y = ox + item.get("x", 0), oy + item.get("y", 0)
            x2 = ox + item["x2"] if "x2" in item else x
            y2 = oy + item["y2"] if "y2" in item else y
            lines.append(Line(x, y, x2, y2))
    unique = {(lab.text, lab.box): lab for lab in labels}  # a halo and its text: one label
    return list(unique.values()), lines


def narrow(spec: dict, width: int) -> None:
    """What the dashboard's fitSpec (static/js/app.js) does to a chart under 600 px: titles,
    notes and the x axis's title rewrapped to the width, reference labels keep their figure
    ('2%'), legends take one column."""
    title = spec["title"]
    text = " ".join(title["text"]) if isinstance(title["text"], list) else title["text"]
    before = len(title["subtitle"]) + 1
    title.update(
        text=textwrap.wrap(text, max(24, (width - 30) // 11)),
        subtitle=textwrap.wrap(" ".join(title["subtitle"]), max(30, int((width - 30) / 6.9))),
        fontSize=15,
        subtitleFontSize=11,
        frame="bounds",
    )
    # the plot keeps its height: the page's chart grows by the lines the text gained
    grown = len(title["subtitle"]) + len(title["text"]) - before
    spec["height"] += max(grown, 0) * 15 + 60
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            label = row.get("label")
            if isinstance(label, str) and label.endswith(("guideline", "Hague target")):
                row["label"] = label.split(" ")[0]
    for layer in spec.get("layer", []):
        if layer.get("name") == "footer":
            lines = textwrap.wrap(" ".join(layer["mark"]["text"]), int((width - 135) / 5.6))
            spec["height"] += max(0, len(lines) - len(layer["mark"]["text"])) * 14
            layer["mark"] = {**layer["mark"], "text": lines, "fontSize": 10}
        for key, channel in layer.get("encoding", {}).items():
            if not isinstance(channel, dict):
                continue
            if isinstance(channel.get("legend"), dict):
                channel["legend"] = {**channel["legend"], "columns": 1, "labelLimit": width - 60}
            if key == "x" and isinstance(channel.get("title"), str):
                channel["title"] = textwrap.wrap(channel["title"], int((width - 110) / 6.6))
                spec["height"] += 14 * (len(channel["title"]) - 1)
    legend = spec.setdefault("config", {}).setdefault("legend", {})
    legend.update(columns=1 if width < 480 else 2, labelFontSize=11, labelLimit=width - 60)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def struck(box: Box, line: Line) -> bool:
    """Whether a horizontal or vertical line passes within ROOM px of the box."""
    left, top, right, bottom = box[0] - ROOM, box[1] - ROOM, box[2] + ROOM, box[3] + ROOM
    if line.x == line.x2:
        low, high = sorted((line.y, line.y2))
        return left < line.x < right and low < bottom and top < high
    low, high = sorted((line.x, line.x2))
    return top < line.y < bottom and low < right and left < high


def collisions(labels: list[Label], lines: list[Line]) -> list[str]:
    found = [
        f"{lab.text!r} struck by the line at x={ln.x:.0f}, y={ln.y:.0f}"
        for lab in labels
        if lab.role == "mark"
        for ln in lines
        if struck(lab.box, ln)
    ]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if "mark" in (a.role, b.role) and overlap(a.box, b.box):
                found.append(f"{a.text!r} prints over {b.text!r}")
    return found


@pytest.fixture(scope="module")
def specs(dataset):
    built: dict[str, dict] = {}

    def get(name: str, **options: object) -> dict:
        key = f"{name} {sorted(options.items())}"
        if key not in built:
            built[key] = render.spec(figures.build(name, dataset=dataset, **options))
        return built[key]

    return get


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_tracker_value_labels_clear_every_line_and_label(dataset, specs, year, width):
    labels, lines = scene(specs("tracker", year=year), width)
    values = [lab for lab in labels if lab.text[:1].isdigit() and "%" not in lab.text]
    allies = milex.tracker(year, dataset=dataset).frame().query("row_type == 'ally'")
    assert len(values) == allies["milex_pct_gdp"].notna().sum(), "every bar keeps its label"
    assert len(lines) >= 2, "the 2% and 3.5% lines are drawn"
    assert collisions(labels, lines) == []


def test_tracker_2024_labels_near_the_hague_line_move_inside_their_bars(specs):
    """Estonia's 3.43 and the United States' 3.38 end just short of 3.5%: their labels go inside
    their bars' ends, left of the line, not through it."""
    labels, lines = scene(specs("tracker", year=2024))
    hague = max(lines, key=lambda ln: ln.x).x  # 3.5% is the rightmost line in 2024
    for text in ("3.43", "3.38"):
        (box,) = [lab.box for lab in labels if lab.text == text]
        assert box[2] < hague - ROOM


def test_nato_total_label_sits_above_the_plot_clear_of_the_line_labels(specs):
    labels, _ = scene(specs("tracker", year=2024))
    (total,) = [lab for lab in labels if lab.text.startswith("NATO total")]
    (hague,) = [lab for lab in labels if lab.text == "3.5% Hague target"]
    assert not overlap(total.box, hague.box)
    assert total.box[3] < min(lab.box[1] for lab in labels if lab.text == "4.12")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("country", ["UKR", "RUS"])
def test_sipri_country_line_labels_do_not_overprint(specs, country, width):
    """Ukraine's axis runs to 40%: its 2% and 3.5% lines are a few pixels apart, and their
    labels beside the plot move apart instead of printing over each other."""
    labels, lines = scene(specs("sipri-country", country=country), width)
    assert {"2%", "3.5%"} <= {lab.text for lab in labels}
    assert collisions(labels, lines) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("country", ["POL", "DEU"])
def test_ally_country_chart_labels_clear(specs, country, width):
    labels, lines = scene(specs("country", country=country), width)
    assert {"2%", "3.5%"} <= {lab.text for lab in labels}
    assert collisions(labels, lines) == []


def test_the_placement_code_measures_text_as_the_font_does():
    """The widths the placement uses (an advance-width table) match the font's for figures to
    a tenth of a pixel, and never make words narrower than the font does (wider is safe)."""
    for text in ("3.43", "2.10≈", "2.32e", "4.12"):
        real = font(False, False).getlength(text) * 11 / 100
        assert clearance.text_width(text, 11) == pytest.approx(real, abs=0.1)
    for text, bold in (("NATO total 2.71%", False), ("3.5% Hague target", True)):
        real = font(bold, False).getlength(text) * 11 / 100
        assert real - 0.5 < clearance.text_width(text, 11, bold=bold) < real * 1.1


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("tracker", {"year": 2024}),
        ("tracker", {"year": 2025}),
        ("tracker", {"year": 2026}),
        ("sipri-country", {"country": "UKR"}),
        ("country", {"country": "TUR"}),
    ],
)
def test_charts_as_the_pdf_prints_them_keep_their_labels_clear(specs, name, options):
    """The PDF lays charts out PRINT_WIDTH px wide (milex.present.printing): the placement
    follows that width too."""
    labels, lines = scene(print_spec(specs(name, **options)))
    assert lines and collisions(labels, lines) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("year", [2024, 2026])
def test_every_tiles_text_stays_inside_its_tile(specs, year, width):
    """The tile grid's codes and figures ("3.50%≈") fit their tiles at every width: on a
    phone the figure drops its "%" and shrinks rather than print over the next tile."""
    drawn = layout(specs("tiles", year=year), width)
    tiles = [
        (ox + i["x"], oy + i["y"], ox + i["x"] + i["width"], oy + i["y"] + i["height"])
        for m, i, ox, oy in drawn
        if m.get("marktype") == "rect" and m.get("role") == "mark"
    ]
    texts = [
        Label(str(i["text"]), text_box(i, ox, oy), "mark")
        for m, i, ox, oy in drawn
        if m.get("marktype") == "text" and m.get("role") == "mark" and i.get("text")
        and m.get("name") != "footer_marks"
    ]  # fmt: skip
    assert len(tiles) == 32 and len(texts) >= 31
    for label in texts:
        home = [t for t in tiles if overlap(t, label.box)]
        assert len(home) == 1, f"{label.text!r} at {width} px touches {len(home)} tiles"
        t, b = home[0], label.box
        assert t[0] <= b[0] and b[2] <= t[2], f"{label.text!r} runs out of its tile at {width} px"


@pytest.mark.parametrize("width", [*WIDTHS, "print"])
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_equipment_scatter_labels_keep_off_the_2_and_20_percent_lines(specs, year, width):
    """The scatter's ISO3 labels are placed clear of its reference lines too (2024: Albania,
    Sweden and Bulgaria sit on the 2% line)."""
    spec = specs("equipment", year=year)
    labels, lines = scene(print_spec(spec)) if width == "print" else scene(spec, width)
    assert len(lines) == 2
    assert [c for c in collisions(labels, lines) if "struck" in c] == []

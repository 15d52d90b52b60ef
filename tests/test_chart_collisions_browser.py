"""On the dashboard at a 360 px phone width and at 1280 px, as Chromium draws it: the tracker
chart's value labels clear of its reference lines and of each other, and the tile grid's texts
inside their tiles (issue 32, item 6). Boxes are Vega's own ``item.bounds`` from the live view.
"""

from __future__ import annotations

import pytest

from .test_web_browser import browser, drawn, open_page, server  # noqa: F401 (fixtures)

#: Every text item in the plot (not axes, legend, title or footer) and every rule there, with
#: the absolute bounds Vega computed for it: [text, x1, y1, x2, y2] and [x1, y1, x2, y2].
PLOT_ITEMS = """(sel) => {
  const view = document.querySelector(sel).vegaView;
  const texts = [], rules = [], rects = [];
  const walk = (node, dx, dy) => {
    for (const item of node.items || []) {
      const b = item.bounds;
      const mark = node.role === "mark" && node.name !== "footer_marks";
      if (mark && b && node.marktype === "text" && item.text)
        texts.push([String(item.text), b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy]);
      if (mark && b && node.marktype === "rule") rules.push([b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy]);
      if (mark && b && node.marktype === "rect") rects.push([b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy]);
      const gx = node.marktype === "group" ? item.x || 0 : 0;
      const gy = node.marktype === "group" ? item.y || 0 : 0;
      for (const child of item.items || []) walk(child, dx + gx, dy + gy);
    }
  };
  walk(view.scenegraph().root, 0, 0);
  return {texts, rules, rects};
}"""


def overlap(a, b, room=0.0):
    return a[0] - room < b[2] and b[0] - room < a[2] and a[1] - room < b[3] and b[1] - room < a[3]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_tracker_labels_clear_lines_and_each_other_in_the_browser(browser, server, year, width):  # noqa: F811
    context, page = open_page(browser, server, {"width": width, "height": 800})
    try:
        page.goto(f"{server}/?year={year}")
        drawn(page, "#tracker-chart")
        found = page.evaluate(PLOT_ITEMS, "#tracker-chart")
        texts = {tuple(t) for t in found["texts"]}  # a halo and its text: one box
        rules = found["rules"]
        assert len(rules) >= 2 and len(texts) >= 10
        struck = [t[0] for t in texts for r in rules if overlap(t[1:], [r[0], r[1], r[2], r[3]], 1)]
        assert struck == [], f"labels struck by a line at {width} px: {struck}"
        boxes = sorted(texts)
        prints_over = [
            (a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
            if overlap(a[1:], b[1:])
        ]  # fmt: skip
        assert prints_over == [], f"labels over labels at {width} px: {prints_over}"
        assert page.errors == []
    finally:
        context.close()


def test_tiles_texts_stay_in_their_tiles_on_a_phone(browser, server):  # noqa: F811
    context, page = open_page(browser, server, {"width": 360, "height": 780})
    try:
        page.goto(f"{server}/charts/tiles?year=2026")
        drawn(page, "#view-chart")
        found = page.evaluate(PLOT_ITEMS, "#view-chart")
        tiles = found["rects"]
        assert len(tiles) == 32
        for text, *box in found["texts"]:
            home = [t for t in tiles if overlap(box, t)]
            assert len(home) == 1, f"{text!r} touches {len(home)} tiles"
            assert home[0][0] <= box[0] and box[2] <= home[0][2], f"{text!r} leaves its tile"
        assert page.errors == []
    finally:
        context.close()

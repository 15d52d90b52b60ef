"""The PDF reports print every chart's text at 8 pt or more (issue 32, item 6).

Measured on WeasyPrint's own layout of the A4 pages: each inline chart's box width in CSS px
(1 px = 0.75 pt) against its SVG's width in user units gives the scale it prints at; every
``font-size`` in the SVG times that scale is the printed size. Before the charts were laid out
for print, the 800 px tracker shrunk to half a page printed its labels at about 4 pt.
"""

from __future__ import annotations

import pytest

from milex.present.printing import MIN_PT, points_per_px
from milex.present.report import alliance_report, country_brief

pytestmark = pytest.mark.slow  # two reports laid out by WeasyPrint: about a minute

SMALL = {"bloc": "NATO", "uncertainty": {"paths": 1000, "seed": 2}}
PT_PER_CSS_PX = 0.75
COLUMN_CSS_PX = 180 / 25.4 * 96  # the A4 text column, 15 mm margins a side


def printed_charts(report):
    """(figure id, printed width in CSS px, SVG width in user units, font sizes in px)."""
    found = []

    def walk(box, figure=None):
        if getattr(box, "element_tag", None) == "figure":
            figure = box.element.get("id")
        if (
            str(getattr(box, "element_tag", "")).endswith("svg")
            and "Replaced" in type(box).__name__
        ):
            svg = box.element
            view = [float(v) for v in svg.get("viewBox").split()]
            sizes = [
                float(el.get("font-size").removesuffix("px"))
                for el in svg.iter()
                if isinstance(el.tag, str) and el.get("font-size")
            ]
            found.append((figure, box.width, view[2], sizes))
        for child in getattr(box, "children", []) or []:
            walk(child, figure)

    for page in report.document().pages:
        walk(page._page_box)
    return found


@pytest.fixture(scope="module")
def reports(dataset):
    return [
        alliance_report(scenario=SMALL, dataset=dataset),
        country_brief("Türkiye", dataset=dataset),
    ]


def test_every_chart_in_the_pdfs_prints_its_text_at_8_pt_or_more(reports):
    seen = set()
    for report in reports:
        charts = printed_charts(report)
        assert len(charts) >= 4, f"the {report.kind} report's charts are laid out"
        for key, width, units, sizes in charts:
            seen.add(key)
            assert sizes, f"{key}: its text is text"
            smallest = min(sizes) * width / units * PT_PER_CSS_PX
            assert smallest >= MIN_PT, f"{key}: {min(sizes)} px prints at {smallest:.1f} pt"
    assert {"fig-tracker", "fig-tiles", "fig-equipment", "fig-country"} <= seen


def test_charts_fill_the_text_column_at_the_scale_the_layout_assumes(reports):
    """Each chart spans the 180 mm column; at 660 px that is 0.77 pt a px (10.5 px: 8.1 pt)."""
    for report in reports:
        for key, width, units, _ in printed_charts(report):
            assert width == pytest.approx(COLUMN_CSS_PX, abs=1), key
            assert width / units * PT_PER_CSS_PX == pytest.approx(points_per_px(), rel=0.01), key

"""The maps of each indicator view: which indicator each maps, its classes and palette, every
country drawn, the Europe and world frames, and the shapes named in the spec (not embedded).
"""

from __future__ import annotations

import itertools
import json

import pytest

import milex
from milex.errors import MilexError
from milex.present import figures, render
from milex.present.charts import map as cmap
from milex.present.charts.map_scales import (
    INDICATORS,
    NO_FIGURE_COLOUR,
    OUTSIDE_COLOUR,
    palette,
)
from milex.present.charts.style import contrast
from milex.present.map_views import MAP_OF_VIEW, MAPS

#: What each indicator view's map must name in its legend: unit, year and publisher.
VIEW_LEGENDS = {
    "tracker": ("map", "% of GDP, 2024 (NATO)", "Defence spending as a share of GDP"),
    "tiles": ("map", "% of GDP, 2024 (NATO)", "Defence spending as a share of GDP"),
    "country": ("map", "% of GDP, 2024 (NATO)", "Defence spending as a share of GDP"),
    "equipment": (
        "map-equipment", "% of defence spending, 2024 (NATO)", "Equipment spending as a share",
    ),
    "burden": ("map-burden", "Spending share over GDP share, 2024 (NATO)", "Burden ratio"),
    "sipri-country": ("map-sipri", "% of GDP, 2024 (SIPRI)", "Military expenditure as a share"),
    "per-capita": (
        "map-per-capita", "US$ per person, 2015 prices, 2024 (NATO)", "Defence spending per person",
    ),
    "real-change": (
        "map-real-change", "% real change, 2024 (NATO)", "Real change in defence spending",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def frame(dataset):
    return milex.tracker(2024, dataset=dataset)


def colour_layer(spec):
    return next(layer for layer in spec["layer"] if "color" in layer.get("encoding", {}))


def shape_rows(spec):
    """The per-shape table the map looks its classes up in."""
    lookup = colour_layer(spec)["transform"][0]["from"]["data"]
    return spec["datasets"][lookup["name"]] if "name" in lookup else lookup["values"]


def test_the_indicator_views_are_those_with_a_map_and_each_maps_a_map_chart():
    from milex.web.views import INDICATOR_VIEWS

    assert set(VIEW_LEGENDS) == set(INDICATOR_VIEWS)
    assert {MAP_OF_VIEW[v] for v in INDICATOR_VIEWS} == set(MAPS)
    assert "totals" not in MAP_OF_VIEW and "threat-mer" not in MAP_OF_VIEW  # no country figure


@pytest.mark.parametrize("view", sorted(VIEW_LEGENDS))
def test_each_views_map_names_that_views_indicator_unit_year_and_source(dataset, view):
    name, legend, title = VIEW_LEGENDS[view]
    assert MAP_OF_VIEW[view] == name
    spec = figures.spec(name, year=2024, dataset=dataset)
    colour = colour_layer(spec)["encoding"]["color"]
    assert colour["title"] == legend
    assert style_title(spec).startswith(title)
    tooltip_titles = [t["title"] for t in colour_layer(spec)["encoding"]["tooltip"]]
    assert tooltip_titles == ["Country", legend.split(",")[0], "Flags"]
    source = legend.rsplit("(", 1)[1].rstrip(")")
    footer = " ".join(cmap_footer(spec))
    assert f"Source: {source}" in footer and "edition" in footer


def style_title(spec):
    from milex.present.charts.style import title_text

    return title_text(spec)


def cmap_footer(spec):
    from milex.present.charts.style import footer_lines

    return footer_lines(spec)


def test_no_two_views_maps_say_the_same_thing(dataset):
    titles = {n: style_title(figures.spec(n, year=2024, dataset=dataset)) for n in MAPS}
    assert len(set(titles.values())) == len(MAPS)
    assert "23 of 31 allies" in titles["map"] and "23 of 31" not in titles["map-equipment"]


def test_slovakia_at_2_00_and_estonia_at_3_43_fall_in_different_classes_in_2024(frame):
    figure = cmap.tracker_figure(frame)
    by_code = {r["iso3"]: r for r in figure.rows}
    assert f"{by_code['SVK']['value']:.2f}" == "2.00" and f"{by_code['EST']['value']:.2f}" == "3.43"
    rows = {r["iso3"]: r for r in cmap.shape_table(figure)}
    assert rows["SVK"]["class"] != rows["EST"]["class"]
    assert rows["EST"]["class"] == "2.5% to under 3.5%"
    assert rows["POL"]["class"] == "3.5% to under 5%"  # 4.12%
    assert (
        rows["EST"]["figure"] == "3.43% of GDP, 2024 (NATO)" and rows["EST"]["flags"] == "estimate"
    )


def test_classes_break_at_the_policy_lines_and_a_value_on_a_break_goes_above_it():
    share = INDICATORS["share_gdp"]
    assert share.labels == (
        "under 1.5%", "1.5% to under 2%", "2% to under 2.5%", "2.5% to under 3.5%",
        "3.5% to under 5%", "5% or more",
    )  # fmt: skip
    assert share.label(1.99) == "1.5% to under 2%" and share.label(2.0) == "2% to under 2.5%"
    assert share.label(3.5) == "3.5% to under 5%" and share.label(None) == "no NATO figure"
    equipment = INDICATORS["equipment"]
    assert equipment.label(19.9) != equipment.label(20.0) == "20% to under 25%"
    assert INDICATORS["burden"].label(1.0) == "1 to under 1.25"
    for indicator in INDICATORS.values():
        assert 5 <= len(indicator.labels) <= 7
    with pytest.raises(ValueError, match="increasing breaks"):
        type(share)("x", "x", "%", "%", (2.0, 1.0, 3.0, 4.0), 2, "NATO", "not")


def test_the_palette_is_sequential_with_visible_steps_and_the_greys_stand_apart():
    for n in (5, 6, 7):
        colours = palette(n)
        assert len(set(colours)) == n
        steps = [contrast(a, b) for a, b in itertools.pairwise(colours)]
        assert all(s >= 1.15 for s in steps), (n, steps)  # each class darker than the last
        assert contrast(colours[-1], "#ffffff") >= 3  # the top classes read against white
    assert contrast(NO_FIGURE_COLOUR, OUTSIDE_COLOUR) >= 2
    for indicator in INDICATORS.values():
        legend = indicator.colours()
        assert list(legend)[-2:] == [indicator.no_figure, indicator.outside]
        assert len(set(legend.values())) == len(legend)


@pytest.mark.parametrize("extent", ["europe", "world"])
def test_every_country_in_the_frame_is_drawn_none_left_as_a_hole(dataset, extent):
    spec = figures.spec("map", year=2024, extent=extent, dataset=dataset)
    shapes = spec["datasets"][cmap.OUTLINES[extent]]["objects"]["countries"]["geometries"]
    names = {g["properties"]["name"] for g in shapes}
    rows = {r["shape"]: r for r in shape_rows(spec)}
    assert names == set(rows)  # every shape the frame holds has its row, so its colour
    for country in ("Switzerland", "Austria", "Serbia", "Bosnia and Herz.", "Russia", "Belarus",
                    "Ukraine", "Kosovo", "Moldova", "Ireland"):  # fmt: skip
        assert rows[country]["class"] == "not a NATO ally", country
    assert rows["Poland"]["class"] == "3.5% to under 5%"
    if extent == "world":
        assert names == set(cmap.shape_names()) - {"Antarctica"}
        assert rows["United States of America"]["figure"].endswith("% of GDP, 2024 (NATO)")
        assert rows["Canada"]["class"] == "under 1.5%"
    else:
        assert "United States of America" not in names and "Canada" not in names
        assert cmap.NORTH_AMERICA_NOTE in " ".join(cmap_footer(spec))


def test_the_rendered_map_draws_each_shape_of_the_frame(dataset):
    """In the drawn SVG, not just the spec: one path per shape in the frame, none dropped."""
    spec = figures.spec("map", year=2024, dataset=dataset)
    svg = render.to_svg(spec)
    shapes = svg.split('class="mark-shape', 1)[1].split("</g>", 1)[0]
    assert shapes.count("<path") == len(shape_rows(spec)) >= 60


def test_sipri_map_colours_russia_and_says_who_sipri_leaves_out(dataset):
    spec = figures.spec("map-sipri", country="RUS", dataset=dataset)
    rows = {r["shape"]: r for r in shape_rows(spec)}
    assert rows["Russia"]["class"] == "5% or more" and rows["Russia"]["highlight"] is True
    assert rows["Russia"]["figure"].endswith("% of GDP, 2024 (SIPRI)")
    assert rows["Switzerland"]["class"] == "not in the SIPRI extract"


def test_a_frame_other_than_europe_or_world_is_an_error_naming_the_parameter(dataset):
    with pytest.raises(MilexError, match="extent must be one of europe, world, not 'mars'"):
        figures.spec("map", extent="mars", dataset=dataset)
    with pytest.raises(MilexError, match="does not take --extent"):
        figures.spec("tracker", extent="world", dataset=dataset)


def test_the_europe_frame_is_fitted_to_europe_and_the_world_frame_to_the_world(dataset):
    europe = colour_layer(figures.spec("map", dataset=dataset))["projection"]
    points = europe["fit"]["geometry"]["coordinates"]
    assert (
        min(p[0] for p in points) <= -24 and max(p[0] for p in points) >= 44.5
    )  # Iceland, Türkiye
    assert min(p[1] for p in points) <= 35 and max(p[1] for p in points) >= 71  # Cyprus, North Cape
    assert "clipExtent" in europe
    world = colour_layer(figures.spec("map", extent="world", dataset=dataset))["projection"]
    assert world == {"type": "naturalEarth1"}


def test_the_chart_names_its_shapes_and_the_spec_carries_them_shared_not_copied(frame):
    chart = cmap.tracker_map(frame)
    bare = chart.to_dict(validate=False)
    assert len(json.dumps(bare)) < 40_000  # no TopoJSON in the chart itself
    assert colour_layer(bare)["data"]["name"] == cmap.OUTLINES["europe"]
    spec = render.spec(chart)
    assert spec["datasets"][cmap.OUTLINES["europe"]] is cmap.outlines("europe")
    world = cmap.outlines("world")["objects"]["countries"]["geometries"]
    assert [g["properties"]["name"] for g in world] == [
        n for n in cmap.shape_names() if n != "Antarctica"
    ]
    png = render.to_png(spec, scale=1)  # vl-convert draws it offline from the spec alone
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_map_table_lists_the_mapped_countries_with_their_class(dataset):
    from milex.present.figure_tables import table

    made = table("map-equipment", year=2024, dataset=dataset)
    assert made.title == "Equipment spending as a share of defence spending, 2024 (NATO)"
    rows = {r["iso3"]: r for r in made.rows}
    assert len(rows) == 32 and rows["ISL"]["class"] == "no NATO figure"  # no armed forces
    assert rows["POL"]["class"] == INDICATORS["equipment"].label(rows["POL"]["value"])
    headers = [c.header for c in made.columns]
    assert headers[1] == (
        "Equipment spending as a share of defence spending, % of defence spending (NATO)"
    )

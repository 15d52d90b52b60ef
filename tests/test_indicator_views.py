"""The per-capita and real-change indicator views: their tables carry NATO's figures as the
tracker and the dataset give them, sorted; each view maps its own indicator on a Map tab whose
legend names it; the pages have Chart / Map / Table / Sources tabs and the gallery lists them.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from milex.present.figure_tables import table

from .test_web_browser import PHONE, browser, server, shot  # noqa: F401
from .test_web_maps import map_drawn, open_touch

#: Each view, its map chart, the legend's words and its value column's header.
VIEWS = {
    "per-capita": ("map-per-capita", "US$ per person, 2015 prices, 2024 (NATO)",
                   "Defence expenditure per capita, US$ at constant 2015 prices (NATO)"),
    "real-change": ("map-real-change", "% real change, 2024 (NATO)",
                    "Real change in defence expenditure on the previous year, % (NATO, constant "
                    "prices)"),
}  # fmt: skip


@pytest.fixture(scope="module")
def client(dataset):
    from milex.web import create_app

    with TestClient(create_app(dataset), base_url="http://127.0.0.1") as c:
        yield c


def _nato(dataset, name):
    """Poland's and Germany's 2024 figures as the library gives them."""
    import milex

    if name == "per-capita":
        frame = dataset.series("milex_per_capita_usd_const", ["POL", "DEU"], "nato", [2024])
        return dict(zip(frame["iso3"], frame["value"], strict=True))
    rows = milex.tracker(2024, dataset=dataset).allies()
    return {r["iso3"]: r["real_change_pct"] for r in rows if r["iso3"] in ("POL", "DEU")}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_2024_table_carries_natos_figures_for_poland_and_germany_sorted(dataset, name):
    t = table(name, year=2024, dataset=dataset)
    expected = _nato(dataset, name)
    by_ally = {r["iso3"]: r["value"] for r in t.rows}
    assert by_ally["POL"] == expected["POL"] and by_ally["DEU"] == expected["DEU"]
    values = [r["value"] for r in t.rows if r["value"] is not None]
    assert values == sorted(values, reverse=True) and len(values) == 31
    assert [c.header for c in t.columns] == ["Ally", VIEWS[name][2], "Flags"]
    assert t.columns[1].unit and "NATO" in t.sources[0]["citation"]
    assert t.parameters["year"] == 2024


def test_the_per_capita_figures_are_natos_2024_ones_in_its_2015_price_base(dataset):
    t = table("per-capita", year=2024, dataset=dataset)
    poland = next(r for r in t.rows if r["iso3"] == "POL")
    assert round(poland["value"], 1) == 710.8  # NATO, 17 June 2024, TABLE6
    assert any("US$ 1,210" in n for n in t.notes)  # NATO's own aggregate


def test_the_real_change_table_has_slovenias_cut_last(dataset):
    t = table("real-change", year=2024, dataset=dataset)
    known = [r for r in t.rows if r["value"] is not None]
    assert known[-1]["iso3"] == "SVN" and known[-1]["value"] < 0
    assert "national_2pct_law" not in ";".join(r["flags"] for r in t.rows)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_year_nato_gives_no_figure_for_is_an_error_naming_the_years(dataset, name):
    from milex.errors import MilexError

    with pytest.raises(MilexError, match=r"year: .*2025.*2014-2024"):
        table(name, year=2025, dataset=dataset)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_each_map_legend_names_its_indicator(client, name):
    map_name, legend, _ = VIEWS[name]
    spec = client.get(f"/chart/{map_name}.json?year=2024").json()
    colour = next(la["encoding"]["color"] for la in spec["layer"] if "color" in la["encoding"])
    assert colour["title"] == legend
    assert spec["usermeta"]["milex"]["map"]["indicator"] == map_name[4:].replace("-", "_")


def test_the_real_change_bars_diverge_around_zero_in_two_hues(client):
    spec = client.get("/chart/real-change.json?year=2024").json()
    bars = next(la for la in spec["layer"] if la.get("mark", {}).get("type") == "bar")
    scale = bars["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colours["under 0%"] == "#e08214" and colours["20% to under 40%"] == "#542788"
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][0] < 0


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_view_has_chart_map_table_and_sources_tabs(client, name):
    page = client.get(f"/charts/{name}?year=2024")
    assert page.status_code == 200
    tabs = re.findall(r'role="tab" id="tab-([a-z]+)"', page.text)
    assert tabs == ["chart", "map", "table", "sources"]
    assert f'data-chart="{VIEWS[name][0]}"' in page.text
    sources = client.get(f"/charts/{name}?year=2024&tab=sources").text
    assert "2014-2024 (2024-06-17)" in sources
    slider = re.findall(r'<option value="(\d{4})"', page.text) or re.findall(
        r'max="(\d{4})"', page.text
    )
    assert all(int(y) <= 2024 for y in slider)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_csv_holds_the_table(client, name):
    csv = client.get(f"/chart/{name}.csv?year=2024")
    assert csv.status_code == 200
    assert VIEWS[name][2] in csv.text and "Poland" in csv.text


def test_the_gallery_lists_both_views_with_the_allies_and_their_maps_with_the_maps(client):
    from milex.web.downloads import chart_names
    from milex.web.gallery import gallery

    topics = {t: [c.name for c in cards] for t, cards in gallery(chart_names())}
    assert {"per-capita", "real-change"} <= set(topics["The allies against the guidelines"])
    assert {"map-per-capita", "map-real-change"} <= set(topics["Each indicator on a map"])
    page = client.get("/charts").text
    for name in (*VIEWS, *(m for m, _, _ in VIEWS.values())):
        assert f'href="/charts/{name}"' in page, name


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_on_a_phone_the_map_legend_names_the_indicator_and_a_tap_on_poland_says_its_figure(
    browser,  # noqa: F811
    server,  # noqa: F811
    dataset,
    name,
):
    context, page = open_touch(browser, server, PHONE)
    try:
        page.goto(f"{server}/charts/{name}?year=2024&tab=map")
        map_drawn(page)
        legend = page.eval_on_selector(
            "#view-map .chart-view svg .role-legend", "e => e.textContent"
        )
        assert VIEWS[name][1] in legend
        shape = page.locator('#view-map svg path[aria-label^="Poland:"]')
        shape.scroll_into_view_if_needed()
        box = shape.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        readout = page.inner_text("#view-map .map-readout")
        value = _nato(dataset, name)["POL"]
        shown = f"{value:,.0f}" if name == "per-capita" else f"{value:.1f}%"
        assert readout.startswith(f"Poland: {shown}"), readout
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, f"map-{name}-390")
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_value_labels_clear_the_zero_and_nato_lines_and_each_other(browser, server, name, width):  # noqa: F811
    from .test_chart_collisions_browser import PLOT_ITEMS, overlap
    from .test_web_browser import drawn, open_page

    context, page = open_page(browser, server, {"width": width, "height": 800})
    try:
        page.goto(f"{server}/charts/{name}?year=2024")
        drawn(page, "#view-chart")
        found = page.evaluate(PLOT_ITEMS, "#view-chart")
        texts = {tuple(t) for t in found["texts"]}  # a halo and its text: one box
        assert len(texts) >= 31
        rules = found["rules"]
        assert len(rules) == (2 if name == "real-change" else 1)  # NATO's line (and 0)
        struck = [t[0] for t in texts for r in rules if overlap(t[1:], r, 1)]
        assert struck == [], f"labels struck by a line at {width} px: {struck}"
        boxes = sorted(texts)
        prints_over = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
                       if overlap(a[1:], b[1:])]  # fmt: skip
        assert prints_over == [], f"labels over labels at {width} px: {prints_over}"
        assert page.errors == []
    finally:
        context.close()


def test_a_year_some_allies_lack_says_how_many_have_figures_and_names_the_others(
    dataset, monkeypatch
):
    from milex.present import figures
    from milex.present.charts import style
    from milex.present.charts.style import title_text

    series = dataset.series

    def without_germany(*args, **kwargs):
        frame = series(*args, **kwargs)
        return frame[frame["iso3"] != "DEU"]

    monkeypatch.setattr(dataset, "series", without_germany)
    spec = figures.spec("per-capita", year=2024, dataset=dataset)
    assert "(30 of 31 allies with figures)" in title_text(spec)
    assert "30 of 31 allies with figures" in " ".join(spec["title"]["subtitle"])
    assert "No NATO figure for 2024: Germany." in " ".join(style.footer_lines(spec))
    t = table("per-capita", year=2024, dataset=dataset)
    assert t.rows[-1]["iso3"] in ("DEU", "ISL") and "DEU" not in {
        r["iso3"] for r in t.rows if r["value"] is not None
    }

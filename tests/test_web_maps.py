"""The Map tab of every indicator view, served and in headless Chromium at phone and desktop
width: it maps that view's indicator, Europe fills the width, a tap on a country says its figure,
the world toggle works with and without JavaScript, and nothing runs wider than the screen.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from .test_web_browser import DESKTOP, DRAWN, PHONE, browser, server, shot  # noqa: F401
from .test_web_pages import axe_violations

#: Each indicator view's page, the map chart its Map tab shows and the legend's words.
VIEWS = {
    "tracker": ("year=2024", "map", "% of GDP, 2024 (NATO)"),
    "tiles": ("year=2024", "map", "% of GDP, 2024 (NATO)"),
    "country": ("country=POL", "map", "(NATO)"),
    "equipment": ("year=2024", "map-equipment", "% of defence spending, 2024 (NATO)"),
    "burden": ("year=2022", "map-burden", "Spending share over GDP share, 2022 (NATO)"),
    "sipri-country": ("country=RUS", "map-sipri", "% of GDP, 2024 (SIPRI)"),
}


@pytest.fixture(scope="module")
def client(dataset):
    from milex.web import create_app

    with TestClient(create_app(dataset), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_each_views_map_tab_draws_that_views_own_map(client, view):
    params, map_name, legend = VIEWS[view]
    page = client.get(f"/charts/{view}?{params}&tab=map")
    assert page.status_code == 200
    assert f'data-chart="{map_name}"' in page.text
    assert page.text.count('data-chart="map') == 1  # one map: this view's
    found = re.search(r'id="view-map" data-chart="([a-z-]+)" data-params="([^"]*)"', page.text)
    assert found and found.group(1) == map_name
    query = found.group(2).replace("&amp;", "&")
    spec = client.get(f"/chart/{map_name}.json?{query}").json()
    colour = next(la["encoding"]["color"] for la in spec["layer"] if "color" in la["encoding"])
    assert legend in colour["title"]


def test_views_without_a_country_figure_have_no_map_tab(client):
    for view in ("totals", "threat-mer", "industry", "projection-share", "fiscal-debt"):
        page = client.get(f"/charts/{view}")
        assert 'id="tab-map"' not in page.text and 'data-chart="map' not in page.text, view


def test_the_world_toggle_is_a_plain_link_that_reframes_the_map_without_javascript(client):
    page = client.get("/charts/equipment?year=2024&tab=map")
    nav = page.text.split('<nav class="map-frame"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/charts/equipment?year=2024&amp;tab=map&amp;extent=world"' in nav
    assert 'aria-current="true">Europe<' in nav
    world = client.get("/charts/equipment?year=2024&tab=map&extent=world")
    assert 'data-chart="map-equipment" data-params="year=2024&amp;extent=world"' in world.text
    assert 'aria-current="true">World' in world.text
    home = client.get("/?tab=map&extent=world")
    assert 'data-chart="map" data-params="year=' in home.text and "extent=world" in home.text
    spec = client.get("/chart/map-equipment.json?year=2024&extent=world").json()
    projection = next(la["projection"] for la in spec["layer"] if "projection" in la)
    assert projection["type"] == "naturalEarth1"
    assert client.get("/chart/map.json?extent=mars").status_code == 422
    assert client.get("/chart/tracker.json?extent=world").status_code >= 400  # not a map


def test_a_map_png_for_a_year_never_drawn_comes_from_the_named_shapes(client):
    png = client.get("/chart/map-burden.png?year=2019&extent=world")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert "milex-map-burden-2019-world.png" in png.headers["content-disposition"]


# ---- in the browser -----------------------------------------------------------------------------
def open_touch(browser, server, viewport):  # noqa: F811
    """A context like test_web_browser's, with touch on a phone, reaching only the server."""
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, has_touch=phone, is_mobile=phone)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                  else route.abort())  # fmt: skip
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return context, page


def map_drawn(page, figure="#view-map"):
    page.wait_for_selector(f"{figure} .chart-view svg path[tabindex]", timeout=DRAWN)


def span(page, figure, first, last):
    """From the left of country ``first`` to the right of ``last``, over the map's width."""
    return page.evaluate(
        """([figure, first, last]) => {
          const svg = document.querySelector(`${figure} .chart-view svg`).getBoundingClientRect();
          const box = (n) => document.querySelector(`${figure} svg path[aria-label^="${n}:"]`)
            .getBoundingClientRect();
          return (box(last).right - box(first).left) / svg.width;
        }""",
        [figure, first, last],
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_tap_on_poland_says_its_share_and_europe_fills_the_map(browser, server, viewport):  # noqa: F811
    context, page = open_touch(browser, server, viewport)
    try:
        page.goto(server + "/charts/tracker?year=2024&tab=map")
        map_drawn(page)
        legend = page.eval_on_selector(
            "#view-map .chart-view svg .role-legend", "e => e.textContent"
        )
        assert "% of GDP, 2024 (NATO)" in legend and "not a NATO ally" in legend
        share = page.request.get(server + "/api/v1/tracker?year=2024").json()["data"]
        poland = next(r for r in share if r["iso3"] == "POL")["milex_pct_gdp"]
        shape = page.locator('#view-map svg path[aria-label^="Poland:"]')
        shape.scroll_into_view_if_needed()
        box = shape.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if viewport is PHONE:
            page.touchscreen.tap(x, y)
        else:
            page.mouse.click(x, y)
        readout = page.inner_text("#view-map .map-readout")
        assert readout.startswith(f"Poland: {poland:.2f}% of GDP, 2024 (NATO)"), readout
        # Europe, Iceland to eastern Türkiye, spans most of the map's width
        assert span(page, "#view-map", "Iceland", "Türkiye") > 0.8
        svg_width = page.eval_on_selector(
            "#view-map .chart-view svg", "s => s.getBoundingClientRect().width"
        )
        assert svg_width >= viewport["width"] * (0.9 if viewport is PHONE else 0.75)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"]
        shot(page, f"map-tracker-{viewport['width']}")
        assert page.errors == []
    finally:
        context.close()


def test_keyboard_focus_on_a_country_says_its_figure_and_flags(browser, server):  # noqa: F811
    context, page = open_touch(browser, server, DESKTOP)
    try:
        page.goto(server + "/charts/equipment?year=2024&tab=map")
        map_drawn(page)
        page.locator('#view-map svg path[aria-label^="Estonia:"]').focus()
        readout = page.inner_text("#view-map .map-readout")
        assert readout.startswith("Estonia: ") and "% of defence spending, 2024 (NATO)" in readout
        assert "(estimate)" in readout
        focusable = page.eval_on_selector_all("#view-map svg path[tabindex]", "ps => ps.length")
        assert 25 <= focusable <= 32  # the allies in the frame; not the countries outside
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_world_toggle_shows_north_america_and_the_legend_names_the_views_indicator(
    browser,  # noqa: F811
    server,  # noqa: F811
    viewport,
):
    context, page = open_touch(browser, server, viewport)
    try:
        page.goto(server + "/charts/sipri-country?country=RUS&tab=map")
        map_drawn(page)
        legend = page.eval_on_selector(
            "#view-map .chart-view svg .role-legend", "e => e.textContent"
        )
        assert "% of GDP, 2024 (SIPRI)" in legend
        assert page.query_selector('#view-map svg path[aria-label^="United States:"]') is None
        page.click("text=World, with North America")
        page.wait_for_url("**extent=world**")
        map_drawn(page)
        assert page.query_selector('#view-map svg path[aria-label^="United States:"]')
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        assert axe_violations(page) == []
        shot(page, f"map-sipri-world-{viewport['width']}")
        assert page.errors == []
    finally:
        context.close()


def test_hovering_a_country_shows_the_tooltip_with_its_figure_and_flags(browser, server):  # noqa: F811
    context, page = open_touch(browser, server, DESKTOP)
    try:
        page.goto(server + "/charts/tracker?year=2024&tab=map")
        map_drawn(page)
        shape = page.locator('#view-map svg path[aria-label^="Poland:"]')
        shape.scroll_into_view_if_needed()
        shape.hover()
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
        tip = page.inner_text("#vg-tooltip-element")
        assert "Poland" in tip and "% of GDP, 2024 (NATO)" in tip and "estimate" in tip
    finally:
        context.close()

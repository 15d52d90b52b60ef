"""``/charts`` as a gallery: a card per chart in the registry, each with a small PNG thumbnail
whose size is set in the page, a title and one line, grouped by topic."""

from __future__ import annotations

import html
import re
import struct

import pytest
from fastapi.testclient import TestClient

from milex.present.figures import CHARTS
from milex.web.drawing import THUMB
from milex.web.gallery import MORE, gallery

from .test_web_browser import browser, open_page, server, shot  # noqa: F401
from .test_web_pages import axe_violations

CARD = re.compile(
    r'<li class="chart-card" data-chart="([a-z-]+)">\s*<a href="([^"]+)">\s*<img ([^>]+)>'
    r'\s*<span class="card-title">([^<]+)</span>'
)


@pytest.fixture(scope="module")
def client(dataset) -> TestClient:
    from milex.web import create_app

    return TestClient(create_app(dataset), base_url="http://127.0.0.1")


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def test_the_gallery_has_one_card_per_chart_in_the_registry(client):
    page = client.get("/charts").text
    cards = CARD.findall(page)
    assert sorted(name for name, *_ in cards) == sorted(CHARTS)
    for name, href, _img, title in cards:
        assert href.startswith(f"/charts/{name}")
        assert title.strip()
        assert client.get(href).status_code == 200


@pytest.mark.slow  # draws every chart's thumbnail (about 3 s each on a busy machine)
def test_every_thumbnail_is_a_lazy_png_of_the_size_the_page_sets_with_a_meaningful_alt(client):
    page = client.get("/charts").text
    for name, _href, img, _title in CARD.findall(page):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', img))
        assert attrs["loading"] == "lazy"
        assert (int(attrs["width"]), int(attrs["height"])) == THUMB
        alt = html.unescape(attrs["alt"])
        assert CHARTS[name].description in alt and ".png" not in alt  # what it shows, no file
        response = client.get(attrs["src"])
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert png_size(response.content) == THUMB, name  # the box the page reserved


def test_a_thumbnail_is_drawn_once_then_served_from_the_cache(client, monkeypatch):
    cache = client.app.state.cache
    client.get("/chart/totals/thumb.png")
    calls = []
    monkeypatch.setattr(cache.drawer, "draw", lambda *a: calls.append(a) or b"")
    assert client.get("/chart/totals/thumb.png").status_code == 200
    assert calls == []


def test_an_unknown_chart_has_no_thumbnail(client):
    response = client.get("/chart/trackr/thumb.png")
    assert response.status_code == 404 and "tracker" in response.json()["detail"]


def test_cards_are_grouped_by_topic_and_a_chart_no_topic_names_still_gets_one():
    charts = {n: d.description for n, d in CHARTS.items()} | {"new-chart": "a chart added later"}
    groups = gallery(charts)
    names = [c.name for _, cards in groups for c in cards]
    assert sorted(names) == sorted(charts)  # each exactly once
    topics = dict(groups)
    assert [c.name for c in topics[MORE]] == ["new-chart"]
    assert topics["The allies against the guidelines"][0].name == "tracker"


ALL_AXE = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target).join(' | '))"
)


def every_axe_violation(page) -> list[str]:
    """Every axe-core finding, whatever its impact (minor and moderate ones included)."""
    axe_violations(page)  # loads axe into the page
    return list(page.evaluate(ALL_AXE))


@pytest.mark.parametrize(("width", "columns"), [(360, {1}), (1280, {3, 4})])
def test_the_gallery_fits_a_phone_and_a_laptop_in_a_grid_of_loaded_thumbnails(
    browser,  # noqa: F811
    server,  # noqa: F811
    width,
    columns,
):
    context, page = open_page(browser, server, {"width": width, "height": 800})
    try:
        page.goto(f"{server}/charts")
        page.wait_for_timeout(100)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        lefts = page.eval_on_selector_all(
            ".chart-cards:first-of-type .chart-card",
            "cs => cs.map(c => c.getBoundingClientRect().left)",
        )
        assert len(set(lefts)) in columns, f"{len(set(lefts))} columns at {width} px"
        # a card's thumbnail box is its final size before the image arrives (nothing jumps)
        first = page.query_selector(".chart-card img")
        box = first.bounding_box()
        assert box["height"] == pytest.approx(box["width"] * 300 / 480, abs=2)
        page.wait_for_function(  # the first card's thumbnail, in view, loads
            "() => { const i = document.querySelector('.chart-card img');"
            " return i.complete && i.naturalWidth > 0; }",
            timeout=120_000,
        )
        after = first.bounding_box()
        assert (after["width"], after["height"]) == (box["width"], box["height"])
        shot(page, f"gallery-{width}")
        assert every_axe_violation(page) == []
        assert page.errors == []
    finally:
        context.close()

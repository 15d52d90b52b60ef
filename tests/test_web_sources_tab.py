"""A chart view's Sources tab: every edition behind the chart, read from the figure's own
sources and the snapshot's datapackage entries, with what milex did, the flags and citations."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from milex.present.figure_tables import table
from milex.present.figures import CHARTS
from milex.web.views import DEFAULT_COUNTRY

from .test_web_browser import browser, open_page, server, shot  # noqa: F401
from .test_web_gallery import every_axe_violation

PANEL = re.compile(r'<section class="panel sources-panel"[^>]*>(.*?)</section>', re.S)


@pytest.fixture(scope="module")
def client(dataset) -> TestClient:
    from milex.web import create_app

    return TestClient(create_app(dataset), base_url="http://127.0.0.1")


def sources_panel(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    found = PANEL.search(response.text)
    assert found is not None, f"{path} has no Sources panel"
    return html.unescape(found.group(1))


def package_entry(dataset, source: str, edition: str) -> dict[str, Any]:
    return next(
        s for s in dataset.package["sources"] if (s["source"], s["edition"]) == (source, edition)
    )


@pytest.mark.slow  # builds every chart's view, projections included (1-6 s each)
@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_view_has_a_sources_tab_naming_its_own_publishers_editions_and_links(
    client, dataset, name
):
    country = DEFAULT_COUNTRY.get(name)
    page = client.get(f"/charts/{name}" + (f"?country={country}" if country else "")).text
    assert 'role="tab" id="tab-sources" aria-controls="panel-sources"' in page
    panel = sources_panel(
        client, f"/charts/{name}?tab=sources" + (f"&country={country}" if country else "")
    )
    cited = table(name, country=country, dataset=dataset).sources
    assert cited, f"{name}: the figure names no source"
    for source in cited:  # each of the chart's own sources, with its edition (or date) and link
        assert source["publisher"] in panel, (name, source["publisher"])
        assert (source.get("edition") or source.get("date") or source.get("published")) in panel
        assert f'href="{source["url"]}"' in panel, (name, source["url"])
    assert "Cite this chart" in panel and "milex" in panel


def test_the_tracker_tab_names_natos_edition_its_retrieval_date_licence_and_checks(client, dataset):
    panel = sources_panel(client, "/charts/tracker?tab=sources&year=2024")
    nato = package_entry(dataset, "nato", "2014-2024 (2024-06-17)")
    assert "NATO Public Diplomacy Division" in panel
    assert (
        "<cite>Defence Expenditure of NATO Countries (2014-2024)</cite>, 2014-2024 (2024-06-17)"
        in panel
    )
    assert f"Retrieved</dt><dd>{nato['retrieved']}" in panel
    assert nato["licence"] in panel and nato["citation"] in panel
    # the checks milex ran on this edition, from its receipts in datapackage.json
    assert "Table 3 share = Table 2 constant-price spending / Table 5 constant-price GDP" in panel
    # SIPRI's share shown beside NATO's is cited too, as what it was used for
    assert "Stockholm International Peace Research Institute (SIPRI)" in panel
    assert "SIPRI's share of GDP, shown beside NATO's" in panel
    # the method in plain words and the flags with their meanings
    assert "Figures are NATO's; SIPRI's share of GDP is shown beside them, never merged." in panel
    assert "<code>estimate</code></dt><dd>publisher's estimate (NATO 'e' years" in panel


def test_a_sipri_view_names_sipri_its_licence_and_what_was_taken_as_published(client, dataset):
    panel = sources_panel(client, "/charts/sipri-country?country=UKR&tab=sources")
    sipri = package_entry(dataset, "sipri", "2025-04 (1949-2024)")
    assert sipri["publisher"] == "Stockholm International Peace Research Institute (SIPRI)"
    assert sipri["publisher"] in panel
    assert "SIPRI fair use: non-commercial, cited, at most 3,500 data units reproduced" in panel
    assert f'href="{sipri["url"]}"' in panel
    assert (
        "Stockholm International Peace Research Institute (SIPRI) (2025-04 (1949-2024)): "
        "defence spending as a share of GDP, as published." in panel
    )
    assert "SIPRI Military Expenditure Database 2025" in panel  # the publisher's own citation


def test_an_unknown_tab_is_refused_with_the_tabs_named(client):
    response = client.get("/charts/tracker?tab=source")
    assert response.status_code == 422


@pytest.mark.parametrize("width", [360, 1280])
def test_the_sources_tab_opens_by_click_and_by_keyboard_and_passes_axe(
    browser,  # noqa: F811
    server,  # noqa: F811
    width,
):
    context, page = open_page(browser, server, {"width": width, "height": 800})
    try:
        page.goto(f"{server}/charts/sipri-country?country=UKR")
        assert page.is_visible("#panel-chart") and not page.is_visible("#panel-sources")
        page.click("#tab-sources")
        assert page.is_visible("#panel-sources") and not page.is_visible("#panel-chart")
        assert page.get_attribute("#tab-sources", "aria-selected") == "true"
        assert "tab=sources" in page.url
        assert "Stockholm International Peace Research Institute" in page.inner_text(
            "#panel-sources"
        )
        page.click("#tab-chart")
        page.focus("#tab-chart")
        page.keyboard.press("End")  # the last tab, by keyboard
        assert page.is_visible("#panel-sources")
        assert page.evaluate("document.activeElement.id") == "tab-sources"
        page.keyboard.press("ArrowRight")  # wraps round to the first
        assert page.is_visible("#panel-chart") and not page.is_visible("#panel-sources")
        page.keyboard.press("ArrowLeft")
        assert page.is_visible("#panel-sources")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        shot(page, f"sources-tab-{width}")
        assert every_axe_violation(page) == []
        assert page.errors == []
    finally:
        context.close()


def test_the_tracker_views_sources_tab_fits_a_phone_and_passes_axe(browser, server):  # noqa: F811
    context, page = open_page(browser, server, {"width": 360, "height": 800})
    try:
        page.goto(f"{server}/charts/tracker?tab=sources&year=2024")
        assert page.is_visible("#panel-sources")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        shot(page, "sources-tab-tracker-360")
        assert every_axe_violation(page) == []
    finally:
        context.close()

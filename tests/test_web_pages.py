"""Every dashboard page at phone (390x844) and desktop (1280x800) width in headless Chromium:
nothing wider than the viewport, no console errors, no serious or critical axe-core violation,
and a full-page screenshot of each (out/screenshots/) to look at.
"""

from __future__ import annotations

import pytest

from .conftest import ROOT
from .test_web_browser import DESKTOP, DRAWN, PHONE, browser, open_page, server, shot  # noqa: F401

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
PAGES = {
    "tracker": "/",
    "tracker-map": "/?tab=map",
    "tracker-table": "/?tab=table",
    "tracker-2026": "/?year=2026",
    "country-poland": "/country/POL",
    "country-iceland": "/country/ISL",
    "country-russia": "/country/RUS",
    "country-china": "/country/CHN",
    "country-ukraine": "/country/UKR",
    "charts": "/charts",
    "chart-equipment": "/charts/equipment",
    "chart-tracker-map": "/charts/tracker?tab=map",
    "chart-country-table": "/charts/country?country=DEU&tab=table",
    "chart-sipri-country": "/charts/sipri-country?country=UKR",
    "chart-burden": "/charts/burden?year=2020",
    "chart-threat-ppp": "/charts/threat-ppp",
    "chart-industry": "/charts/industry",
    "chart-totals": "/charts/totals",
    "chart-tiles": "/charts/tiles",
    "chart-projection-share": "/charts/projection-share",
    "chart-projection-money": "/charts/projection-money",
    "threat": "/threat",
    "burden": "/burden",
    "industry": "/industry",
    "scenario": "/scenario?paths=300",
    "sources": "/sources",
    "embed-map": "/embed/map",
    "error-404": "/country/XXX",
    "error-422": "/?year=1960",
}
STATUS = {"error-404": 404, "error-422": 422}
WIDTHS = {"390": PHONE, "1280": DESKTOP}


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core findings (axe runs through the DevTools protocol, which
    the page's CSP does not govern)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' -> ' + v.nodes.slice(0, 3).map(n => n.target).join(' | '))"
    )
    return list(found)


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_fits_has_no_errors_and_passes_axe(browser, server, name, width):  # noqa: F811
    context, page = open_page(browser, server, WIDTHS[width])
    try:
        response = page.goto(server + PAGES[name])
        assert response.status == STATUS.get(name, 200)
        if page.query_selector("figure.chart"):
            page.wait_for_function(
                "() => [...document.querySelectorAll('figure.chart')].filter(f => !f.closest('[hidden]'))"
                ".every(f => f.dataset.rendered)",
                timeout=DRAWN * 2,
            )
            assert page.query_selector("figure.chart[data-rendered='error']") is None, (
                page.inner_text(".chart-error")
            )
        page.wait_for_timeout(100)
        doc = page.evaluate("() => document.documentElement.scrollWidth")
        assert doc <= WIDTHS[width]["width"], f"{name} is {doc} px wide at {width} px"
        shot(page, f"{name}-{width}")
        assert axe_violations(page) == []
        assert page.errors == [] or all("404" in e or "422" in e for e in page.errors), page.errors
    finally:
        context.close()

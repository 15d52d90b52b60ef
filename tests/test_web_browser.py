"""The dashboard in a real headless Chromium (Debian's), driven by Playwright, with no network:
tabs, the year slider, the country picker, the map, downloads, framing and the scenario builder.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from milex.present.figures import CHARTS

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("MILEX_SCREENSHOTS", ROOT / "out" / "screenshots"))
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
DRAWN = 30_000  # ms: a chart drawn (the first projection or map spec may be computed cold)


@pytest.fixture(scope="module")
def server(dataset) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread."""
    import uvicorn

    from milex.web import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(dataset), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


def open_page(browser, server, viewport=DESKTOP):
    """A context and page that may only reach the local server, recording console errors."""
    context = browser.new_context(viewport=viewport)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                  else route.abort())  # fmt: skip
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    return context, page


@pytest.fixture
def page(browser, server):
    context, page = open_page(browser, server)
    yield page
    context.close()


@pytest.fixture
def phone(browser, server):
    context, page = open_page(browser, server, PHONE)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def drawn(page, figure: str, version: int = 1) -> None:
    page.wait_for_selector(f"{figure}[data-version='{version}'] .chart-view canvas, "
                           f"{figure}[data-version='{version}'] .chart-view svg", timeout=DRAWN)  # fmt: skip


def slide_to(page, figure: str, year: int) -> None:
    """Move the year slider as a user would (an input event) and wait for ``figure``'s redraw."""
    page.eval_on_selector(
        "#year", f"el => {{ el.value = '{year}'; el.dispatchEvent(new Event('input')); }}"
    )
    drawn(page, figure, 2)


def name_of(page, server, year: int) -> dict[str, str]:
    rows = page.request.get(f"{server}/api/v1/tracker?year={year}").json()["data"]
    return {r["iso3"]: r["country"] for r in rows}


def api_shares(page, server, year: int) -> dict[str, float]:
    rows = page.request.get(f"{server}/api/v1/tracker?year={year}").json()["data"]
    return {
        r["iso3"]: r["milex_pct_gdp"]
        for r in rows
        if r["row_type"] == "ally" and r["milex_pct_gdp"] is not None
    }


def test_tracker_page_lists_31_allies_with_figures_and_draws_its_chart(page, server):
    count = "cells => cells.filter(c => c.textContent.trim()).length"
    page.goto(server + "/?tab=table")  # the newest year, 2026: partial, and it says so
    assert page.eval_on_selector_all("#tracker-table tbody tr td.pct", count) == 10
    assert "10 of 31 allies with figures" in page.inner_text("#partial-banner")
    page.goto(server + "/?tab=table&year=2024")
    figures = page.eval_on_selector_all("#tracker-table tbody tr td.pct", count)
    assert figures == 31
    page.click("#tab-chart")
    drawn(page, "#tracker-chart")
    box = page.query_selector("#tracker-chart canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    assert page.errors == []


def test_tracker_table_sorts_when_a_header_is_clicked(page, server):
    page.goto(server + "/?tab=table")
    page.click("#tracker-table thead th:nth-child(1)")  # the ally, first: it stays in view
    first = page.inner_text("#tracker-table tbody tr:first-child > :first-child")
    assert first.startswith("Albania")
    assert page.errors == []


def test_tabs_switch_panels_by_click_and_keyboard_and_keep_the_tab_in_the_url(page, server):
    page.goto(server + "/")
    assert page.is_visible("#panel-chart") and not page.is_visible("#panel-map")
    page.click("#tab-map")
    assert page.is_visible("#panel-map") and not page.is_visible("#panel-chart")
    assert "tab=map" in page.url
    page.focus("#tab-map")
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#panel-table") and "tab=table" in page.url
    assert page.evaluate("document.activeElement.id") == "tab-table"
    page.keyboard.press("Home")
    assert page.is_visible("#panel-chart")
    assert page.errors == []


def test_the_map_has_a_shape_per_ally_coloured_by_its_class(page, server):
    """Every country is drawn (see test_web_maps); each ally's shape, focusable, takes the
    colour of its share-of-GDP class."""
    from milex.present.charts.map_scales import INDICATORS

    page.goto(server + "/?tab=map&year=2024&extent=world")
    page.wait_for_selector("#tracker-map .mark-shape path[tabindex]", timeout=DRAWN)
    fills = page.eval_on_selector_all(
        "#tracker-map .mark-shape path[tabindex]", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    rows = page.request.get(f"{server}/api/v1/tracker?year=2024").json()["data"]
    allies = [r for r in rows if r["row_type"] == "ally"]
    assert len(fills) == len(allies) == 32
    share = INDICATORS["share_gdp"]
    want = sorted(share.colours()[share.label(r["milex_pct_gdp"])] for r in allies)
    assert sorted(f.upper() for f in fills) == sorted(w.upper() for w in want)
    shot(page, "tracker-map-1280")
    assert page.errors == []


def test_the_slider_changes_the_year_in_the_url_the_chart_and_the_table(page, server):
    page.goto(server + "/?year=2024")
    drawn(page, "#tracker-chart")
    slide_to(page, "#tracker-chart", 2023)
    assert "year=2023" in page.url
    assert "2023" in page.get_attribute("#tracker-chart .chart-view", "aria-label")
    page.wait_for_function("() => document.getElementById('heading-year').textContent === '2023'")
    assert "year=2023" in page.get_attribute("#tracker-chart a[data-fmt=png]", "href")
    page.click("#tab-table")
    shares = api_shares(page, server, 2023)
    pol = page.inner_text("#tracker-table tr[data-iso3='POL'] td.pct")
    assert float(pol) == round(shares["POL"], 2)
    assert page.errors == []


def test_the_country_picker_highlights_the_ally_and_keeps_it_in_the_url(page, server):
    page.goto(server + "/")
    drawn(page, "#tracker-chart")
    page.fill("#country-picker", "Poland")
    page.dispatch_event("#country-picker", "change")
    drawn(page, "#tracker-chart", 2)
    assert "country=POL" in page.url
    assert "country=POL" in page.get_attribute("#tracker-chart a[data-fmt=csv]", "href")
    assert page.eval_on_selector("tr[data-iso3='POL']", "tr => tr.classList.contains('highlight')")
    assert page.errors == []


def test_each_download_is_a_valid_file_whose_figures_equal_the_apis(page, server):
    page.goto(server + "/?year=2024")
    drawn(page, "#tracker-chart")
    links = {
        fmt: page.get_attribute(f"#tracker-chart a[data-fmt={fmt}]", "href")
        for fmt in ("png", "svg", "csv", "json", "embed")
    }
    png = page.request.get(server + links["png"])
    assert png.ok and png.headers["content-type"] == "image/png"
    assert png.body()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png.body())).size[0] == 1600  # 800 px at scale 2
    svg = page.request.get(server + links["svg"]).text()
    assert svg.lstrip().startswith("<svg") and "Poland" in svg
    rows = list(csv.DictReader(io.StringIO(page.request.get(server + links["csv"]).text())))
    shares = {name_of(page, server, 2024)[c]: v for c, v in api_shares(page, server, 2024).items()}
    share = "Share of GDP, % (NATO)"  # the CSV is the table people read: shares to 2 decimals
    assert {r["Ally"]: float(r[share]) for r in rows if r[share]} == pytest.approx(
        shares, abs=0.005
    )
    spec = page.request.get(server + links["json"]).json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert page.request.get(server + links["embed"]).ok


def test_the_map_downloads_carry_every_ally(page, server):
    svg = page.request.get(f"{server}/chart/map.svg?year=2024").text()
    assert svg.count("<path") >= 32
    rows = list(csv.DictReader(io.StringIO(page.request.get(f"{server}/chart/map.csv").text())))
    assert len(rows) == 32 and {r["Ally"] for r in rows} >= {"United States", "Poland", "Iceland"}


def test_an_unknown_country_is_an_html_404_with_suggestions(page, server):
    response = page.goto(server + "/country/Polnd")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert page.inner_text("#suggestions").startswith("Poland (POL)")
    page.click("#suggestions a >> nth=0")
    assert page.url.endswith("/country/POL")
    assert (
        page.request.get(server + "/api/v1/countries/Polnd")
        .headers["content-type"]
        .startswith("application/json")
    )


def test_a_bad_year_is_an_html_422_naming_the_valid_range(page, server):
    response = page.goto(server + "/?year=1960")
    assert response.status == 422
    assert "Valid years: 2014 to 2026" in page.inner_text("#valid-years")


def test_embed_pages_may_be_framed_and_every_other_page_may_not(page, server):
    embed = page.request.get(server + "/embed/map?year=2024")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    for path in ("/", "/country/POL", "/charts/map", "/chart/map.png"):
        headers = page.request.get(server + path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
    # In the browser: a page framing both sees the embed drawn and the tracker refused.
    page.goto(server + "/static/css/app.css")  # an origin to frame from
    page.set_content(
        f'<iframe id="a" src="{server}/embed/map?year=2024"></iframe>'
        f'<iframe id="b" src="{server}/"></iframe>'
    )
    frame = page.frame_locator("#a")
    frame.locator("#embed-chart[data-rendered='true'] svg").first.wait_for(timeout=DRAWN)
    framed = page.frames[2] if len(page.frames) > 2 else None
    assert framed is None or framed.query_selector("#tracker-chart") is None


def test_iceland_and_non_allies_get_proper_pages(page, server):
    page.goto(server + "/country/ISL")
    assert "no armed forces" in page.inner_text(".lede")
    assert page.query_selector(".chart-error") is None
    page.goto(server + "/country/RUS")
    assert "not a NATO ally" in page.inner_text("#not-ally")
    drawn(page, "#country-chart")
    assert page.errors == []


def test_country_page_for_poland_shows_its_newest_figure(page, server):
    page.goto(server + "/country/POL")
    assert page.inner_text("#headline-pct") == "4.68%"  # 2026, as reported
    assert page.get_attribute("#share-source", "href").startswith("https://")
    drawn(page, "#country-chart")
    assert page.errors == []


def test_changing_the_target_in_the_scenario_builder_redraws_the_fan_chart(page, server):
    page.goto(server + "/scenario?countries=DEU&paths=500&currency=EUR")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    page.fill("#target", "2.5")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    assert "target=2.5" in page.url and "countries=DEU" in page.url
    assert page.inner_text("#scenario-summary").count("Germany") >= 1
    sentence = page.inner_text("#baseline-total")
    assert "more than the baseline by 2035, in total over 2027-2035" in sentence
    assert page.eval_on_selector_all("#scenario-baseline tbody tr", "rows => rows.length") > 5
    running = page.inner_text("#scenario-baseline tbody tr:last-child td:last-child")
    total_bn = float(sentence.split("EUR ")[1].split(" bn")[0].replace(",", ""))
    assert total_bn == pytest.approx(float(running.replace(",", "")) / 1000, abs=0.51)
    assert page.errors == []


def test_an_empty_or_out_of_range_target_is_an_inline_error_not_zero(page, server):
    page.goto(server + "/scenario?countries=DEU&paths=300")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    page.fill("#target", "")
    page.wait_for_function("() => document.getElementById('target-error').textContent !== ''")
    assert "Enter a number" in page.inner_text("#target-error")
    assert page.get_attribute("#target", "aria-invalid") == "true"
    page.fill("#target", "25")
    page.wait_for_function(
        "() => document.getElementById('target-error').textContent.includes('25')"
    )
    assert page.get_attribute("#fan-chart", "data-version") == "1"  # nothing was run
    page.fill("#target", "3")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    assert page.inner_text("#target-error") == ""


def test_a_preset_fills_the_form_and_runs(page, server):
    page.goto(server + "/scenario?paths=300")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    page.click("text=Europe and Canada 3.5% by 2035")
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    assert page.input_value("#countries") == "NATO_EU_CA" and "countries=NATO_EU_CA" in page.url


def test_the_national_plans_preset_runs_each_allys_plan_through_the_engine(page, server):
    page.goto(server + "/scenario?paths=300")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    page.click('button:has-text("National plans")')
    page.wait_for_selector("#fan-chart[data-version='2'] canvas", timeout=DRAWN)
    assert page.input_value("#path") == "national_plans" and "path=national_plans" in page.url
    assert page.errors == []


def test_a_scenario_link_reproduces_the_view(page, server):
    page.goto(server + "/scenario?countries=POL&target=4.5&deadline=2030&paths=300&seed=7")
    page.wait_for_selector("#fan-chart[data-version='1'] canvas", timeout=DRAWN)
    assert page.input_value("#target") == "4.5" and page.input_value("#deadline") == "2030"
    assert page.input_value("#countries") == "POL"
    assert page.errors == []


def test_a_chart_pages_slider_and_tabs_change_its_chart_map_table_and_url(page, server):
    page.goto(server + "/charts/equipment?year=2024")
    drawn(page, "#view-chart")
    slide_to(page, "#view-chart", 2021)
    assert "year=2021" in page.url
    page.wait_for_function(
        "() => document.getElementById('view-heading').textContent.includes('2021')"
    )
    page.click("#tab-map")
    page.wait_for_selector("#view-map[data-version='1'] .chart-view svg", timeout=DRAWN)
    assert "tab=map" in page.url and "year=2021" in page.get_attribute("#view-map", "data-params")
    page.click("#tab-table")
    assert page.is_visible("#view-table") and "2021" in page.inner_text("#view-table")
    assert page.errors == []


# -- phones (issue 32, item 3) ------------------------------------------------------------------
#: Where a number must show at 390 px: every chart view's Table tab, the tracker's, the history.
PHONE_TABLES = [
    *(f"/charts/{n}?tab=table" + ("&country=POL" if n == "country" else "") for n in CHARTS),
    "/?tab=table&year=2024",
    "/country/POL",
]
VISIBLE_NUMBER = """([wrapSel, first]) => {
  const wrap = document.querySelector(wrapSel);
  const box = wrap.getBoundingClientRect();
  const sticky = wrap.querySelector("tbody tr > :first-child").getBoundingClientRect();
  const cells = [...wrap.querySelectorAll("tbody td.num")].filter((c) => c.textContent.trim());
  return cells.slice(0, first).some((c) => {
    const r = c.getBoundingClientRect();
    return r.width > 0 && r.left >= sticky.right - 1 && r.right <= Math.min(box.right, innerWidth) + 1;
  });
}"""


@pytest.mark.parametrize("path", PHONE_TABLES)
def test_a_phone_shows_numbers_in_every_table_beside_its_first_column(phone, server, path):
    phone.goto(server + path)
    wrap = {"/charts": "#view-table-wrap", "/?tab=": "#tracker-table-wrap", "/country": "#history"}
    selector = next(v for k, v in wrap.items() if path.startswith(k))
    phone.locator(selector).scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(VISIBLE_NUMBER, [selector, 12]), f"{path}: no number in view at 390 px"
    first = phone.eval_on_selector(f"{selector} tbody tr > :first-child", "e => e.textContent")
    assert first.strip(), f"{path}: the first column (ally or year) is empty"
    shot(phone, "phone-table" + path.split("?")[0].replace("/", "-").rstrip("-"))


def test_a_phone_shows_the_chart_above_the_fold_and_the_slider_stays_put(phone, server):
    phone.goto(server + "/?year=2024")
    drawn(phone, "#tracker-chart")
    top = phone.eval_on_selector("#tracker-chart .chart-view", "e => e.getBoundingClientRect().top")
    assert top < PHONE["height"] - 300, f"the chart starts at {top} px on a 844 px screen"
    before = phone.eval_on_selector("#year", "e => e.getBoundingClientRect().top")
    slide_to(phone, "#tracker-chart", 2026)  # the partial-year and definition banners appear
    phone.wait_for_selector("#partial-banner")
    assert phone.eval_on_selector("#year", "e => e.getBoundingClientRect().top") == before
    assert phone.errors == []


#: The text marks of a drawn chart whose box leaves its canvas (Vega's scenegraph, absolute x).
CLIPPED_TEXT = """(sel) => {
  const figure = document.querySelector(sel);
  const view = figure.vegaView;
  const width = figure.querySelector(".chart-view canvas, .chart-view svg").getBoundingClientRect().width;
  const [ox] = view.origin();
  const out = [];
  const walk = (node, dx) => {
    for (const item of node.items || []) {
      if (node.marktype === "text" && item.text && item.bounds) {
        const x1 = item.bounds.x1 + dx + ox, x2 = item.bounds.x2 + dx + ox;
        if (x1 < -1 || x2 > width + 1) out.push(`${String(item.text).slice(0, 40)} [${x1 | 0}, ${x2 | 0}]`);
      }
      const gx = node.marktype === "group" ? item.x || 0 : 0;
      for (const child of item.items || []) walk(child, dx + gx);
    }
  };
  walk(view.scenegraph().root, 0);
  return out;
}"""


def test_no_chart_text_runs_off_a_360_px_screen(browser, server):
    context, page = open_page(browser, server, {"width": 360, "height": 780})
    try:
        for name in CHARTS:
            page.goto(f"{server}/charts/{name}" + ("?country=POL" if name == "country" else ""))
            drawn(page, "#view-chart")
            assert page.evaluate(CLIPPED_TEXT, "#view-chart") == [], name
        assert page.errors == []
    finally:
        context.close()


def test_the_embed_code_sizes_its_frame_to_the_chart_even_from_a_local_file(
    browser, server, tmp_path
):
    """The page's embed code, pasted into an HTML file opened from disk: the frame is allowed,
    has no download links, and grows to its content so the source line is not cut off."""
    viewer, page = open_page(browser, server)
    page.goto(server + "/charts/tracker?year=2024")
    code = page.inner_text("#embed-code")
    viewer.close()
    assert f'src="{server}/embed/tracker?year=2024"' in code
    host = tmp_path / "host.html"
    host.write_text(f"<!doctype html><html><body><h1>A newsroom draft</h1>{code}</body></html>")
    context = browser.new_context(viewport=PHONE)
    draft = context.new_page()
    draft.goto(host.as_uri())
    framed = draft.frame_locator("iframe")
    framed.locator("#embed-chart[data-rendered='true']").wait_for(timeout=DRAWN)
    assert framed.locator("p.downloads").count() == 0
    draft.wait_for_function(
        "() => document.querySelector('iframe').getBoundingClientRect().height > 760",
        timeout=DRAWN,
    )
    frame = draft.frames[1]
    needed = frame.evaluate("document.body.getBoundingClientRect().bottom")
    given = draft.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
    assert given >= needed  # the source line under the chart shows
    context.close()

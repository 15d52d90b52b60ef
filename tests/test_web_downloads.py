"""Chart files and error pages over HTTP (no browser): every chart downloads as PNG, SVG, CSV and
Vega-Lite JSON; HTML routes answer errors with HTML pages, the API and downloads with JSON."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from milex.web.downloads import chart_names

PARAMS = {"country": "country=DEU", "sipri-country": "country=RUS"}


@pytest.fixture(scope="module")
def client(dataset):
    from milex.web import create_app

    with TestClient(create_app(dataset), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize("name", sorted(chart_names()))
def test_every_chart_downloads_in_every_format(client, name):
    query = PARAMS.get(name, "")
    png = client.get(f"/chart/{name}.png?{query}")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/chart/{name}.svg?{query}")
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text[:200]
    assert "$schema" in client.get(f"/chart/{name}.json?{query}").json()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/chart/{name}.csv?{query}").text)))
    table = client.get(f"/chart/{name}/table?{query}").json()
    assert len(rows) == len(table["cells"]) > 0
    assert list(rows[0]) == [c["header"] for c in table["columns"]]
    archive = client.get(f"/chart/{name}.zip?{query}")
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    assert "frame-ancestors 'none'" in png.headers["content-security-policy"]


def test_burden_csv_figures_equal_the_burden_library_result(client, dataset):
    from milex.analysis.burden import burden_sharing

    rows = list(csv.DictReader(io.StringIO(client.get("/chart/burden.csv?year=2024").text)))
    allies = burden_sharing(dataset, 2024).allies.set_index("country")
    for r in rows:
        share = allies.loc[r["Ally"], "milex_pct_gdp"]
        assert float(r["Share of GDP, % (NATO)"]) == pytest.approx(share, abs=0.005)


def test_html_routes_answer_errors_with_html_and_the_api_with_json(client):
    page = client.get("/country/Polnd")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'href="/country/POL"' in page.text
    api = client.get("/api/v1/countries/Polnd")
    assert api.status_code == 404 and api.json()["suggestions"][0].startswith("Poland")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "There is no page at /no/such/page" in missing.text
    year = client.get("/?year=1960")
    assert year.status_code == 422 and "Valid years: 2014 to 2026" in year.text
    bad = client.get("/?year=soon")
    assert bad.status_code == 422 and "query.year" in bad.text
    chart = client.get("/chart/nope.png")
    assert chart.status_code == 404 and "available: tracker" in chart.json()["detail"]
    assert client.get("/charts/nope").headers["content-type"].startswith("text/html")


def test_only_embed_pages_may_be_framed(client):
    embed = client.get("/embed/tracker?year=2024")
    assert embed.status_code == 200 and "x-frame-options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    for path in ("/", "/charts", "/country/POL", "/api/v1/tracker", "/nowhere"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path


def test_a_non_ally_page_shows_sipris_figures(client):
    page = client.get("/country/UKR")
    assert page.status_code == 200 and "not a NATO ally" in page.text
    assert 'data-chart="sipri-country"' in page.text and "SIPRI" in page.text


@pytest.mark.parametrize("name", sorted(chart_names()))
def test_every_chart_page_has_its_tabs_and_a_table_of_exactly_the_plotted_rows(client, name):
    from milex.present.figures import CHARTS
    from milex.web.views import INDICATOR_VIEWS

    query = PARAMS.get(name, "")
    page = client.get(f"/charts/{name}?{query}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    tabs = ["chart", "map", "table"] if name in INDICATOR_VIEWS else ["chart", "table"]
    assert [t for t in ("chart", "map", "table") if f'id="tab-{t}"' in page.text] == tabs
    options = CHARTS[name].options
    assert ('type="range" id="year"' in page.text) == ("year" in options)
    assert ('id="country-picker"' in page.text) == ("country" in options)
    table = page.text.split('id="view-table"', 1)[1].split("</table>", 1)[0]
    csv_rows = list(csv.DictReader(io.StringIO(client.get(f"/chart/{name}.csv?{query}").text)))
    assert table.count("<tr>") == len(csv_rows) + 1  # the header row and one per plotted row


def test_a_chart_pages_settings_live_in_its_url(client, dataset):
    page = client.get("/charts/equipment?year=2019&country=DEU&tab=table")
    assert 'value="2019"' in page.text and 'value="Germany"' in page.text
    assert 'id="tab-table" aria-controls="panel-table" aria-selected="true"' in page.text
    assert 'data-chart="map-equipment" data-params="country=DEU&amp;year=2019"' in page.text
    germany = dataset.series("milex_pct_gdp", "DEU", "nato", 2019, include_secondary=False)
    assert f"{germany['value'].iloc[0]:,.2f}" in page.text.split('id="view-table"', 1)[1]
    assert client.get("/charts/equipment?year=1900").status_code == 422


def test_a_served_app_draws_images_in_a_worker_process_and_stops_it_on_shutdown(dataset):
    import os

    from milex.web import create_app
    from milex.web.drawing import draw

    app = create_app(dataset, served=True)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        drawer = app.state.cache.drawer
        assert drawer._pool is not None
        assert drawer._pool.submit(os.getpid).result(timeout=60) != os.getpid()
        svg = c.get("/chart/equipment.svg?year=2021")
        assert svg.status_code == 200 and svg.text.startswith("<svg")
        in_process = draw(c.get("/chart/equipment.json?year=2021").json(), "svg")
        assert svg.content == in_process  # the worker draws exactly what this process would
        missing = c.get("/chart/tracker.png?year=1950")
        assert missing.status_code == 422 and "1950" in missing.text  # bad input fails as ever
    assert drawer._pool is None and drawer.closed
    with pytest.raises(RuntimeError, match="shut down"):
        drawer.draw({}, "svg")


def test_predraw_fills_the_tracker_image_for_the_default_view_and_every_year_newest_first(
    dataset, monkeypatch
):
    from milex.analysis.tracking import available_years
    from milex.web import drawing
    from milex.web.cache import Cache
    from milex.web.drawing import predraw

    monkeypatch.setattr(drawing, "QUIET", 0.0)
    drawn = []
    predraw(Cache(dataset), lambda cache, name, fmt, country, year: drawn.append((name, fmt, year)))
    years = sorted(available_years(dataset), reverse=True)
    assert drawn == [("tracker", "png", None), *(("tracker", "png", y) for y in years)]


def test_predraw_stops_quietly_at_a_failure_and_leaves_it_to_the_request(
    dataset, caplog, monkeypatch
):
    from milex.web import drawing
    from milex.web.cache import Cache
    from milex.web.drawing import predraw

    monkeypatch.setattr(drawing, "QUIET", 0.0)

    def fail(*args):
        raise RuntimeError("renderer gone")

    predraw(Cache(dataset), fail)
    assert "renderer gone" in caplog.text


def test_predraw_waits_for_a_quiet_moment_and_stops_when_the_drawer_closes(dataset, monkeypatch):
    """While requests keep coming nothing is drawn; a closed drawer ends the wait within a poll
    (0.25 s); once no request came for QUIET seconds, drawing starts, and not before."""
    import threading
    import time

    from milex.web import drawing
    from milex.web.cache import Cache

    quiet = 1.5
    monkeypatch.setattr(drawing, "QUIET", quiet)
    cache, drawn = Cache(dataset), []
    drawing.touch()
    worker = threading.Thread(
        target=drawing.predraw, args=(cache, lambda *a: drawn.append(time.monotonic()))
    )
    worker.start()
    for _ in range(4):  # requests keep coming: nothing is drawn meanwhile
        time.sleep(0.3)
        drawing.touch()
        assert drawn == []
    closed = time.monotonic()
    cache.drawer.close()
    worker.join(timeout=5)
    assert not worker.is_alive() and drawn == []
    assert time.monotonic() - closed < quiet / 2  # it stopped at once, not after a quiet spell

    cache, drawn = Cache(dataset), []
    drawing.touch()
    last_request = time.monotonic()
    worker = threading.Thread(
        target=drawing.predraw, args=(cache, lambda *a: drawn.append(time.monotonic()))
    )
    worker.start()
    worker.join(timeout=10)
    cache.drawer.close()
    assert not worker.is_alive() and drawn  # quiet: the default view and every year drawn
    assert drawn[0] - last_request >= quiet  # ... after a quiet spell, never before

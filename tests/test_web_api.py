"""The JSON API and pages through FastAPI's TestClient: provenance on every answer, clean errors."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from milex.web import create_app


@pytest.fixture(scope="module")
def client(dataset):
    return TestClient(create_app(dataset), raise_server_exceptions=False)


def test_tracker_json_carries_rows_counts_and_sources(client):
    body = client.get("/api/v1/tracker").json()
    assert body["year"] == 2024 and body["count_at_or_above_2pct"] == 23
    allies = [r for r in body["data"] if r["row_type"] == "ally" and r["milex_pct_gdp"] is not None]
    assert len(allies) == 31
    assert {s["source"] for s in body["sources"]} == {"nato", "sipri"}
    assert all(s["edition"] for s in body["sources"])


def test_tracker_csv_has_the_same_rows_and_names_its_sources(client):
    response = client.get("/api/v1/tracker?format=csv&year=2023")
    assert response.headers["content-type"].startswith("text/csv")
    assert "NATO, Defence Expenditure" in response.headers["x-milex-sources"]
    frame = pd.read_csv(io.StringIO(response.text))
    json_rows = client.get("/api/v1/tracker?year=2023").json()["data"]
    assert frame["iso3"].tolist() == [r["iso3"] for r in json_rows]


def test_country_profile_by_code_or_name(client):
    poland = client.get("/api/v1/countries/POL").json()
    assert poland["status"]["milex_pct_gdp"] == pytest.approx(4.1202, abs=1e-4)
    assert poland["sources"] and poland["data"]
    assert client.get("/api/v1/countries/Türkiye").json()["iso3"] == "TUR"


def test_unknown_country_is_404_with_suggestions(client):
    response = client.get("/api/v1/countries/Polnd")
    assert response.status_code == 404
    assert "Poland (POL)" in response.json()["suggestions"]


def test_series_with_years_and_sources(client):
    body = client.get(
        "/api/v1/series", params={"measure": "milex_pct_gdp", "countries": "POL,DEU",
                                  "source": "nato", "from": 2014, "to": 2024}
    ).json()  # fmt: skip
    assert len(body["data"]) == 22 and body["sources"][0]["edition"] == "2014-2024 (2024-06-17)"


def test_countries_list_and_bloc_filter(client):
    nato = client.get("/api/v1/countries?bloc=NATO").json()["data"]
    assert len(nato) == 32 and next(c for c in nato if c["iso3"] == "SWE")["nato_joined"] == 2024


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/tracker?year=abc", 422, "year"),
        ("/api/v1/tracker?year=2031", 422, "2031"),
        ("/api/v1/tracker?bloc=EU27", 422, "bloc"),
        ("/api/v1/series?measure=nope", 422, "nope"),
        ("/api/v1/series", 422, "measure"),
        ("/api/v1/series?measure=milex_pct_gdp&from=2024&to=2014", 422, "from=2024"),
        ("/api/v1/tracker?format=xml", 422, "format"),
    ],
)
def test_invalid_queries_are_422_naming_the_field(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status
    assert field in str(response.json())


def test_a_body_over_64_kib_is_413(client):
    response = client.post(
        "/api/v1/projections", content=b"{" + b" " * 70_000 + b"}",
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413


def test_every_response_has_a_strict_content_security_policy(client):
    for url in ("/", "/api/v1/tracker", "/static/js/app.js", "/docs"):
        csp = client.get(url).headers["content-security-policy"]
        assert (
            "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )


def test_pages_render_and_link_their_json_twins(client):
    tracker = client.get("/").text
    assert tracker.count('data-iso3="') == 32 and 'href="/api/v1/tracker?year=2024"' in tracker
    assert "format=csv" in tracker
    poland = client.get("/country/POL").text
    assert "4.12%" in poland and 'href="/api/v1/countries/POL"' in poland
    assert client.get("/scenario").status_code == 200
    assert "SIPRI figures bundled" in client.get("/sources").text
    assert client.get("/country/Narnia").status_code == 404


def test_pages_have_no_inline_scripts_or_styles(client):
    for url in ("/", "/country/POL", "/scenario", "/sources", "/docs"):
        html = client.get(url).text
        assert "<script>" not in html and "style=" not in html and "<style" not in html
        assert "http://" not in html.replace("http://www.w3.org", "") or url == "/sources"
        assert "cdn" not in html.lower()

"""The JSON API and pages through FastAPI's TestClient: provenance on every answer, clean errors."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from milex.web import create_app


@pytest.fixture(scope="module")
def client(dataset):
    return TestClient(
        create_app(dataset), base_url="http://127.0.0.1", raise_server_exceptions=False
    )


def test_tracker_json_carries_rows_counts_and_sources(client):
    body = client.get("/api/v1/tracker?year=2024").json()
    assert body["year"] == 2024 and body["count_at_or_above_2pct"] == 23
    allies = [r for r in body["data"] if r["row_type"] == "ally" and r["milex_pct_gdp"] is not None]
    assert len(allies) == 31
    newest = client.get("/api/v1/tracker").json()  # the newest year by default, partial
    assert newest["year"] == 2026 and newest["coverage"] == "10 of 31 allies with figures"
    assert newest["as_of"].startswith("As of: NATO 2014-2026 (2026-07)")
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
    poland = client.get("/api/v1/countries/POL?year=2024").json()
    assert poland["status"]["milex_pct_gdp"] == pytest.approx(4.1202, abs=1e-4)
    assert client.get("/api/v1/countries/POL").json()["year"] == 2026
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


def test_a_chunked_body_over_64_kib_is_413_too(client):
    """No Content-Length: the body arrives in chunks and is counted as it comes."""

    def chunks():
        yield b"{"
        for _ in range(20):
            yield b" " * 4096

    response = client.post(
        "/api/v1/projections", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and "65536" in response.json()["detail"]


def test_a_chunked_body_under_the_limit_is_read_whole(client):
    def chunks():
        yield b'{"countries": ["DEU"], '
        yield b'"uncertainty": {"paths": 50}}'

    response = client.post(
        "/api/v1/projections", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json()["summary"][0]["iso3"] == "DEU"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "[::1]:80"])
def test_loopback_host_names_are_answered(client, host):
    assert client.get("/api/v1/countries", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", ""])
def test_a_foreign_host_header_is_refused(client, host):
    """DNS rebinding: a page whose name resolves to 127.0.0.1 must not read the API."""
    response = client.get("/api/v1/tracker", headers={"host": host})
    assert response.status_code == 400
    assert "not allowed" in response.json()["detail"]
    assert "content-security-policy" in response.headers


def test_the_host_given_to_serve_is_answered(dataset):
    app = create_app(dataset, hosts=["milex.internal"])
    named = TestClient(app, base_url="http://milex.internal:8000")
    assert named.get("/api/v1/countries").status_code == 200
    other = TestClient(app, base_url="http://other.internal")
    assert other.get("/api/v1/countries").status_code == 400


def test_a_failed_computation_is_not_remembered(dataset):
    """The cache forgets a key whose computation raised: the next call computes again."""
    from milex.web.cache import Cache

    c, calls = Cache(dataset), []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first call fails")
        return "ok"

    with pytest.raises(RuntimeError):
        c.get(("k",), flaky)
    assert c.peek(("k",)) is None and not c._flights
    assert c.get(("k",), flaky) == "ok" and len(calls) == 2


def test_every_response_has_a_strict_content_security_policy(client):
    for url in ("/", "/api/v1/tracker", "/static/js/app.js", "/docs"):
        csp = client.get(url).headers["content-security-policy"]
        assert (
            "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )


def test_pages_render_and_link_their_json_twins(client):
    tracker = client.get("/").text
    assert tracker.count('data-iso3="') == 32 and 'href="/api/v1/tracker?year=2026"' in tracker
    assert "format=csv" in tracker and "10 of 31 allies with figures" in tracker
    poland = client.get("/country/POL").text
    assert "4.68%" in poland and 'href="/api/v1/countries/POL"' in poland
    for bloc in ("NATO", "NATO_EU_CA"):  # bloc pages, with a JSON twin
        page = client.get(f"/country/{bloc}").text
        assert "is not a NATO ally" not in page and f'href="/api/v1/countries/{bloc}"' in page
        twin = client.get(f"/api/v1/countries/{bloc}").json()
        assert twin["bloc"] is True and twin["data"][0]["year"] == 2026
        members = 31 if bloc == "NATO" else 30  # Iceland listed, not counted; no United States
        assert twin["data"][0]["allies_with_figures"] == 10
        assert twin["data"][0]["members"] == members
    assert client.get("/scenario").status_code == 200
    assert "SIPRI figures bundled" in client.get("/sources").text
    assert client.get("/country/Narnia").status_code == 404


def test_pages_have_no_inline_scripts_or_styles(client):
    for url in ("/", "/country/POL", "/scenario", "/sources", "/docs"):
        html = client.get(url).text
        assert "<script>" not in html and "style=" not in html and "<style" not in html
        assert "http://" not in html.replace("http://www.w3.org", "") or url == "/sources"
        assert "cdn" not in html.lower()


def test_json_bodies_carry_nan_as_null_and_numpy_numbers_as_plain_ones():
    import json as _json

    import numpy as np

    from milex.web.api import encode

    body = {"a": np.float64(2.5), "b": float("nan"), "c": [np.int64(3), np.inf], "d": {1: "x"}}
    assert _json.loads(encode(body)) == {"a": 2.5, "b": None, "c": [3, None], "d": {"1": "x"}}
    assert _json.loads(encode({"poland": 4.12})) == {"poland": 4.12}


def test_pre_encoded_rows_are_placed_in_the_body_unchanged():
    import json as _json

    import pandas as pd

    from milex.present.export import records, records_json
    from milex.web.api import encode

    frame = pd.DataFrame({"iso3": ["POL", "ISL"], "value": [4.12, float("nan")]})
    body = {"title": "\x000", "data": records_json(frame), "n": float("nan")}
    decoded = _json.loads(encode(body))
    assert decoded == {"title": "\x000", "data": records(frame), "n": None}
    assert decoded["data"] == [{"iso3": "POL", "value": 4.12}, {"iso3": "ISL", "value": None}]

"""The projection endpoint under load: a concurrency limit and a work budget (429, never 500),
answers from the cache for repeated requests, and a server that stays up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from milex.web import create_app
from milex.web.limits import Limiter, cells

SMALL = {"countries": ["DEU", "FRA"], "uncertainty": {"paths": 200, "seed": 1}}


@pytest.fixture()
def app(dataset):
    return create_app(dataset)


@pytest.fixture()
def client(app):
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)


def test_a_request_beyond_the_limit_gets_429_with_retry_after(app, client):
    app.state.limiter = Limiter(slots=1)
    with app.state.limiter.admit(1000):  # another projection holds the only slot
        response = client.post("/api/v1/projections", json=SMALL)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "try again" in response.json()["detail"]
    again = client.post("/api/v1/projections", json=SMALL)  # the refusal was not cached
    assert again.status_code == 200 and again.json()["summary"]


def test_a_request_over_the_budget_in_flight_gets_429(app, client):
    app.state.limiter = Limiter(slots=4, budget=52_000)  # the request needs 4,400
    with app.state.limiter.admit(50_000):
        assert client.post("/api/v1/projections", json=SMALL).status_code == 429
    assert client.post("/api/v1/projections", json=SMALL).status_code == 200


def test_one_request_bigger_than_the_whole_budget_is_422_naming_the_field(app, client):
    app.state.limiter = Limiter(budget=1000)
    response = client.post("/api/v1/projections", json=SMALL)
    assert response.status_code == 422 and "uncertainty.paths" in response.json()["detail"]


def test_cells_count_paths_countries_years_and_targets(dataset):
    from milex.projection import Scenario

    nato = Scenario(uncertainty={"paths": 1000})  # 32 members in 2026, 9 years to 2035
    assert cells(nato, dataset) == 1000 * 32 * 9
    two = Scenario(countries=["DEU", "POL"], horizon=2030, uncertainty={"paths": 10})
    assert cells(two, dataset) == 10 * 2 * 4  # 2027-2030


def test_identical_requests_are_served_from_the_cache(app, client):
    first = client.post("/api/v1/projections", json=SMALL)
    app.state.limiter = Limiter(slots=0)  # nothing new can run now
    second = client.post("/api/v1/projections", json=SMALL)
    assert second.status_code == 200 and second.content == first.content
    other = {**SMALL, "uncertainty": {"paths": 200, "seed": 2}}
    assert client.post("/api/v1/projections", json=other).status_code == 429


def test_the_limiter_releases_its_slot_when_the_projection_fails(app, client, monkeypatch):
    from milex.errors import QueryError
    from milex.web import charting

    def fail(*args, **kwargs):
        raise QueryError("missing data for the projection: DEU")

    monkeypatch.setattr(charting, "projection_payload", fail)
    app.state.limiter = Limiter(slots=1)
    assert client.post("/api/v1/projections", json=SMALL).status_code == 422
    assert app.state.limiter.running == 0 and app.state.limiter.cells == 0
    monkeypatch.undo()
    assert client.post("/api/v1/projections", json=SMALL).status_code == 200


@pytest.fixture()
def server(dataset) -> Iterator[tuple[str, object]]:
    """The app under uvicorn on a free loopback port, one projection at a time."""
    import uvicorn

    app = create_app(dataset)
    app.state.limiter = Limiter(slots=1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    uv.should_exit = True
    thread.join(timeout=10)


def test_parallel_requests_beyond_the_limit_get_429_never_500_and_the_server_stays_up(server):
    base, app = server
    gate = threading.Barrier(6)

    def post(seed: int) -> int:
        body = {"countries": ["DEU", "FRA", "POL"], "uncertainty": {"paths": 20_000, "seed": seed}}
        gate.wait()
        with httpx.Client(timeout=120) as http:
            return http.post(f"{base}/api/v1/projections", json=body).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(post, range(6)))
    assert set(statuses) <= {200, 429}, statuses
    assert 200 in statuses
    assert app.state.limiter.running == 0  # type: ignore[attr-defined]
    assert httpx.get(f"{base}/api/v1/tracker", timeout=30).status_code == 200

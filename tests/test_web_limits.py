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
from milex.web.limits import BUDGET, SLOTS, Busy, Limiter, TooLarge, cells

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
    targets = [{"guideline": "hague_core_3_5pct"}, {"name": "floor", "target_pct": 2.0}]
    both = Scenario(countries=["DEU", "POL"], horizon=2030, targets=targets,
                    uncertainty={"paths": 10})  # fmt: skip
    assert cells(both, dataset) == 10 * 2 * 4 * 2  # each target is a projection of its own


def test_the_app_runs_at_most_two_projections_and_50_million_cells_by_default(app):
    """The served defaults: two at once (the machine's cores), 50 million cells in flight (a
    100,000-path NATO run to 2035 is 29-37 million), one request above that a 422."""
    limiter = app.state.limiter
    assert (SLOTS, BUDGET) == (2, 50_000_000)
    assert (limiter.slots, limiter.budget) == (SLOTS, BUDGET)
    with limiter.admit(1), limiter.admit(1), pytest.raises(Busy), limiter.admit(1):
        pass  # a third at once
    with limiter.admit(30_000_000), pytest.raises(Busy), limiter.admit(20_000_001):
        pass  # over the budget in flight
    with limiter.admit(30_000_000), limiter.admit(20_000_000):
        pass  # exactly the budget
    with pytest.raises(TooLarge), limiter.admit(50_000_001):
        pass
    assert limiter.running == 0 and limiter.cells == 0


def test_a_request_with_two_targets_counts_twice_the_work(app, client, dataset):
    from milex.projection import Scenario

    one = cells(Scenario.parse(SMALL), dataset)
    app.state.limiter = Limiter(budget=one * 3 // 2)  # room for one target, not for two
    targets = [{"guideline": "hague_core_3_5pct"}, {"name": "floor", "target_pct": 2.0}]
    response = client.post("/api/v1/projections", json={**SMALL, "targets": targets})
    assert response.status_code == 422 and f"{2 * one:,}" in response.json()["detail"]
    assert client.post("/api/v1/projections", json=SMALL).status_code == 200


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
    """The app under uvicorn on a free loopback port, with its default limits."""
    import uvicorn

    app = create_app(dataset)
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


def test_parallel_requests_beyond_the_limit_get_429_never_500_and_the_server_stays_up(
    server, monkeypatch
):
    """Six projections at once against the default two slots: while the first two run (held
    until the others are answered), the other four get 429 at once; then the two finish, 200."""
    from milex.web import charting

    base, app = server
    real = charting.projection_payload
    lock, entered, release = threading.Lock(), [0], threading.Event()

    def held(*args, **kwargs):
        with lock:
            entered[0] += 1
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(charting, "projection_payload", held)
    gate = threading.Barrier(6)

    def post(seed: int) -> int:
        body = {"countries": ["DEU", "FRA", "POL"], "uncertainty": {"paths": 500, "seed": seed}}
        gate.wait()
        with httpx.Client(timeout=120) as http:
            return http.post(f"{base}/api/v1/projections", json=body).status_code

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(post, seed) for seed in range(6)]
        deadline = time.monotonic() + 60
        # every request is either running (held) or already answered
        while entered[0] + sum(f.done() for f in futures) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        running_at_once = entered[0]
        release.set()
        statuses = [f.result() for f in futures]
    assert running_at_once == 2, statuses
    assert sorted(statuses) == [200, 200, 429, 429, 429, 429], statuses
    assert app.state.limiter.running == 0 and app.state.limiter.cells == 0  # type: ignore[attr-defined]
    assert httpx.get(f"{base}/api/v1/tracker", timeout=30).status_code == 200

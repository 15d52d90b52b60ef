"""A just-started server prepares what the first visit to ``/`` needs (the tracker chart's
spec and table, the map's behind its tab) before it loads the projection engine, so a first
visit never waits for the engine. What is measured lives in benchmarks/bench_first_visit.py."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from milex.web import warmup
from milex.web.cache import Cache


def spec_key(name: str, year: int) -> tuple[object, ...]:
    return ("web-spec", name, "", year)


def test_warming_the_home_builds_the_tracker_and_map_specs_and_tables_for_the_default_year(
    dataset,
):
    cache = Cache(dataset)
    year = cache.tracker(None).year
    assert warmup.home_charts(cache) == [("tracker", year), ("map", year)]
    warmup.warm_home(cache)
    for name in ("tracker", "map"):
        assert cache.peek(spec_key(name, year)) is not None, name
        assert cache.peek(("web-table", name, "", year)) is not None, name


def test_the_page_asks_for_the_very_spec_the_warm_up_built(dataset):
    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1")
    cache = client.app.state.cache
    warmup.warm_home(cache)
    year = cache.tracker(None).year
    page = client.get("/").text
    assert f'data-chart="tracker" data-params="year={year}"' in page
    built = cache.peek(spec_key("tracker", year))
    assert client.get(f"/chart/tracker.json?year={year}").json() == built


def test_a_started_app_warms_the_home_before_it_loads_the_engine(dataset, monkeypatch):
    from milex.projection import _kernel as kernel
    from milex.web import create_app

    seen: list[bool] = []
    loaded = threading.Event()

    def engine(ds: object = None) -> bool:
        year = int(app.state.cache.tracker(None).year)
        seen.append(app.state.cache.peek(spec_key("tracker", year)) is not None)
        loaded.set()
        return True

    monkeypatch.setattr(kernel, "warm", engine)
    app = create_app(dataset)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/").status_code == 200
        assert loaded.wait(120)
    assert seen == [True]


def test_a_failing_warm_up_is_logged_and_the_engine_still_loads(dataset, monkeypatch, caplog):
    from milex.projection import _kernel as kernel

    cache = Cache(dataset)
    monkeypatch.setattr(warmup, "home_charts", lambda c: [("no-such-chart", 2024)])
    calls: list[object] = []
    monkeypatch.setattr(kernel, "warm", lambda ds=None: calls.append(ds) or True)
    warmup.warm_server(cache)
    assert calls == [dataset]
    assert "preparing the home page's charts stopped" in caplog.text

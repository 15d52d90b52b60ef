"""No thread is left inside DuckDB (or numba) when the interpreter exits: there Python 3.11 ends
a daemon thread from inside the C++ and the process aborts, "FATAL: exception not rethrown",
exit 134, after every test passed (docs/testing.md)."""

from __future__ import annotations

import threading

import duckdb
import pytest


def test_an_app_that_shuts_down_has_joined_its_start_up_threads(dataset):
    from fastapi.testclient import TestClient

    from milex.web import create_app

    before = set(threading.enumerate())
    with TestClient(create_app(dataset), base_url="http://127.0.0.1"):
        started = [t for t in threading.enumerate() if t not in before]
        assert any(t.name == "milex-engine" for t in started)  # loading the compiled engine
    assert [t.name for t in started if t.name.startswith("milex-") and t.is_alive()] == []


class _Cursors:
    """A connection that remembers the cursors it hands out."""

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        self.db, self.handed = db, []

    def cursor(self) -> duckdb.DuckDBPyConnection:
        self.handed.append(self.db.cursor())
        return self.handed[-1]


def test_a_query_closes_its_cursor_in_the_thread_that_ran_it(dataset, monkeypatch):
    """A cursor kept for the thread is destroyed when the thread ends, and DuckDB closes its
    open result with the GIL released: at exit that aborted the process."""
    cursors = _Cursors(dataset._db)
    monkeypatch.setattr(dataset, "_db", cursors)
    worker = threading.Thread(
        target=lambda: (
            dataset.latest_year("milex_pct_gdp", "nato"),  # fetchone: a result left open
            dataset.sql_records("SELECT 1 AS one"),
            dataset.sql("SELECT 1 AS one"),
        )
    )
    worker.start()
    worker.join()
    assert len(cursors.handed) == 3
    for cursor in cursors.handed:
        with pytest.raises(duckdb.ConnectionException):
            cursor.execute("SELECT 1")

"""`milex data update` against a local HTTP server serving workbooks the tests build themselves."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex import snapshot, update
from milex.cli import app
from milex.errors import MilexError, SourceError

from .test_sources_sipri import small_workbook


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving files from a temporary folder."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_update_downloads_the_full_workbook_and_keeps_the_other_sources(server, tmp_path):
    base, root = server
    small_workbook(root / "SIPRI-Milex-data.xlsx")
    out = tmp_path / "full"
    package = update.update(f"{base}/SIPRI-Milex-data.xlsx", out)
    ds = milex.load(str(out))
    poland = ds.series("milex_pct_gdp", "POL", "sipri", 2024, include_secondary=False)
    assert poland["value"].tolist() == [4.15] and poland["flags"].tolist() == ["estimate"]
    assert not ds.series("milex_pct_gdp", "POL", "nato", 2024).empty  # NATO kept
    assert ds.series("milex_pct_gdp", "DEU", "sipri", 2024, include_secondary=False).empty
    entry = next(s for s in package["sources"] if s["name"] == "sipri-milex-download")
    assert entry["url"].startswith(base) and entry["sha256"] == snapshot.sha256_file(
        root / "SIPRI-Milex-data.xlsx"
    )
    assert package["sipri_limit"] is None


def test_milex_data_dir_points_load_at_the_full_snapshot(server, tmp_path, monkeypatch):
    base, root = server
    small_workbook(root / "s.xlsx")
    update.update(f"{base}/s.xlsx", tmp_path / "full")
    monkeypatch.setenv("MILEX_DATA_DIR", str(tmp_path / "full"))
    assert milex.load().path == tmp_path / "full" / "observations.parquet"


def test_http_error_names_the_url_and_writes_nothing(server, tmp_path):
    base, _ = server
    with pytest.raises(MilexError, match=r"missing.xlsx answered HTTP 404"):
        update.update(f"{base}/missing.xlsx", tmp_path / "full")
    assert not (tmp_path / "full").exists()


def test_a_file_that_is_not_a_workbook_is_rejected_and_nothing_written(server, tmp_path):
    base, root = server
    (root / "page.xlsx").write_text("<html>Access denied</html>")
    with pytest.raises(SourceError, match="not a valid .xlsx"):
        update.update(f"{base}/page.xlsx", tmp_path / "full")
    assert not (tmp_path / "full").exists()


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(MilexError, match=r"download failed: http://127.0.0.1:9/x.xlsx"):
        update.update("http://127.0.0.1:9/x.xlsx", Path("/nonexistent/never-written"))


def test_a_full_sipri_snapshot_may_not_be_written_into_the_package(tmp_path):
    obs = milex.load().observations()
    with pytest.raises(MilexError, match="cannot be written into the package"):
        snapshot.write_snapshot(snapshot.package_dir(), obs, b"", [], full_sipri=True)


def test_cli_update_reports_where_it_wrote(server, tmp_path):
    base, root = server
    small_workbook(root / "s.xlsx")
    result = CliRunner().invoke(
        app, ["data", "update", "--url", f"{base}/s.xlsx", "--output", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "MILEX_DATA_DIR=" in result.output
    package = json.loads((tmp_path / "o" / "datapackage.json").read_text())
    assert package["sipri_cut"]["countries"].startswith("all")

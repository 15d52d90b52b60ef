"""`milex data update` against a local HTTP server serving files the tests build themselves."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex.cli import app
from milex.data import snapshot, update
from milex.data.update import Limits
from milex.data.update._locate import choose_snapshot
from milex.errors import MilexError, SourceError

from .test_sources_sipri import small_workbook


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; /stall/... never answers, /slow/... trickles, /huge claims 10 GB, and a
    query string's ``page=N`` serves the file ``<path>@N`` (the World Bank API's pages)."""

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def send_header(self, keyword: str, value: str) -> None:
        """A file's answer also carries an ETag from its content (as publishers' servers send)."""
        super().send_header(keyword, value)
        if keyword == "Last-Modified":
            body = Path(self.translate_path(self.path)).read_bytes()
            super().send_header("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')

    def translate_path(self, path: str) -> str:
        page = re.search(r"[?&]page=(\d+)", path)
        local = super().translate_path(path)
        return f"{local}@{page[1]}" if page else local

    def do_GET(self) -> None:
        if self.path.startswith("/stall/"):
            time.sleep(3)
            return
        if self.path.startswith("/slow/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x" * 1000)
                self.wfile.flush()
                time.sleep(0.05)
            return
        if self.path.startswith("/huge"):
            self.send_response(200)
            self.send_header("Content-Length", str(10**10))
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving files from a temporary folder."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def sipri_only(url: str, out: Path, **kwargs):
    return update.update("sipri", origin=url, out_dir=out, **kwargs)


def test_update_downloads_sipri_and_keeps_every_other_edition(server, tmp_path):
    base, root = server
    small_workbook(root / "SIPRI-Milex-data.xlsx")
    out = tmp_path / "full"
    result = sipri_only(f"{base}/SIPRI-Milex-data.xlsx", out)
    ds = milex.load(str(out))
    new_edition = result.changes[0].edition
    poland = ds.series("milex_pct_gdp", "POL", "sipri", 2024, edition=new_edition)
    assert poland["value"].tolist() == [4.15] and poland["flags"].tolist() == ["estimate"]
    assert not ds.series("milex_pct_gdp", "POL", "nato", 2024).empty  # NATO kept
    # the new edition has no Germany; the bundled extract's edition still does, side by side
    germany = ds.series("milex_pct_gdp", "DEU", "sipri", 2024, edition="all")
    bundled = milex.load().series("milex_pct_gdp", "DEU", "sipri", 2024, edition="all")
    assert new_edition not in set(germany["edition"])
    assert germany.to_dict("records") == bundled.to_dict("records")
    entry = next(s for s in result.package["sources"] if s["edition"] == new_edition)
    assert entry["url"].startswith(base) and entry["sha256"] == snapshot.sha256_file(
        root / "SIPRI-Milex-data.xlsx"
    )
    assert result.package["sipri_limit"] is None


def test_a_second_update_of_the_same_edition_replaces_only_that_edition(server, tmp_path):
    base, root = server
    small_workbook(root / "s.xlsx")
    out = tmp_path / "full"
    first = sipri_only(f"{base}/s.xlsx", out)
    rows = milex.load(str(out)).package["resources"][0]["rows"]
    second = sipri_only(f"{base}/s.xlsx", out)
    assert milex.load(str(out)).package["resources"][0]["rows"] == rows
    assert second.changes[0].replaced == first.changes[0].figures
    assert second.changes[0].revised == 0


def test_milex_data_dir_points_load_at_the_updated_snapshot(server, tmp_path, monkeypatch):
    base, root = server
    small_workbook(root / "s.xlsx")
    sipri_only(f"{base}/s.xlsx", tmp_path / "full")
    monkeypatch.setenv("MILEX_DATA_DIR", str(tmp_path / "full"))
    assert milex.load().path.parent == tmp_path / "full"


def test_load_prefers_the_user_snapshot_over_the_bundled_one(server, tmp_path, monkeypatch):
    base, root = server
    small_workbook(root / "s.xlsx")
    monkeypatch.setenv("MILEX_USER_DATA_DIR", str(tmp_path / "user"))
    assert choose_snapshot()[0] is None  # nothing updated yet: the bundled snapshot
    result = update.update("sipri", origin=f"{base}/s.xlsx")  # default target: the user dir
    assert result.target == tmp_path / "user" / "snapshot"
    assert milex.load().path.parent == result.target
    assert "user data directory" in choose_snapshot()[1]
    status = CliRunner().invoke(app, ["data", "status"])
    assert status.exit_code == 0 and "user data directory" in status.output


def test_http_error_names_the_url_and_writes_nothing(server, tmp_path):
    base, _ = server
    with pytest.raises(MilexError, match=r"missing.xlsx answered HTTP 404"):
        sipri_only(f"{base}/missing.xlsx", tmp_path / "full")
    assert not (tmp_path / "full").exists()


def test_a_file_that_is_not_a_workbook_is_rejected_and_nothing_written(server, tmp_path):
    base, root = server
    (root / "page.xlsx").write_text("<html>Access denied</html>")
    with pytest.raises(SourceError, match="not a valid .xlsx"):
        sipri_only(f"{base}/page.xlsx", tmp_path / "full")
    assert not (tmp_path / "full").exists()


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(MilexError, match=r"download failed: http://127.0.0.1:9/x.xlsx"):
        sipri_only("http://127.0.0.1:9/x.xlsx", tmp_path / "never-written")
    assert not (tmp_path / "never-written").exists()


def test_read_timeout_names_the_url(server, tmp_path):
    base, _ = server
    limits = Limits(read=0.3)
    with pytest.raises(MilexError, match=rf"{base}/stall/s.xlsx: no data for 0.3 s"):
        sipri_only(f"{base}/stall/s.xlsx", tmp_path / "o", limits=limits)


def test_overall_deadline_names_the_url(server, tmp_path):
    base, _ = server
    with pytest.raises(MilexError, match=rf"{base}/slow/s.xlsx took longer than the overall"):
        sipri_only(f"{base}/slow/s.xlsx", tmp_path / "o", limits=Limits(deadline=0.5))


def test_size_cap_names_the_url_before_downloading(server, tmp_path):
    base, _ = server
    with pytest.raises(MilexError, match=rf"{base}/huge.xlsx is larger than the size cap"):
        sipri_only(f"{base}/huge.xlsx", tmp_path / "o", limits=Limits(max_bytes=10**6))
    with pytest.raises(MilexError, match=r"slow/s.xlsx is larger than the size cap of 0.05 MB"):
        sipri_only(f"{base}/slow/s.xlsx", tmp_path / "o", limits=Limits(max_bytes=50_000))


def test_a_local_file_is_read_without_a_server_and_kept_raw(tmp_path):
    workbook = small_workbook(tmp_path / "SIPRI-Milex-data-1949-2024.xlsx")
    result = update.update(
        "all", origin=workbook, out_dir=tmp_path / "o", keep_raw=tmp_path / "raw"
    )  # --source all with one publisher's file: that publisher only
    assert {c.source for c in result.changes} == {"sipri"}
    assert (tmp_path / "raw" / "sipri" / workbook.name).read_bytes() == workbook.read_bytes()
    assert result.package["sources"][-1]["url"].startswith("file://")


def test_from_with_all_must_name_one_publishers_file(tmp_path):
    with pytest.raises(MilexError, match="must name one publisher's file"):
        update.update("all", origin=tmp_path / "data.xlsx", out_dir=tmp_path / "o")
    with pytest.raises(MilexError, match="unknown source 'fao'|unknown source fao"):
        update.update("fao", out_dir=tmp_path / "o")


def test_a_full_sipri_snapshot_may_not_be_written_into_the_package(tmp_path):
    obs = milex.load().observations()
    with pytest.raises(MilexError, match="cannot be written into the package"):
        snapshot.write_snapshot(snapshot.package_dir(), obs, b"", [], full_sipri=True)


def test_cli_update_reports_where_it_wrote(server, tmp_path):
    base, root = server
    small_workbook(root / "s.xlsx")
    for option in ("--from", "--url"):  # --url is kept as a hidden alias
        out = tmp_path / option.strip("-")
        args = ["data", "update", "--source", "sipri", option, f"{base}/s.xlsx"]
        result = CliRunner().invoke(app, [*args, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert "MILEX_DATA_DIR=" in result.output and "sipri " in result.output
        package = json.loads((out / "datapackage.json").read_text())
        assert package["sipri_cut"]["countries"].startswith("all")


def test_cli_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(
        app, ["data", "update", "--source", "nato", "--from", str(tmp_path / "nope.xlsx")]
    )
    assert result.exit_code != 0
    assert "no such file or URL" in result.output and "Traceback" not in result.output

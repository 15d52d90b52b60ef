"""Edition watch: `milex data status` (edition in use, age, what is due) and `milex data check`
(is a newer edition out? listings and HEAD only), against a local HTTP server; no network."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from typer.testing import CliRunner

import milex
from milex.cli import app
from milex.data import update
from milex.data.update import _watch as watch

from .test_update import server  # noqa: F401  (the local HTTP server fixture)
from .test_update_imf_sdmx import SERVED, serve_weo
from .test_update_publishers import (
    LEGACY_DIR,
    NATO_DIR,
    publish_nato,
    sipri_2026_workbook,
    topic_page,
)

SIPRI_FILE = "SIPRI-Milex-data-1949-2025_v1.2.xlsx"


def package(*entries: dict) -> dict:
    return {"sources": list(entries)}


def test_status_rows_say_age_usual_release_and_whether_a_newer_edition_is_due():
    pkg = package(
        {"source": "imf_weo", "edition": "WEO 2026-04", "published": "2026-04-14"},
        {"source": "imf_weo", "edition": "WEO 2025-10"},
        {"source": "nato", "edition": "2014-2026 (2026-07-10)", "published": "2026-07-10"},
        {"source": "nato", "edition": "2014-2027 (2027-06)", "secondary": True},
        {"source": "sipri", "edition": "2026-04 (1949-2025)", "publisher": "SIPRI"},
    )
    rows = {r.source: r for r in watch.edition_status(pkg, dt.date(2026, 12, 1))}
    assert set(rows) == {"imf_weo", "nato", "sipri"}  # no World Bank entry: no row
    imf = rows["imf_weo"].record()
    assert imf["edition"] == "WEO 2026-04" and imf["published"] == "2026-04-14"
    assert imf["age"] == "7\u00a0mo" and imf["usual release"] == "Apr, Oct"
    assert imf["newer due"] == "yes, since\u00a02026-10"
    nato = rows["nato"].record()  # the secondary 2027 restatement is not the edition in use
    assert (
        nato["edition"] == "2014-2026 (2026-07-10)" and nato["newer due"] == "no, next\u00a02027-06"
    )
    assert rows["sipri"].record()["published"] == "2026-04" and not rows["sipri"].due


def publish_sipri(root: Path, note: str = "Data revised on 27 April 2026") -> str:
    files = root / "sites/default/files"
    files.mkdir(parents=True, exist_ok=True)
    sipri_2026_workbook(files / SIPRI_FILE, note)
    (root / "milex.html").write_text(f'<a href="/sites/default/files/{SIPRI_FILE}">x</a>')
    return "milex.html"


def test_check_sipri_by_etag_up_to_date_then_newer(server, tmp_path):  # noqa: F811
    base, root = server
    page = f"{base}/{publish_sipri(root)}"
    result = update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": page})
    checks = watch.check(result.package, ["sipri"], pages={"sipri": page})
    assert [(c.status, c.served) for c in checks] == [(watch.UP_TO_DATE, SIPRI_FILE)]
    assert "same ETag" in checks[0].why and checks[0].fetch.endswith(SIPRI_FILE)
    # SIPRI replaces the file under the same name (a corrected v1.2): a new ETag
    publish_sipri(root, "Data revised on 29 April 2026")
    (check,) = watch.check(result.package, ["sipri"], pages={"sipri": page})
    assert check.status == watch.NEWER and "ETag" in check.why


def test_check_nato_by_date_and_by_edition(server, tmp_path):  # noqa: F811
    base, root = server
    workbook = publish_nato(root, "2026", "def-exp-2026-en.xlsx")
    page = topic_page(
        root, [f"/{LEGACY_DIR}/240617-def-exp-2024-en.pdf", f"/{NATO_DIR}/def-exp-2026-en.pdf"]
    )
    pages = {"nato": f"{base}/{page}"}
    in_use = {"source": "nato", "edition": "2014-2026 (2026-07-10)", "retrieved": "2026-07-15"}
    in_use["url"] = f"{base}/{NATO_DIR}/def-exp-2026-en.xlsx"
    stamp = time.mktime(dt.datetime(2026, 7, 11, 12).timetuple())
    os.utime(workbook, (stamp, stamp))
    (check,) = watch.check(package(in_use), ["nato"], pages=pages)
    assert check.status == watch.UP_TO_DATE and check.served == "NATO 2026"
    later = time.mktime(dt.datetime(2026, 11, 2, 12).timetuple())
    os.utime(workbook, (later, later))  # NATO re-published the tables after we fetched them
    (check,) = watch.check(package(in_use), ["nato"], pages=pages)
    assert check.status == watch.NEWER and "modified 2026-11-02" in check.why
    older = {"source": "nato", "edition": "2014-2024 (2024-06-17)", "retrieved": "2027-01-01"}
    (check,) = watch.check(package(older), ["nato"], pages=pages)
    assert check.status == watch.NEWER and check.fetch.endswith("def-exp-2026-en.xlsx")


def test_check_imf_compares_the_newest_published_vintage(server):  # noqa: F811
    base, root = server
    serve_weo(root, SERVED)
    pages = {"imf": f"{base}/sdmx/3.0"}
    today = dt.date(2026, 12, 1)
    old = package({"source": "imf_weo", "edition": "WEO 2026-04", "published": "2026-04-14"})
    (check,) = watch.check(old, ["imf"], pages=pages, today=today)
    assert check.status == watch.NEWER and check.served == "WEO 2026-10 (published 2026-10-13)"
    assert check.fetch == "IMF.RES:WEO(9.0.0)"
    new = package({"source": "imf_weo", "edition": "WEO 2026-10", "published": "2026-10-13"})
    (check,) = watch.check(new, ["imf"], pages=pages, today=today)
    assert check.status == watch.UP_TO_DATE


def test_cli_check_and_status_print_the_watch(server, tmp_path, monkeypatch):  # noqa: F811
    base, root = server
    page = f"{base}/{publish_sipri(root)}"
    update.update("sipri", out_dir=tmp_path / "o", pages={"sipri": page})
    monkeypatch.setenv("MILEX_DATA_DIR", str(tmp_path / "o"))
    args = ["data", "check", "--source", "sipri", "--page", f"sipri={page}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and "would fetch" in result.output
    assert f"{base}/sites/default/files/{SIPRI_FILE}" in result.output  # whole, never cut
    publish_sipri(root, "Data revised on 29 April 2026")
    result = CliRunner().invoke(app, args)
    assert "newer edition available" in result.output
    down = CliRunner().invoke(
        app, ["data", "check", "--source", "sipri", "--page", "sipri=http://127.0.0.1:9/x"]
    )
    assert (
        down.exit_code == 0 and "could not check" in down.output and "Traceback" not in down.output
    )
    status = CliRunner().invoke(app, ["data", "status"])
    assert status.exit_code == 0 and "Editions in use" in status.output
    edition = milex.load().package["sources"][-1]["edition"]
    assert edition.startswith("2026-04") and edition in status.output


def test_sources_page_shows_the_editions_table(dataset):
    from fastapi.testclient import TestClient

    from milex.web import create_app

    client = TestClient(create_app(dataset), base_url="http://127.0.0.1")
    page = client.get("/sources").text
    assert "Editions in use" in page and "WEO 2025-10" in page and "Apr, Oct" in page

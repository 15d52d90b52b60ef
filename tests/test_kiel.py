"""The Kiel Ukraine Support Tracker memo line (issue 31, item 3): page discovery against a local
HTTP server, the parse, the memo line, and a changed layout refused naming sheet and cell."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from milex.cli import app
from milex.data.sources import kiel
from milex.data.update._kiel import load_memo, update_kiel, workbook_url
from milex.errors import MilexError, SourceError

ROWS = [  # donor, military € bn, military % of 2021 GDP
    ("Denmark", 9.2, 2.75),
    ("Germany", 17.7, 0.49),
    ("EU (Commission and Council)", 5.0, None),
    ("United States", 67.0, 0.29),
    ("Atlantis", 1.0, 0.1),  # a name the registry does not know: left out
]


def tracker_workbook(
    path: Path, *, label: str = "Military allocations", bad: object = None
) -> Path:
    """A workbook in the Release 28 layout: blank column A, title rows, header in row 8 (column B),
    the units row under it, one row per donor, then Total."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Bilateral Assistance, MAIN DATA"
    ws = wb.create_sheet(kiel.SHEET)
    ws["B2"] = "Ukraine Support Tracker: country summary"
    header = ["Country", "EU member", "Financial allocations", label, label, "GDP (2021)"]
    units = [None, None, "€ billion", "€ billion", "% 2021 GDP", "EUR"]
    for c, (h, u) in enumerate(zip(header, units, strict=True), start=2):
        ws.cell(8, c, h)
        ws.cell(9, c, u)
    for r, (donor, eur, pct) in enumerate(ROWS, start=10):
        ws.cell(r, 2, donor)
        ws.cell(r, 5, eur)
        ws.cell(r, 6, bad if bad is not None and donor == "Germany" else pct)
    ws.cell(10 + len(ROWS), 2, "Total")
    ws.cell(10 + len(ROWS), 5, 100.0)
    wb.save(path)
    return path


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    (root / "files").mkdir(parents=True)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


PAGE = """<html><body><h1>Ukraine Support Tracker</h1>
<a href="/files/1111-aaaa-Ukraine_Support_Tracker_Release_27.xlsx">Release 27</a>
<a href="/files/2222-bbbb-Ukraine_Support_Tracker_Release_28.xlsx">Data download</a>
<a href="/methodology.pdf">Methodology</a></body></html>"""


def test_update_finds_the_newest_workbook_on_the_page_and_writes_the_memo(server, tmp_path):
    base, root = server
    (root / "ust").mkdir()
    (root / "ust" / "index.html").write_text(PAGE, encoding="utf-8")
    tracker_workbook(root / "files" / "2222-bbbb-Ukraine_Support_Tracker_Release_28.xlsx")
    done = update_kiel(page=f"{base}/ust/", out_dir=tmp_path / "user")
    assert done.release == 28 and done.url.endswith("Release_28.xlsx") and done.donors == 3
    memo = load_memo(tmp_path / "user")
    assert memo["DNK"] == "military aid to Ukraine: 2.75% of 2021 GDP (Kiel, release 28)"
    assert set(memo) == {"DNK", "DEU", "USA"}  # the EU and unknown names left out
    row = kiel.read_memo(done.path)["DEU"]
    assert row["cell"] == f"{kiel.SHEET}!F11" and float(row["military_eur_bn"]) == 17.7


def test_a_page_without_the_workbook_is_a_clear_error():
    with pytest.raises(MilexError, match="no Ukraine Support Tracker workbook"):
        workbook_url("https://example.org/ust/", "<a href='/data.xlsx'>data</a>")


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"label": "Military aid"}, f"{kiel.SHEET}!A8:G9"),  # the column renamed
        ({"bad": "n/a"}, f"{kiel.SHEET}!F11"),  # text in a number cell
    ],
)
def test_a_changed_layout_is_an_error_naming_sheet_and_cell(tmp_path, kwargs, where):
    path = tracker_workbook(tmp_path / "x-Ukraine_Support_Tracker_Release_29.xlsx", **kwargs)
    with pytest.raises(SourceError) as caught:
        kiel.read_country_summary(path, lambda name: "DEU")
    assert f"[{where}]" in str(caught.value)


def test_a_workbook_without_the_summary_sheet_is_refused(tmp_path):
    import openpyxl

    path = tmp_path / "x-Ukraine_Support_Tracker_Release_30.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Something else"
    wb.save(path)
    with pytest.raises(SourceError, match="no sheet 'Country Summary"):
        kiel.read_country_summary(path, lambda name: None)


def test_cli_update_from_a_file_and_the_memo_beside_the_fiscal_verdict(
    tmp_path, monkeypatch, dataset
):
    path = tracker_workbook(tmp_path / "c-Ukraine_Support_Tracker_Release_28.xlsx")
    monkeypatch.setenv("MILEX_USER_DATA_DIR", str(tmp_path / "user"))
    out = CliRunner().invoke(app, ["data", "update", "--source", "kiel", "--from", str(path)])
    assert out.exit_code == 0, out.output
    assert "3 donors" in out.output and "never added" in out.output
    from milex.finance.fiscal import fiscal

    germany = fiscal("DEU", dataset=dataset, paths=50).ally("DEU")
    assert germany.memo == "military aid to Ukraine: 0.49% of 2021 GDP (Kiel, release 28)"
    assert "0.49" not in germany.verdict  # a memo, never part of the arithmetic


def test_the_country_page_shows_the_memo_beside_the_share(tmp_path, monkeypatch, dataset):
    from fastapi.testclient import TestClient

    from milex.web import create_app

    path = tracker_workbook(tmp_path / "d-Ukraine_Support_Tracker_Release_28.xlsx")
    monkeypatch.setenv("MILEX_USER_DATA_DIR", str(tmp_path / "user"))
    update_kiel(origin=str(path))
    page = TestClient(create_app(dataset), base_url="http://127.0.0.1").get("/country/DNK").text
    assert "Memo, not added to NATO's figures: military aid to Ukraine: 2.75% of 2021 GDP" in page

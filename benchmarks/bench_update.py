"""Benchmark: a full `milex data update` from local files (all four publishers), then `milex data diff`.

Goal: <= 15 s for the whole (issues 11 and 29). The publisher files are built in a temporary folder
from the raw files in shared/data/raw, in the forms the update reads: NATO's 2026 tables (the tests'
builder), SIPRI's own workbook, the WEO as a saved answer of the IMF's SDMX 3.0 API (SDMX-CSV, 16
concepts, labelled from its PUBLICATION_DATE) and the World Bank API's JSON. Each step runs the CLI
in-process through `--from`; prints seconds per step and the total. Then, not counted, the IMF
update through the SDMX API itself (discovery, probe, 16 concept queries) from a local server.

Run: python benchmarks/bench_update.py [RAW_DIR]
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/data/raw"
sys.path.insert(0, str(ROOT))


SDMX_HEAD = [
    "STRUCTURE", "STRUCTURE_ID", "ACTION", "COUNTRY", "INDICATOR", "FREQUENCY", "TIME_PERIOD",
    "OBS_VALUE", "SCALE", "LATEST_ACTUAL_ANNUAL_DATA", "BASE_YEAR", "PUBLICATION_DATE",
]  # fmt: skip


def weo_sdmx(raw: Path, folder: Path) -> dict[str, str]:
    """The derived wide WEO CSV as the IMF's SDMX 3.0 API answers it: one SDMX-CSV 2.0 text per
    concept (``*.NGDPD.A``), values in units, the October 2025 WEO's PUBLICATION_DATE."""
    from decimal import Decimal

    with (raw / "imf/weo_oct2025_selected_wide.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    years = [k for k in rows[0] if k.isdigit()]
    by_concept: dict[str, list[str]] = {}
    for r in rows:
        scale = int(r["scale"] or 0)
        for y in years:
            if not r[y]:
                continue
            units = format(Decimal(r[y]).scaleb(scale).normalize(), "f")
            line = [
                "dataflow",
                "IMF.RES:WEO(9.0.0)",
                "I",
                r["ref_area"],
                r["concept"],
                "A",
                y,
                units,
                str(scale),
                r["lastactualdate"],
                r["base_year"],
                "2025-10-14T13:00:00Z",
            ]
            by_concept.setdefault(r["concept"], []).append(",".join(line))  # fmt: skip
    return {c: "\n".join([",".join(SDMX_HEAD), *lines]) + "\n" for c, lines in by_concept.items()}


def weo_saved(answers: dict[str, str], dest: Path) -> Path:
    """The concepts' answers joined into one saved SDMX-CSV file, as --keep-raw writes it."""
    body = [text.split("\n", 1)[1] for text in answers.values()]
    dest.write_text(",".join(SDMX_HEAD) + "\n" + "".join(body), "utf-8")
    return dest


def serve_weo_api(answers: dict[str, str], root: Path) -> tuple[str, object]:
    """A local HTTP server answering like api.imf.org/external/sdmx/3.0 for WEO 9.0.0."""
    import functools
    import http.server
    import threading

    stub = {"data": {"dataflows": [{"id": "WEO", "version": "9.0.0", "agencyID": "IMF.RES"}]}}
    (root / "structure/dataflow/IMF.RES/*").mkdir(parents=True)
    (root / "structure/dataflow/IMF.RES/*/*").write_text(json.dumps(stub))
    data = root / "data/dataflow/IMF.RES/WEO/9.0.0"
    data.mkdir(parents=True)
    for concept, text in answers.items():
        (data / f"*.{concept}.A").write_text(text)
    probe = [line for line in answers["NGDP_RPCH"].splitlines() if ",USA,NGDP_RPCH," in line]
    (data / "USA.NGDP_RPCH.A").write_text(",".join(SDMX_HEAD) + "\n" + probe[-1] + "\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


def wdi_json(raw: Path, folder: Path) -> Path:
    """The four World Bank CSVs as the WDI API's joined [metadata, records] JSON."""
    from milex.data.sources import worldbank as wb

    folder.mkdir(parents=True, exist_ok=True)
    for ind in wb.INDICATORS:
        code = wb.indicator_code(ind)
        _, code_col, year_col, value_col = ind.columns
        by_iso2 = {}
        if ind.code_is_iso2:
            from milex.data.registry import default_registry

            by_iso2 = {c.iso2: c.iso3 for c in default_registry().countries.values() if c.iso2}
        records = []
        with (raw / ind.resource.path).open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                iso3 = by_iso2.get(r[code_col], "") if ind.code_is_iso2 else r[code_col]
                value = float(r[value_col]) if r[value_col] else None
                records.append({"indicator": {"id": code}, "countryiso3code": iso3,
                                "date": r[year_col], "value": value})  # fmt: skip
        meta = {"page": 1, "pages": 1, "total": len(records), "lastupdated": "2026-07-01"}
        (folder / f"{code}.json").write_text(json.dumps([meta, records]))
    return folder


def main() -> None:
    from tests.nato_layouts import build_workbook
    from typer.testing import CliRunner

    from milex.cli import app

    if not (RAW / "SOURCES.md").is_file():
        sys.exit(f"raw publisher files not found in {RAW}")
    tmp = Path(tempfile.mkdtemp(prefix="milex-bench-update-"))
    os.environ["MILEX_USER_DATA_DIR"] = str(tmp / "user")
    os.environ.pop("MILEX_DATA_DIR", None)
    start = time.perf_counter()
    files = {
        "nato": build_workbook(tmp / "def-exp-2026-en.xlsx", "2026"),
        "sipri": RAW / "sipri/SIPRI-Milex-data-1949-2024_2.xlsx",
        "imf": weo_saved(answers := weo_sdmx(RAW, tmp), tmp / "IMF.RES_WEO_9.0.0_2025-10-14.csv"),
        "worldbank": wdi_json(RAW, tmp / "wdi"),
    }
    print(f"prepare local publisher files: {time.perf_counter() - start:6.2f} s (not counted)")
    out = tmp / "snapshot"
    runner = CliRunner()
    total = 0.0
    for source, path in files.items():
        start = time.perf_counter()
        args = ["data", "update", "--source", source, "--from", str(path), "--output", str(out)]
        result = runner.invoke(app, args)
        took = time.perf_counter() - start
        total += took
        if result.exit_code != 0:
            sys.exit(f"update {source} failed: {result.output}")
        print(f"update --source {source:<9} {took:6.2f} s")
    os.environ["MILEX_DATA_DIR"] = str(out)
    start = time.perf_counter()
    result = runner.invoke(app, ["data", "diff", "--format", "csv"])
    took = time.perf_counter() - start
    total += took
    if result.exit_code != 0:
        sys.exit(f"milex data diff failed: {result.output}")
    print(f"milex data diff            {took:6.2f} s ({len(result.output.splitlines())} lines)")
    rows = json.loads((out / "datapackage.json").read_text())["resources"][0]["rows"]
    print(f"total                      {total:6.2f} s (goal <= 15 s; {rows} observations)")
    base, httpd = serve_weo_api(answers, tmp / "api")
    start = time.perf_counter()
    args = ["data", "update", "--source", "imf", "--page", f"imf={base}", "--output", str(out)]
    result = runner.invoke(app, args)
    if result.exit_code != 0:
        sys.exit(f"update --source imf through the SDMX API failed: {result.output}")
    took = time.perf_counter() - start
    print(f"update --source imf via the SDMX API (local server, not counted) {took:6.2f} s")
    httpd.shutdown()  # type: ignore[attr-defined]
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average, 2 cores shared)")


if __name__ == "__main__":
    main()

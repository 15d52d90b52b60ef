"""Benchmark: a full `milex data update` from local files (all four publishers), then `milex data diff`.

Goal: <= 15 s for the whole (issue 11). The publisher files are built in a temporary folder from
the raw files in shared/data/raw, in the layouts the update reads: NATO's 2026 tables (the tests'
builder), SIPRI's own workbook, the IMF's tab-delimited WEO file and the World Bank API's JSON.
Each step runs the CLI in-process through `--from`; prints seconds per step and the total.

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


def weo_tsv(raw: Path, dest: Path) -> Path:
    """The derived wide WEO CSV re-written in the IMF's tab-delimited bulk layout (UTF-16)."""
    with (raw / "imf/weo_oct2025_selected_wide.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    years = [k for k in rows[0] if k.isdigit()]
    scale = {"9": "Billions", "6": "Millions", "0": "Units", "": "Units"}
    head = ["WEO Country Code", "ISO", "WEO Subject Code", "Country", "Subject Descriptor",
            "Subject Notes", "Units", "Scale", "Country/Series-specific Notes", *years,
            "Estimates Start After"]  # fmt: skip
    from milex.sources.imf import AGGREGATE

    lines = ["\t".join(head)]
    for r in rows:
        if AGGREGATE.match(r["ref_area"]):  # groups are in the IMF's separate "alla" file
            continue
        notes = f"Base year: {r['base_year']}" if r["base_year"] else ""
        last = r["lastactualdate"][-4:] if r["lastactualdate"] else ""
        values = [r[y] or "n/a" for y in years]
        lines.append("\t".join([
            "0", r["ref_area"], r["concept"], r["area_name"], r["description"], "", r["unit"],
            scale.get(r["scale"], "Units"), notes, *values, last,
        ]))  # fmt: skip
    lines += ["", "International Monetary Fund, World Economic Outlook Database, October 2025"]
    dest.write_bytes(("\n".join(lines) + "\n").encode("utf-16"))
    return dest


def wdi_json(raw: Path, folder: Path) -> Path:
    """The four World Bank CSVs as the WDI API's joined [metadata, records] JSON."""
    from milex.sources import worldbank as wb

    folder.mkdir(parents=True, exist_ok=True)
    for ind in wb.INDICATORS:
        code = wb.indicator_code(ind)
        _, code_col, year_col, value_col = ind.columns
        by_iso2 = {}
        if ind.code_is_iso2:
            from milex.registry import default_registry

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
        "imf": weo_tsv(RAW, tmp / "WEOOct2025all.xls"),
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
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute load average, 2 cores shared)")


if __name__ == "__main__":
    main()

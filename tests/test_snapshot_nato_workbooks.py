"""`milex data build --raw DIR` with NATO workbooks in DIR/nato/ (issue 29): a 2025 edition with
Germany's 2025e blank builds (Germany 2025 missing, a warning naming it); a workbook that would
corrupt a number stops a --strict build naming sheet and cell and leaves the previous snapshot
byte-identical; without --strict it is skipped with a warning and the readable editions build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex.cli import app

from .nato_layouts import build_workbook, edited, figures
from .nato_variants import STRICT, Case

runner = CliRunner()
EDITION_2025 = "2014-2025 (2025-08-28)"
GERMANY_BLANK = {key: None for key in figures("2025") if key[:2] == ("DEU", 2025)}


def build(raw: Path, out: Path, *options: str):
    return runner.invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out), *options])


def snapshot_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def bad_workbook(case: Case, raw: Path) -> Path:
    path = build_workbook(raw / "nato" / "def-exp-2026-en.xlsx", case.layout, **case.build)
    return edited(path, case.edit) if case.edit else path


@pytest.fixture(scope="module")
def raw(raw_dir, tmp_path_factory):
    """The shared raw files (linked) plus the 2025 workbook with Germany's 2025e blank."""
    raw = tmp_path_factory.mktemp("raw")
    for source in raw_dir.rglob("*"):
        if source.is_file():
            target = raw / source.relative_to(raw_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    build_workbook(raw / "nato" / "def-exp-2025-en.xlsx", "2025", overrides=GERMANY_BLANK)
    return raw


@pytest.fixture(scope="module")
def previous(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("previous")
    result = build(raw, out)
    assert result.exit_code == 0, result.output + result.stderr
    return out, result


def test_a_2025_workbook_with_germany_2025e_blank_builds_with_germany_missing(previous):
    out, result = previous
    assert "warning: def-exp-2025-en.xlsx: Germany (DEU) has no figure" in result.stderr
    assert "milex_pct_gdp 2025 (Table 3!M16)" in result.stderr
    ds = milex.load(out)
    germany = ds.series("milex_pct_gdp", "DEU", "nato", 2025, edition=EDITION_2025)
    assert germany.empty
    france = ds.series("milex_pct_gdp", "FRA", "nato", 2025, edition=EDITION_2025)
    assert france["value"].tolist() == [figures("2025")[("FRA", 2025, "milex_pct_gdp")]]
    assert france["flags"].tolist() == ["estimate"]  # the workbook's, not a restatement's
    assert ds.series("milex_pct_gdp", "DEU", "nato", 2024, edition=EDITION_2025)["value"].size == 1


@pytest.mark.parametrize("case", STRICT, ids=[c.id for c in STRICT])
def test_a_strict_build_fails_naming_the_cell_and_leaves_the_snapshot_byte_identical(
    case, raw, previous
):
    out, _ = previous
    before = snapshot_bytes(out)
    path = bad_workbook(case, raw)
    try:
        result = build(raw, out, "--strict")
    finally:
        path.unlink()
    assert result.exit_code == 1, result.output
    assert "def-exp-2026-en.xlsx" in result.stderr and "Traceback" not in result.stderr
    assert re.search(case.error, result.stderr), result.stderr
    assert snapshot_bytes(out) == before


def test_without_strict_an_unreadable_workbook_is_skipped_with_a_warning(raw, tmp_path):
    case = next(c for c in STRICT if c.id == "text in a number cell")
    path = bad_workbook(case, raw)
    try:
        result = build(raw, tmp_path / "out")
    finally:
        path.unlink()
    assert result.exit_code == 0, result.stderr
    assert "warning: nato/def-exp-2026-en.xlsx skipped, it cannot be read" in result.stderr
    assert "[Table 3!N27]: expected a number, found 'n/a'" in result.stderr
    editions = set(milex.load(tmp_path / "out").editions("nato"))
    assert EDITION_2025 in editions and "2014-2024 (2024-06-17)" in editions
    assert not any(e.startswith("2014-2026 (2026-07-10)") for e in editions)

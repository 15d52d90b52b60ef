"""`milex data build --raw DIR` with NATO workbooks in DIR/nato/, and `milex data update --from
FILE` (issue 29): a 2025 edition with Germany's 2025e blank builds (Germany 2025 missing, a warning
naming it); a workbook that would corrupt a number stops a --strict build, or an update, naming
sheet and cell and leaves the previous snapshot byte-identical; without --strict a build skips it
with a warning and the readable editions build."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import milex
from milex.cli import app
from milex.data.sources.nato import NatoWarning

from .nato_layouts import build_workbook, edited, figures
from .nato_variants import STRICT, Case

runner = CliRunner()
EDITION_2025 = "2014-2025 (2025-08-28)"
GERMANY_BLANK = {key: None for key in figures("2025") if key[:2] == ("DEU", 2025)}


def build(raw: Path, out: Path, *options: str):
    return runner.invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out), *options])


def snapshot_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def bad_workbook(case: Case, folder: Path) -> Path:
    path = build_workbook(folder / "nato" / "def-exp-2026-en.xlsx", case.layout, **case.build)
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


# --- the same file through `milex data update --from FILE` ------------------------------------
@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    """A user snapshot updated from the 2025 workbook with Germany's 2025e blank."""
    tmp = tmp_path_factory.mktemp("update")
    path = build_workbook(tmp / "def-exp-2025-en.xlsx", "2025", overrides=GERMANY_BLANK)
    out = tmp / "user"
    with pytest.warns(NatoWarning, match=r"Germany \(DEU\) has no figure"):
        result = runner.invoke(app, ["data", "update", "--from", str(path), "--output", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out


def test_an_update_from_the_2025_workbook_keeps_germany_2025_missing(updated):
    ds = milex.load(updated)
    assert ds.series("milex_pct_gdp", "DEU", "nato", 2025, edition=EDITION_2025).empty
    assert ds.series("milex_pct_gdp", "FRA", "nato", 2025, edition=EDITION_2025).size


@pytest.mark.parametrize("case", STRICT, ids=[c.id for c in STRICT])
def test_an_update_from_a_corrupting_workbook_fails_naming_the_cell_and_changes_nothing(
    case, updated, tmp_path
):
    before = snapshot_bytes(updated)
    path = bad_workbook(case, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NatoWarning)
        result = runner.invoke(
            app, ["data", "update", "--from", str(path), "--output", str(updated)]
        )
    assert result.exit_code == 1, result.output
    assert re.search(case.error, result.stderr), result.stderr
    assert snapshot_bytes(updated) == before

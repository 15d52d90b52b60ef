"""Benign changes to a publisher file build the same observations (issue 33, corruption suite):
a byte-order mark, CRLF line endings, a re-zipped workbook, a country renamed to an alias the
registry knows. The readers are tolerant of form; only the numbers matter.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from milex.cli import app
from milex.data.sources import imf, sipri, worldbank

BOM = b"\xef\xbb\xbf"
POPULATION = next(i for i in worldbank.INDICATORS if i.measure == "population")


def with_bom(data: bytes) -> bytes:
    return BOM + data


def with_crlf(data: bytes) -> bytes:
    """Line endings flipped: CRLF where the file has LF, LF where it has CRLF (some WDI files)."""
    if b"\r\n" in data:
        return data.replace(b"\r\n", b"\n")
    return data.replace(b"\n", b"\r\n")


def renamed(data: bytes) -> bytes:
    """SIPRI's names replaced by aliases the registry knows."""
    text = data.decode("utf-8")
    for old, new in (("United States of America,", "United States,"), ("Türkiye,", "Turkey,")):
        assert old in text
        text = text.replace(old, new)
    return text.encode("utf-8")


def rezipped(src: Path, dst: Path) -> None:
    """The same members, in reverse order, at a different compression level."""
    with zipfile.ZipFile(src) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for name, data in reversed(members):
            zout.writestr(name, data)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def _copy(src: Path, dst: Path, change: Callable[[bytes], bytes]) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    new = change(src.read_bytes())
    assert new != src.read_bytes()
    dst.write_bytes(new)
    return dst


@pytest.mark.parametrize(
    "change", [with_bom, with_crlf, renamed, lambda d: with_bom(with_crlf(renamed(d)))]
)
def test_the_sipri_restatement_reads_the_same(raw_dir, tmp_path, registry, change):
    src = raw_dir / sipri.SECONDARY.path
    expected = sipri.parse_secondary(src, registry)
    got = sipri.parse_secondary(_copy(src, tmp_path / src.name, change), registry)
    same(got, expected)


@pytest.mark.parametrize("change", [with_bom, with_crlf])
def test_a_world_bank_file_reads_the_same(raw_dir, tmp_path, registry, change):
    expected = worldbank.parse(raw_dir, POPULATION, registry)
    copy = tmp_path / "raw"
    _copy(raw_dir / POPULATION.resource.path, copy / POPULATION.resource.path, change)
    same(worldbank.parse(copy, POPULATION, registry), expected)


def test_the_imf_file_with_bom_and_crlf_reads_the_same(raw_dir, tmp_path, registry):
    src = raw_dir / imf.RESOURCE.path
    expected = imf.parse(src, registry)
    got = imf.parse(_copy(src, tmp_path / src.name, lambda d: with_bom(with_crlf(d))), registry)
    same(got, expected)


def test_a_rezipped_sipri_workbook_reads_the_same(raw_dir, tmp_path, registry):
    src = raw_dir / sipri.RESOURCE.path
    copy = tmp_path / src.name
    rezipped(src, copy)
    assert copy.read_bytes() != src.read_bytes()
    same(sipri.parse_workbook(copy, registry), sipri.parse_workbook(src, registry))


def _observations(out: Path) -> str:
    (parquet,) = out.glob("observations-*.parquet")
    return parquet.name  # content-addressed: the name is the sha of the bytes


def test_all_benign_changes_at_once_build_the_same_snapshot(raw_dir, tmp_path):
    pristine, changed = tmp_path / "pristine", tmp_path / "changed"
    shutil.copytree(raw_dir, changed)
    for path in changed.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    secondary = changed / sipri.SECONDARY.path
    secondary.write_bytes(with_bom(with_crlf(renamed(secondary.read_bytes()))))
    for indicator in worldbank.INDICATORS:
        target = changed / indicator.resource.path
        target.write_bytes(with_crlf(with_bom(target.read_bytes())))
    target = changed / imf.RESOURCE.path
    target.write_bytes(with_bom(with_crlf(target.read_bytes())))
    rezipped(raw_dir / sipri.RESOURCE.path, changed / sipri.RESOURCE.path)

    outs = []
    for raw in (raw_dir, changed):
        out = (pristine if raw == raw_dir else tmp_path / "changed-out") / "snapshot"
        result = CliRunner().invoke(app, ["data", "build", "--raw", str(raw), "--output", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(_observations(out))
    assert outs[0] == outs[1]

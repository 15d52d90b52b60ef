"""The bundled snapshot: reproducible byte for byte, verified at load (SIPRI's 3,500-figure limit:
tests/test_snapshot_limits.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import milex
from milex.data import snapshot
from milex.errors import MilexError, SnapshotError, SourceError

SHIPPED = snapshot.package_dir()


def snapshot_files(directory: Path) -> list[str]:
    """The descriptor and the files it names (content-addressed observations and countries)."""
    package = json.loads((directory / snapshot.DATAPACKAGE).read_text())
    return [snapshot.DATAPACKAGE, *(r["path"] for r in package["resources"])]


@pytest.fixture(scope="module")
def rebuilt(raw_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rebuilt")
    snapshot.build(raw_dir, out)
    return out


def test_rebuilding_from_raw_reproduces_the_committed_snapshot_byte_for_byte(rebuilt):
    assert snapshot_files(rebuilt) == snapshot_files(SHIPPED)
    for name in snapshot_files(SHIPPED):
        assert (rebuilt / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_the_installed_package_ships_every_snapshot_file():
    import tomllib
    from fnmatch import fnmatch

    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["milex"]
    for name in snapshot_files(SHIPPED):
        assert any(fnmatch(f"data/bundled/{name}", g) for g in globs), name
    assert not (SHIPPED / snapshot.PREVIOUS).exists()


def test_datapackage_records_provenance_for_every_raw_file(raw_dir):
    package = json.loads((SHIPPED / snapshot.DATAPACKAGE).read_text())
    for src in package["sources"]:
        for field in ("publisher", "url", "edition", "licence", "retrieved", "sha256", "citation"):
            assert src[field], f"{src['name']} lacks {field}"
        assert src["sha256"] == snapshot.sha256_file(raw_dir / src["path"])
    assert {r["name"] for r in package["resources"]} == {"observations", "countries"}


def test_nato_and_sipri_series_are_never_merged(dataset):
    both = dataset.series("milex_pct_gdp", "POL", years=2024, include_secondary=False)
    assert sorted(both["source"]) == ["nato", "sipri"]
    assert both["value"].nunique() == 2


def copy_snapshot(tmp_path: Path) -> Path:
    for name in (*snapshot_files(SHIPPED), "memberships.csv"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def test_a_damaged_snapshot_is_a_clear_error(tmp_path):
    folder = copy_snapshot(tmp_path)
    observations = folder / snapshot_files(folder)[1]
    data = bytearray(observations.read_bytes())
    data[len(data) // 2] ^= 0xFF
    observations.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="snapshot damaged: sha256"):
        milex.load(str(folder))


def test_a_missing_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(SnapshotError, match="no snapshot"):
        milex.load(str(tmp_path))


def test_a_failed_build_writes_nothing(raw_dir, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw, ignore=shutil.ignore_patterns("*.rda", "*.json"))
    shutil.copy(raw_dir / "geo/restcountries-countriesV3.1.json", raw / "geo")
    (raw / "imf/weo_oct2025_selected_wide.csv").write_text("ref_area,area_name\n")
    out = copy_snapshot(tmp_path / "out") if (tmp_path / "out").mkdir() is None else None
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(SourceError, match="weo_oct2025_selected_wide.csv"):
        snapshot.build(raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_build_from_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(MilexError, match="raw data directory not found"):
        snapshot.build(tmp_path / "nowhere", tmp_path)


def test_the_bundled_rows_lie_in_query_order_so_loading_needs_no_sort():
    import pyarrow.parquet as pq

    from milex.data.schema import STORAGE_ORDER

    path, _ = snapshot.read_package(SHIPPED)
    stored = pq.read_table(path).to_pandas()[list(STORAGE_ORDER)]
    ordered = stored.sort_values(list(STORAGE_ORDER), kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, ordered)

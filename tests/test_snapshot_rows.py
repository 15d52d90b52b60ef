"""A snapshot verifies its rows, not only its file hash (issue 33, item 8): the build records a
content checksum; every load checks key uniqueness, the row count and that checksum, so a damaged
file whose sha256 was forged to match, or one with duplicated rows, fails naming the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import milex
from milex.data import _rowcheck as rowcheck
from milex.data import snapshot
from milex.data.sources._common import sha256_file
from milex.errors import SnapshotError

SHIPPED = snapshot.package_dir()


def copy_bundled(folder: Path) -> Path:
    """The bundled snapshot copied into ``folder``; returns its observations file."""
    package = json.loads((SHIPPED / snapshot.DATAPACKAGE).read_text("utf-8"))
    for name in (snapshot.DATAPACKAGE, *(r["path"] for r in package["resources"])):
        shutil.copy(SHIPPED / name, folder / name)
    return folder / package["resources"][0]["path"]


def descriptor(folder: Path) -> dict:
    return json.loads((folder / snapshot.DATAPACKAGE).read_text("utf-8"))


def forge(folder: Path, **fields: object) -> None:
    """Rewrite the descriptor so the observations' sha256 (and ``fields``) match the file."""
    package = descriptor(folder)
    entry = package["resources"][0]
    entry["sha256"] = sha256_file(folder / entry["path"])
    for key, value in fields.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    (folder / snapshot.DATAPACKAGE).write_text(json.dumps(package, indent=2), "utf-8")


def rewrite(path: Path, obs: pd.DataFrame) -> None:
    snapshot.write_parquet(obs, path)


def test_the_bundled_snapshot_records_a_checksum_that_its_rows_reproduce():
    entry = descriptor(SHIPPED)["resources"][0]
    recorded = entry[rowcheck.FIELD]
    assert set(recorded) == {"hash_sum", "hash_probe", "md5_sum", "columns"}
    assert rowcheck.record(SHIPPED / entry["path"]) == recorded
    assert milex.load().package["resources"][0]["rows"] == entry["rows"]


def test_a_flipped_byte_with_a_forged_sha256_fails_naming_the_file(tmp_path):
    path = copy_bundled(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    forge(tmp_path)
    with pytest.raises(SnapshotError, match="snapshot damaged") as failed:
        milex.load(str(tmp_path))
    assert str(path) in str(failed.value)


def test_no_flipped_byte_anywhere_loads_different_rows_silently(tmp_path):
    path = copy_bundled(tmp_path)
    original = pd.read_parquet(path)
    clean = path.read_bytes()
    size = len(clean)
    for k in range(1, 12):  # through the data pages and into the footer
        position = size * k // 12
        data = bytearray(clean)
        data[position] ^= 0x04
        path.write_bytes(bytes(data))
        forge(tmp_path)
        try:
            loaded = milex.load(str(tmp_path)).observations()
        except SnapshotError as exc:
            assert str(path) in str(exc), (position, exc)
            continue
        pd.testing.assert_frame_equal(  # it loaded: then the rows must be the very same
            loaded.reset_index(drop=True),
            original.sort_values(list(loaded.columns[:5])).reset_index(drop=True)[
                list(loaded.columns)
            ],
            check_dtype=False,
        )


def test_a_changed_figure_with_a_forged_sha256_fails_the_content_checksum(tmp_path):
    path = copy_bundled(tmp_path)
    obs = pd.read_parquet(path)
    hit = obs.index[(obs["iso3"] == "POL") & (obs["measure"] == "milex_pct_gdp")][0]
    obs.loc[hit, "value"] = obs.loc[hit, "value"] + 0.01
    rewrite(path, obs)
    forge(tmp_path)
    with pytest.raises(SnapshotError, match="do not match the content checksum") as failed:
        milex.load(str(tmp_path))
    assert str(path) in str(failed.value)


@pytest.mark.parametrize("forge_rows", [False, True])
def test_a_thousand_duplicated_rows_fail_naming_the_file_and_a_key(tmp_path, forge_rows):
    path = copy_bundled(tmp_path)
    obs = pd.read_parquet(path)
    doubled = pd.concat([obs, obs.iloc[5000:6000]], ignore_index=True)
    rewrite(path, doubled)
    forge(tmp_path, rows=len(doubled) if forge_rows else None, **{rowcheck.FIELD: None})
    with pytest.raises(SnapshotError, match="has 1,000 duplicate row") as failed:
        milex.load(str(tmp_path))
    message = str(failed.value)
    assert str(path) in message and "e.g." in message and "(2 times)" in message


def test_a_snapshot_without_a_checksum_still_loads_and_still_counts_its_rows(tmp_path):
    path = copy_bundled(tmp_path)
    forge(tmp_path, **{rowcheck.FIELD: None})
    assert (
        len(milex.load(str(tmp_path)).observations())
        == descriptor(tmp_path)["resources"][0]["rows"]
    )
    obs = pd.read_parquet(path)
    rewrite(path, obs.iloc[:-10])  # ten rows gone, no duplicates, no checksum to compare
    forge(tmp_path, **{rowcheck.FIELD: None})
    with pytest.raises(SnapshotError, match=r"holds 187,445 rows, its descriptor records 187,455"):
        milex.load(str(tmp_path))


def test_a_duckdb_that_hashes_differently_verifies_by_md5(tmp_path, monkeypatch):
    path = copy_bundled(tmp_path)
    monkeypatch.setattr(rowcheck, "PROBE", "SELECT 'a DuckDB whose hash() changed'")
    assert len(milex.load(str(tmp_path)).observations()) > 0  # md5_sum matches
    obs = pd.read_parquet(path)
    obs.loc[0, "flags"] = "estimate" if obs.loc[0, "flags"] != "estimate" else ""
    rewrite(path, obs)
    forge(tmp_path)
    with pytest.raises(SnapshotError, match="md5_sum"):
        milex.load(str(tmp_path))


def test_the_cli_says_which_file_is_damaged_in_one_line(tmp_path):
    path = copy_bundled(tmp_path)
    obs = pd.read_parquet(path)
    rewrite(path, pd.concat([obs, obs.iloc[:1000]], ignore_index=True))
    forge(tmp_path)
    env = {**os.environ, "MILEX_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "milex", "tracker"], capture_output=True, text=True, env=env
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert str(path.name) in done.stderr and "duplicate" in done.stderr, done.stderr

"""A snapshot commit is durable and has one writer at a time: every file reaches the disk before
it is renamed into place, the directory after each rename, and a second commit waits for the
directory's lock (see milex.data.atomic; scripts/mutate.py drops each of these)."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from milex.data import snapshot

PACKAGE = Path(snapshot.package_dir())


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, bytes, list[dict]]:
    """NATO's figures from the bundled snapshot (5,464 rows), its registry and NATO's sources."""
    package = json.loads((PACKAGE / snapshot.DATAPACKAGE).read_text())
    obs = pd.read_parquet(snapshot.read_package(PACKAGE)[0])
    countries = next(r for r in package["resources"] if r["name"] == "countries")
    sources = [s for s in package["sources"] if s["source"] == "nato"]
    return obs[obs["source"] == "nato"], (PACKAGE / countries["path"]).read_bytes(), sources


def _name(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name descriptors")
def test_every_file_is_fsynced_before_its_rename_and_the_directory_after(
    small, tmp_path, monkeypatch
):
    events: list[tuple[str, str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(("fsync", kind, _name(fd)))
        real_fsync(fd)

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append(("replace", str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    obs, countries, sources = small
    snapshot.write_snapshot(tmp_path, obs, countries, sources)
    monkeypatch.undo()

    renames = [(i, src, dst) for i, (what, src, dst) in enumerate(events) if what == "replace"]
    names = [Path(dst).name for _, _, dst in renames]
    assert names[-1] == "datapackage.json" and len(names) == 3, names
    for at, src, dst in renames:  # each file's bytes are on disk before its new name is
        assert ("fsync", "file", src) in events[:at], f"{dst} renamed before {src} was fsynced"
    directory = str(tmp_path)
    dir_syncs = [i for i, e in enumerate(events) if e == ("fsync", "dir", directory)]
    descriptor_at = renames[-1][0]
    last_data_at = renames[-2][0]
    assert any(last_data_at < i < descriptor_at for i in dir_syncs), (
        "the data files' renames must be durable before the descriptor names them"
    )
    assert any(i > descriptor_at for i in dir_syncs), "the commit point's rename is not fsynced"


def test_a_commit_waits_for_the_lock_another_commit_holds_on_the_directory(
    small, tmp_path, monkeypatch
):
    import fcntl

    obs, countries, sources = small
    holder = os.open(tmp_path, os.O_RDONLY)  # another writer: its own open file, its own lock
    fcntl.flock(holder, fcntl.LOCK_EX)
    asking, committing, finished = threading.Event(), threading.Event(), threading.Event()
    real_flock, real_commit = fcntl.flock, snapshot._commit

    def flock(fd: int, operation: int) -> None:
        asking.set()
        real_flock(fd, operation)

    def commit(*args, **kwargs):
        committing.set()
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(snapshot, "_commit", commit)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            snapshot.write_snapshot(tmp_path, obs, countries, sources)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            finished.set()

    worker = threading.Thread(target=write)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not (asking.is_set() or committing.is_set() or finished.is_set()):
            assert time.monotonic() < deadline, "the commit neither locked nor wrote in 30 s"
            time.sleep(0.01)
        assert asking.is_set(), "the commit wrote without asking for the directory's lock"
        assert not committing.wait(0.5), "the commit wrote while another held the lock"
        assert not (tmp_path / snapshot.DATAPACKAGE).exists()
    finally:
        os.close(holder)  # closing releases the other writer's lock
        worker.join(60)
    assert finished.is_set() and not errors, errors
    assert committing.is_set() and (tmp_path / snapshot.DATAPACKAGE).is_file()

"""The suite's own guards (tests/conftest.py): the package cannot be written, every test has a
speed marker, and threads a test leaves running are joined before the interpreter exits."""

from __future__ import annotations

import os
import threading

import pytest

from .conftest import PACKAGE, PackageWriteError, _background, _Guard


@pytest.mark.parametrize(
    "write",
    [
        lambda p, tmp: p.write_text("x"),
        lambda p, tmp: p.open("ab").close(),
        lambda p, tmp: os.close(os.open(p, os.O_WRONLY | os.O_CREAT)),
        lambda p, tmp: os.mkdir(p),
        lambda p, tmp: os.replace(tmp, p),
        lambda p, tmp: os.remove(p),  # refused before it could find nothing to remove
        lambda p, tmp: _in_directory(p, lambda name, fd: os.mkdir(name, dir_fd=fd)),
    ],
    ids=["write_text", "append", "os.open", "mkdir", "replace", "remove", "mkdir-dir_fd"],
)
def test_a_write_into_the_package_is_refused_where_it_happens(write, tmp_path):
    probe = PACKAGE / "data" / "bundled" / "guard-probe.tmp"
    (tmp_path / "new.csv").write_text("x")
    try:
        with pytest.raises(PackageWriteError, match="may not write into the package"):
            write(probe, tmp_path / "new.csv")
    finally:  # were the guard broken, leave the package as it was
        if probe.is_dir():
            probe.rmdir()
        elif probe.exists():
            probe.unlink()
    assert (PACKAGE / "data" / "bundled" / "memberships.csv").is_file()


def _in_directory(path, act):
    """``act(name, dir_fd)``: a name inside an open directory, as shutil.rmtree works."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        act(path.name, fd)
    finally:
        os.close(fd)


def test_removing_a_copy_of_the_package_elsewhere_is_allowed(tmp_path):
    """shutil.rmtree removes names relative to an open directory: ``examples`` in a copy under
    tmp_path is not the checkout's ``examples`` link into the package (scripts/mutate.py copies
    src/ and removes the copy)."""
    import shutil

    copy = tmp_path / "src" / "milex"
    shutil.copytree(PACKAGE / "examples", copy / "examples")
    shutil.rmtree(tmp_path / "src")
    assert not (tmp_path / "src").exists()


def test_reading_the_package_and_writing_its_caches_are_allowed(tmp_path):
    assert (PACKAGE / "data" / "bundled" / "memberships.csv").read_bytes()
    (tmp_path / "elsewhere.txt").write_text("x")
    cache = PACKAGE / "__pycache__"
    if cache.is_dir():  # the interpreter's and numba's caches live there
        (cache / "guard-probe.tmp").write_text("x")
        (cache / "guard-probe.tmp").unlink()


def test_a_change_made_behind_the_hook_is_found_and_named(tmp_path):
    package = tmp_path / "milex"
    (package / "data").mkdir(parents=True)
    (package / "data" / "a.csv").write_text("1")
    (package / "module.py").write_text("")
    guard = _Guard(package)
    guard.baseline, guard.hashes = guard.state(), guard.digests()
    assert guard.check() == []
    (package / "module.py").write_text("edited")  # sources are a developer's to edit
    assert guard.check() == []
    (package / "data" / "a.csv").write_text("22")
    (package / "data" / "b.csv").write_text("")
    (package / "new").mkdir()
    assert guard.check() == ["added data/b.csv", "added new/", "changed data/a.csv"]
    assert guard.check() == []  # each change is reported once, after the test that made it
    guard = _Guard(package)
    guard.baseline, guard.hashes = guard.state(), guard.digests()
    stat = os.stat(package / "data" / "a.csv")
    (package / "data" / "a.csv").write_text("33")  # same size, and the time put back
    os.utime(package / "data" / "a.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert guard.check() == []
    guard.finish()  # the session's end compares contents
    assert guard.changed == ["changed data/a.csv (its size and time kept)"]


def test_every_test_has_exactly_one_speed_marker(request):
    kinds = {"fast", "slow", "browser"}
    for item in request.session.items:
        assert len(kinds & {m.name for m in item.iter_markers()}) == 1, item.nodeid


def test_threads_doing_a_tests_work_are_joined_at_the_end_and_idle_ones_are_not():
    class Server:  # what uvicorn's looks like to the check
        def run(self) -> None: ...

    Server.__module__ = "uvicorn.server"
    server = threading.Thread(target=Server().run)
    engine = threading.Thread(target=lambda: None, name="milex-engine")
    idle = threading.Thread(target=lambda: None, name="AnyIO worker thread")
    assert _background(server) and _background(engine) and not _background(idle)

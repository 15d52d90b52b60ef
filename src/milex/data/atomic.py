"""Crash-safe file operations for snapshot commits: content-addressed files, fsync, one commit point.

A snapshot directory holds content-addressed data files (``observations-<sha12>.parquet``,
``countries-<sha12>.csv``) and ``datapackage.json``, which names them. A commit writes and fsyncs
the data files first (new names, so nothing the current descriptor points at changes), then writes
the descriptor to a temporary file, fsyncs it and renames it over ``datapackage.json``: that rename
is the single commit point. A process killed at any moment leaves either the old or the new
snapshot, plus at most some unreferenced files that the next commit sweeps away.

Fault injection for tests: when ``$MILEX_COMMIT_FAULT`` names a stage in ``STAGES``, the process
kills itself with SIGKILL at that point of the commit (``fault_point``), as ``kill -9`` would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from milex.data.sources._common import sha256_file
from milex.errors import MilexError

FAULT_ENV = "MILEX_COMMIT_FAULT"
#: Points of a commit where a test may kill the process (in commit order).
STAGES = ("data-temp", "data-written", "previous-saved", "descriptor-temp", "committed")
_TEMP = re.compile(r"^\.(observations|countries|datapackage)[.-].*\.tmp$")
_ADDRESSED = re.compile(r"^(observations|countries)-[0-9a-f]{12}\.(parquet|csv)$")


def fault_point(stage: str) -> None:
    """Kill this process with SIGKILL if $MILEX_COMMIT_FAULT names this stage (tests only)."""
    if os.environ.get(FAULT_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(directory: Path) -> None:
    """Make renames in directory durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory, so two commits into it never interleave."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_temp(directory: Path, stem: str, write: Callable[[Path], object]) -> Path:
    """A new temporary file in directory, written by ``write`` and fsynced; removed on failure."""
    fd, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_addressed(
    directory: Path, stem: str, suffix: str, write: Callable[[Path], object]
) -> Path:
    """Write a data file under its content address ``<stem>-<sha12><suffix>``; returns its path."""
    tmp = write_temp(directory, stem, write)
    try:
        fault_point("data-temp")
        final = directory / f"{stem}-{sha256_file(tmp)[:12]}{suffix}"
        os.replace(tmp, final)  # same name means same bytes: replacing an existing one is harmless
    finally:
        tmp.unlink(missing_ok=True)
    return final


def replace_file(path: Path, data: bytes, stage: str) -> None:
    """Atomically replace path with data: temp file, fsync, ``fault_point(stage)``, rename, fsync."""
    tmp = write_temp(path.parent, path.stem, lambda p: p.write_bytes(data))
    try:
        fault_point(stage)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def sweep(directory: Path, keep: Iterable[str] | None, legacy: Iterable[str] = ()) -> list[str]:
    """Remove temporary files, and data files no descriptor in ``keep`` names; returns the names.

    ``keep`` None means the descriptors could not be read: then only temporary files go. Files with
    pre-content-address names (``legacy``) are removed only when listed and not kept.
    """
    removed = []
    kept = None if keep is None else set(keep)
    for path in sorted(directory.iterdir()):
        name = path.name
        stale = bool(_TEMP.match(name)) or (
            kept is not None
            and name not in kept
            and (bool(_ADDRESSED.match(name)) or name in legacy)
        )
        if stale and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(name)
    if removed:
        fsync_dir(directory)
    return removed


def write_output(path: Path, write: Callable[[Path], object]) -> Path:
    """A user's output file (a chart, a table, a report), written whole or not at all: a
    temporary file beside it, written by ``write`` and fsynced, renamed into place. Every failure
    is one MilexError naming the file and why (disk full, read-only, missing directory)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise MilexError(f"output directory does not exist: {path.parent}")
    if path.is_dir():
        raise MilexError(f"cannot write {path}: it is a directory; give a file name")
    try:
        tmp = write_temp(path.parent, path.name, write)
    except OSError as exc:
        raise MilexError(f"cannot write {path}: {os_reason(exc)}") from None
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise MilexError(f"cannot write {path}: {os_reason(exc)}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def os_reason(exc: OSError) -> str:
    """Why a write failed, in words (disk full and read-only file systems named plainly)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)

"""Shared fixtures: where the raw publisher files are, and the bundled dataset.

And three things every test gets without asking (docs/testing.md says why):

- markers: ``browser`` (uses Playwright's ``browser`` fixture), ``slow`` (took over
  ``SLOW_SECONDS`` in the run recorded in tests/durations.json) and ``fast`` (the rest), given
  here, so a test file needs no decorators;
- a package guard: nothing a test runs may write into the installed package (``src/milex``,
  above all its bundled snapshot in ``data/``): a write from this process is refused where it
  happens, and a change made any other way (a subprocess, a native writer) fails the test after
  which it was found and the session;
- a clean exit: background threads the tests leave behind (a uvicorn server, an app's start-up
  work) are joined before the interpreter finalises: a thread still inside DuckDB's C++ then
  aborts the process ("FATAL: exception not rethrown", exit 134) after every test has passed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import milex
from milex.data.registry import default_registry

ROOT = Path(__file__).resolve().parents[1]
# The tests read the bundled snapshot, whatever the shell says: no $MILEX_DATA_DIR, and the user
# data directory (where `milex data update` writes) points at an empty temporary folder.
os.environ.pop("MILEX_DATA_DIR", None)
os.environ["MILEX_USER_DATA_DIR"] = tempfile.mkdtemp(prefix="milex-test-user-")


REQUIRE_RAW = "MILEX_REQUIRE_RAW"  # CI sets it: there a missing raw file fails, never skips


def find_raw_dir() -> Path | None:
    """$MILEX_RAW_DIR, else ../shared/data/raw beside the project; None when neither holds them."""
    candidates = [os.environ.get("MILEX_RAW_DIR"), ROOT.parent / "shared/data/raw"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "SOURCES.md").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The raw publisher files; tests that need them skip on a fresh clone and fail under CI."""
    found = find_raw_dir()
    if found is None:
        message = (
            "raw publisher files not found: set MILEX_RAW_DIR to a folder holding SOURCES.md and "
            "the publisher files (`milex data update --keep-raw DIR` saves them)"
        )
        if os.environ.get(REQUIRE_RAW) == "1":
            pytest.fail(f"{message} ({REQUIRE_RAW}=1)")
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def dataset() -> milex.data.store.Dataset:  # type: ignore[name-defined]
    return milex.load()


@pytest.fixture(scope="session")
def registry():
    return default_registry()


# --- markers ------------------------------------------------------------------------------------

#: Each test function's slowest time (setup, call and teardown, in seconds) in a full run on
#: the 2-core development machine, written by `python -m pytest --record-durations`.
DURATIONS = Path(__file__).with_name("durations.json")
#: Over this a test is slow. The durations are recorded on a quiet run of the 2-core machine (the
#: whole suite in 17 minutes); with this line the fast subset takes under 2 minutes there.
SLOW_SECONDS = 0.4
#: Fixtures that make a test a browser test.
BROWSER_FIXTURES = frozenset({"browser"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help="write each test function's slowest time to tests/durations.json (the slow marker)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _GUARD.start()


def _function(nodeid: str) -> str:
    """``tests/test_x.py::test_y[case]`` -> ``test_x.py::test_y``: every case of a function."""
    return nodeid.split("[", 1)[0].removeprefix("tests/")


def _recorded() -> dict[str, float]:
    import json

    return json.loads(DURATIONS.read_text("utf-8")) if DURATIONS.is_file() else {}


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    recorded = _recorded()
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        elif item.get_closest_marker("slow"):  # marked in its file: slow by design
            continue
        elif recorded.get(_function(item.nodeid), 0.0) > SLOW_SECONDS:
            item.add_marker(pytest.mark.slow)
        else:
            item.add_marker(pytest.mark.fast)


_SECONDS: dict[str, float] = {}  # each test's setup, call and teardown, this session
_FAST: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _SECONDS[report.nodeid] = _SECONDS.get(report.nodeid, 0.0) + report.duration
    if "fast" in report.keywords:
        _FAST.add(report.nodeid)


def _record_durations() -> None:
    import json

    slowest = _recorded()
    measured: dict[str, float] = {}
    for nodeid, seconds in _SECONDS.items():
        name = _function(nodeid)
        measured[name] = max(measured.get(name, 0.0), seconds)
    slowest.update({name: round(seconds, 2) for name, seconds in measured.items()})
    DURATIONS.write_text(json.dumps(dict(sorted(slowest.items())), indent=0) + "\n", "utf-8")


# --- the package guard --------------------------------------------------------------------------

PACKAGE = Path(milex.__file__).resolve().parent


class PackageWriteError(PermissionError):
    """A test tried to write into the installed package."""


def _guarded(path: object, dir_fd: object = None) -> bool:
    """Whether ``path`` is in the package, outside the interpreter's and numba's ``__pycache__``.

    A relative path given with ``dir_fd`` (shutil.rmtree removes names inside an open directory)
    is taken inside that directory, not the working directory: ``examples`` inside a copy of the
    package in /tmp is not the checkout's ``examples`` link into the package."""
    if isinstance(path, int):  # a file descriptor: its opening was checked
        return False
    try:
        text = os.fsdecode(os.fspath(path))  # type: ignore[arg-type]
    except TypeError:
        return False
    if isinstance(dir_fd, int) and not os.path.isabs(text):
        with contextlib.suppress(OSError):  # no /proc: judged against the working directory
            text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
    full = os.path.realpath(text)  # symbolic links and relative paths too
    inside = full == _GUARD.root or full.startswith(_GUARD.root + os.sep)
    return inside and "__pycache__" not in full.split(os.sep)


#: audit events and the positions of the paths they write
WRITE_EVENTS: dict[str, tuple[int, ...]] = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),  # os.rename and os.replace
    "os.link": (1,),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "shutil.rmtree": (0,),
}
#: where an event carries the directory (dir_fd) each written path is relative to, by position
DIR_FDS: dict[str, dict[int, int]] = {
    "os.remove": {0: 1},
    "os.rmdir": {0: 1},
    "os.mkdir": {0: 2},
    "os.rename": {0: 2, 1: 3},
    "os.link": {1: 3},
    "os.symlink": {1: 2},
    "os.chmod": {0: 2},
    "os.chown": {0: 3},
    "os.utime": {0: 3},
    "shutil.rmtree": {0: 1},
}


class _Guard:
    """Refuses this process's writes into the package (an audit hook sees every ``open``, rename,
    removal and new directory, whoever makes it), and compares the package's files after each
    test and at the end of the session, for writes the hook cannot see: subprocesses (the CLI
    tests) and native writers (Arrow, DuckDB). Python sources are left out of the comparison: a
    developer may edit them while the suite runs; data, templates and vendored files are not."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.active = False
        self.hooked = False
        self.baseline: dict[str, tuple[int, int]] = {}
        self.hashes: dict[str, str] = {}
        self.changed: list[str] = []

    def start(self) -> None:
        self.baseline = self.state()
        self.hashes = self.digests()
        if not self.hooked:
            sys.addaudithook(self.audit)  # for the life of the process: `active` turns it off
            self.hooked = True
        self.active = True

    def audit(self, event: str, args: tuple[object, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = args
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
                isinstance(flags, int) and flags & self.WRITE_FLAGS
            )
            paths: tuple[tuple[object, object], ...] = ((path, None),) if writes else ()
        elif event in WRITE_EVENTS:
            fds = DIR_FDS.get(event, {})
            paths = tuple(
                (args[i], args[fds[i]] if fds.get(i, len(args)) < len(args) else None)
                for i in WRITE_EVENTS[event]
                if i < len(args)
            )
        else:
            return
        for path, dir_fd in paths:
            if _guarded(path, dir_fd):
                raise PackageWriteError(
                    f"tests may not write into the package: {event} {path} (write into "
                    "tmp_path; tests/conftest.py guards src/milex)"
                )

    def files(self) -> Iterator[str]:
        for directory, subdirectories, names in os.walk(self.root):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
            for name in sorted(names):
                if not name.endswith((".py", ".pyc")):
                    yield os.path.join(directory, name)
            yield directory + os.sep

    def state(self) -> dict[str, tuple[int, int]]:
        """Every non-Python file and directory of the package: size and modification time."""
        found = {}
        for path in self.files():
            try:
                stat = os.stat(path)
            except FileNotFoundError:  # removed while walking: it is a change next time
                continue
            if path.endswith(os.sep):  # a directory: only that it is there
                found[os.path.relpath(path, self.root) + "/"] = (0, 0)
            else:
                found[os.path.relpath(path, self.root)] = (stat.st_size, stat.st_mtime_ns)
        return found

    def digests(self) -> dict[str, str]:
        """The sha256 of every non-Python file: a write that kept size and time is still seen."""
        found = {}
        for path in self.files():
            if not path.endswith(os.sep):
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
                found[os.path.relpath(path, self.root)] = digest
        return found

    @staticmethod
    def difference(before: dict[str, object], after: dict[str, object]) -> list[str]:
        return sorted(
            [f"added {p}" for p in after.keys() - before.keys()]
            + [f"removed {p}" for p in before.keys() - after.keys()]
            + [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
        )

    def check(self) -> list[str]:
        """What changed since the last check (and take the package as it is now)."""
        now = self.state()
        changes = self.difference(self.baseline, now)  # type: ignore[arg-type]
        self.baseline = now
        self.changed += changes
        return changes

    def finish(self) -> None:
        """The last check, and the contents against the session's start."""
        self.check()
        seen = {change.split(" ", 1)[1] for change in self.changed}
        self.changed += [
            f"{change} (its size and time kept)"
            for change in self.difference(self.hashes, self.digests())  # type: ignore[arg-type]
            if change.split(" ", 1)[1] not in seen
        ]


_GUARD = _Guard(PACKAGE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield
    changes = _GUARD.check()
    if changes:
        pytest.fail(
            f"the package {PACKAGE} changed during {item.nodeid} (tests must write into "
            f"tmp_path; restore it with `git checkout -- src/milex`): " + "; ".join(changes),
            pytrace=False,
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.getoption("record_durations"):
        _record_durations()
    _GUARD.finish()
    if _GUARD.changed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    _join_background_threads()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _GUARD.changed:
        terminalreporter.section("the package changed during the session", red=True)
        for change in sorted(set(_GUARD.changed)):
            terminalreporter.write_line(f"{PACKAGE}: {change}")
    over = {n: _SECONDS[n] for n in _FAST if _SECONDS.get(n, 0.0) > 3 * SLOW_SECONDS}
    if over:
        terminalreporter.section("fast tests over their budget")
        terminalreporter.write_line(
            f"took over {3 * SLOW_SECONDS:.0f} s (a busy machine slows any test: one that is "
            "always slow belongs in tests/durations.json, `--record-durations`):"
        )
        for nodeid, seconds in sorted(over.items(), key=lambda kv: -kv[1])[:20]:
            terminalreporter.write_line(f"  {seconds:6.1f} s  {nodeid}")


def pytest_unconfigure(config: pytest.Config) -> None:
    _GUARD.active = False


# --- a clean exit -------------------------------------------------------------------------------

#: How long the session waits, at its end, for a thread a test left running.
JOIN_TIMEOUT = 120.0


def _join_background_threads() -> None:
    """Stop and wait for the threads tests left running: a uvicorn server whose fixture stopped
    waiting for it, an app's start-up work (``milex-*`` threads). At interpreter exit Python
    3.11 ends a daemon thread with pthread_exit the moment it next takes the GIL; inside DuckDB's
    C++ that unwinding reaches a ``noexcept`` frame and the process aborts with "FATAL: exception
    not rethrown" (exit 134) after a green summary (docs/testing.md). Threads that wait for work
    (anyio's and ThreadPoolExecutor's idle workers, an event loop) are left alone: they are
    blocked, not in native code, and their owners end them."""
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not _background(thread):
            continue
        server = _uvicorn_server(thread)
        if server is not None:
            server.should_exit = True
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            sys.stderr.write(f"tests/conftest.py: thread {thread.name} still running at exit\n")


def _uvicorn_server(thread: threading.Thread) -> Any:
    """The uvicorn ``Server`` whose ``run`` the thread runs, else None."""
    owner = getattr(getattr(thread, "_target", None), "__self__", None)
    kind = type(owner)
    return owner if kind.__name__ == "Server" and kind.__module__.startswith("uvicorn") else None


def _background(thread: threading.Thread) -> bool:
    """A thread doing work a test started: a uvicorn server, or one of the app's own start-up
    threads, named ``milex-<what>`` (``milex-engine``, ``milex-predraw``)."""
    return _uvicorn_server(thread) is not None or thread.name.startswith("milex-")

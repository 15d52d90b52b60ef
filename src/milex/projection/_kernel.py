"""The engine's compiled path (numba): loading the kernels, and runs on them (``compiled_run``):
draws, levels and series of a block of paths in one pass, exact quantiles by selection.

The model and the draws are the NumPy path's (``numpy_engine``); what changes is where the time
goes. For each block of paths the kernel turns the chunk's normal draws into shocks, shocks into
levels, and runs the series ``program`` on values that stay in cache, writing only the cells
that are sorted. Quantiles come from a selection per row: a histogram of the row between its
minimum and maximum finds the bins that hold the wanted order statistics, and only those bins
are sorted. The result is the same order statistics a full sort gives. Runs too large to keep
(streamed) count into per-row histograms instead: the kernel writes each value's bin for the
whole chunk, then counts one row at a time, so that row's counts stay in cache.

Loading: numba compiles on first use and caches the machine code on disk (``cache=True``): the
compile (several seconds) is paid once per machine, and each new process still pays about a
second to import numba and load that code. ``load()`` does both for every routine together, by
running a tiny projection through each mode (exact and streamed, both generators), with every
array in the one layout the runs pass (C order, writable): a later run never stalls on a
routine or a signature compiled late. ``load_in_background()`` does it on a thread, once per
process. Which engine a run takes is ``engine.choose``'s decision, never this module's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from milex.projection._compiled_run import CompiledRun
from milex.projection._layout import Setup
from milex.projection._model import MEMORY_LIMIT, EngineInputs, EngineOutput, Shocks

Array = np.ndarray
#: The kernels' entry points (the routines they call compile with them): ``load`` runs each;
#: ``cached`` looks for numba's cache of each.
ROUTINES = ("sobol_normals", "_scramble", "run_chunk", "select_rows")


# -- loading -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _installed() -> bool:
    """Whether numba is installed, looked up without importing it (a third of a second a
    process need not pay when it runs on NumPy)."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # sys.modules["numba"] = None: blocked
        return False


class _Loader:
    """The process's compiled kernels: loaded once, by whichever caller asks first."""

    def __init__(self) -> None:
        self.module: Any = None
        self.error: str | None = None
        self.thread: threading.Thread | None = None
        self.loading = threading.Lock()  # held while loading
        self.starting = threading.Lock()


_LOADER = _Loader()


def available() -> bool:
    """Whether the compiled path may be used: numba is installed and has not failed to load."""
    return _installed() and _LOADER.error is None


def unavailable_reason() -> str:
    """Why ``available()`` is False, for the error asking for the compiled engine."""
    if not _installed():
        return "the compiled engine needs numba, which is not installed (pip install numba)"
    return _LOADER.error or "the compiled engine is available"


def ready() -> bool:
    """Whether the kernels are loaded in this process, every routine compiled."""
    return _LOADER.module is not None


def loading() -> bool:
    """Whether a load is under way: in the background, or by ``warm`` (the web server's)."""
    thread = _LOADER.thread
    return _LOADER.loading.locked() or (thread is not None and thread.is_alive())


def load(*, background: bool = False) -> Any:
    """The kernels module, every routine loaded (compiled into numba's cache on a machine's
    first run); waits for a background load under way. RuntimeError where it cannot load.

    ``background``: give up between steps once the main thread has ended, so that a process
    that made one run and exits waits at most for the step under way (importing numba)."""
    if _LOADER.module is not None:
        return _LOADER.module
    if not _installed():
        raise RuntimeError(unavailable_reason())
    with _LOADER.loading:
        if _LOADER.module is None and _LOADER.error is None:
            try:
                module = _import()
                _exercise(module, background)
            except _Exiting:
                return None
            except Exception as exc:  # numba installed but broken (say, built for another NumPy)
                _LOADER.error = f"the compiled engine failed to load: {exc}"
            else:
                _LOADER.module = module
    if _LOADER.module is None:
        raise RuntimeError(unavailable_reason())
    return _LOADER.module


class _Exiting(Exception):
    """The process is ending: a background load stops."""


def _check_exiting(background: bool) -> None:
    if background and not threading.main_thread().is_alive():
        raise _Exiting


def _import() -> Any:
    from milex.projection import _kernels

    return _kernels


def load_in_background() -> None:
    """Start loading the kernels on a thread (once per process; nothing where numba is missing).

    The thread is not a daemon: a process that ends while it loads waits for it, since ending
    a thread inside numba's compiler aborts the interpreter; it stops at its next step once the
    main thread has ended (``load``)."""
    with _LOADER.starting:
        if _LOADER.thread is not None or ready() or not available():
            return
        _LOADER.thread = threading.Thread(target=_load_quietly, name="milex-engine-load")
        _LOADER.thread.start()


#: A background load starts this long after it is asked for (unless a run waits for it): a
#: script that made its one run and ends meanwhile never imports numba.
GRACE_SECONDS = 0.3


def _load_quietly() -> None:
    main = threading.main_thread()
    main.join(GRACE_SECONDS)  # a run that wants the engine meanwhile loads it itself
    if not main.is_alive():
        return
    with contextlib.suppress(RuntimeError):  # recorded: available() is now False and says why
        load(background=True)


def warm(dataset: Any = None) -> bool:
    """Load the kernels now (the web server does, as it starts) and, given a ``dataset``, run
    the default scenario on it once (256 paths), so that a server's first projection finds its
    inputs prepared and its plan built. False where the kernels cannot load, with a warning."""
    try:
        load()
    except RuntimeError as exc:
        if _installed():
            import warnings

            warnings.warn(f"{exc}; projections use NumPy", stacklevel=2)
        return False
    if dataset is not None:
        from milex.projection._cache import prepare_cached
        from milex.projection.scenario import Scenario

        prepared = prepare_cached(Scenario(uncertainty={"paths": 256}), dataset)
        run(prepared.inputs, prepared.shocks, 1, MEMORY_LIMIT, None)
    return True


def cached() -> bool:
    """Whether numba's on-disk cache holds every routine, newer than the kernels' source: then
    loading costs about a second, not a compile."""
    source = Path(__file__).with_name("_kernels.py")
    folder = source.parent
    import hashlib

    sub = f"{folder.name}_{hashlib.sha1(str(folder).encode()).hexdigest()}"
    places = [folder / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        places = [Path(os.environ["NUMBA_CACHE_DIR"]) / sub]
    else:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        places.append(Path(home) / "numba" / sub)
    stamp = source.stat().st_mtime
    for place in places:
        fresh = {  # an index per routine and line: those of an older source stay behind
            p.name.split(".")[1].split("-")[0]
            for p in place.glob("_kernels.*.nbi")
            if p.stat().st_mtime >= stamp
        }
        if fresh.issuperset(ROUTINES):
            return True
    return False


def _exercise(k: Any, background: bool = False) -> None:
    """Run every routine in every mode once, on a tiny model: exact and streamed, PCG64 and
    Sobol' (its scramble and its draws), the central path's rows and the selection."""
    C, T1 = 3, 3
    share = np.array([[2.0, 3.0, 0.0], [2.5, 3.0, 0.0], [3.0, 3.5, 0.0]])
    real = np.zeros((T1, C))
    real[1:, 2] = [20.0, 21.0]
    part = _Part("core", share, real, np.array([2.0, 3.0, 2.0]))
    inputs = EngineInputs(
        years=np.arange(2024, 2024 + T1),
        gdp0=np.array([1000.0, 500.0, 800.0]),
        growth=np.full((T1 - 1, C), 0.02),
        inflation=np.full((T1 - 1, C), 0.02),
        fx=np.ones((T1, C)),
        fx_const=np.ones(C),
        parts=(part,),
        groups=(("ALL", np.arange(C)),),
    )
    for generator, memory_limit in (("pcg64", MEMORY_LIMIT), ("sobol", MEMORY_LIMIT), ("pcg64", 1)):
        _check_exiting(background)
        shocks = Shocks(0.01, 0.01, 0.5, 0.5, 200, 1, True, generator)
        CompiledRun(k, Setup(inputs, shocks, k.scramble), 1, memory_limit, None).execute()


@dataclass
class _Part:
    name: str
    share: Array
    real: Array
    base_share: Array


# -- the run -------------------------------------------------------------------------------------
def run(
    inputs: EngineInputs,
    shocks: Shocks,
    workers: int,
    memory_limit: int,
    progress: Any,
) -> EngineOutput:
    """The Monte Carlo on the compiled path: the NumPy path's ``EngineOutput``, engine "compiled"."""
    k = load()
    return CompiledRun(
        k, Setup(inputs, shocks, k.scramble), workers, memory_limit, progress
    ).execute()

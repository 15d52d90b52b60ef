"""The Monte Carlo engine's one interface: ``simulate(inputs, shocks, engine=...)``.

Two paths compute the same model (``model``) with the same draws and the same arithmetic in the
same order, so the same seed gives the same quantiles on either: NumPy (``numpy_engine``, always
there) and a compiled kernel (``kernel``, where numba is installed). The caller picks with
``engine``, an explicit argument, never a setting read from the process:

- ``"numpy"`` and ``"compiled"`` force a path (``"compiled"`` raises, saying why, where numba is
  missing or broken);
- ``"auto"`` (the default) suits a long-lived process (a notebook, the web server): the compiled
  path once it is loaded; before that, NumPy, and after the first run the kernels load on a
  background thread (every routine at once, so no later run stalls on a compile); a run that
  comes while they load from numba's cache waits for them (about as long as a NumPy run); a run
  large enough that loading them first is faster than NumPy loads them at once (``pays``);
- ``fastest_for_one_run(paths)`` is what a one-shot process (``milex project``) should ask for:
  the compiled path only where loading it pays for this run alone, and nothing in the background.

Without numba every choice but ``"compiled"`` runs NumPy. The output names the engine that ran
and the seed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from milex.projection import _kernel as kernel
from milex.projection._model import (
    ENGINES,
    MEASURES,
    MEMORY_LIMIT,
    QUANTILES,
    EngineInputs,
    EngineName,
    EngineOutput,
    Shocks,
)
from milex.projection._numpy_engine import NumpyEngine

__all__ = [
    "ENGINES",
    "MEASURES",
    "MEMORY_LIMIT",
    "QUANTILES",
    "EngineInputs",
    "EngineName",
    "EngineOutput",
    "Shocks",
    "choose",
    "fastest_for_one_run",
    "simulate",
]

#: Rough costs on the 2-core development machine, for ``pays``: seconds per path on each path,
#: and to load the kernels from numba's cache or to compile them into it.
NUMPY_PER_PATH = 45e-6
COMPILED_PER_PATH = 7e-6
LOAD_CACHED, LOAD_COMPILE = 1.0, 10.0
_WARNED: set[str] = set()


def simulate(
    inputs: EngineInputs,
    shocks: Shocks,
    *,
    engine: EngineName = "auto",
    workers: int | None = None,
    memory_limit: int = MEMORY_LIMIT,
    progress: Callable[[int, int], None] | None = None,
) -> EngineOutput:
    """Run the Monte Carlo on the engine ``engine`` names ("auto", "numpy" or "compiled"; see the
    module's docstring); ``progress(done, total)`` is called after each chunk; ``workers``
    threads share the paths (the numbers do not depend on it). ``.engine`` of the output names
    the path that ran, ``.seed`` the seed."""
    chosen = choose(engine, shocks.paths)
    workers = max(1, workers or min(4, os.cpu_count() or 1))
    if chosen == "compiled":
        return kernel.run(inputs, shocks, workers, memory_limit, progress)
    out = NumpyEngine(inputs, shocks).run(workers, memory_limit, progress)
    if engine == "auto":  # a long-lived process takes the kernels from its next run on
        kernel.load_in_background()
    return out


def choose(engine: str, paths: int) -> str:
    """The path a run of ``paths`` paths takes: "numpy" or "compiled" (loaded by then)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "numpy":
        return "numpy"
    if engine == "compiled":
        kernel.load()  # RuntimeError naming why it cannot
        return "compiled"
    if not kernel.available():
        _warn_once()
        return "numpy"
    if kernel.ready():
        return "compiled"
    # a load from numba's cache under way (a second or two) costs about what a NumPy run does,
    # and every later run gains: wait for it; a first compile takes longer: NumPy meanwhile
    if (kernel.loading() and kernel.cached()) or pays(paths):
        return _loaded_or_numpy()
    return "numpy"


def pays(paths: int) -> bool:
    """Whether loading the kernels now and running on them beats NumPy for one run of
    ``paths`` paths (from numba's on-disk cache about a second; a first compile about ten)."""
    load = LOAD_CACHED if kernel.cached() else LOAD_COMPILE
    return load + COMPILED_PER_PATH * paths < NUMPY_PER_PATH * paths


def fastest_for_one_run(paths: int) -> EngineName:
    """The engine for a process that makes one run and ends (``milex project``): "compiled"
    where it is loaded or loading it pays for this run (``pays``), else "numpy"; unlike "auto",
    nothing loads in the background (a process ending would wait for it)."""
    if not kernel.available():
        return "numpy"
    if kernel.ready():
        return "compiled"
    if not pays(paths):
        return "numpy"
    return _loaded_or_numpy()


def one_run_engine(scenario: Any = None) -> EngineName:
    """``fastest_for_one_run`` for a scenario as the CLI takes it (a TOML path, a mapping, a
    ``Scenario``, or None for the default): what `milex chart` and `milex report` run."""
    from milex.projection.scenario import Scenario

    return fastest_for_one_run(Scenario.coerce(scenario).uncertainty.paths)


def _loaded_or_numpy() -> EngineName:
    """Load the compiled kernels now: "compiled", or "numpy" (warned once) if they cannot load."""
    try:
        kernel.load()
    except RuntimeError:
        _warn_once()
        return "numpy"
    return "compiled"


def _warn_once() -> None:
    """Say once per process that numba is installed but the kernels did not load."""
    reason = kernel.unavailable_reason()
    if kernel._installed() and reason not in _WARNED:
        _WARNED.add(reason)
        warnings.warn(f"{reason}; projections use NumPy", stacklevel=4)

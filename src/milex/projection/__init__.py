"""Projections: what a spending target costs, year by year, under GDP and inflation uncertainty.

>>> from milex.projection import Scenario, Target, project
>>> result = project(Scenario(countries=["DEU"], currency="EUR",
...                           targets=[Target(target_pct=3.5, deadline=2035)]))
>>> result.summary()        # one row per country: extra spending to 2035, peak annual rise
>>> result.frame()       # tidy: central path and p5..p95 per country, year and measure
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.projection.engine import (
    ENGINES,
    MEASURES,
    MEMORY_LIMIT,
    QUANTILES,
    EngineName,
    EngineOutput,
    fastest_for_one_run,
    simulate,
)
from milex.projection.result import FRAME_COLUMNS, ProjectionResult
from milex.projection.scenario import (
    CountryOverride,
    Macro,
    MacroOverride,
    PathSpec,
    Scenario,
    ScenarioError,
    Target,
    Uncertainty,
)

if TYPE_CHECKING:
    from milex.data.store import Dataset

__all__ = [
    "ENGINES",
    "FRAME_COLUMNS",
    "MEASURES",
    "QUANTILES",
    "CountryOverride",
    "EngineName",
    "Macro",
    "MacroOverride",
    "PathSpec",
    "ProjectionResult",
    "Scenario",
    "ScenarioError",
    "Target",
    "Uncertainty",
    "fastest_for_one_run",
    "project",
]


def project(
    scenario: Scenario | dict[str, Any] | str | Path | None = None,
    dataset: Dataset | None = None,
    *,
    engine: EngineName = "auto",
    workers: int | None = None,
    memory_limit: int = MEMORY_LIMIT,
    progress: Callable[[int, int], None] | None = None,
) -> ProjectionResult:
    """Project spending under a scenario (a Scenario, a mapping, or a TOML file; default: NATO,
    the Hague 3.5% core target by 2035 on a linear path) over ``dataset`` (default: the bundle).

    ``engine``: "auto" (the default) runs NumPy until the compiled engine (numba) is loaded, loads
    it in the background after the first run and takes it from then on (at once for a run large
    enough to pay for loading it); "numpy" or "compiled" force one (the same seed gives the same
    numbers on either). ``result.engine`` and the notes name the engine and the seed.
    ``workers`` threads share the paths (results do not depend on it); values of all paths are
    kept for exact quantiles up to ``memory_limit`` bytes, beyond which they are streamed into
    histograms; ``progress(done, total)`` reports paths done.
    """
    from milex.projection._cache import default_dataset, prepare_cached

    scenario = Scenario.coerce(scenario)
    if dataset is None:
        dataset = default_dataset()  # milex.load()'s, read once while unchanged on disk
    prepared = prepare_cached(scenario, dataset)
    out = simulate(
        prepared.inputs,
        prepared.shocks,
        engine=engine,
        workers=workers,
        memory_limit=memory_limit,
        progress=progress,
    )
    entities = [*prepared.countries, *(code for code, _ in prepared.aggregates)]
    return ProjectionResult(
        scenario=prepared.scenario,
        years=tuple(int(y) for y in prepared.inputs.years),
        entities=tuple(entities),
        names=tuple(dataset.registry.name(e) if e != "TOTAL" else "Total" for e in entities),
        currencies=tuple(prepared.units),
        series=out.series,
        central=out.central,
        quantiles=out.quantiles,
        sources_used=tuple(dataset.citations(prepared.sources)),
        notes=(*prepared.notes, *run_notes(out)),
        excluded=dict(prepared.excluded),
        method=out.method,
        paths=out.paths,
        assumption_rows=tuple(prepared.assumptions),
        engine=out.engine,
    )


def run_notes(out: EngineOutput) -> list[str]:
    """What a reader needs to know about the run itself: the engine and seed, the method."""
    how = "compiled (numba)" if out.engine == "compiled" else "NumPy"
    notes = [
        f"Engine: {how}, seed {out.seed}, {out.paths} paths; the same seed gives the same "
        "quantiles on either engine."
    ]
    if out.method == "histogram":
        notes.append(
            f"Quantiles of {out.paths} paths estimated from per-cell histograms (1024 bins over "
            "twice the range of a pilot of the first 8192 paths): within a bin's width of exact."
        )
    if out.outside:
        notes.append(f"{out.outside} quantiles fell outside the pilot range and were clamped.")
    if out.floored:
        notes.append(
            f"{out.floored} year-factors of growth or inflation fell below -90% and were floored."
        )
    return notes

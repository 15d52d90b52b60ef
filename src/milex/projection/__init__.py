"""Projections: what a spending target costs, year by year, under GDP and inflation uncertainty.

>>> from milex.projection import Scenario, Target, project
>>> result = project(Scenario(countries=["DEU"], currency="EUR",
...                           targets=[Target(target_pct=3.5, deadline=2035)]))
>>> result.summary()        # one row per country: extra spending to 2035, peak annual rise
>>> result.to_frame()       # tidy: central path and p5..p95 per country, year and measure
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.projection.engine import MEASURES, MEMORY_LIMIT, QUANTILES, simulate
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
    "FRAME_COLUMNS",
    "MEASURES",
    "QUANTILES",
    "CountryOverride",
    "Macro",
    "MacroOverride",
    "PathSpec",
    "ProjectionResult",
    "Scenario",
    "ScenarioError",
    "Target",
    "Uncertainty",
    "project",
]


def project(
    scenario: Scenario | dict[str, Any] | str | Path | None = None,
    dataset: Dataset | None = None,
    *,
    workers: int | None = None,
    memory_limit: int = MEMORY_LIMIT,
    progress: Callable[[int, int], None] | None = None,
    compiled: bool | None = None,
) -> ProjectionResult:
    """Project spending under a scenario (a Scenario, a mapping, or a TOML file; default: NATO,
    the Hague 3.5% core target by 2035 on a linear path) over ``dataset`` (default: the bundle).

    ``workers`` threads share the paths (results do not depend on it); values of all paths are
    kept for exact quantiles up to ``memory_limit`` bytes, beyond which they are streamed into
    histograms; ``progress(done, total)`` reports paths done. ``compiled`` picks the engine
    (True: the numba kernel, False: NumPy, None: the kernel where it pays); the numbers agree.
    """
    from milex.projection.inputs import prepare_cached

    if scenario is None:
        scenario = Scenario()
    elif isinstance(scenario, dict):
        scenario = Scenario.parse(scenario)
    elif isinstance(scenario, str | Path):
        scenario = Scenario.from_toml(Path(scenario))
    if dataset is None:
        import milex

        dataset = milex.load()
    prepared = prepare_cached(scenario, dataset)
    out = simulate(
        prepared.inputs,
        prepared.shocks,
        workers=workers,
        memory_limit=memory_limit,
        progress=progress,
        compiled=compiled,
    )
    notes = list(prepared.notes)
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
        sources=tuple(dataset.citations(prepared.sources)),
        notes=tuple(notes),
        excluded=dict(prepared.excluded),
        method=out.method,
        paths=out.paths,
        assumption_rows=tuple(prepared.assumptions),
    )

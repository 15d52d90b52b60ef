"""milex: sourced defence-expenditure data for NATO allies and their rivals, and the tools to use it.

``import milex`` stays light: pandas, DuckDB and the rest load when a function first needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from milex import chart_registry
from milex.version import __version__

if TYPE_CHECKING:
    from collections.abc import Callable

    from milex.analysis.profile import CountryProfile
    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset
    from milex.finance.fiscal import FiscalResult
    from milex.projection import ProjectionResult, Scenario

__all__ = ["__version__", "country_profile", "fiscal", "load", "project", "tracker"]


def _load_charts() -> None:
    """Every result's ``chart()`` finds its builder: the presentation layer registers them all."""
    from milex.present.charts import kinds

    kinds.register()


chart_registry.on_missing(_load_charts)


def load(directory: str | None = None) -> Dataset:
    """The snapshot as a queryable Dataset, checksum verified.

    Reads ``directory`` if given, else ``$MILEX_DATA_DIR`` (e.g. a full snapshot written by
    ``milex data update``), else the snapshot bundled with the package.
    """
    from milex.data.store import Dataset

    return Dataset.open(directory)


def tracker(
    year: int | None = None, bloc: str = "NATO", *, dataset: Dataset | None = None
) -> TrackerResult:
    """Every ally against every guideline in a year (default: the latest NATO year): a result
    with ``frame()``, ``chart()``, ``sources()`` and ``summary`` (see milex.analysis.tracking)."""
    from milex.analysis.tracking import tracker as build

    return build(year, bloc, dataset=dataset)


def country_profile(
    country: str, year: int | None = None, *, dataset: Dataset | None = None
) -> CountryProfile:
    """One ally's profile, named by ISO3 or any publisher's spelling; see profile."""
    from milex.analysis.profile import country_profile as build

    return build(country, year, dataset=dataset)


def project(
    scenario: Scenario | dict[str, Any] | str | Path | None = None,
    dataset: Dataset | None = None,
    *,
    engine: Literal["auto", "numpy", "compiled"] = "auto",
    workers: int | None = None,
    memory_limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ProjectionResult:
    """Spending paths to a target with quantiles (default: NATO, 3.5% by 2035); see projection.

    ``engine`` picks the Monte Carlo engine: "auto" (the default) runs NumPy until the compiled
    engine (numba) is loaded, loads it in the background after the first call and uses it from
    then on; "numpy" or "compiled" force one. The same seed gives the same figures on either;
    ``result.engine``, ``result.seed`` and the notes say which ran. ``workers`` threads share
    the paths; ``memory_limit`` bytes (default 512 MiB) of paths are kept for exact quantiles,
    beyond which they are streamed into histograms; ``progress(done, total)`` reports paths.
    ``result.chart()`` draws the fan chart (milex.present.charts).
    """
    from milex.projection import project as run

    limit = {} if memory_limit is None else {"memory_limit": memory_limit}
    return run(scenario, dataset, engine=engine, workers=workers, progress=progress, **limit)


def fiscal(
    countries: str | list[str] | None = None,
    *,
    bloc: str | None = None,
    target: float = 3.5,
    by: int = 2035,
    path: str = "linear",
    paths: int = 2_000,
    interest_pct: float | None = None,
    dataset: Dataset | None = None,
) -> FiscalResult:
    """What a path to ``target`` % of GDP by ``by`` does to each ally's deficit and debt if the
    extra spending is borrowed, against the EU's 3% and 60%, the escape clause and SAFE loans.

    ``path``: ``linear``, ``plans`` or ``trend``; see milex.finance.fiscal for the arithmetic.
    """
    from milex.finance.fiscal import fiscal as run

    return run(
        countries, bloc=bloc, target=target, by=by, path=path, paths=paths,
        interest_pct=interest_pct, dataset=dataset,
    )  # fmt: skip

"""milex: sourced defence-expenditure data for NATO allies and their rivals, and the tools to use it.

``import milex`` stays light: pandas, DuckDB and the rest load when a function first needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pandas as pd

    from milex.analysis.profile import CountryProfile
    from milex.data.store import Dataset
    from milex.projection import ProjectionResult, Scenario

__all__ = ["__version__", "country_profile", "load", "project", "tracker"]


def load(directory: str | None = None) -> Dataset:
    """The snapshot as a queryable Dataset, checksum verified.

    Reads ``directory`` if given, else ``$MILEX_DATA_DIR`` (e.g. a full snapshot written by
    ``milex data update``), else the snapshot bundled with the package.
    """
    from milex.data.store import Dataset

    return Dataset.open(directory)


def tracker(
    year: int | None = None, bloc: str = "NATO", *, dataset: Dataset | None = None
) -> pd.DataFrame:
    """Every ally against every guideline in a year (default: the latest NATO year); see tracking."""
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
    **options: Any,
) -> ProjectionResult:
    """Spending paths to a target with quantiles (default: NATO, 3.5% by 2035); see projection."""
    from milex.projection import project as run

    return run(scenario, dataset, **options)

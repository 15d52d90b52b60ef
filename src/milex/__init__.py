"""milex: sourced defence-expenditure data for NATO allies and their rivals, and the tools to use it.

``import milex`` stays light: pandas, DuckDB and the rest load when a function first needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from milex.store import Dataset

__all__ = ["__version__", "load"]


def load(directory: str | None = None) -> Dataset:
    """The bundled snapshot (or one in ``directory``) as a queryable Dataset, checksum verified."""
    from milex.store import Dataset

    return Dataset.open(directory)

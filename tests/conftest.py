"""Shared fixtures: where the raw publisher files are, and the bundled dataset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import milex
from milex.registry import default_registry

ROOT = Path(__file__).resolve().parents[1]
# The tests read the bundled snapshot, whatever the shell says.
os.environ.pop("MILEX_DATA_DIR", None)


def find_raw_dir() -> Path | None:
    """MILEX_RAW_DIR, else ../shared/data/raw beside the project, else /work/shared/data/raw."""
    candidates = [
        os.environ.get("MILEX_RAW_DIR"),
        ROOT.parent / "shared/data/raw",
        "/work/shared/data/raw",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "SOURCES.md").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    found = find_raw_dir()
    if found is None:
        pytest.fail("raw publisher files not found: set MILEX_RAW_DIR to shared/data/raw")
    return found


@pytest.fixture(scope="session")
def dataset() -> milex.store.Dataset:  # type: ignore[name-defined]
    return milex.load()


@pytest.fixture(scope="session")
def registry():
    return default_registry()

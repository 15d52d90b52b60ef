"""Shared fixtures: where the raw publisher files are, and the bundled dataset."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import milex
from milex.registry import default_registry

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
def dataset() -> milex.store.Dataset:  # type: ignore[name-defined]
    return milex.load()


@pytest.fixture(scope="session")
def registry():
    return default_registry()

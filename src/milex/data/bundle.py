"""The files that ship inside the package: where they live and how a snapshot's files are found.

Every reader finds the bundled snapshot, registry, allow-list and plans ledger here, so the
folder is named once. A snapshot's data files are found through its descriptor and verified.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from milex.data.sources._common import sha256_file
from milex.errors import SnapshotError

DATAPACKAGE = "datapackage.json"
COUNTRIES = "countries.csv"


def package_dir() -> Path:
    """Where the bundled snapshot and its tables live inside the installed package."""
    return Path(str(resources.files("milex.data") / "bundled"))


def examples_dir() -> Path:
    """The shipped scenarios and industry models (``examples/`` in a checkout links here)."""
    return Path(str(resources.files("milex") / "examples"))


def resource_path(
    directory: Path, package: dict[str, Any], name: str, descriptor_path: Path | None = None
) -> Path:
    """The verified path of the descriptor's resource ``name`` (e.g. "observations", "countries")."""
    where = descriptor_path or directory / DATAPACKAGE
    entry = next((r for r in package.get("resources", []) if r.get("name") == name), None)
    if entry is None or not entry.get("path"):
        raise SnapshotError(f"{where} lists no {name!r} resource")
    path = Path(directory) / Path(str(entry["path"])).name
    if not path.is_file():
        raise SnapshotError(f"snapshot file missing: {path}")
    actual = sha256_file(path)
    if actual != entry.get("sha256"):
        raise SnapshotError(
            f"snapshot damaged: sha256 of {path} is {actual[:12]}..., "
            f"{where.name} expects {str(entry.get('sha256'))[:12]}...; "
            "reinstall milex or rebuild with `milex data build`"
        )
    return path


def countries_path(directory: Path | None = None) -> Path:
    """The verified registry file (countries-<sha12>.csv) of the snapshot in directory."""
    directory = Path(directory or package_dir())
    try:
        package = json.loads((directory / DATAPACKAGE).read_text("utf-8"))
    except FileNotFoundError:
        if (directory / COUNTRIES).is_file():  # a registry without a snapshot (building afresh)
            return directory / COUNTRIES
        raise SnapshotError(f"no snapshot at {directory} (missing {DATAPACKAGE})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{directory / DATAPACKAGE} is not valid JSON: {exc}") from None
    return resource_path(directory, package, "countries")

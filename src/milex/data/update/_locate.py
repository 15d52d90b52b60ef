"""Which snapshot `milex.load()` reads: an explicit directory, $MILEX_DATA_DIR, the user's, or the bundled.

`milex data update` writes to the user data directory by default, so an updated snapshot is used
without further setup; $MILEX_DATA_DIR still wins, and without either the bundled snapshot is read.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "MILEX_DATA_DIR"
#: Overrides the user data directory (tests point it at a temporary folder).
ENV_USER_DIR = "MILEX_USER_DATA_DIR"
DESCRIPTOR = "datapackage.json"


def user_snapshot_dir() -> Path:
    """Where `milex data update` writes by default: $MILEX_USER_DATA_DIR or the platform's data dir."""
    override = os.environ.get(ENV_USER_DIR)
    if override:
        return Path(override) / "snapshot"
    import platformdirs

    return Path(platformdirs.user_data_dir("milex")) / "snapshot"


def choose_snapshot(directory: str | Path | None = None) -> tuple[Path | None, str]:
    """(directory or None for the bundled snapshot, why it was chosen), in order of precedence."""
    if directory:
        return Path(directory), "given explicitly"
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env), f"from ${ENV_DATA_DIR}"
    user = user_snapshot_dir()
    if (user / DESCRIPTOR).is_file():
        return user, "the updated snapshot in your user data directory (`milex data update`)"
    return None, "the bundled snapshot"

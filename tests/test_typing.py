"""The package type-checks under mypy --strict, as configured in pyproject.toml (issue 30, item 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_mypy_strict_finds_nothing_in_src(tmp_path):
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    assert "strict = true" in config and 'files = ["src"]' in config
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]

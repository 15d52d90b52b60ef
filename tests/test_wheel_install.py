"""A non-editable install serves everything: the wheel, installed apart from the checkout, draws the
industry chart and serves /industry from its own package data (issue 32, item 9)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel built from a copy of the checkout (offline) and installed into its own folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    tree = tmp / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = tmp / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*build, "-w", str(dist), str(tree)], check=True, timeout=300)
    (wheel,) = dist.glob("milex-*.whl")
    site = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return wheel, site


def run_installed(site: Path, cwd: Path, *code: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed copy first on the path, away from the checkout."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("MILEX_DATA_DIR", None)
    return subprocess.run(
        [sys.executable, *code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_wheel_carries_the_examples_and_the_bundled_snapshot(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "milex/examples/hague-2035.toml",
        "milex/examples/industry/eu-155mm.toml",
        "milex/examples/industry/pooling-eu.toml",
        "milex/data/bundled/datapackage.json",
        "milex/data/bundled/national_plans.csv",
        "milex/data/bundled/allow_list.csv",
    ):
        assert shipped in names


def test_the_installed_package_draws_the_industry_chart(installed, tmp_path):
    _, site = installed
    where = run_installed(site, tmp_path, "-c", "import milex; print(milex.__file__)")
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    out = run_installed(site, tmp_path, "-m", "milex", "chart", "industry", "-o", "industry.svg")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "155" in (tmp_path / "industry.svg").read_text("utf-8")


def test_the_installed_package_serves_the_industry_page(installed, tmp_path):
    _, site = installed
    code = (
        "from fastapi.testclient import TestClient\n"
        "from milex.web.app import create_app\n"
        "with TestClient(create_app(), base_url='http://localhost') as client:\n"
        "    page = client.get('/industry')\n"
        "    print(page.status_code)\n"
        "    print(page.text)\n"
    )
    out = run_installed(site, tmp_path, "-c", code)
    assert out.returncode == 0, out.stderr
    status, _, html = out.stdout.partition("\n")
    assert status == "200", html[:2000]
    assert "155" in html
    for folder in (ROOT, site, tmp_path):  # no path of this machine on the page
        assert str(folder) not in html

"""docs/projection.md (the README's projection section) documents every field and its examples run."""

from __future__ import annotations

import re
import shlex
import shutil

import typer
from typer.testing import CliRunner

from milex.cli import project as project_cli
from milex.projection import Macro, PathSpec, Scenario, Target, Uncertainty

from .conftest import ROOT

DOC = (ROOT / "docs" / "projection.md").read_text(encoding="utf-8")


def test_every_scenario_field_is_documented():
    prefixes = {
        Scenario: "",
        Target: "targets.",
        Macro: "macro.",
        Uncertainty: "uncertainty.",
    }
    for model, prefix in prefixes.items():
        for field in model.model_fields:
            if field not in ("targets", "macro", "uncertainty"):
                documented = (f"`{prefix}{field}`", f"`{prefix}{field}.<country>`")
                assert any(d in DOC for d in documented), f"{prefix}{field}"
    for field in ("real_growth_pct", "plan", "power"):
        assert field in DOC and field in PathSpec.model_fields
    for shape in (
        "linear",
        "front_loaded",
        "back_loaded",
        "hold_share",
        "plan",
        "constant_real_growth",
    ):
        assert f"| `{shape}` |" in DOC, shape


def test_the_python_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)\n```", DOC, re.S)
    namespace: dict = {}
    exec(compile(block, "docs/projection.md", "exec"), namespace)
    assert len(namespace["result"].summary()) == 3
    assert namespace["hague"].targets == ("core", "related", "total")


def test_the_shell_examples_run(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    app = typer.Typer()
    project_cli.register(app)
    app.command("other")(lambda: None)
    (block,) = re.findall(r"```bash\n(.*?)\n```", DOC, re.S)
    for line in block.splitlines():
        args = shlex.split(line)
        assert args[:2] == ["milex", "project"]
        result = CliRunner().invoke(app, [*args[1:], "--paths", "300"])  # the last --paths wins
        assert result.exit_code == 0, (line, result.output)
    assert (tmp_path / "nato.csv").stat().st_size > 10_000

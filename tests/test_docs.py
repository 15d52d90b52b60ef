"""The README documents every measure and command, and its Python examples run."""

from __future__ import annotations

import re

import typer.main

from milex.cli import app
from milex.schema import MEASURES

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_install_and_run_and_the_test_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert blocks[0].endswith("milex tracker")
    assert "pytest" in blocks[1] and "[test]" in blocks[1]


def test_every_measure_is_in_the_readme_table_with_its_unit():
    for m in MEASURES:
        assert f"| `{m.id}` | {m.unit} |" in README, m.id


def test_every_cli_command_is_documented():
    def walk(group, prefix: str):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}"

    for command in walk(typer.main.get_command(app), "milex "):
        assert f"`{command}" in README, command


def test_python_examples_in_the_readme_run():
    for block in re.findall(r"```python\n(.*?)\n```", README, re.S):
        exec(compile(block, "README.md", "exec"), {})

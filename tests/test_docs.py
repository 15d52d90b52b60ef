"""The README documents every measure and command, and its Python examples run."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
import typer.main
from typer.testing import CliRunner

from milex.cli import app
from milex.data.schema import MEASURES

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


# -- the README's commands and figures, checked against the tool ------------------------------
#: Docs whose shell examples run here (industry.md and projection.md run in their own tests).
SHELL_DOCS = ("README.md", "docs/analyses.md", "docs/charts.md", "docs/plans.md")
#: Commands given more paths than a test needs run with fewer (the last --paths wins).
FEWER_PATHS = (["project"], ["industry", "demand"])
#: The overlay docs/analyses.md's Python example writes, for its shell example.
PRK_OVERLAY = (
    "country,year,measure,value,unit,source,flags\n"
    'PRK,2024,milex_usd,4000,USD m,"own estimate",estimate\n'
)


def shell_examples() -> list[tuple[str, str]]:
    out = []
    for doc in SHELL_DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for block in re.findall(r"```bash\n(.*?)\n```", text, re.S):
            out += [(doc, line.strip()) for line in block.splitlines()
                    if line.strip().startswith("milex ")]  # fmt: skip
    return out


@pytest.mark.parametrize(("doc", "line"), shell_examples())
def test_every_shell_example_in_the_docs_runs(doc, line, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "prk_estimate.csv").write_text(PRK_OVERLAY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(line, comments=True)[1:]
    if any(args[: len(c)] == c for c in FEWER_PATHS):
        args += ["--paths", "200"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (doc, line, result.output)
    written = [a for a in args if "." in a and not a.startswith(("-", "examples/"))]
    for name in written[-1:] if "--output" in args or "-o" in args else []:
        assert (tmp_path / name).stat().st_size > 0, (doc, line)


def test_the_overlay_example_is_the_one_the_analyses_doc_writes():
    text = (ROOT / "docs" / "analyses.md").read_text(encoding="utf-8")
    header, row = PRK_OVERLAY.splitlines()
    assert f'"{header}\\n"' in text and f"'{row}\\n'" in text


@pytest.mark.parametrize("doc", ["docs/analyses.md", "docs/charts.md", "docs/plans.md"])
def test_python_examples_in_the_docs_run(doc, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    text = (ROOT / doc).read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)\n```", text, re.S):
        exec(compile(block, doc, "exec"), {})


def test_the_sipri_figures_the_readme_states_are_the_snapshots():
    import milex

    ds = milex.load()
    shipped = re.search(r"The snapshot ships\s+\*\*([\d,]+)\*\*", README)
    assert shipped, "the README states how many SIPRI figures ship"
    assert int(shipped.group(1).replace(",", "")) == ds.package["sipri_figures"]
    limit = re.search(r"at most ([\d,]+) of its country-year figures", README)
    assert limit and int(limit.group(1).replace(",", "")) == ds.package["sipri_limit"]
    table = README.split("The snapshot ships", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `(\w+)`[^|]*\| (\d{4})-(\d{4})", table, re.M)
    assert len(rows) >= 4
    for measure, first, last in rows:
        years = ds.sql(
            "SELECT min(year) AS a, max(year) AS b FROM observations "
            "WHERE source = 'sipri' AND measure = ?",
            [measure],
        ).iloc[0]
        assert (int(years["a"]), int(years["b"])) == (int(first), int(last)), measure


def test_the_readme_counts_the_allies_the_registry_knows():
    import milex

    ds = milex.load()
    stated = re.search(r"NATO's (\d+) allies", README)
    assert stated and int(stated.group(1)) == len(ds.registry.members("NATO", 2024))

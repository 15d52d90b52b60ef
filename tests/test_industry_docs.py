"""docs/industry.md (the README's industry section) documents every key and column, its examples
run, and its statements about the example models match what they compute."""

from __future__ import annotations

import re
import shlex
import shutil
import typing

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

import milex.industry
from milex.cli import industry as industry_cli
from milex.industry import (
    CAPACITY_COLUMNS,
    DEMAND_COLUMNS,
    DEMAND_MEASURES,
    ITEMS,
    POOLING_COLUMNS,
    CapacityModel,
    PoolingModel,
    run_capacity,
)
from milex.industry._models import Figure, Source
from milex.industry.demand import SUMMARY
from milex.industry.pooling import BUYER_COLUMNS

from .conftest import ROOT

DOC = (ROOT / "docs" / "industry.md").read_text(encoding="utf-8")


def keys(model: type[BaseModel], prefix: str = "") -> typing.Iterator[str]:
    """Every TOML key path of a model (figures as one key, list items without an index)."""
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        inner = [a for a in typing.get_args(info.annotation) or (info.annotation,)]
        inner = [x for a in inner for x in (typing.get_args(a) or (a,))]
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if not models or any(issubclass(m, Figure | Source) for m in models):
            yield key
            continue
        if typing.get_origin(info.annotation) is list:
            yield key  # an array of tables has its own row; a plain table only its keys
        yield from keys(models[0], f"{key}.")


@pytest.mark.parametrize("model", [CapacityModel, PoolingModel])
def test_every_toml_key_is_documented(model):
    for key in keys(model):
        documented = key.replace("sources", "sources.<id>") if key == "sources" else key
        assert f"`{documented}`" in DOC, key
    for key in ("value", "source", "estimate", "note", "per", "currency", "min", "max"):
        assert f"| `{key}` |" in DOC or f"`{key}`" in DOC, key
    for key in ("publisher", "title", "date", "url"):
        assert f"`{key}`" in DOC


def test_every_measure_column_and_item_is_documented():
    for measure, unit in DEMAND_MEASURES.items():
        assert f"| `{measure}` | {unit} |" in DOC, measure
    for column in (*DEMAND_COLUMNS, *CAPACITY_COLUMNS, *POOLING_COLUMNS, *BUYER_COLUMNS):
        assert column in DOC, column
    for column, *_ in SUMMARY:
        assert f"`{column}`" in DOC, column
    for item, (description, unit) in ITEMS.items():
        assert f"| `{item}` | {description} | {unit} |" in DOC, item


def test_every_command_is_documented():
    for command in ("demand", "capacity", "pooling"):
        assert f"`milex industry {command}" in DOC


def test_the_python_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)\n```", DOC, re.S)
    namespace: dict = {}
    exec(compile(block, "docs/industry.md", "exec"), namespace)
    assert namespace["eu"].target_met is not None
    assert len(namespace["pooling"].buyers()) == 5
    demand, projected = namespace["demand"], namespace["projected"]
    text = " ".join(DOC.split())

    def bn(result, code, year):
        return f"USD {result.value(code, 'equipment_usd', year) / 1000:,.0f} bn"

    assert f"spent {bn(demand, 'NATO', 2024)} on major equipment in 2024 against " in text
    assert f"against {bn(demand, 'NATO', 2014)} in 2014" in text
    share = demand.value("NATO", "equipment_share_pct", 2024)
    assert f"({share:.1f}% of defence expenditure" in text
    real = demand.value("NATO_EU_CA", "real_change_since_2014_pct", 2024)
    assert f"Europe and Canada {bn(demand, 'NATO_EU_CA', 2024)} against " in text
    assert f"{real:.0f}% more in real terms" in text
    assert f"reaches {bn(projected, 'NATO', 2035)} for NATO and " in text
    assert f"{bn(projected, 'NATO_EU_CA', 2035)} for Europe and Canada in 2035" in text
    pooling = namespace["pooling"]
    summary, buyers, frame = pooling.summary, pooling.buyers(), pooling.frame()
    assert f"instead of on five lines save {summary['pooling'][0]['savings_pct']:.0f}%" in text
    low, high = buyers["savings_pct"].min(), buyers["savings_pct"].max()
    assert f"({low:.1f}% for the largest buyer, {high:.0f}% for the smallest)" in text
    frag = frame[frame["case"].str.contains("178")]
    at_model = frag[frag["model_rate"]]["savings_pct"].iloc[0]
    spread = f"{frag['savings_pct'].min():.0f}-{frag['savings_pct'].max():.0f}%"
    assert f"instead of 178 saves {at_model:.0f}% ({spread} for b = 0.95-0.75)" in text
    gain = summary["collaboration"][1]
    assert f"adds {gain['gain_pct_points']:.1f} percentage points of savings" in text
    assert f"about EUR {gain['gain_on_budget'] / 1e9:.0f} bn a year" in text


def test_the_shell_examples_run(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    app = typer.Typer()
    industry_cli.register(app)
    app.command("other")(lambda: None)
    (block,) = re.findall(r"```bash\n(.*?)\n```", DOC, re.S)
    for line in block.splitlines():
        args = shlex.split(line)
        assert args[:2] == ["milex", "industry"]
        result = CliRunner().invoke(app, args[1:])
        assert result.exit_code == 0, (line, result.output)
    assert (tmp_path / "us-155mm.csv").is_file()


def test_what_the_doc_says_about_the_examples_is_what_they_compute():
    eu = run_capacity(ROOT / "examples" / "industry" / "eu-155mm.toml")
    us = run_capacity(ROOT / "examples" / "industry" / "us-155mm.toml")
    months = "January February March April May June July August September October November December"
    name = dict(enumerate(months.split(), start=1))

    def spoken(label: str) -> str:
        year, month = label.split("-")
        return f"{name[int(month)]} {year}"

    assert f"met in\n  {spoken(eu.target_met)}" in DOC or f"met in {spoken(eu.target_met)}" in DOC
    assert f"level by {spoken(us.target_met)}" in DOC
    share = round(eu.summary["target_met_probability_by_deadline"] * 100, -1)
    assert f"about {share:.0f}% of lead-time draws" in DOC
    text, e, u = " ".join(DOC.split()), eu.summary, us.summary
    assert f"a backlog peaks at about {round(e['backlog_peak'], -3):,.0f} rounds in " in text
    assert (
        f"in {spoken(e['backlog_peak_period'])} and clears by {spoken(e['backlog_cleared'])}"
        in text
    )
    assert f"covers new demand from {spoken(e['capacity_covers_demand_from'])}" in text
    assert f"(p5/p50/p95: {' / '.join(spoken(e[f'target_met_p{q}']) for q in (5, 50, 95))})" in text
    assert f"Capital cost about EUR {e['capex_total'] / 1e9:.2f} bn" in text
    assert f"Capital cost about USD {u['capex_total'] / 1e9:.2f} bn" in text
    for result, times in ((eu, "3 times EU capacity"), (us, "8 times US capacity")):
        assert times in text
        assert round(result.comparisons()["ratio_to_model"].iloc[0]) == int(times[0])


def test_the_public_api_is_listed_once():
    names = milex.industry.__all__
    assert len(names) == len(set(names))
    assert all(hasattr(milex.industry, n) for n in names)


def test_import_milex_stays_light():
    import subprocess
    import sys

    code = "import sys, milex; print('milex.industry' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"

"""`milex project` on an app built here with its register(): output formats, files, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from milex.cli import project as project_cli
from milex.projection import Scenario

from .conftest import ROOT

app = typer.Typer(pretty_exceptions_enable=False)
project_cli.register(app)


@app.command("version")
def _version() -> None:  # a second command, so that "project" stays a subcommand
    """Unused."""


runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["project", *args])


def test_summary_table_lists_allies_extra_spending_and_notes():
    result = run("--countries", "DEU,POL", "--currency", "EUR", "--paths", "500")
    assert result.exit_code == 0, result.output
    assert "DEU" in result.output and "TOTAL" in result.output and "EUR m" in result.output
    assert "hold their base-year share" in result.output  # Poland is above 3.5%
    assert "source: IMF, World Economic Outlook" in result.output


def test_csv_summary_and_detail():
    summary = run("--countries", "FRA", "--paths", "200", "--format", "csv")
    assert summary.exit_code == 0, summary.output
    assert summary.stdout.splitlines()[0].startswith("iso3,name,target,currency,base_share_pct")
    detail = run("--countries", "FRA", "--paths", "200", "--format", "csv", "--detail")
    lines = detail.stdout.strip().splitlines()
    assert lines[0] == "iso3,name,target,measure,year,unit,central,p5,p25,p50,p75,p95"
    assert len(lines) == 1 + 8 * 10  # 2026-2035: from the newest year with NATO figures


def test_json_carries_sources_scenario_and_notes():
    result = run(
        "--bloc", "NATO", "--paths", "200", "--target", "3", "--by", "2030", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {s["source"] for s in payload["sources"]} == {"nato", "imf_weo"}
    assert payload["scenario"]["targets"][0]["target_pct"] == 3.0
    assert payload["scenario"]["targets"][0]["deadline"] == 2030
    assert any("ISL excluded" in n for n in payload["notes"])
    rows = {r["iso3"]: r for r in payload["data"]}
    assert rows["ESP"]["horizon_share_pct"] == pytest.approx(3.0)


def test_scenario_file_with_options_on_top_and_the_scenario_saved(tmp_path):
    out, saved = tmp_path / "hague.parquet", tmp_path / "run.toml"
    result = run(
        "--scenario", str(ROOT / "examples" / "hague-2035.toml"),
        "--countries", "Germany,France", "--paths", "300", "--seed", "5",
        "--detail", "--output", str(out), "--save-scenario", str(saved),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert set(frame["target"]) == {"", "core", "related", "total"}
    assert set(frame["iso3"]) == {"DEU", "FRA", "TOTAL"}
    again = Scenario.from_toml(saved)
    assert again.countries == ["DEU", "FRA"] and again.uncertainty.seed == 5
    assert again.base_year == 2026 and [t.name for t in again.targets] == ["core", "related"]


def test_path_option_sets_the_shape():
    result = run("--countries", "ITA", "--path", "hold_share", "--paths", "100", "--format", "json")
    rows = json.loads(result.stdout)["data"]
    assert rows[0]["extra_to_horizon_m"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--target", "-1"],
            "targets[0].target_pct = -1.0: input should be greater than or equal to 0",
        ),
        (["--target", "100"], "targets[0].target_pct = 100.0: input should be less than 100"),
        (["--by", "2020"], "targets[0].deadline = 2020: must be after the base year 2026"),
        (["--countries", "DEU,Narnia"], "unknown country name(s): 'Narnia'"),
        (["--bloc", "NATOO"], "unknown bloc 'NATOO'"),
        (["--countries", "DEU", "--bloc", "NATO"], "give --countries or --bloc, not both"),
        (["--paths", "0"], "uncertainty.paths = 0: input should be greater than or equal to 1"),
        (["--paths", "10000001"], "uncertainty.paths = 10000001"),
        (["--scenario", "missing.toml"], "scenario file not found: missing.toml"),
        (
            ["--scenario", str(ROOT / "examples" / "hague-2035.toml"), "--target", "3"],
            "--target: only for a scenario with one target; ",
        ),
        (["--countries", "Japan", "--paths", "10"], "JPN: no NATO milex_pct_gdp for 2014-2026"),
        (["--countries", "ISL"], "nothing to project: ISL excluded"),
        (
            ["--countries", "DEU", "--paths", "10", "--format", "xlsx"],
            "cannot be printed; use --output FILE",
        ),
    ],
)
def test_every_error_is_one_line_and_exit_1(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert result.output.count("\n") <= 2  # one message (the console may wrap it once)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[uncertainty]\ngrowth_sd_pct = -1\n", "uncertainty.growth_sd_pct = -1: input should be"),
        (
            "base_year = 2024\n[[targets]]\ntarget_pct = 3.5\n[targets.path]\nshape = 'plan'\n"
            "plan = { 2025 = 2.5, 2027 = 3.0 }\n",
            "targets[0].path.plan has gaps: missing 2026",
        ),
        (
            "[[targets]]\ntarget_pct = 3.5\n[targets.path]\nshape = 'plan'\nplan = { 2040 = 3.0 }\n",
            "targets[0].path.plan: years 2040 outside the projection years 2027-2035",
        ),
        (
            "bloc = 'NATO'\nhorizon = 2035\nhorizn = 2040\n",
            "horizn: unknown field (did you mean 'horizon'?)",
        ),
    ],
)
def test_invalid_scenario_files_are_one_line_errors(body, message, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    result = run("--scenario", str(path))
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_milex_project_runs_in_a_process_where_numba_cannot_be_imported():
    """numba is optional: with its import blocked, the CLI takes the NumPy engine and prints
    the same table's rows (same seed, a different engine: agreement within sampling error is
    tested elsewhere)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['numba'] = None; "
        "sys.argv = ['milex', 'project', '--paths', '2000', '--format', 'csv']; "
        "from milex.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    frame = pd.read_csv(__import__("io").StringIO(done.stdout))
    assert {"POL", "USA", "NATO"} <= set(frame["iso3"]), frame.columns.tolist()


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_the_engine_option_runs_that_engine_and_the_notes_say_so(engine):
    if engine == "compiled":
        from milex.projection import _kernel as kernel

        if not kernel.available():
            pytest.skip("numba is not installed here")
    result = run("--countries", "DEU", "--paths", "300", "--seed", "5", "--engine", engine,
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["engine"] == engine and payload["seed"] == 5
    how = "compiled (numba)" if engine == "compiled" else "NumPy"
    assert f"Engine: {how}, seed 5, 300 paths" in payload["notes"][-1]


def test_a_small_one_shot_run_takes_numpy_and_prints_its_engine_and_seed():
    result = run("--countries", "DEU", "--paths", "300")
    assert result.exit_code == 0, result.output
    assert (
        "Engine: NumPy, seed 1, 300 paths" in result.output or "Engine: compiled" in result.output
    )

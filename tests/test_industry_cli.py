"""`milex industry` on an app built here with its register(): formats, files, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from milex.cli import industry as industry_cli
from milex.industry import CAPACITY_COLUMNS, DEMAND_COLUMNS, POOLING_COLUMNS

from .conftest import ROOT

app = typer.Typer(pretty_exceptions_enable=False)
industry_cli.register(app)


@app.command("version")
def _version() -> None:  # a second command, so that "industry" stays a group
    """Unused."""


runner = CliRunner()
EXAMPLES = ROOT / "examples" / "industry"
EU, US, POOLING = (str(EXAMPLES / n) for n in ("eu-155mm.toml", "us-155mm.toml", "pooling-eu.toml"))
HAGUE = str(ROOT / "examples" / "hague-2035.toml")


def run(*args: str):
    return runner.invoke(app, ["industry", *args])


def strict_json(text: str):
    """JSON that a strict reader accepts: no NaN or Infinity."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for fragment in fragments:
        assert fragment in result.output.replace("\n", ""), result.output


def test_the_group_lists_its_three_commands():
    result = run("--help")
    assert result.exit_code == 0
    for name in ("demand", "capacity", "pooling"):
        assert name in result.output


def test_demand_table_shows_natos_equipment_spending_with_notes_and_sources():
    result = run("demand", "--bloc", "NATO_EU_CA")
    assert result.exit_code == 0, result.output
    assert "Equipment expenditure: 2014, base year 2024" in result.output
    assert "Germany" in result.output and "United States" not in result.output
    assert "source: NATO, Defence Expenditure of NATO Countries" in result.output


def test_demand_csv_and_detail_json():
    summary = run("demand", "--format", "csv")
    assert summary.exit_code == 0, summary.output
    header = summary.stdout.splitlines()[0]
    assert header.startswith("row_type,iso3,name,base_year,equipment_share_2014_pct")
    detail = run("demand", "--detail", "--format", "json")
    payload = strict_json(detail.stdout)
    assert list(payload["data"][0]) == list(DEMAND_COLUMNS)
    assert payload["sources"][0]["source"] == "nato" and payload["base_year"] == 2024


def test_demand_with_a_scenario_writes_parquet(tmp_path):
    out = tmp_path / "demand.parquet"
    result = run(
        "demand", "--scenario", HAGUE, "--paths", "40", "--equipment-share", "25",
        "--equipment-by", "2030", "--detail", "--output", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert set(frame["basis"]) == {"nato", "projection"} and frame["year"].max() == 2035
    assert {"NATO", "NATO_EU_CA"} <= set(frame["iso3"])


def test_capacity_table_reports_the_target_comparisons_and_sources():
    result = run("capacity", EU, "--paths", "200")
    assert result.exit_code == 0, result.output
    text = result.output.replace("\n", " ")
    assert "Stock target 2,000,000 rounds by 2028-12: met" in text
    assert "Compare: Russia" in text and "(estimate)" in text
    assert "source: European Commission" not in text  # sources print their own publisher
    assert "UPI, quoting the European Commission" in text


def test_capacity_csv_by_month_and_json_summary():
    detail = run("capacity", US, "--detail", "--format", "csv", "--paths", "100")
    lines = detail.stdout.strip().splitlines()
    assert lines[0] == ",".join(CAPACITY_COLUMNS) and len(lines) == 1 + 9 * 12
    payload = strict_json(run("capacity", US, "--format", "json", "--paths", "100").stdout)
    assert payload["summary"]["target_met"].startswith("20")
    assert len(payload["data"]) == 9 and payload["sources"][0]["id"] == "defenseone-2025-06"


def test_pooling_table_and_buyers_xlsx(tmp_path):
    result = run("pooling", POOLING)
    assert result.exit_code == 0, result.output
    assert "EU target by 2030: 40% bought together against EDA data, 2018" in result.output
    out = tmp_path / "buyers.xlsx"
    assert run("pooling", POOLING, "--buyers", "--output", str(out)).exit_code == 0
    assert len(pd.read_excel(out, engine="openpyxl")) == 5
    scenarios = strict_json(run("pooling", POOLING, "--format", "json").stdout)
    assert list(scenarios["data"][0]) == list(POOLING_COLUMNS)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("capacity", "missing.toml"), ("capacity model file not found",)),
        (("pooling", EU), ("invalid", "unknown key")),
        (("demand", "--paths", "10"), ("--paths and --seed apply to a projection",)),
        (("demand", "--equipment-share", "30"), ("give target_pct and by together",)),
        (("demand", "--bloc", "CRINK"), ("bloc = 'CRINK'",)),
    ],
)
def test_errors_are_one_line_exit_1_and_never_a_traceback(args, fragments):
    assert_one_line_error(run(*args), *fragments)


@pytest.mark.parametrize("model", ["capacity", "pooling"])
def test_nothing_is_written_on_error(tmp_path, model):
    bad = tmp_path / "bad.toml"
    source = EU if model == "capacity" else POOLING
    text = Path(source).read_text(encoding="utf-8")
    bad.write_text(text.replace('item = "', 'item = "x', 1), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert_one_line_error(run(model, str(bad), "--output", str(out)), "unknown item")
    assert list(tmp_path.iterdir()) == [bad]


def test_an_unsupported_output_leaves_no_file(tmp_path):
    out = tmp_path / "result.txt"
    assert_one_line_error(
        run("pooling", POOLING, "--output", str(out)), "unsupported output format"
    )
    assert not any(tmp_path.iterdir())

"""The command line: every command works on the bundled data; errors are one line, exit 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from milex.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_data_status_shows_editions_and_the_sipri_count():
    result = run("data", "status")
    assert result.exit_code == 0, result.output
    assert "sha256 verified" in result.output
    assert "2014-2024 (2024-06-17)" in result.output and "WEO 2025-10" in result.output
    assert "of 3500 allowed" in result.output


def test_series_as_csv_carries_source_edition_and_flags():
    result = run(
        "series",
        "--measure",
        "milex_pct_gdp",
        "--country",
        "POL,DEU",
        "--source",
        "nato",
        "--from",
        "2014",
        "--to",
        "2024",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "iso3,year,measure,source,edition,value,unit,flags,origin"
    assert len(lines) == 1 + 2 * 11


def test_series_as_json_lists_its_sources():
    result = run(
        "series",
        "--measure",
        "milex_pct_gdp",
        "--country",
        "Poland",
        "--from",
        "2024",
        "--to",
        "2024",
        "--format",
        "json",
    )
    payload = json.loads(result.stdout)
    assert {s["source"] for s in payload["sources"]} == {"nato", "sipri"}
    assert {row["source"] for row in payload["data"]} == {"nato", "sipri"}


def test_series_table_is_readable():
    result = run(
        "series",
        "--measure",
        "milex_pct_gdp",
        "--country",
        "POL",
        "--source",
        "nato",
        "--from",
        "2024",
        "--to",
        "2024",
    )
    assert result.exit_code == 0 and "Poland" in result.output and "4.12" in result.output


@pytest.mark.parametrize("ext", ["csv", "json", "xlsx", "parquet"])
def test_data_export_writes_every_format(tmp_path, ext):
    out = tmp_path / f"pct.{ext}"
    result = run(
        "data", "export", "--measure", "milex_pct_gdp", "--source", "nato", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    if ext == "csv":
        frame = pd.read_csv(out)
    elif ext == "json":
        frame = pd.DataFrame(json.loads(out.read_text())["data"])
    elif ext == "xlsx":
        frame = pd.read_excel(out, engine="openpyxl")
    else:
        frame = pd.read_parquet(out)
    assert len(frame) > 300 and set(frame["source"]) == {"nato"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["series", "--measure", "nope"], "unknown measure 'nope'"),
        (["series", "--measure", "milex_pct_gdp", "--country", "Narnia"], "Narnia"),
        (["data", "export", "--output", "x.docx"], "unsupported output format 'docx'"),
        (
            ["data", "build", "--raw", "/nonexistent", "--output", "/tmp"],
            "raw data directory not found",
        ),
    ],
)
def test_errors_are_one_clear_line_and_exit_1(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_python_dash_m_milex_runs():
    out = subprocess.run(
        [sys.executable, "-m", "milex", "--help"], capture_output=True, text=True, check=True
    )
    assert "series" in out.stdout and "data" in out.stdout


def test_import_milex_stays_light():
    code = (
        "import sys, milex; heavy = [m for m in ('pandas', 'duckdb', 'numpy', 'pyarrow', "
        "'openpyxl', 'typer') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_projection_on_the_terminal_does_not_import_pandas():
    """A cold `milex project` reads its figures and prints its table without pandas (0.3 s of
    imports, a fifth of the command)."""
    code = (
        "import atexit, sys; atexit.register(lambda: print('pandas' in sys.modules, "
        "file=sys.stderr)); sys.argv = ['milex', 'project', '--paths', '500']; "
        "from milex.cli import main; main()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Albania" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "False"


def test_the_tracker_on_the_terminal_does_not_import_pandas():
    """A cold `milex tracker` reads its figures and prints its table from row dicts: pandas'
    imports were a third of the command."""
    code = (
        "import atexit, sys; atexit.register(lambda: print('pandas' in sys.modules, "
        "file=sys.stderr)); sys.argv = ['milex', 'tracker']; from milex.cli import main; main()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Poland" in out.stdout and "NATO total" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "False"


def test_public_api_is_small_sorted_and_lazy():
    import milex

    assert milex.__all__ == sorted(milex.__all__)
    assert set(milex.__all__) == {
        "__version__",
        "country_profile",
        "fiscal",
        "load",
        "project",
        "tracker",
    }
    assert all(callable(getattr(milex, name)) for name in milex.__all__ if name != "__version__")


def test_version_prints_the_package_version():
    import milex

    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"milex {milex.__version__}"


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (["tracker", "--format", "xml"], ["'xml'", "'table'", "'csv'", "'json'"]),
        (["nope"], ["No such command 'nope'", "tracker", "cite"]),
        (["data", "nope"], ["status", "export"]),
    ],
)
def test_a_usage_error_is_one_line_with_the_valid_choices_and_exit_2(args, choices):
    result = run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert all(choice in lines[0] for choice in choices)
    assert "╭" not in result.stderr and "Usage:" not in result.stderr


def test_cite_lists_milex_and_every_snapshot_edition():
    import milex

    result = run("cite", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["software"]["version"] == milex.__version__
    editions = {(s["source"], s["edition"]) for s in milex.load().package["sources"]}
    assert {(s["source"], s["edition"]) for s in payload["sources"]} == editions


def test_cite_for_a_result_lists_only_the_editions_it_used():
    import milex
    from milex.analysis.tracking import tracker

    result = run("cite", "--for", "tracker", "--year", "2023", "--json")
    assert result.exit_code == 0, result.output
    used = {(s["source"], s["edition"]) for s in json.loads(result.stdout)["sources"]}
    expected = {(s["source"], s["edition"]) for s in tracker(2023).summary["sources"]}
    assert used == expected
    assert len(used) < len(milex.load().package["sources"])


def test_citation_file_and_licence_agree_with_the_package():
    from pathlib import Path

    import milex
    from milex.cli.cite import milex_citation

    root = Path(__file__).resolve().parents[1]
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    software = milex_citation()
    assert f'version: "{milex.__version__}"' in cff
    assert f'title: "{software["title"]}"' in cff and "license: MIT" in cff
    assert software["authors"] in cff
    licence = (root / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "the milex developers" in licence


@pytest.mark.parametrize(
    ("args", "code", "stream", "text"),
    [
        (["tracker", "--format", "csv"], 0, "stdout", "POL,"),
        (["tracker", "--year", "1900"], 1, "stderr", "error: no NATO figures for 1900"),
        (["nosuch"], 2, "stderr", "No such command 'nosuch'"),
        (["--version"], 0, "stdout", "milex "),
    ],
)
def test_the_installed_command_flushes_its_output_and_exits_with_its_status(
    args, code, stream, text
):
    # main() leaves through os._exit to skip the interpreter's teardown: nothing may be lost
    done = subprocess.run(
        [sys.executable, "-m", "milex", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, done.stderr
    assert text in getattr(done, stream)
    if args[0] == "tracker" and code == 0:
        lines = done.stdout.splitlines()
        assert len(lines) == 35  # the header, 32 allies and both aggregates, the last one whole
        assert lines[-1].startswith("aggregate,NATO_EU_CA,")
        assert lines[-1].endswith(",2026: 10 of 31 allies with figures")  # the last column whole

"""Terminal tables never cut a number: fitted at 80 columns, plain aligned text when piped.

Checked on the real output of `milex project`, `burden`, `reconcile`, `tracker` and `compare`:
no "…" anywhere, no line wider than the terminal, and every figure of a wide money column is
printed whole (or its column is named in the footer as not shown).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from milex.cli import app, common
from milex.cli.tables import FittedTable, frame_table

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TABULAR = re.compile(r"\S  +\S")
#: Each command, and a column whose every figure must appear whole: (header, CSV column, format).
COMMANDS = {
    "project": (["project"], "extra to horizon", "extra_to_horizon_m", "{:,.0f}"),
    "burden": (
        ["burden"],
        "milex_per_service_member_usd",
        "milex_per_service_member_usd",
        "{:,.2f}",
    ),
    "reconcile": (["reconcile"], "nato_pct_gdp", "nato_pct_gdp", "{:,.2f}"),
    "tracker": (["tracker"], "Gap3.5%", "gap_3_5pct_usd_m", "{:,.0f}"),
    "compare": (["compare", "--basis", "mer"], None, None, None),
}


def run(args: list[str], monkeypatch, terminal: bool) -> str:
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "_width", None)
    env = {"COLUMNS": "80", "TTY_COMPATIBLE": "1" if terminal else "0"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.stdout)


def figures(args: list[str], column: str, fmt: str) -> list[str]:
    result = CliRunner().invoke(app, [*args, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    return [fmt.format(float(r[column])) for r in rows if r.get(column) not in ("", None)]


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal-80", "piped"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_number_is_cut(name, terminal, monkeypatch):
    args, header, column, fmt = COMMANDS[name]
    text = run(args, monkeypatch, terminal)
    assert "…" not in text
    if terminal:  # table lines (columns apart by two spaces) fit; prose lines soft-wrap
        assert max(len(line) for line in text.splitlines() if TABULAR.search(line)) <= 80
    else:
        assert not set("┏┃━│─╇") & set(text), "piped output is plain text"
    if header is None:
        return
    dropped = "not shown" in text and header in text.split("not shown", 1)[1]
    if not dropped:
        for value in figures(args, column, fmt):
            assert value in text, (name, value)


def test_piped_output_keeps_every_column_on_one_line_per_row(monkeypatch):
    text = run(["burden"], monkeypatch, terminal=False)
    lines = text.splitlines()
    header = lines[1]
    assert header.split("  ")[:1] == ["ISO3"] and "Defence share %  GDP share %" in header
    assert "Equipment per capita, US$" in header  # human headers with units, in a pipe too
    assert any(line.startswith("USA   United States") for line in lines)


def _render(table: FittedTable, width: int) -> str:
    console = Console(width=width, force_terminal=True, color_system=None)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def test_a_narrow_terminal_drops_the_rightmost_columns_and_says_so():
    frame = pd.DataFrame(
        {
            "iso3": ["DEU", "GBR"],
            "country": ["Germany", "United Kingdom"],
            "spending_usd_m": [90_123.45, 81_000.5],
            "gdp_usd_m": [4_456_081.2, 3_340_032.0],
            "population": [84_000_000, 68_000_000],
        }
    )
    text = _render(frame_table(frame, "t"), 45)
    assert "90,123.45" in text and "4,456,081.20" in text
    assert "Population" not in text.split("not shown")[0]
    assert "not shown at 45 columns: Population" in " ".join(text.split())
    assert "United" in text and "Kingdom" in text  # the name wraps onto two lines
    assert max(len(line) for line in text.splitlines()) <= 45


def test_a_narrow_terminal_gives_up_the_named_lesser_columns_first():
    frame = pd.DataFrame(
        {
            "country": ["United States", "France"],
            "verdict": ["plan at or above the line", "plan below the line"],
            "gap_usd_m": [76_003.61, 25_845.41],
            "currency": ["USD", "EUR"],
            "gap_lcu_m": [76_003.61, 22_263.58],
        }
    )
    table = frame_table(frame, "t", drop_first=("currency", "gap_lcu_m"))
    text = _render(table, 50)
    shown = text.split("not shown")[0]
    assert "76,003.61" in shown and "above" in shown  # the gap and the verdict stay
    assert "USD" not in shown and "22,263.58" not in shown
    assert "not shown at 50 columns: Currency, Gap, LCU m" in " ".join(text.split())
    assert "USD" in _render(table, 62)  # only what does not fit gives way


def test_human_headers_put_units_last():
    from milex.cli.tables import human_header

    assert human_header("gap_usd_m") == "Gap, US$ m"
    assert human_header("line_pct") == "Line %"
    assert human_header("milex_share_pct") == "Defence share %"
    assert human_header("milex_pct_gdp") == "% of GDP"
    assert human_header("Ratio, PPP") == "Ratio, PPP"  # a name already for people stays


def test_a_wide_terminal_shows_every_column_unwrapped():
    frame = pd.DataFrame({"iso3": ["GBR"], "country": ["United Kingdom"], "value": [1234.5]})
    text = _render(frame_table(frame, "t"), 120)
    assert "United Kingdom" in text and "1,234.50" in text and "not shown" not in text


def test_numbers_formatted_as_text_are_still_numbers():
    frame = pd.DataFrame({"money": ["1,234", "56,789,012"], "name": ["a", "b"]})
    table = frame_table(frame, "t")
    assert table.numeric == [True, False]
    assert table.justify == ["right", "left"]

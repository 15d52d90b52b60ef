"""Helpers every CLI command shares: consoles, error handling, formats, table output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

console = Console()
OutputOption = Annotated[
    Path | None, typer.Option(help="Write to this file (format from --format).")
]
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


def handle_errors(command: F) -> F:
    """Turn a MilexError into one clear line on stderr and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MilexError as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def emit(
    frame: pd.DataFrame,
    fmt: str,
    output: Path | None,
    title: str,
    meta: dict[str, Any] | None = None,
) -> None:
    """Show a frame as a Rich table, or write/print it as CSV, JSON, XLSX or Parquet."""
    from milex import export

    if output is not None:
        written = export.write(frame, output, None if fmt == "table" else fmt, meta)
        err_console.print(f"wrote {len(frame)} rows to {written}")
    elif fmt == "table":
        console.print(rich_table(frame, title))
    else:
        sys.stdout.write(export.to_text(frame, fmt, meta))


def rich_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "fi"
        table.add_column(str(column), justify="right" if numeric else "left")
    for values in frame.itertuples(index=False):
        table.add_row(*[_cell(v) for v in values])
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:,.2f}"
    return str(value)


def sources_meta(ds: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Sources and editions behind a frame, for JSON output."""
    return {"sources": ds.citations(frame)}

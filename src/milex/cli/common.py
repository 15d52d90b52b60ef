"""Helpers every CLI command shares: consoles, error handling, formats, table output.

Errors stop at the command boundary (:func:`handle_errors`): whatever goes wrong, the user sees
one line naming the file, field or parameter, and a non-zero exit status, never a traceback.
Error text is printed verbatim (no Rich markup), so a location such as ``[row 3, column 2]``
survives. Set ``MILEX_DEBUG=1`` to see the traceback of an unexpected error.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from milex.cli.tables import FittedTable, MilexConsole, frame_table
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

console = MilexConsole()
OutputOption = Annotated[
    Path | None, typer.Option(help="Write to this file (format from --format).")
]
err_console = MilexConsole(stderr=True)
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
    """Turn any error into one clear line on stderr and a non-zero exit, never a traceback.

    MilexError carries its own message. Decoding, nesting and operating-system errors (disk
    full, read-only file system, a directory where a file was expected, no permission) are
    named after the file they concern, or else the files the command was given.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except MilexError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        except Exception as exc:
            if os.environ.get("MILEX_DEBUG"):
                raise
            fail(describe(exc, _paths(kwargs)))

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int = 1) -> None:
    """Print ``error: message`` as one line on stderr (no markup) and exit with ``code``."""
    line = " ".join(message.split())
    err_console.print(f"error: {line}", highlight=False, soft_wrap=True, markup=False, style="red")
    raise typer.Exit(code)


def describe(exc: BaseException, files: list[Path]) -> str:
    """A one-line explanation of an unexpected error, naming the file it concerns."""
    given = ", ".join(str(p) for p in files) or "the input"
    if isinstance(exc, UnicodeDecodeError):
        return f"{given}: not UTF-8 text (byte {exc.start}: {exc.reason})"
    if isinstance(exc, RecursionError):
        return f"{given}: nested too deeply to read"
    if isinstance(exc, MemoryError):
        return f"{given}: too large to process in memory"
    if isinstance(exc, OSError):
        name = exc.filename or given
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason = "no space left on the device"
        elif exc.errno == errno.EROFS:
            reason = "the file system is read-only"
        elif isinstance(exc, IsADirectoryError):
            reason = "is a directory, not a file"
        return f"cannot use {name}: {reason}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"unexpected {type(exc).__name__} while handling {given}: {text[:300]}"


def _paths(kwargs: dict[str, Any]) -> list[Path]:
    found: list[Path] = []
    for value in kwargs.values():
        if isinstance(value, Path):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, Path))
    return found


def emit(
    frame: pd.DataFrame,
    fmt: str,
    output: Path | None,
    title: str,
    meta: dict[str, Any] | None = None,
    *,
    drop_first: tuple[str, ...] = (),
) -> None:
    """Show a frame as a Rich table, or write/print it as CSV, JSON, XLSX or Parquet.

    On a narrow terminal the columns in ``drop_first`` give way first, in that order.
    """
    from milex.present import export

    if output is not None:
        written = export.write(frame, output, None if fmt == "table" else fmt, meta)
        err_console.print(f"wrote {len(frame)} rows to {written}")
    elif fmt == "table":
        console.print(rich_table(frame, title, drop_first=drop_first))
    else:
        sys.stdout.write(export.to_text(frame, fmt, meta))


def rich_table(
    frame: pd.DataFrame, title: str, *, keep: int = 2, drop_first: tuple[str, ...] = ()
) -> FittedTable:
    """The frame as a table fitted to the terminal (plain aligned text when piped)."""
    return frame_table(frame, title, keep=keep, drop_first=drop_first)


def sources_meta(ds: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Sources and editions behind a frame, for JSON output."""
    return {"sources": ds.citations(frame)}

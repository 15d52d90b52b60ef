"""Helpers every publisher parser shares: file checks, hashing, observation rows, name resolution."""

from __future__ import annotations

import contextlib
import hashlib
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data._bounds import check_file, check_xlsx
from milex.data.schema import COLUMNS, join_flags
from milex.errors import MilexError, SourceError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Resource:
    """Provenance of one raw publisher file, as datapackage.json records it."""

    name: str
    source: str
    path: str  # file name relative to the raw directory
    publisher: str
    url: str
    edition: str
    licence: str
    retrieved: str  # ISO date the file was obtained
    citation: str
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_file(path: Path) -> Path:
    """The path, or a SourceError saying it is missing or empty."""
    if not path.is_file():
        raise SourceError(path, None, "file not found")
    if path.stat().st_size == 0:
        raise SourceError(path, None, "file is empty")
    check_file(path)  # a size cap before anything reads it (milex.data._bounds)
    return path


#: A run of this many empty rows (or columns) ends a sheet's data: anything beyond it is a stray cell.
MAX_EMPTY_ROWS = 1000
MAX_EMPTY_COLUMNS = 200


def open_workbook(path: Path, *, styles: bool = True) -> Any:
    """Open an xlsx with openpyxl, bounded to the cells that really hold data.

    A truncated or non-xlsx file is a SourceError. Every sheet is clamped to its data: a sheet
    whose declared size is inflated (a formatted cell at XFD1048576) would otherwise make
    ``iter_rows`` produce 16,384 x 1,048,576 cells; empty cells beyond the data are dropped, and a
    value far beyond it (after a run of MAX_EMPTY_ROWS empty rows or MAX_EMPTY_COLUMNS empty
    columns) is an error naming the cell, never silently read or silently ignored.
    """
    import openpyxl

    require_file(path)
    if not zipfile.is_zipfile(path):
        raise SourceError(path, None, "not a valid .xlsx file (truncated or wrong format)")
    check_xlsx(path)  # a zip bomb is refused before openpyxl expands it (milex.data._bounds)
    try:
        workbook = openpyxl.load_workbook(path, read_only=not styles, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(
            path, None, f"cannot read workbook ({exc.__class__.__name__}: {exc})"
        ) from exc
    try:
        for ws in workbook.worksheets:
            _clamp_sheet(ws, path)
    except BaseException:
        workbook.close()
        raise
    return workbook


def _holds_data(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _sheet_cells(ws: Any) -> list[tuple[int, int, Any]]:
    """(row, column, value) of every cell holding data, streamed from the sheet XML if read-only."""
    if hasattr(ws, "_cells"):  # a fully loaded worksheet: only the cells the file holds
        return [(r, c, cell.value) for (r, c), cell in ws._cells.items() if _holds_data(cell.value)]
    from openpyxl.worksheet._reader import WorkSheetParser

    out = []
    with ws._get_source() as src:
        for _, cells in WorkSheetParser(src, ws._shared_strings, data_only=True).parse():
            out += [(c["row"], c["column"], c["value"]) for c in cells if _holds_data(c["value"])]
    return out


def _last_before_gap(indices: Iterable[int], gap: int) -> int:
    """The last index before the first run of more than ``gap`` missing ones (0 if none)."""
    last = 0
    for i in sorted(set(indices)):
        if last and i - last > gap:
            break
        last = i
    return last


def _clamp_sheet(ws: Any, path: Path) -> None:
    """Limit a worksheet to the rows and columns that hold data (see open_workbook)."""
    from openpyxl.utils import get_column_letter

    cells = _sheet_cells(ws)
    max_row = _last_before_gap((r for r, _, _ in cells), MAX_EMPTY_ROWS)
    max_col = _last_before_gap((c for r, c, _ in cells if r <= max_row), MAX_EMPTY_COLUMNS)
    stray = [(r, c, v) for r, c, v in cells if r > max_row or c > max_col]
    if stray:
        listed = ", ".join(f"{get_column_letter(c)}{r} = {v!r}" for r, c, v in stray[:5])
        more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
        raise SourceError(
            path,
            f"{ws.title}!{get_column_letter(stray[0][1])}{stray[0][0]}",
            f"stray cell(s) far outside the sheet's data, which ends at "
            f"{get_column_letter(max(max_col, 1))}{max(max_row, 1)}: {listed}{more}",
        )
    max_row, max_col = max(max_row, 1), max(max_col, 1)
    if hasattr(ws, "_cells"):
        for key in [k for k in ws._cells if k[0] > max_row or k[1] > max_col]:
            del ws._cells[key]
    else:
        ws._max_row, ws._max_column = max_row, max_col


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV as text columns; a cut last line or a parser failure is an error naming the row.

    A file whose last line has no newline and fewer fields than the header was cut in transfer
    (pandas would quietly fill the missing fields); an unterminated quote is reported with its row
    (rows count file lines, the header being row 1).
    """
    import pandas as pd

    require_file(path)
    check_csv_complete(path)
    try:
        table: pd.DataFrame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8", **kwargs
        )
        return table
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        found = re.search(r"starting at row (\d+)", str(exc))
        where = f"row {int(found.group(1)) + 1}" if found else None
        raise SourceError(path, where, f"cannot parse CSV ({exc})") from exc


def check_csv_complete(path: Path) -> None:
    """Raise if the file's last line is cut: no final newline and fewer fields than the header."""
    import csv

    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.readline()
        handle.seek(max(0, size - (1 << 16)))
        tail = handle.read()
    if tail.endswith((b"\n", b"\r")) or not header.endswith(b"\n"):
        return
    last = tail.rsplit(b"\n", 1)[-1]

    def fields(line: bytes) -> int:
        return len(next(csv.reader([line.decode("utf-8", "replace").rstrip("\r\n")]), []))

    expected, got = fields(header), fields(last)
    if got < expected:
        with path.open("rb") as handle:
            lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
        raise SourceError(
            path,
            f"row {lines + 1}",
            f"last line is cut: {got} of the header's {expected} fields and no final newline "
            "(incomplete download?)",
        )


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path) -> None:
    """Raise naming every expected column the file lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(
            path, "header", f"missing column(s) {missing}; found {list(frame.columns)}"
        )


def parse_number(text: str, path: Path, location: str) -> float | None:
    """A CSV cell as float; '' is missing; anything else non-numeric is an error naming the cell."""
    text = text.strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise SourceError(path, location, f"expected a number, found {text!r}") from None


def row(
    iso3: str,
    year: int,
    measure: str,
    source: str,
    edition: str,
    value: float,
    unit: str,
    flags: Iterable[str] = (),
    origin: str = "",
) -> dict[str, Any]:
    """One observation as a dict in schema column order."""
    values = (
        iso3,
        int(year),
        measure,
        source,
        edition,
        float(value),
        unit,
        join_flags(tuple(flags)),
        origin,
    )
    return dict(zip(COLUMNS, values, strict=True))


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Observation rows as a DataFrame with the schema's columns and dtypes."""
    import pandas as pd

    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype({"year": "int64", "value": "float64"})


@contextlib.contextmanager
def naming(*paths: Path) -> Iterator[None]:
    """Re-raise an unexpected exception while reading ``paths`` as a SourceError naming the file.

    The file is the innermost ``path`` a reader was handling when it failed (one of ``paths`` or a
    file inside one of them, when they are folders); failing that, the first of ``paths``.
    Errors milex raises on purpose already name their file and pass through unchanged.
    """
    try:
        yield
    except MilexError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) and exc.filename:
            raise  # already names its file; the CLI says so in one line
        path = _file_of(exc, paths)
        if isinstance(exc, MemoryError):
            reason = "too large to process in memory"
        elif isinstance(exc, RecursionError):
            reason = "nested too deeply to read"
        else:
            text = " ".join(str(exc).split())[:300] or type(exc).__name__
            reason = f"cannot read ({type(exc).__name__}: {text})"
        raise SourceError(path, _cell_of(exc), reason) from exc


def _file_of(exc: BaseException, paths: tuple[Path, ...]) -> Path:
    """The innermost file among (or inside) ``paths`` that the traceback's frames were reading."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        value = _milex_local(tb.tb_frame, "path")
        if isinstance(value, Path) and any(value == p or value.is_relative_to(p) for p in paths):
            found = value
        tb = tb.tb_next
    return found or (paths[0] if paths else Path("the input"))


def _cell_of(exc: BaseException) -> str | None:
    """The row a CSV reader was on when it failed, where a frame says so (``line``)."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        line = _milex_local(tb.tb_frame, "line")
        if isinstance(line, int) and not isinstance(line, bool):
            found = f"row {line}"
        tb = tb.tb_next
    return found


def _milex_local(frame: Any, name: str) -> Any:
    """A local variable of a milex frame (library frames are never taken as evidence)."""
    if not str(frame.f_globals.get("__name__", "")).startswith("milex."):
        return None
    return frame.f_locals.get(name)

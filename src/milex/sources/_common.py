"""Helpers every publisher parser shares: file checks, hashing, observation rows, name resolution."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import SourceError
from milex.schema import COLUMNS, join_flags

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
    return path


def open_workbook(path: Path, *, styles: bool = True) -> Any:
    """Open an xlsx with openpyxl, turning a truncated or non-xlsx file into a SourceError."""
    import openpyxl

    require_file(path)
    if not zipfile.is_zipfile(path):
        raise SourceError(path, None, "not a valid .xlsx file (truncated or wrong format)")
    try:
        return openpyxl.load_workbook(path, read_only=not styles, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(
            path, None, f"cannot read workbook ({exc.__class__.__name__}: {exc})"
        ) from exc


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV as text columns, turning parser failures into a SourceError naming the file."""
    import pandas as pd

    require_file(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(path, None, f"cannot parse CSV ({exc})") from exc


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

"""Write a DataFrame as CSV, JSON, XLSX or Parquet, atomically: a failed write leaves no file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.atomic import write_output
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "json", "xlsx", "parquet")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-safe dicts (NaN becomes null): for JSON output and API payloads."""
    out: list[dict[str, Any]] = json.loads(
        frame.to_json(orient="records", force_ascii=False, double_precision=15)
    )
    return out


class RawJSON(str):
    """JSON text already encoded, placed as it is inside a payload by ``milex.web.api.encode``
    (decoding pandas' output only to encode it again costs a large projection 30 ms)."""


def records_json(frame: pd.DataFrame) -> RawJSON:
    """``records(frame)`` as JSON text: the same values, not decoded."""
    return RawJSON(frame.to_json(orient="records", force_ascii=False, double_precision=15))


def to_text(frame: pd.DataFrame, fmt: str, meta: dict[str, Any] | None = None) -> str:
    """CSV or JSON text. JSON is an object: ``meta`` (sources, editions, ...) and ``data`` rows."""
    if fmt == "csv":
        return str(frame.to_csv(index=False, lineterminator="\n"))
    if fmt == "json":
        rows = records(frame)
        try:
            text = json.dumps(
                {**(meta or {}), "data": rows}, ensure_ascii=False, indent=1, allow_nan=False
            )
        except ValueError:
            raise MilexError("a result holds a number JSON cannot carry (inf or NaN)") from None
        return text + "\n"
    raise MilexError(f"format {fmt!r} cannot be printed; use --output FILE")


def write(
    frame: pd.DataFrame, path: Path, fmt: str | None = None, meta: dict[str, Any] | None = None
) -> Path:
    """Write frame to path in fmt (default: from the extension), via a temporary file and rename."""
    path = Path(path)
    if path.is_dir():
        raise MilexError(f"cannot write {path}: it is a directory; give a file name")
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise MilexError(
            f"unsupported output format {fmt!r} for {path}; use one of {', '.join(FORMATS)}"
        )

    def content(tmp: Path) -> None:
        if fmt in ("csv", "json"):
            tmp.write_text(to_text(frame, fmt, meta), encoding="utf-8")
        elif fmt == "xlsx":
            frame.to_excel(tmp, index=False, engine="openpyxl")
        else:
            frame.to_parquet(tmp, index=False)

    return write_output(path, content)

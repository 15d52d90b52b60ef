"""Tables people read: the natural table of a figure, its formatting, CSV and a zip with metadata.

A figure's table is built from the same result its chart draws (see ``figure_tables``), never
scraped from the chart's spec: columns carry a human header with its unit and a kind that fixes
how a value prints (years as years, ranks as integers, shares to 2 decimals, money with thousands
separators on a page and as plain numbers at a sensible precision in a CSV).
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from milex.data.schema import FLAGS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KINDS", "Column", "Table", "flag_meanings", "metadata", "to_zip"]

#: How each kind of column prints: decimals on a page and in a CSV (None: as text).
KINDS: dict[str, tuple[int | None, int | None]] = {
    "year": (0, 0),
    "int": (0, 0),
    "pct": (2, 2),
    "money": (0, 1),  # millions or billions: whole on a page, one decimal in a file
    "ratio": (2, 3),
    "text": (None, None),
    "status": (None, None),  # a standing against a guideline: met, not met, no data, ...
}
LICENCE = "milex code: see the project's licence; figures: each publisher's licence, listed below"


@dataclass(frozen=True)
class Column:
    """One column: the key in a row, the header people read (with its unit) and its kind."""

    key: str
    header: str
    kind: str = "text"
    unit: str = ""

    def value(self, raw: Any) -> Any:
        """The value for a file: plain numbers at the kind's precision, missing as None."""
        if _missing(raw):
            return None
        places = KINDS[self.kind][1]
        if places is None:
            return str(raw)
        number = float(raw)
        return round(number) if places == 0 else round(number, places)

    def text(self, raw: Any) -> str:
        """The value for a page: separators for money, fixed decimals for shares; '' if missing."""
        if _missing(raw):
            return ""
        places = KINDS[self.kind][0]
        if places is None:
            return str(raw)
        number = float(raw)
        if self.kind == "year":
            return str(round(number))
        text = f"{number:,.{places}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0"

    @property
    def numeric(self) -> bool:
        return KINDS[self.kind][0] is not None


def _missing(raw: Any) -> bool:
    if raw is None or raw == "":
        return True
    return isinstance(raw, float) and math.isnan(raw)


@dataclass(frozen=True)
class Table:
    """A figure's table: its title, columns, rows (dicts keyed by ``Column.key``), what it rests
    on (``sources``: the datapackage entries) and the full data behind it (``full``)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    sources: list[dict[str, Any]] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    full: pd.DataFrame | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    #: what the analysis adds up to, where it says (the tracker's notes and aggregate checks)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def records(self) -> list[dict[str, Any]]:
        """The rows as a file holds them: human headers, plain numbers at their precision."""
        return [{c.header: c.value(r.get(c.key)) for c in self.columns} for r in self.rows]

    def cells(self) -> list[list[str]]:
        """The rows as a page prints them, cell by cell."""
        return [[c.text(r.get(c.key)) for c in self.columns] for r in self.rows]

    def to_csv(self) -> str:
        """The table as CSV: human headers, integer years, no 16-digit floats."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.headers)
        for record in self.records():
            writer.writerow(["" if v is None else v for v in record.values()])
        return out.getvalue()

    def full_csv(self) -> str:
        """The full data behind the table (the analysis's own frame), as CSV."""
        if self.full is None:
            return self.to_csv()
        frame = self.full.copy()
        for column in frame.columns:
            if frame[column].dtype.kind == "f":
                whole = frame[column].dropna()
                if len(whole) and (whole == whole.round()).all() and "year" in str(column):
                    frame[column] = frame[column].astype("Int64")
                else:
                    frame[column] = frame[column].round(6)
        return str(frame.to_csv(index=False, lineterminator="\n"))


def flag_meanings(table: Table) -> dict[str, str]:
    """The flags that occur in the table's full data, with what each means."""
    if table.full is None or "flags" not in table.full.columns:
        return {}
    seen = {f for v in table.full["flags"].dropna() for f in str(v).replace(";", ",").split(",")}
    return {f: FLAGS[f] for f in FLAGS if f in {s.strip() for s in seen}}


def metadata(table: Table, *, retrieved_by: str = "milex") -> dict[str, Any]:
    """What the zip's ``metadata.json`` says: the table, its columns and units, the sources (with
    editions, URLs, retrieval dates, licences and citations), flags and notes."""
    keys = ("source", "publisher", "title", "edition", "published", "url", "retrieved",
            "licence", "citation", "price_base", "definition", "sha256", "id", "date", "note")  # fmt: skip
    sources = [{k: s[k] for k in keys if s.get(k) not in (None, "")} for s in table.sources]
    citations = [s["citation"] for s in sources if s.get("citation")]
    return {
        "name": table.name,
        "title": table.title,
        "parameters": {k: v for k, v in table.parameters.items() if v is not None},
        "columns": [
            {"header": c.header, "key": c.key, "unit": c.unit or None, "kind": c.kind}
            for c in table.columns
        ],
        "rows": len(table.rows),
        "sources": sources,
        "editions": sorted({s["edition"] for s in sources if s.get("edition")}),
        "flags": flag_meanings(table),
        "notes": list(table.notes),
        "licence": LICENCE,
        "citation": "; ".join(citations) + (f" Prepared with {retrieved_by}." if citations else ""),
        "files": {
            f"{table.name}.csv": "the table shown on the page",
            f"{table.name}-full.csv": "the full data behind it (the analysis's own columns)",
            "metadata.json": "this file",
        },
    }


def to_zip(table: Table) -> bytes:
    """The table, the full data and ``metadata.json`` in one zip (deterministic bytes)."""
    out = io.BytesIO()
    files = {
        f"{table.name}.csv": table.to_csv(),
        f"{table.name}-full.csv": table.full_csv(),
        "metadata.json": json.dumps(metadata(table), indent=2, ensure_ascii=False, default=str),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return out.getvalue()

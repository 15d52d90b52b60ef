"""User overlays: CSVs of the user's own figures, read and checked line by line.

An overlay (e.g. an estimate for North Korea) carries a source and flags. Every problem names the
file, line and field; nothing is coerced (a blank or non-numeric value is an error, never 0). Its
rows become observations with ``source="user:<name>"`` so every output that uses them labels them
as user data. Overlays are never written into the snapshot: analyses take them as an argument.

File format (UTF-8, comma-separated, header on line 1)::

    country,year,measure,value,unit,source,flags
    PRK,2024,milex_usd,4000,USD m,"My estimate from KIDA 2024 (3.2 trn won)",estimate

Required columns: ``country`` (ISO3 or any publisher spelling), ``year``, ``measure`` (a measure
id), ``value`` and ``source`` (who made the figure). Optional: ``unit`` (defaults to the
measure's unit; required where the unit carries a base year, e.g. ``USD m constant 2023``),
``flags`` (``;``-separated flags from the schema) and ``note``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milex.data.registry import Registry, default_registry
from milex.data.schema import COLUMNS, FLAGS, MEASURES
from milex.errors import MilexError, UnknownCountryError

if TYPE_CHECKING:
    import pandas as pd


REQUIRED = ("country", "year", "measure", "value", "source")


OPTIONAL = ("unit", "flags", "note")


#: Measures whose figures may be negative (changes, growth, balances); every other one must be >= 0.
SIGNED_MEASURES = frozenset(
    {
        "milex_real_change_pct",
        "milex_real_change_since_2014_pct",
        "gdp_real_growth_pct",
        "inflation_cpi_pct",
        "inflation_gdp_deflator_pct",
        "govt_net_lending_pct_gdp",
    }
)


NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


YEAR_RANGE = (1900, 2100)


class OverlayError(MilexError):
    """An overlay file that cannot be used; the message names the file, line and field."""

    def __init__(self, path: Path, line: int | None, field: str | None, message: str) -> None:
        self.path, self.line, self.field = path, line, field
        where = path.name + (f", line {line}" if line else "") + (f", {field}" if field else "")
        super().__init__(f"overlay {where}: {message}")


@dataclass(frozen=True)
class Overlay:
    """A validated user overlay: its rows in the observation columns, labelled ``user:<name>``."""

    name: str
    path: Path
    sha256: str
    frame: pd.DataFrame

    @property
    def source(self) -> str:
        return f"user:{self.name}"

    @property
    def citations(self) -> list[str]:
        """The distinct ``source`` texts the user gave (who made the figures)."""
        return sorted(set(self.frame["citation"]))

    def meta(self) -> dict[str, str]:
        """Provenance entry in the shape of the snapshot's source list (for JSON output)."""
        return {
            "source": self.source,
            "edition": self.edition,
            "citation": "; ".join(self.citations),
            "url": str(self.path),
            "licence": "user-supplied data (not from a publisher)",
        }

    @property
    def edition(self) -> str:
        return f"{self.path.name} sha256:{self.sha256[:12]}"


def read_overlay(
    path: str | Path, *, name: str | None = None, registry: Registry | None = None
) -> Overlay:
    """Read and validate an overlay CSV; raises OverlayError naming the file, line and field."""
    import pandas as pd

    path = Path(path)
    name = _overlay_name(path, name)
    if not path.is_file():
        raise OverlayError(path, None, None, f"file not found: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OverlayError(path, None, None, f"not UTF-8 text ({exc.reason})") from None
    registry = registry or default_registry()
    rows = _parse(path, text, name, raw, registry)
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "citation"])
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return Overlay(name, path, hashlib.sha256(raw).hexdigest(), frame)


def read_overlays(paths: Iterable[str | Path], registry: Registry | None = None) -> list[Overlay]:
    """Read several overlays; two overlays with the same name are an error."""
    overlays = [read_overlay(p, registry=registry) for p in paths]
    names = [o.name for o in overlays]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise MilexError(f"two overlays share the name {duplicated[0]!r}; rename one file")
    return overlays


def _overlay_name(path: Path, name: str | None) -> str:
    candidate = name if name is not None else re.sub(r"[^a-z0-9_-]+", "_", path.stem.lower())
    candidate = candidate.strip("_-") if name is None else candidate
    if not NAME_PATTERN.match(candidate):
        raise OverlayError(
            path,
            None,
            None,
            f"overlay name {candidate!r} must be 1-40 lower-case letters, digits, '_' or '-'",
        )
    return candidate


def _parse(path: Path, text: str, name: str, raw: bytes, registry: Registry) -> list[list[object]]:
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    header = next(_records(path, reader), None)
    if header is None or not any(h.strip() for h in header):
        raise OverlayError(path, 1, None, "empty file; expected a header " + ",".join(REQUIRED))
    columns = [h.strip().lower() for h in header]
    _check_header(path, columns)
    edition = f"{path.name} sha256:{hashlib.sha256(raw).hexdigest()[:12]}"
    rows: list[list[object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for values in _records(path, reader):
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            raise OverlayError(
                path, line, None, f"{len(values)} fields, but the header has {len(columns)}"
            )
        record = dict(zip(columns, (v.strip() for v in values), strict=True))
        row = _row(path, line, record, registry)
        key = (str(row["iso3"]), str(row["year"]), str(row["measure"]))
        if key in seen:
            raise OverlayError(
                path, line, None, f"{key[0]} {key[1]} {key[2]} already given on line {seen[key]}"
            )
        seen[key] = line
        origin = f"{path.name}:{line}" + (f" ({record['note']})" if record.get("note") else "")
        rows.append(
            [
                row["iso3"],
                row["year"],
                row["measure"],
                f"user:{name}",
                edition,
                row["value"],
                row["unit"],
                row["flags"],
                origin,
                record["source"],
            ]
        )
    if not rows:
        raise OverlayError(path, None, None, "no figures after the header")
    return rows


def _records(path: Path, reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The CSV records, turning a malformed line (stray quote, NUL byte) into an OverlayError."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", None)
            raise OverlayError(path, line, None, f"not valid CSV ({exc})") from None
        yield record


def _check_header(path: Path, columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise OverlayError(
            path,
            1,
            None,
            f"missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED)}",
        )
    unknown = [c for c in columns if c not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise OverlayError(
            path,
            1,
            unknown[0],
            f"unknown column {unknown[0]!r}; allowed: {', '.join((*REQUIRED, *OPTIONAL))}",
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise OverlayError(path, 1, duplicated[0], "column appears twice")


def _row(path: Path, line: int, record: dict[str, str], registry: Registry) -> dict[str, object]:
    for column in REQUIRED:
        if not record[column]:
            raise OverlayError(path, line, column, "empty; a value is required")
    iso3 = _country(path, line, record["country"], registry)
    year = _year(path, line, record["year"])
    measure = _measure(path, line, record["measure"])
    value = _value(path, line, record["value"], measure)
    unit = _unit(path, line, record.get("unit", ""), measure)
    flags = _flags(path, line, record.get("flags", ""))
    return {
        "iso3": iso3,
        "year": year,
        "measure": measure,
        "value": value,
        "unit": unit,
        "flags": flags,
    }


def _country(path: Path, line: int, text: str, registry: Registry) -> str:
    try:
        code = registry.resolve(text)
    except UnknownCountryError as exc:
        hint = exc.suggestions.get(text)
        tip = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise OverlayError(path, line, "country", f"unknown country {text!r}{tip}") from None
    if code not in registry.countries:
        raise OverlayError(
            path, line, "country", f"{text!r} is a bloc or aggregate; give one country per line"
        )
    return code


def _year(path: Path, line: int, text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise OverlayError(path, line, "year", f"{text!r} is not a whole year") from None
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise OverlayError(path, line, "year", f"{year} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    return year


def _measure(path: Path, line: int, text: str) -> str:
    known = {m.id for m in MEASURES}
    if text not in known:
        close = difflib.get_close_matches(text, sorted(known), n=3)
        tip = f"; did you mean {', '.join(close)}?" if close else ""
        raise OverlayError(path, line, "measure", f"unknown measure {text!r}{tip}")
    return text


def _value(path: Path, line: int, text: str, measure: str) -> float:
    try:
        if "_" in text:  # float() accepts 1_000; a CSV figure with underscores is a typo
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise OverlayError(path, line, "value", f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise OverlayError(path, line, "value", f"{text!r} is not a finite number")
    if value < 0 and measure not in SIGNED_MEASURES:
        raise OverlayError(path, line, "value", f"{value:g} is negative; {measure} cannot be")
    return value


def _unit(path: Path, line: int, text: str, measure: str) -> str:
    template = next(m.unit for m in MEASURES if m.id == measure)
    if "<base>" not in template:
        if text and text != template:
            raise OverlayError(
                path, line, "unit", f"{text!r} is not the unit of {measure} ({template!r})"
            )
        return template
    example = template.replace("<base>", "2023")
    if not text:
        raise OverlayError(
            path, line, "unit", f"required for {measure}, which carries its base year: {example!r}"
        )
    pattern = re.escape(template).replace(re.escape("<base>"), r"(?:FY)?\d{4}(?:/\d{2})?")
    if not re.fullmatch(pattern, text):
        raise OverlayError(
            path, line, "unit", f"{text!r} does not match {template!r}, e.g. {example!r}"
        )
    return text


def _flags(path: Path, line: int, text: str) -> str:
    flags = {f.strip() for f in text.split(";") if f.strip()}
    unknown = sorted(flags - FLAGS.keys())
    if unknown:
        raise OverlayError(
            path, line, "flags", f"unknown flag {unknown[0]!r}; allowed: {', '.join(sorted(FLAGS))}"
        )
    return ";".join(sorted(flags))

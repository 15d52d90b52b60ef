"""User inputs: overlay CSVs of the user's own figures, and the parameter checks analyses share.

An overlay (e.g. an estimate for North Korea) carries a source and flags. It is validated line
by line and every problem names the file, line and field; nothing is coerced (a blank or
non-numeric value is an error, never 0). Its rows become observations with
``source="user:<name>"`` so every output that uses them labels them as user data. Overlays are
never written into the snapshot: analyses take them as an explicit argument.

File format (UTF-8, comma-separated, header on line 1)::

    country,year,measure,value,unit,source,flags
    PRK,2024,milex_usd,4000,USD m,"My estimate from KIDA 2024 (3.2 trn won)",estimate

Required columns: ``country`` (ISO3 or any publisher spelling), ``year``, ``measure`` (a measure
id), ``value`` and ``source`` (who made the figure). Optional: ``unit`` (defaults to the measure's
unit; required where the unit carries a base year, e.g. ``USD m constant 2023``), ``flags``
(``;``-separated flags from the schema) and ``note``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES, Registry, default_registry
from milex.data.schema import COLUMNS, FLAGS, MEASURES
from milex.errors import MilexError, UnknownCountryError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

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


# ----------------------------------------------------------------------------------------------
def series_with_overlays(
    ds: Dataset,
    measure: str,
    countries: Sequence[str],
    source: str,
    years: tuple[int, int] | None,
    overlays: Sequence[Overlay] = (),
    *,
    include_secondary: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """A publisher's rows for one measure with overlay rows laid over them, plus notes.

    An overlay figure takes the place of the publisher's figure for the same country and year
    (the note names each one it replaced); later overlays win over earlier ones. Rows keep their
    own ``source``, so user figures stay labelled ``user:<name>``.
    """
    import pandas as pd

    base = ds.series(measure, list(countries), source, years, include_secondary=include_secondary)
    notes: list[str] = []
    layers = [base]
    for overlay in overlays:
        rows = overlay.frame[
            (overlay.frame["measure"] == measure) & overlay.frame["iso3"].isin(list(countries))
        ]
        if years is not None:
            rows = rows[rows["year"].between(years[0], years[1])]
        if rows.empty:
            continue
        keys = set(zip(rows["iso3"], rows["year"], strict=True))
        for frame in layers:
            hit = [(i, y) in keys for i, y in zip(frame["iso3"], frame["year"], strict=True)]
            for i, y, s in frame.loc[hit, ["iso3", "year", "source"]].itertuples(index=False):
                notes.append(
                    f"{i} {y} {measure}: {s} figure replaced by user data ({overlay.source})"
                )
        layers = [_drop_keys(frame, keys) for frame in layers]
        layers.append(rows[list(COLUMNS)])
    out = pd.concat([f for f in layers if not f.empty] or [base], ignore_index=True)
    return out.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True), notes


def _drop_keys(frame: pd.DataFrame, keys: set[tuple[str, int]]) -> pd.DataFrame:
    import numpy as np

    keep = [(i, y) not in keys for i, y in zip(frame["iso3"], frame["year"], strict=True)]
    return frame.loc[np.asarray(keep, dtype=bool)]  # a plain list [] would drop the columns


# ----------------------------------------------------------------------------------------------
# Inputs every analysis shares: lists, groups, year ranges, allies without armed forces.

#: Allies with no armed forces and no defence figures: excluded from every total with a note,
#: never counted as zero (SIPRI footnote 86: "Iceland has no standing army/military").
NO_FORCES: dict[str, str] = {
    c: f"{why}, so no defence expenditure" for c, why in NO_ARMED_FORCES.items()
}


def no_forces_note(codes: Sequence[str]) -> str:
    """The note for allies left out because they have no armed forces."""
    return "; ".join(f"{c} excluded: {NO_FORCES[c]} (not counted as 0)" for c in codes)


def check_choice(value: str, choices: tuple[str, ...], parameter: str) -> None:
    """An error naming the parameter and the allowed values unless ``value`` is one of them."""
    if value not in choices:
        raise MilexError(f"unknown {parameter} {value!r}; use one of {', '.join(choices)}")


def parse_list(value: str | Sequence[str], parameter: str) -> list[str]:
    """A comma- or semicolon-separated string or a sequence of names, stripped; empty is an error.

    Commas inside a name survive (quoted, or "Poland, Republic of"): see ``split_names``.
    """
    from milex.data.registry import split_names

    items = split_names(value) if isinstance(value, str) else list(value)
    out = [str(i).strip() for i in items if str(i).strip()]
    if not out:
        raise MilexError(f"{parameter} is empty")
    return out


def resolve_groups(registry: Registry, names: Sequence[str], parameter: str) -> list[str]:
    """Bloc codes and countries (any spelling) as codes; raises once naming every unknown one."""
    out: list[str] = []
    unknown: list[str] = []
    for name in names:
        if name.upper() in registry.bloc_codes:
            out.append(name.upper())
            continue
        code = registry.lookup(name)
        if code is None or code not in registry.countries:
            unknown.append(name)
        else:
            out.append(code)
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name.upper(), registry.bloc_codes, n=2)
            close += [
                s
                for s in registry.suggest(name, 4)
                if s.rsplit("(", 1)[-1].rstrip(")") in registry.countries
            ][:2]
            hints.append(f"{name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise MilexError(
            f"{parameter}: unknown bloc or country {'; '.join(hints)}; "
            f"blocs: {', '.join(registry.bloc_codes)}, or any country (ISO3 or name)"
        )
    return list(dict.fromkeys(out))


def available_years(
    ds: Dataset, source: str, measures: Sequence[str], include_secondary: bool = True
) -> tuple[int, int] | None:
    """First and last year with figures for any of the measures from a source (None: none)."""
    marks = ", ".join("?" * len(measures))
    secondary = "" if include_secondary else "AND flags NOT LIKE '%secondary%'"
    found = ds.sql(
        f"SELECT min(year) AS a, max(year) AS b FROM observations WHERE source = ? "
        f"AND measure IN ({marks}) {secondary}",
        [source, *measures],
    )
    first, last = found["a"].iloc[0], found["b"].iloc[0]
    if first is None or first != first:
        return None
    return int(first), int(last)


def check_years(
    ds: Dataset,
    years: tuple[int | None, int | None] | int | None,
    source: str,
    measures: Sequence[str],
    extra: Iterable[int] = (),
    *,
    include_secondary: bool = True,
) -> tuple[int, int]:
    """A (first, last) range within the data: checks order and overlap, fills open ends.

    ``extra`` are years the caller can supply itself (e.g. from an overlay). A range with no
    figures at all is an error that names the range the data covers.
    """
    extra = [int(y) for y in extra]
    found = available_years(ds, source, measures, include_secondary)
    spans = [s for s in (found, (min(extra), max(extra)) if extra else None) if s is not None]
    if not spans:
        raise MilexError(f"no {source} figures for {', '.join(measures)} in this dataset")
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    if isinstance(years, int):
        years = (years, years)
    first, last = years if years is not None else (None, None)
    for label, year in (("first", first), ("last", last)):
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            raise MilexError(f"{label} year must be a whole year, not {year!r}")
    if first is not None and last is not None and first > last:
        raise MilexError(f"year range {first}-{last} runs backwards")
    first = lo if first is None else first
    last = hi if last is None else last
    if last < lo or first > hi:
        asked = f"year {first}" if first == last else f"year range {first}-{last}"
        raise MilexError(f"{asked} has no {source} figures; the data covers {lo}-{hi}")
    return max(first, lo), min(last, hi)


def year_ranges(years: Iterable[Any]) -> str:
    """Years as compact ranges: [2014, 2015, 2016, 2020] -> '2014-2016, 2020'."""
    values = sorted({int(y) for y in years})
    runs: list[list[int]] = []
    for year in values:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)

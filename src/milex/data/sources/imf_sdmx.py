"""The IMF's World Economic Outlook as its SDMX 3.0 API serves it (since 2025 the only WEO source).

The API (``https://api.imf.org/external/sdmx/3.0``, dataflow ``IMF.RES:WEO``, key
``COUNTRY.INDICATOR.FREQUENCY``) answers data queries in SDMX-CSV (1.0: a ``DATAFLOW`` column;
2.0: ``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``) or SDMX-JSON 2.0. Either form is read here, one
observation per row: ``OBS_VALUE`` is in units (``SCALE`` only says how the IMF displays it),
``LATEST_ACTUAL_ANNUAL_DATA`` is the last actual year ("2024" or "FY2024/25"), ``BASE_YEAR`` the
constant-price base, and the dataset attribute ``PUBLICATION_DATE`` says which WEO this is: the
edition label ("WEO 2026-10") comes from it, never from a dataflow version (the IMF reuses those
across vintages) nor from when the file was downloaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.data.schema import COLUMNS as COLUMNS_OUT
from milex.data.sources import weo
from milex.data.sources._years import check_observations
from milex.errors import SourceError, UnknownCountryError

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("COUNTRY", "INDICATOR", "TIME_PERIOD", "OBS_VALUE")
PUBLICATION = "PUBLICATION_DATE"
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")


def publication_date(text: str, where: str = PUBLICATION) -> dt.date:
    """2026-10-13 from '2026-10-13T13:00:00Z', '2026-10-13' or '10/13/2026'."""
    text = text.strip()
    if m := DATE.match(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := US_DATE.match(text):
        return dt.date(int(m[3]), int(m[1]), int(m[2]))
    raise ValueError(f"{where}: not a date: {text!r}")


def edition_label(published: dt.date) -> str:
    """'WEO 2026-10' for a WEO published on 13 October 2026: the publication month."""
    return f"WEO {published:%Y-%m}"


def is_sdmx_csv(header: list[str]) -> bool:
    return all(col in header for col in REQUIRED)


def csv_records(text: str) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The header and rows of an SDMX-CSV message (1.0 or 2.0)."""
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), reader


def json_records(message: dict[str, Any]) -> Iterator[dict[str, str]]:
    """Rows (as SDMX-CSV would give them) of an SDMX-JSON 2.0 (or 1.0) data message."""
    data = message.get("data", message)
    structures = data.get("structures") or [data.get("structure") or {}]
    for dataset in data.get("dataSets") or []:
        structure = structures[int(dataset.get("structure") or 0)]
        yield from _dataset_records(dataset, structure)


def _value(component: dict[str, Any], index: Any) -> str:
    if index is None:
        return ""
    item = component.get("values", [])[int(index)]
    found = item.get("id", item.get("value", item.get("name", "")))
    return "" if found is None else str(found)


def _dataset_records(
    dataset: dict[str, Any], structure: dict[str, Any]
) -> Iterator[dict[str, str]]:
    dims, attrs = structure.get("dimensions", {}), structure.get("attributes", {})
    series_dims, obs_dims = dims.get("series", []), dims.get("observation", [])
    base = {
        a["id"]: _value(a, i)
        for a, i in zip(attrs.get("dataSet", []), dataset.get("attributes") or [], strict=False)
    }
    for d in dims.get("dataSet", []):
        base[d["id"]] = _value(d, 0)
    n_measures = max(1, len((structure.get("measures") or {}).get("observation", [])))
    for key, series in (dataset.get("series") or {}).items():
        rec = dict(base)
        for d, i in zip(series_dims, key.split(":"), strict=False):
            rec[d["id"]] = _value(d, i)
        for a, i in zip(attrs.get("series", []), series.get("attributes") or [], strict=False):
            rec[a["id"]] = _value(a, i)
        for obs_key, values in (series.get("observations") or {}).items():
            out = dict(rec)
            for d, i in zip(obs_dims, obs_key.split(":"), strict=False):
                out[d["id"]] = _value(d, i)
            out["OBS_VALUE"] = "" if values[0] is None else str(values[0])
            for a, i in zip(attrs.get("observation", []), values[n_measures:], strict=False):
                out[a["id"]] = _value(a, i)
            yield out


@dataclass(frozen=True)
class Table:
    """An SDMX data message as a header and rows of text (one row per observation)."""

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None


def read_table(path: Path, text: str) -> Table:
    """Every row of a saved SDMX-CSV or SDMX-JSON data message."""
    if text.lstrip().startswith("{"):
        try:
            records = list(json_records(json.loads(text)))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise SourceError(path, None, f"not an SDMX-JSON data message ({exc})") from None
        header = list(dict.fromkeys(k for r in records for k in r))
        return Table(header, [[r.get(h, "") for h in header] for r in records])
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not is_sdmx_csv(rows[0]):
        raise SourceError(path, "header", f"not SDMX-CSV: needs {', '.join(REQUIRED)}")
    width = len(rows[0])
    for line, rec in enumerate(rows[1:], start=2):
        if len(rec) != width and any(rec):
            raise SourceError(path, f"row {line}", f"{len(rec)} fields, the header has {width}")
    return Table(rows[0], [r for r in rows[1:] if any(r)])


def dataset_edition(path: Path, dates: Iterable[str]) -> tuple[str, dt.date] | None:
    """(label, date) from the rows' PUBLICATION_DATE values; several different dates are an error."""
    parsed = set()
    for text in set(dates) - {""}:
        try:
            parsed.add(publication_date(text))
        except ValueError as exc:
            raise SourceError(path, PUBLICATION, str(exc)) from None
    if not parsed:
        return None
    if len(parsed) > 1:
        raise SourceError(
            path, PUBLICATION, f"more than one WEO in one file: {sorted(map(str, parsed))}"
        )
    published = parsed.pop()
    return edition_label(published), published


def parse_sdmx(
    path: Path, text: str, registry: Registry, edition: str | None = None
) -> pd.DataFrame:
    """A saved SDMX data message of IMF.RES:WEO as observations, labelled from PUBLICATION_DATE."""
    table = read_table(path, text)
    at = table.column(PUBLICATION)
    found = dataset_edition(path, (r[at].strip() for r in table.rows) if at is not None else ())
    if found and edition and found[0] != edition:
        raise SourceError(
            path, PUBLICATION, f"the file holds {found[0]} (published {found[1]}), not {edition}"
        )
    label = found[0] if found else edition
    if not label:
        raise SourceError(
            path,
            PUBLICATION,
            "no PUBLICATION_DATE: cannot tell which WEO this is (it is never guessed from "
            "the download date); name it with --edition 'WEO YYYY-MM'",
        )
    obs = observations(path, table, registry, label)
    check_observations(obs, path)
    obs.attrs["edition"] = {
        "edition": label,
        "title": f"World Economic Outlook database ({label})",
        "published": str(found[1]) if found else "",
    }
    return obs


COLUMNS = ("COUNTRY", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "FREQUENCY")
OPTIONAL = ("BASE_YEAR", "LATEST_ACTUAL_ANNUAL_DATA")


def observations(path: Path, table: Table, registry: Registry, edition: str) -> pd.DataFrame:
    """The milex concepts of every registry country; aggregates skipped, duplicates refused."""
    country, indicator, period, value, freq = (table.column(c) for c in COLUMNS)
    assert country is not None and indicator is not None and period is not None
    assert value is not None
    groups = {c for c in {r[country] for r in table.rows} if weo.AGGREGATE.match(c)}
    wanted = [
        (line, r)
        for line, r in enumerate(table.rows, start=2)
        if r[indicator] in weo.CONCEPTS
        and (freq is None or r[freq] in ("A", ""))
        and r[country] not in groups
    ]
    codes = {c: weo.area_iso3(c, registry) for c in {r[country] for _, r in wanted}}
    unknown = sorted(c for c, iso3 in codes.items() if iso3 is None)
    if unknown:
        raise UnknownCountryError(unknown, f"{path.name}, column COUNTRY")
    base_at, last_at = (table.column(c) for c in OPTIONAL)
    fallback = _area_last_actual(wanted, country, last_at)
    rows: list[tuple[Any, ...]] = []
    seen: dict[tuple[str, str, int], int] = {}
    units: dict[tuple[str, str], str] = {}
    for line, rec in wanted:
        text = rec[value].strip()
        if text in weo.MISSING or text.upper() == "NAN":
            continue
        year = _year(path, line, rec[period])
        key = (rec[country], rec[indicator], year)
        if key in seen:
            raise SourceError(
                path, f"row {line}", f"{' '.join(map(str, key))} repeats row {seen[key]}"
            )
        seen[key] = line
        concept = rec[indicator]
        base = rec[base_at].strip() if base_at is not None else ""
        unit = _unit(units, concept, base, path, line)
        number = weo.scaled(text, 0, weo.CONCEPTS[concept][2], path, f"row {line}, OBS_VALUE")
        last = _last_actual(rec[last_at]) if last_at is not None else None
        last = fallback.get(rec[country]) if last is None else last
        iso3 = codes[rec[country]]
        assert iso3 is not None
        rows.append(weo.weo_record(iso3, year, concept, unit, number, last, line, edition))
    if not rows:
        raise SourceError(path, None, f"no WEO figures for {', '.join(weo.CONCEPTS)}")
    return _frame(rows)


def _frame(records: list[tuple[Any, ...]]) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame.from_records(records, columns=list(COLUMNS_OUT))
    return out.astype({"year": "int64", "value": "float64"})


def _unit(units: dict[tuple[str, str], str], concept: str, base: str, path: Path, line: int) -> str:
    """A concept's unit with its base year, built once per (concept, base)."""
    if (concept, base) not in units:
        template = weo.CONCEPTS[concept][1]
        units[concept, base] = weo.unit_of(template, concept, base, path, f"row {line}, BASE_YEAR")
    return units[concept, base]


def _year(path: Path, line: int, text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise SourceError(path, f"row {line}, TIME_PERIOD", f"not a year: {text!r}") from None


def _area_last_actual(
    wanted: list[tuple[int, list[str]]], country: int, last_at: int | None
) -> dict[str, int]:
    """Per country, the latest last-actual year of any concept: for a series that leaves it blank
    (as `imf.parse` does for the bundled file)."""
    out: dict[str, int] = {}
    if last_at is None:
        return out
    for _, rec in wanted:
        if (year := _last_actual(rec[last_at])) is not None:
            out[rec[country]] = max(out.get(rec[country], year), year)
    return out


@functools.lru_cache(maxsize=256)
def _last_actual(text: str) -> int | None:
    return weo.last_actual_year(text)

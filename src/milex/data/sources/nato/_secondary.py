"""NATO figures restated by others: the press reports of the 2025 edition and the transcribed
figures of the 2025 and 2026 editions, each flagged ``secondary`` with its source URL as origin.

Both files describe NATO editions the project could not download. Every row names a known edition
(see ``editions.KNOWN``); where the two files state the same figure they must agree, and one row is
kept (the one with the fuller provenance), so an edition never carries two values for one cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.registry import Registry
from milex.data.sources._common import frame, read_csv, require_columns, row
from milex.data.sources.nato.editions import KNOWN, SECONDARY_2025, SOURCE
from milex.errors import SourceError

if TYPE_CHECKING:
    import pandas as pd

#: Press-report indicators -> (measure, unit).
PRESS_INDICATORS: dict[str, tuple[str, str]] = {
    "defence_expenditure_share_of_gdp": ("milex_pct_gdp", "percent"),
    "defence_expenditure_real_change": ("milex_real_change_pct", "percent"),
    "defence_expenditure_constant_2021_usd": ("milex_usd_const", "USD m constant 2021"),
}
#: Measures the editions file may hold, with the unit each must carry.
EDITION_MEASURES = {"milex_pct_gdp": "percent", "equipment_pct": "percent", "milex_usd": "USD m"}
STATUSES = {"estimate", "actual"}
AGREE_WITHIN = 0.005  # two restatements of one NATO cell, each rounded to two decimals


def parse_secondary(path: Path, registry: Registry) -> pd.DataFrame:
    """Press-reported NATO 2025 estimates (the 2014-2025 edition), one article URL per figure."""
    table = read_csv(path)
    require_columns(
        table, ("country", "year", "indicator", "value", "unit", "status", "source_url"), path
    )
    names = registry.resolve_all(sorted(set(table["country"])), path.name)
    rows = []
    for i, rec in enumerate(table.to_dict("records"), start=2):
        if rec["indicator"] not in PRESS_INDICATORS:
            raise SourceError(path, f"row {i}, field indicator", f"unknown {rec['indicator']!r}")
        if rec["status"] == "not_published" or rec["value"].strip() == "":
            continue
        value, year = _number(path, i, rec), _year(path, i, rec)
        _require_url(path, i, rec["source_url"])
        measure, unit = PRESS_INDICATORS[rec["indicator"]]
        flags = {"secondary"} | ({"estimate"} if rec["status"] == "estimate" else set())
        rows.append(
            row(
                names[rec["country"]],
                year,
                measure,
                SOURCE,
                SECONDARY_2025.edition,
                value,
                unit,
                flags,
                rec["source_url"],
            )
        )
    return frame(rows)


EDITION_COLUMNS = (
    "iso3", "country", "edition", "year", "measure", "value", "unit", "status", "rounded",
    "source_url", "source_date",
)  # fmt: skip


def parse_editions(path: Path, registry: Registry) -> pd.DataFrame:
    """Figures of NATO's 2025 and 2026 editions as transcribed from public reports and code."""
    table = read_csv(path)
    require_columns(table, EDITION_COLUMNS, path)
    problems: list[str] = []
    rows = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for i, rec in enumerate(table.to_dict("records"), start=2):
        try:
            out = _edition_row(path, i, rec, registry)
        except SourceError as exc:
            problems.append(f"row {i}: {exc.detail}")
            continue
        key = (out["iso3"], out["year"], out["measure"], out["edition"])
        if key in seen:
            problems.append(f"row {i}: repeats row {seen[key]} ({', '.join(map(str, key))})")
            continue
        seen[key] = i
        rows.append(out)
    if problems:
        raise SourceError(path, None, f"{len(problems)} bad row(s): " + "; ".join(problems[:8]))
    return frame(rows)


def _edition_row(path: Path, i: int, rec: dict[Any, Any], registry: Registry) -> dict[str, Any]:
    edition = rec["edition"].strip()
    if edition not in KNOWN:
        raise SourceError(path, f"row {i}", f"unknown edition {edition!r}; known: {list(KNOWN)}")
    iso3 = rec["iso3"].strip()
    if iso3 not in registry.countries and iso3 not in registry.bloc_codes:
        raise SourceError(path, f"row {i}", f"unknown iso3 {iso3!r}")
    measure = rec["measure"].strip()
    if measure not in EDITION_MEASURES:
        raise SourceError(path, f"row {i}", f"unknown measure {measure!r}")
    if rec["unit"].strip() != EDITION_MEASURES[measure]:
        raise SourceError(
            path, f"row {i}", f"unit {rec['unit']!r} is not {EDITION_MEASURES[measure]!r}"
        )
    if rec["status"] not in STATUSES:
        raise SourceError(path, f"row {i}", f"status {rec['status']!r} is not one of {STATUSES}")
    if not rec["source_date"].strip():
        raise SourceError(path, f"row {i}", "no source_date")
    _require_url(path, i, rec["source_url"])
    flags = {"secondary"}
    flags |= {"estimate"} if rec["status"] == "estimate" else set()
    flags |= {"rounded"} if rec["rounded"].strip().lower() == "true" else set()
    value = _number(path, i, rec)
    return row(
        iso3, _year(path, i, rec), measure, SOURCE, edition, value, rec["unit"].strip(), flags,
        rec["source_url"].strip(),
    )  # fmt: skip


def press_without_repeats(press: pd.DataFrame, editions: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The press rows the editions file does not also state; a cell both state must agree."""
    key = ["iso3", "year", "measure", "edition"]
    both = press.merge(editions, on=key, suffixes=("_press", ""))
    clash = both[(both["value_press"] - both["value"]).abs() > AGREE_WITHIN]
    if len(clash):
        listed = "; ".join(
            f"{r.iso3} {r.year} {r.measure}: {r.value_press} vs {r.value}"
            for r in clash.itertuples()
        )
        raise SourceError(path, None, f"press reports and transcribed editions disagree: {listed}")
    keep = press.merge(editions[key], on=key, how="left", indicator=True)
    return keep[keep["_merge"] == "left_only"].drop(columns="_merge").reset_index(drop=True)


def _number(path: Path, i: int, rec: dict[Any, Any]) -> float:
    try:
        return float(rec["value"])
    except ValueError:
        raise SourceError(
            path, f"row {i}, field value", f"not a number: {rec['value']!r}"
        ) from None


def _year(path: Path, i: int, rec: dict[Any, Any]) -> int:
    try:
        return int(rec["year"])
    except ValueError:
        raise SourceError(path, f"row {i}, field year", f"not a year: {rec['year']!r}") from None


def _require_url(path: Path, i: int, url: str) -> None:
    if not url.strip().startswith(("http://", "https://")):
        raise SourceError(path, f"row {i}, field source_url", f"not a URL: {url!r}")

"""Receipts: the publishers' own identities, checked on every NATO edition and kept in datapackage.json.

NATO's tables are linked by arithmetic the publisher itself uses, so a misread column or a revised
table shows up as a broken identity:

- ``share_of_gdp``: Table 3's share of GDP equals Table 2's constant-price spending over Table 5's
  constant-price GDP, within 0.006 percentage points (the tables are rounded);
- ``category_shares``: equipment + personnel + infrastructure + other (Tables 8a/8b) sum to 100,
  within 0.025;
- ``aggregates``: NATO's totals (``NATO``, ``NATO_EU_CA``) equal the sum of that year's members
  (members without armed forces left out of spending and personnel), wherever the table has every
  member's figure, within 0.01% (years where a member lacks the figure are counted as skipped).

A receipt says passed/failed with counts and where each failure is (iso3, year, cells). A failure on
the publisher's own figures is reported, not fatal: NATO's 2014-2024 tables themselves break the
share identity for France 2020 (0.014 pp). It is fatal only when gross (``GROSS``: 0.5 pp, 1 point,
1%), which means the file was misread or damaged rather than rounded or revised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from milex.data.checks._base import Violation

if TYPE_CHECKING:
    import pandas as pd

SHARE_TOLERANCE = 0.006  # percentage points
CATEGORY_TOLERANCE = 0.025  # points of 100
AGGREGATE_TOLERANCE = 1e-4  # relative
GROSS = {"share_of_gdp": 0.5, "category_shares": 1.0, "aggregates": 0.01}
AGGREGATES = ("NATO", "NATO_EU_CA")
SUMMED = ("milex_usd", "milex_usd_const", "gdp_usd", "gdp_usd_const", "mil_personnel")
CATEGORIES = ("equipment_pct", "personnel_pct", "infrastructure_pct", "other_pct")
MAX_FAILURES = 20

Members = Callable[[str, int], list[str]]


def _receipt(
    check: str, description: str, checked: int, failures: list[dict[str, Any]]
) -> dict[str, Any]:
    status = "not applicable" if checked == 0 else ("failed" if failures else "passed")
    failures = sorted(failures, key=lambda f: -abs(f["difference"]))
    return {
        "check": check,
        "description": description,
        "status": status,
        "checked": checked,
        "failed": len(failures),
        "failures": failures[:MAX_FAILURES],
    }


Table = dict[tuple[str, int], dict[str, float]]
Cells = dict[tuple[str, int], dict[str, str]]


def _wide(obs: pd.DataFrame) -> tuple[Table, Cells]:
    """Values and origins by (iso3, year), then measure."""
    values: Table = {}
    origins: Cells = {}
    for iso3, year, measure, value, origin in zip(
        obs["iso3"], obs["year"], obs["measure"], obs["value"], obs["origin"], strict=True
    ):
        key = (str(iso3), int(year))
        values.setdefault(key, {})[str(measure)] = float(value)
        origins.setdefault(key, {})[str(measure)] = str(origin)
    return values, origins


def _cells(origins: Cells, key: tuple[str, int], measures: tuple[str, ...]) -> str:
    found = origins.get(key, {})
    return ", ".join(found[m] for m in measures if found.get(m))


def _rows(values: Table, measures: tuple[str, ...]) -> list[tuple[tuple[str, int], list[float]]]:
    """Keys with every one of the measures, and those values in order."""
    return [
        (key, [row[m] for m in measures])
        for key, row in sorted(values.items())
        if all(m in row for m in measures)
    ]


def share_receipt(values: Table, origins: Cells) -> dict[str, Any]:
    need = ("milex_pct_gdp", "milex_usd_const", "gdp_usd_const")
    rows = [(k, v) for k, v in _rows(values, need) if v[2] != 0]
    failures = [
        _failure(key, published, spend / gdp * 100, _cells(origins, key, need))
        for key, (published, spend, gdp) in rows
        if abs(published - spend / gdp * 100) > SHARE_TOLERANCE
    ]
    return _receipt(
        "share_of_gdp",
        f"Table 3 share = Table 2 constant-price spending / Table 5 constant-price GDP, "
        f"within {SHARE_TOLERANCE} pp",
        len(rows),
        failures,
    )


def category_receipt(values: Table, origins: Cells) -> dict[str, Any]:
    rows = _rows(values, CATEGORIES)
    failures = [
        _failure(key, 100.0, sum(parts), _cells(origins, key, CATEGORIES))
        for key, parts in rows
        if abs(sum(parts) - 100) > CATEGORY_TOLERANCE
    ]
    return _receipt(
        "category_shares",
        f"equipment + personnel + infrastructure + other = 100, within {CATEGORY_TOLERANCE}",
        len(rows),
        failures,
    )


def aggregate_receipt(
    values: Table, origins: Cells, members: Members, no_forces: set[str]
) -> dict[str, Any]:
    failures: list[dict[str, Any]] = []
    checked = skipped = 0
    for (iso3, year), row in sorted(values.items()):
        if iso3 not in AGGREGATES:
            continue
        group = members(iso3, year)
        for measure in (m for m in SUMMED if m in row):
            counted = [m for m in group if measure.startswith("gdp") or m not in no_forces]
            parts = [values.get((m, year), {}).get(measure) for m in counted]
            if any(p is None for p in parts):
                skipped += 1
                continue
            checked += 1
            published, total = row[measure], sum(p for p in parts if p is not None)
            if published == 0 or abs(total / published - 1) > AGGREGATE_TOLERANCE:
                cell = _cells(origins, (iso3, year), (measure,))
                failures.append(_failure((iso3, year), published, total, cell, measure))
    receipt = _receipt(
        "aggregates",
        "NATO and NATO_EU_CA equal the sum of that year's members, within 0.01%",
        checked,
        failures,
    )
    receipt["skipped"] = skipped
    return receipt


def _failure(
    key: tuple[str, int], published: float, computed: float, cells: str, measure: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {"iso3": str(key[0]), "year": int(key[1])}
    if measure:
        out["measure"] = measure
    out |= {
        "cells": cells,
        "published": round(float(published), 6),
        "computed": round(float(computed), 6),
        "difference": round(float(computed) - float(published), 6),
    }
    return out


def nato_receipts(obs: pd.DataFrame, members: Members, no_forces: set[str]) -> list[dict[str, Any]]:
    """The three receipts for one NATO edition's observations."""
    values, origins = _wide(obs)
    return [
        share_receipt(values, origins),
        category_receipt(values, origins),
        aggregate_receipt(values, origins, members, no_forces),
    ]


def all_receipts(
    obs: pd.DataFrame, members: Members, no_forces: set[str]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Receipts for every NATO edition in the observations, keyed by (source, edition)."""
    nato = obs[obs["source"] == "nato"]
    return {
        ("nato", str(edition)): nato_receipts(group, members, no_forces)
        for edition, group in nato.groupby("edition", sort=True)
    }


def gross_violations(
    receipts: dict[tuple[str, str], list[dict[str, Any]]], files: dict[tuple[str, str], str]
) -> list[Violation]:
    """Receipt failures too large to be rounding or revision: the file was misread or damaged."""
    out = []
    for (source, edition), entries in receipts.items():
        for receipt in entries:
            limit = GROSS[receipt["check"]]
            for f in receipt["failures"]:
                relative = receipt["check"] == "aggregates"
                size = (
                    abs(f["difference"] / f["published"])
                    if relative and f["published"]
                    else (abs(f["difference"]))
                )
                if size > limit:
                    out.append(
                        Violation(
                            "receipt",
                            f"{files.get((source, edition)) or source} [{f['cells']}]",
                            f"{receipt['check']} receipt broken grossly for {f['iso3']} "
                            f"{f['year']}: published {f['published']:g}, computed "
                            f"{f['computed']:g}",
                        )
                    )
    return out

"""Checks a snapshot must pass before it is committed: each collects every violation, then fails once.

owl/etl style: a check never stops at the first problem; it returns every violation it finds, each
naming the raw file and the cell or row the figure came from (observations carry it in ``origin``),
and ``run_checks`` raises one ``ChecksFailed`` listing them all. The checks:

- schema: key duplicates, unknown measures and flags, the SIPRI figure limit;
- duplicate country rows: two rows of one table resolving to one country (same key, two cells);
- ranges per measure (a share of GDP of 205%, a negative GDP), with an explicit allow-list of known
  outliers keyed by (iso3, year, measure), each with its evidence;
- non-finite values;
- figure counts against the previous snapshot per source, edition, series and year, and SIPRI's
  colour flags (milex.data.checks._counts): a shrink is an error unless ``--allow-shrink``;
- magnitudes against neighbouring years and other publishers (milex.data.checks._magnitudes):
  IMF vs World Bank GDP and population, SIPRI vs NATO current US$ and share of GDP.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.data.checks._base import ChecksFailed, Violation, files_by_edition, where
from milex.data.checks._counts import SHRINK_THRESHOLD as SHRINK_THRESHOLD
from milex.data.checks._counts import count_violations, flag_violations
from milex.data.checks._magnitudes import agreement_violations, jump_violations, positive_violations
from milex.data.schema import FLAGS, KEY, MEASURE_IDS

if TYPE_CHECKING:
    import pandas as pd


_SHARE = (0.0, 100.0)
_NON_NEGATIVE = (0.0, math.inf)
_CHANGE = (-100.0, math.inf)

#: Plausible range of each measure (inclusive). Measures not listed are only checked for finiteness
#: (IMF government shares of GDP exceed 100% for small island states; inflation is unbounded).
RANGES: dict[str, tuple[float, float]] = {
    "milex_pct_gdp": _SHARE,
    "milex_pct_govt": _SHARE,
    "equipment_pct": _SHARE,
    "personnel_pct": _SHARE,
    "infrastructure_pct": _SHARE,
    "other_pct": _SHARE,
    **dict.fromkeys(
        (
            "milex_lcu",
            "milex_lcu_const",
            "milex_usd",
            "milex_usd_const",
            "milex_per_capita_usd",
            "milex_per_capita_usd_const",
            "mil_personnel",
            "gdp_lcu",
            "gdp_lcu_const",
            "gdp_usd",
            "gdp_usd_const",
            "gdp_per_capita_usd",
            "gdp_per_capita_usd_const",
            "gdp_ppp",
            "gdp_ppp_per_capita",
            "ppp_factor",
            "gdp_deflator",
            "population",
            "govt_expenditure_lcu",
            "govt_expenditure_pct_gdp",
            "govt_revenue_pct_gdp",
            "govt_debt_pct_gdp",
        ),
        _NON_NEGATIVE,
    ),
    # Upper bounds far above any country (USA: GDP about US$ 30 trillion, spending US$ 1 trillion;
    # China and India: 1.4 bn people), far below a x1000 scale error.
    "milex_usd": (0.0, 5e6),
    "gdp_usd": (0.0, 2e8),
    "population": (0.0, 1e10),
    "milex_real_change_pct": _CHANGE,
    "gdp_real_growth_pct": _CHANGE,
    "inflation_gdp_deflator_pct": _CHANGE,
    "inflation_cpi_pct": _CHANGE,
}


@dataclass(frozen=True)
class Outlier:
    """A known figure outside its measure's range: the range it may take instead, and why."""

    low: float
    high: float
    evidence: str


#: Known outliers, keyed by (iso3, year, measure). Each widens the range for that one figure only.
OUTLIERS: dict[tuple[str, int, str], Outlier] = {
    ("KWT", 1991, "milex_pct_gdp"): Outlier(
        0.0,
        125.0,
        "SIPRI's workbook gives Kuwait 117.3% of GDP in 1991: war costs and payments to the "
        "coalition after the Iraqi occupation, against an economy whose oil output had collapsed.",
    ),
}


def schema_violations(obs: pd.DataFrame, sipri_limit: int | None) -> list[Violation]:
    """Unknown measures or flags, and more SIPRI figures than its terms allow."""
    out = []
    unknown = sorted(set(obs["measure"]) - MEASURE_IDS)
    if unknown:
        out.append(Violation("schema", "", f"measures missing from the catalogue: {unknown}"))
    flags = {f for text in set(obs["flags"]) for f in text.split(";") if f}
    if flags - FLAGS.keys():
        out.append(Violation("schema", "", f"unknown flags {sorted(flags - FLAGS.keys())}"))
    sipri = int((obs["source"] == "sipri").sum())
    if sipri_limit is not None and sipri > sipri_limit:
        out.append(
            Violation("schema", "", f"{sipri} SIPRI figures exceed the {sipri_limit} SIPRI allows")
        )
    return out


def duplicate_violations(
    obs: pd.DataFrame, files: Mapping[tuple[str, str], str]
) -> list[Violation]:
    """Two rows with one key: usually two rows of a table resolving to the same country."""
    dupes = obs[obs.duplicated(list(KEY), keep=False)]
    out = []
    cells_by_key: dict[tuple[Any, ...], list[str]] = {}
    for rec in dupes.itertuples(index=False):
        key = tuple(getattr(rec, k) for k in KEY)
        cells_by_key.setdefault(key, []).append(str(rec.origin) or "?")
    for key, cells in sorted(cells_by_key.items()):
        iso3, year, measure, source, edition = (str(k) for k in key)
        out.append(
            Violation(
                "duplicates",
                files.get((source, edition)) or f"{source} {edition}",
                f"{len(cells)} rows resolve to {iso3} {year} {measure} "
                f"(cells {', '.join(cells)}): "
                "two rows of one table name the same country",
            )
        )
    return out


def out_of_range(obs: pd.DataFrame) -> Any:
    """Boolean mask of figures outside their measure's range (see RANGES) or not finite."""
    import numpy as np

    values = obs["value"].to_numpy(dtype="float64")
    low = obs["measure"].map(lambda m: RANGES.get(m, (-math.inf, math.inf))[0]).to_numpy(float)
    high = obs["measure"].map(lambda m: RANGES.get(m, (-math.inf, math.inf))[1]).to_numpy(float)
    return ~np.isfinite(values) | (values < low) | (values > high)


def range_violations(obs: pd.DataFrame, files: Mapping[tuple[str, str], str]) -> list[Violation]:
    """Figures outside their measure's range (see RANGES, OUTLIERS) and non-finite figures."""
    suspect = out_of_range(obs)
    out = []
    for rec in obs[suspect].itertuples(index=False):
        value = float(rec.value)
        at = where(files, rec.source, rec.edition, rec.origin)
        label = f"{rec.iso3} {rec.year} {rec.measure}"
        if not math.isfinite(value):
            out.append(Violation("finite", at, f"{label} is {value} (not a finite number)"))
            continue
        allowed = OUTLIERS.get((rec.iso3, int(rec.year), rec.measure))
        if allowed and allowed.low <= value <= allowed.high:
            continue
        lo, hi = RANGES[rec.measure]
        span = f"[{lo:g}, {hi:g}]" if math.isfinite(hi) else f">= {lo:g}"
        out.append(Violation("range", at, f"{label} = {value:g} outside {span}"))
    return out


def run_checks(
    obs: pd.DataFrame,
    sources: Iterable[Mapping[str, Any]],
    previous: pd.DataFrame | None = None,
    *,
    sipri_limit: int | None = None,
    allow_shrink: bool = False,
) -> None:
    """Run every check over the observations; raise ChecksFailed once, listing all violations."""
    files = files_by_edition(sources)
    violations = [
        *schema_violations(obs, sipri_limit),
        *duplicate_violations(obs, files),
        *range_violations(obs, files),
    ]
    plausible = obs[~out_of_range(obs)]  # a figure out of range is reported once, as such
    violations += [
        *positive_violations(plausible, files),
        *jump_violations(plausible, files),
        *agreement_violations(plausible, files),
    ]
    if previous is not None and not allow_shrink:
        violations += flag_violations(obs, previous, files)
        violations += count_violations(obs, previous, files)
    if violations:
        raise ChecksFailed(violations)

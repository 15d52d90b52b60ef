"""Magnitudes against history and across publishers, with an allow-list of true outliers.

- jumps: a figure more than ``JUMP_FACTORS[source]`` times (or less than 1/factor of) both of its
  neighbouring years in the same series (one neighbour at either end), e.g. US 2025 at US$ 954
  trillion, France at 20.5% of GDP, an IMF population of 0;
- agreement: two publishers' figures for one quantity (``PAIRS``: IMF vs World Bank GDP and
  population; ``SIPRI_NATO``: current US$ and share of GDP) more than ``factor`` apart;
- positivity: a GDP or a population of 0 or less.
Each violation names the cell(s). A true outlier passes with an entry in the package's
``data/allow_list.csv`` keyed by (check, source, iso3, year, measure), with its evidence.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from milex.data.bundle import package_dir
from milex.data.checks._base import Violation, where

if TYPE_CHECKING:
    import pandas as pd

#: Measures whose year-on-year jumps are checked; currency units inflate freely, so national
#: currency series are left out (hyperinflations and redenominations in the IMF file).
JUMP_MEASURES = (
    "milex_usd",
    "milex_usd_const",
    "milex_pct_gdp",
    "gdp_usd",
    "gdp_ppp",
    "population",
    "mil_personnel",
)
#: Largest ratio between a figure and its neighbouring years, by publisher. Calibrated on the
#: bundled files (largest ratios seen: NATO 2.2, SIPRI 5.6 (Ukraine 1993), World Bank 3.5,
#: IMF 7.7 outside two allow-listed cells), below the x10 of a misplaced decimal.
JUMP_FACTORS = {"nato": 3.0, "sipri": 8.0, "worldbank": 5.0, "imf_weo": 8.0}
#: Tighter factors for measures that cannot jump (largest ratio seen 1.4).
MEASURE_FACTORS = {"population": 2.0}
#: (measure, source, other source, factor), each pair compared on (iso3, year) across every edition
#: of both. Largest ratios in the bundled files: 1.45 (SIPRI/NATO current US$ and share of GDP,
#: Türkiye 2019; NATO's share is of real GDP, SIPRI's of current GDP, and the two definitions
#: differ), 1.48 (IMF/WB population, Aruba 1988); IMF/WB GDP above 5 only in allow-listed cells.
#: A single year's scale error is mostly the jump check's; agreement catches what jumps cannot, a
#: whole series scaled (SIPRI's US$ for one ally x3 in every year).
SIPRI_NATO = (("milex_usd", "sipri", "nato", 2.0), ("milex_pct_gdp", "sipri", "nato", 2.0))
PAIRS = (
    ("gdp_usd", "imf_weo", "worldbank", 5.0),
    ("population", "imf_weo", "worldbank", 1.6),
)
POSITIVE = ("gdp_usd", "gdp_ppp", "population")


@functools.cache
def allow_list() -> dict[tuple[str, str, str, int, str], str]:
    """(check, source, iso3, year, measure) -> evidence, from the package's allow_list.csv."""
    text = (package_dir() / "allow_list.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {
        (r["check"], r["source"], r["iso3"], int(r["year"]), r["measure"]): r["evidence"]
        for r in rows
    }


def _allowed(check: str, source: Any, iso3: Any, year: Any, measure: Any) -> bool:
    return (check, str(source), str(iso3), int(year), str(measure)) in allow_list()


def jump_violations(obs: pd.DataFrame, files: Mapping[tuple[str, str], str]) -> list[Violation]:
    """Figures far from both neighbouring years of their own series."""
    import numpy as np

    d = obs[obs["measure"].isin(JUMP_MEASURES) & obs["source"].isin(JUMP_FACTORS)]
    d = d.sort_values(["source", "edition", "iso3", "measure", "year"])
    g = d.groupby(["source", "edition", "iso3", "measure"], sort=False)
    value = d["value"].to_numpy(float)
    year = d["year"].to_numpy()
    # A zero beside spending is a publisher's "no armed forces" or a gap, not a scale error; a zero
    # GDP or population is refused by positive_violations.
    zero_ok = ~d["measure"].isin(POSITIVE).to_numpy()
    ratios = []
    for step in (1, -1):
        other = g["value"].shift(step).to_numpy(float)
        near = g["year"].shift(step).to_numpy(float) == year - step
        with np.errstate(divide="ignore", invalid="ignore"):
            hi, lo = np.maximum(abs(value), abs(other)), np.minimum(abs(value), abs(other))
            r = np.where((hi == 0) | ((lo == 0) & zero_ok), 1.0, hi / lo)
        ratios.append((np.where(near, r, np.nan), np.sign(value - other)))
    (rp, sp), (rn, sn) = ratios
    both = ~np.isnan(rp) & ~np.isnan(rn)
    spike = np.where(both, np.where(sp == sn, np.fmin(rp, rn), 1.0), np.fmax(rp, rn))
    factor = d["measure"].map(MEASURE_FACTORS).fillna(d["source"].map(JUMP_FACTORS)).to_numpy()
    out = []
    bad = spike > factor
    for rec, ratio, lim in zip(
        d[bad].itertuples(index=False), spike[bad], factor[bad], strict=True
    ):
        if _allowed("jump", rec.source, rec.iso3, rec.year, rec.measure):
            continue
        out.append(
            Violation(
                "jump",
                where(files, rec.source, rec.edition, rec.origin),
                f"{rec.iso3} {rec.year} {rec.measure} = {rec.value:g} is {ratio:.3g}x its "
                f"neighbouring years (at most {lim:g}x allowed for "
                f"{rec.source}): a scale error?",
            )
        )
    return out


def agreement_violations(
    obs: pd.DataFrame,
    files: Mapping[tuple[str, str], str],
    pairs: tuple[tuple[str, str, str, float], ...] = PAIRS + SIPRI_NATO,
) -> list[Violation]:
    """Two publishers' figures for one quantity (``pairs``) more than their tolerance apart."""
    import numpy as np

    out = []
    cols = ["iso3", "year", "edition", "value", "origin"]
    for measure, a, b, factor in pairs:
        x = obs.loc[(obs["source"] == a) & (obs["measure"] == measure), cols]
        y = obs.loc[(obs["source"] == b) & (obs["measure"] == measure), cols]
        j = x.merge(y, on=["iso3", "year"], suffixes=("_a", "_b"))
        va, vb = j["value_a"].to_numpy(float), j["value_b"].to_numpy(float)
        j = j[(va > 0) & (vb > 0)]
        ratio = (j["value_a"] / j["value_b"]).to_numpy(float)
        bad = np.maximum(ratio, 1 / ratio) > factor
        for rec, r in zip(j[bad].itertuples(index=False), ratio[bad], strict=True):
            if _allowed("agreement", a, rec.iso3, rec.year, measure):
                continue
            cell_b = where(files, b, rec.edition_b, rec.origin_b)
            out.append(
                Violation(
                    "agreement",
                    where(files, a, rec.edition_a, rec.origin_a),
                    f"{rec.iso3} {rec.year} {measure} = {rec.value_a:g} ({a} {rec.edition_a!r}) "
                    f"but {rec.value_b:g} ({b} {rec.edition_b!r}, {cell_b}): {r:.3g}x, at most "
                    f"{factor:g}x apart allowed (an outlier with evidence goes in allow_list.csv)",
                )
            )
    return out


def positive_violations(obs: pd.DataFrame, files: Mapping[tuple[str, str], str]) -> list[Violation]:
    """A GDP or population of zero or less."""
    bad = obs[obs["measure"].isin(POSITIVE) & ~(obs["value"] > 0)]
    return [
        Violation(
            "range",
            where(files, rec.source, rec.edition, rec.origin),
            f"{rec.iso3} {rec.year} {rec.measure} = {rec.value:g}: must be above 0",
        )
        for rec in bad.itertuples(index=False)
    ]

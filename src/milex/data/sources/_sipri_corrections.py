"""Corrections SIPRI's figures need before they are stored, each applied only to the exact pattern
it documents: placeholder zeros dropped, Belarus's share of GDP published x1000 (1992-2013)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def drop_placeholder_zeros(obs: pd.DataFrame) -> pd.DataFrame:
    """Drop SIPRI's current-US$ zeros that stand for 'not converted', keeping genuine zeros.

    Evidence: footnote 57 says SIPRI gives no current-US$ figures for North Korea, yet its row
    shows 0 (in red) for 1986-2014; the USSR, Czechoslovakia, the GDR, Yugoslavia and Russia in
    1987-1992 show 0 in current US$ beside non-zero local-currency spending. A zero is kept where
    local-currency spending is zero too (Costa Rica, Panama, Iceland: no armed forces).
    """
    lcu = obs[obs["measure"] == "milex_lcu"].set_index(["iso3", "year"])["value"]
    usd_zero = (obs["measure"] == "milex_usd") & (obs["value"] == 0)
    keys = list(zip(obs.loc[usd_zero, "iso3"], obs.loc[usd_zero, "year"], strict=True))
    genuine = [lcu.get(key) == 0 for key in keys]
    drop = obs.index[usd_zero][[not g for g in genuine]]
    return obs.drop(index=drop).reset_index(drop=True)


#: (iso3, measure, first year, last year, factor): cells a SIPRI edition publishes at the wrong scale.
SCALE_ERRORS = (("BLR", "milex_pct_gdp", 1992, 2013, 1000.0),)


#: What a corrected Belarus share of GDP may be (SIPRI's 2025 workbook: 1.2-3.6% in 1992-2013).
SCALE_CORRECTED_RANGE = (0.5, 10.0)


def correct_belarus_share_of_gdp(obs: pd.DataFrame) -> pd.DataFrame:
    """Divide Belarus's 1992-2013 share of GDP by 1,000 where the workbook shows it 1,000x too large.

    Evidence: SIPRI's April 2026 workbook (1949-2025) gives Belarus's share of GDP for 1992-2013 as
    e.g. 1,500% where the 2025 workbook and SIPRI's own local-currency and GDP figures give about
    1.5%; Our World in Data's pipeline corrects the same cells by the same factor. Only the exact
    pattern is corrected: cells above 100% in those years whose value divided by 1,000 falls in
    SCALE_CORRECTED_RANGE, and only if every such cell does. Anything else (a x100 error, a cell
    outside the years) is left as published, so the range check refuses it naming the cell; an
    edition in which SIPRI has fixed the error passes through unchanged. Corrected figures carry
    the flag ``corrected`` and say so in their origin.
    """
    out = obs.copy()
    low, high = SCALE_CORRECTED_RANGE
    for iso3, measure, first, last, factor in SCALE_ERRORS:
        series = (out["iso3"] == iso3) & (out["measure"] == measure)
        wrong = series & out["year"].between(first, last) & (out["value"] > 100)
        fits = (out["value"] / factor).between(low, high)
        if (
            not wrong.any()
            or (wrong & ~fits).any()
            or (series & ~wrong & (out["value"] > 100)).any()
        ):
            continue
        out.loc[wrong, "value"] = out.loc[wrong, "value"] / factor
        out.loc[wrong, "flags"] = [
            ";".join(sorted({*filter(None, f.split(";")), "corrected"}))
            for f in out.loc[wrong, "flags"]
        ]
        out.loc[wrong, "origin"] = (
            out.loc[wrong, "origin"] + f" (divided by {factor:,.0f}: scale error)"
        )
    return out

"""NATO against SIPRI: the two publishers' % of GDP side by side for every ally-year both cover.

The figures are never merged. They differ in the numerator (what counts as defence spending:
NATO's criteria against SIPRI's, e.g. paramilitary forces and pensions) and in the denominator
(the GDP figure each publisher divides by). Where both also publish spending in current US$, each
gap is split into a spending part (NATO's US$ over SIPRI's) and a denominator part (the GDP each
implies: US$ spending over share of GDP), so that ``nato_pct / sipri_pct = spending_ratio /
gdp_ratio``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from milex.analysis._arguments import check_years, parse_list, year_ranges
from milex.data.registry import NO_ARMED_FORCES, no_forces_note
from milex.data.schema import COLUMNS as SCHEMA_COLUMNS
from milex.errors import MilexError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

PUBLISHERS = ("nato", "sipri")
COLUMNS = (
    "iso3", "country", "year", "nato_pct_gdp", "sipri_pct_gdp", "difference_pp",
    "abs_difference_pp", "relative_difference_pct", "nato_milex_usd_m", "sipri_milex_usd_m",
    "spending_ratio", "gdp_ratio", "nato_flags", "sipri_flags", "nato_edition", "sipri_edition",
)  # fmt: skip
DEFINITIONS = (
    "NATO's % of GDP uses NATO's definition of defence expenditure and NATO's GDP figures; "
    "SIPRI's uses SIPRI's definition and current-price GDP. They are shown side by side, never "
    "merged. spending_ratio = NATO US$ / SIPRI US$ (definition of spending); gdp_ratio = the GDP "
    "NATO's figures imply / the GDP SIPRI's imply (the denominator); nato_pct_gdp / sipri_pct_gdp "
    "= spending_ratio / gdp_ratio."
)


@dataclass(frozen=True)
class Reconciliation(Result):
    """Side-by-side NATO and SIPRI % of GDP with differences, and what neither pair covers."""

    chart_kind: ClassVar[str] = "reconcile"

    table: pd.DataFrame
    notes: tuple[str, ...]
    years: tuple[int, int]
    editions_used: tuple[tuple[str, str], ...] = ()
    citations: tuple[dict[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        """Every ally-year both publishers cover, side by side (stable columns: ``COLUMNS``)."""
        return self.table.copy()

    def largest_gaps(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` ally-years with the largest absolute difference, largest first."""
        if n < 1:
            raise MilexError(f"n must be at least 1, not {n}")
        ordered = self.table.sort_values(
            ["abs_difference_pp", "iso3", "year"], ascending=[False, True, True], kind="stable"
        )
        return ordered.head(n).reset_index(drop=True)

    def by_country(self) -> pd.DataFrame:
        """Per ally: years compared, mean difference, mean and largest absolute difference."""
        grouped = self.table.groupby(["iso3", "country"], sort=True)
        out = grouped.agg(
            years=("year", "size"),
            first_year=("year", "min"),
            last_year=("year", "max"),
            mean_difference_pp=("difference_pp", "mean"),
            mean_abs_difference_pp=("abs_difference_pp", "mean"),
            max_abs_difference_pp=("abs_difference_pp", "max"),
        ).reset_index()
        return out.sort_values(
            "mean_abs_difference_pp", ascending=False, kind="stable"
        ).reset_index(drop=True)

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.citations]


def reconcile(
    ds: Dataset,
    years: tuple[int | None, int | None] | int | None = None,
    countries: str | list[str] = "NATO",
    *,
    include_secondary: bool = False,
) -> Reconciliation:
    """NATO and SIPRI % of GDP for each ally and year both cover, with their difference.

    ``countries`` is a bloc (default ``NATO``: allies as of each year) or a list of countries.
    Secondary restatements (press reports, ICAEW) are left out unless ``include_secondary``.
    """
    import pandas as pd

    wanted = parse_list(countries, "countries")
    nato_span = check_years(
        ds, years, "nato", ["milex_pct_gdp"], include_secondary=include_secondary
    )
    span = check_years(
        ds, nato_span, "sipri", ["milex_pct_gdp"], include_secondary=include_secondary
    )
    frames = {}
    for publisher in PUBLISHERS:
        # reindex: Dataset.series loses its columns when a bloc filter meets an empty result
        pct, usd = (
            ds.series(m, wanted, publisher, span, include_secondary=include_secondary).reindex(
                columns=list(SCHEMA_COLUMNS)
            )
            for m in ("milex_pct_gdp", "milex_usd")
        )
        frames[publisher] = pct[["iso3", "year", "value", "flags", "edition"]].merge(
            usd[["iso3", "year", "value"]].rename(columns={"value": "usd"}),
            on=["iso3", "year"],
            how="left",
            validate="one_to_one",
        )
    both = frames["nato"].merge(
        frames["sipri"], on=["iso3", "year"], how="inner", suffixes=("_nato", "_sipri")
    )
    both = both[~both["iso3"].isin(NO_ARMED_FORCES)]
    if both.empty:
        raise MilexError(
            f"no ally-year has both NATO and SIPRI % of GDP in {span[0]}-{span[1]} "
            f"for {', '.join(wanted)}"
        )
    table = pd.DataFrame(
        {
            "iso3": both["iso3"],
            "country": [ds.registry.name(c) for c in both["iso3"]],
            "year": both["year"].astype("int64"),
            "nato_pct_gdp": both["value_nato"],
            "sipri_pct_gdp": both["value_sipri"],
        }
    )
    table["difference_pp"] = table["nato_pct_gdp"] - table["sipri_pct_gdp"]
    table["abs_difference_pp"] = table["difference_pp"].abs()
    table["relative_difference_pct"] = table["difference_pp"] / table["sipri_pct_gdp"] * 100
    table["nato_milex_usd_m"] = both["usd_nato"]
    table["sipri_milex_usd_m"] = both["usd_sipri"]
    table["spending_ratio"] = both["usd_nato"] / both["usd_sipri"]
    table["gdp_ratio"] = (both["usd_nato"] / both["value_nato"]) / (
        both["usd_sipri"] / both["value_sipri"]
    )
    for publisher in PUBLISHERS:
        table[f"{publisher}_flags"] = both[f"flags_{publisher}"]
        table[f"{publisher}_edition"] = both[f"edition_{publisher}"]
    table = table.sort_values(["year", "iso3"], kind="stable").reset_index(drop=True)
    notes = [DEFINITIONS, *_coverage_notes(frames, both), no_forces_note(sorted(NO_ARMED_FORCES))]
    covered = (int(table["year"].min()), int(table["year"].max()))
    used = {(p, e) for p in PUBLISHERS for e in both[f"edition_{p}"]}
    return Reconciliation(table[list(COLUMNS)], tuple(notes), covered, tuple(sorted(used)),
                          tuple(ds.citations(used)))  # fmt: skip


def _coverage_notes(frames: dict[str, pd.DataFrame], both: pd.DataFrame) -> list[str]:
    """Ally-years one publisher covers and the other does not (never filled from the other)."""
    matched = set(zip(both["iso3"], both["year"], strict=True))
    notes = []
    for publisher, other in (("nato", "sipri"), ("sipri", "nato")):
        frame = frames[publisher]
        only: dict[str, list[int]] = {}
        for iso3, year in zip(frame["iso3"], frame["year"], strict=True):
            if (iso3, year) not in matched and iso3 not in NO_ARMED_FORCES:
                only.setdefault(iso3, []).append(int(year))
        if only:
            listed = ", ".join(f"{c} ({year_ranges(y)})" for c, y in sorted(only.items()))
            notes.append(
                f"only {publisher} has % of GDP for {listed}; no {other} figure to compare"
            )
    return notes

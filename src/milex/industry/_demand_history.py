"""Procurement demand from NATO's own figures: equipment expenditure per ally and bloc since 2014.

Defence expenditure (Table 2, current USD; Table 3, constant 2015 USD) times the share spent on
major equipment including R&D (Table 8a), in euros at NATO's implied rate of the year (Germany's
euro figure over its dollar figure). Bloc totals add each year's members; a year in which a member
lacks figures has no total. The constants here are shared by the projection and the assembly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.data.registry import NO_ARMED_FORCES
from milex.industry._models import IndustryError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

REFERENCE_YEAR = 2014  # the Wales pledge and the first year of NATO's file
BLOCS = ("NATO", "NATO_EU_CA")
EURO_REFERENCE = "DEU"
QUANTILES = ("p5", "p25", "p50", "p75", "p95")
VALUES = ("value", *QUANTILES)
FRAME_COLUMNS = ("row_type", "iso3", "name", "year", "basis", "measure", "unit", *VALUES, "flags")
#: Measure -> unit (``{ref}`` is the constant-price base year).
MEASURES = {
    "defence_usd": "USD m",
    "defence_eur": "EUR m",
    "equipment_share_pct": "percent",
    "equipment_usd": "USD m",
    "equipment_eur": "EUR m",
    "equipment_usd_const": "USD m constant 2015",
    "increase_since_2014_usd": "USD m",
    "increase_since_2014_eur": "EUR m",
    "real_change_since_2014_pct": "percent",
    "increase_since_base_usd": "USD m",
    "increase_since_base_eur": "EUR m",
    "real_change_since_base_pct": "percent",
    "extra_usd": "USD m",
    "cum_extra_usd": "USD m",
    "cum_extra_eur": "EUR m",
}
NATO_MEASURES = ("milex_usd", "milex_usd_const", "equipment_pct")
DATA_FLAGS = ("estimate", "secondary", "uncertain")  # flags that qualify a figure


@dataclass
class HistoryPlan:
    """Allies, each aggregate's members per year, and the historical years."""

    allies: list[str]
    groups: dict[str, dict[int, list[str]]]  # aggregate -> year -> members
    years: list[int]

    @classmethod
    def plan(cls, ds: Dataset, bloc: str, as_of: int | None) -> HistoryPlan:
        code = bloc.strip().upper()
        if code not in BLOCS:
            raise IndustryError(
                f"bloc = {bloc!r}: must be one of {', '.join(BLOCS)} (NATO figures)"
            )
        years = list(range(REFERENCE_YEAR, ds.latest_year("equipment_pct", "nato") + 1))
        codes = [code] + (["NATO_EU_CA"] if code == "NATO" else [])
        groups = {c: {y: _members(ds, c, as_of or y) for y in years} for c in codes}
        return cls(sorted({m for y in years for m in groups[code][y]}), groups, years)

    @classmethod
    def for_projection(
        cls,
        ds: Dataset,
        base: int,
        countries: Sequence[str],
        aggregates: Sequence[str],
        as_of: int | None,
    ) -> HistoryPlan:
        """The history that leads into a projection from ``base`` of these countries and groups."""
        last = min(base, ds.latest_year("equipment_pct", "nato"))
        years = list(range(REFERENCE_YEAR, last + 1))
        groups = {
            code: {
                y: list(countries) if code == "TOTAL" else _members(ds, code, as_of or y)
                for y in years
            }
            for code in aggregates
        }
        return cls(list(countries), groups, years)


def _members(ds: Dataset, code: str, year: int) -> list[str]:
    return [m for m in ds.registry.members(code, year) if m not in NO_ARMED_FORCES]


def eur_per_usd(ds: Dataset, years: list[int]) -> dict[int, float]:
    """NATO's implied euros per dollar each year: Germany's defence spending in EUR over USD."""
    span = (years[0], years[-1])
    lcu = ds.series("milex_lcu", EURO_REFERENCE, "nato", span, include_secondary=False)
    usd = ds.series("milex_usd", EURO_REFERENCE, "nato", span, include_secondary=False)
    a = dict(zip(lcu["year"], lcu["value"], strict=True))
    b = dict(zip(usd["year"], usd["value"], strict=True))
    return {int(y): float(a[y] / b[y]) for y in a if b.get(y)}


def history_frame(
    ds: Dataset, h: HistoryPlan, rate: dict[int, float]
) -> tuple[pd.DataFrame, list[str], set[tuple[str, str]]]:
    """NATO-based measures, one row per entity and year (allies, then aggregates): iso3, year,
    one column per measure, flags; plus notes and the (source, edition) pairs used."""
    import pandas as pd

    span = (h.years[0], h.years[-1])
    tidy = pd.concat(
        [ds.series(m, h.allies, "nato", span, include_secondary=False) for m in NATO_MEASURES]
    )
    tidy = tidy[tidy["value"].notna()]
    wide = tidy.pivot_table(index=["iso3", "year"], columns="measure", values="value")
    wide = wide.reindex(columns=list(NATO_MEASURES)).dropna(subset=["milex_usd", "equipment_pct"])
    per_usd = pd.Series(rate).reindex(wide.index.get_level_values("year")).to_numpy()
    a = pd.DataFrame(index=wide.index)
    a["defence_usd"] = wide["milex_usd"]
    a["defence_eur"] = wide["milex_usd"] * per_usd
    a["equipment_share_pct"] = wide["equipment_pct"]
    a["equipment_usd"] = wide["milex_usd"] * wide["equipment_pct"] / 100
    a["equipment_eur"] = a["equipment_usd"] * per_usd
    a["equipment_usd_const"] = wide["milex_usd_const"] * wide["equipment_pct"] / 100
    flags = tidy.groupby(["iso3", "year"])["flags"].agg(_data_flags)
    a["flags"] = flags.reindex(a.index).fillna("")
    money = ["defence_usd", "defence_eur", "equipment_usd", "equipment_eur", "equipment_usd_const"]
    links = pd.DataFrame(
        [(g, y, c) for g, by_year in h.groups.items() for y, ms in by_year.items() for c in ms],
        columns=["group", "year", "iso3"],
    )
    joined = links.merge(a.reset_index(), on=["iso3", "year"], how="left")
    lacking = joined[joined["defence_usd"].isna()].groupby(["group", "year"])["iso3"].agg(list)
    notes = [
        f"{key[0]} {key[1]}: no total; no NATO figures for {', '.join(members)}."  # type: ignore[index]
        for key, members in lacking.items()
    ]
    grouped = joined.groupby(["group", "year"], sort=False)
    sums = grouped[money].sum()
    sums = sums.mask(grouped[money].count().lt(grouped.size(), axis=0))  # a gap is no total, not 0
    sums = sums.drop(index=lacking.index)  # never a partial total
    sums["equipment_share_pct"] = sums["equipment_usd"] / sums["defence_usd"] * 100
    sums["flags"] = grouped["flags"].agg(_data_flags)
    blocs = sums.reset_index().rename(columns={"group": "iso3"})
    out = pd.concat([a.reset_index(), blocs], ignore_index=True)
    for cur in ("usd", "eur"):
        out[f"increase_since_2014_{cur}"] = out[f"equipment_{cur}"] - _at_ref(
            out, f"equipment_{cur}"
        )
    out["real_change_since_2014_pct"] = (
        out["equipment_usd_const"] / _at_ref(out, "equipment_usd_const") - 1
    ) * 100
    return out, notes, set(zip(tidy["source"], tidy["edition"], strict=True))


def _data_flags(values: Any) -> str:
    return ";".join(sorted({f for v in values for f in str(v).split(";") if f in DATA_FLAGS}))


def _at_ref(frame: pd.DataFrame, column: str) -> pd.Series:
    """Each row's entity's value in the reference year (NaN where it has none)."""
    ref = frame[frame["year"] == REFERENCE_YEAR].set_index("iso3")[column]
    return frame["iso3"].map(ref)

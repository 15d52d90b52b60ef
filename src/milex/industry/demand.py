"""Procurement demand: equipment expenditure = defence expenditure x equipment share, per ally and year.

History is NATO's own: defence expenditure (Table 2, current USD; constant 2015 USD) times the
share spent on major equipment including R&D (Table 8a), in euros at NATO's implied rate of the
year (Germany's euro figure over its dollar figure, as the tracker does). Projections come from a
projection-engine scenario: the equipment share is held at its base-year level or moves in a
straight line to a given share by a year, and the engine projects equipment spending itself as a
plan of equipment shares of GDP (defence share x equipment share), so its quantiles, bloc totals
included, are the engine's own, on the same seeded paths as defence spending.

This module assembles the result; NATO's figures are read in ``demand_history`` and the
projected years computed in ``demand_projection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.industry._demand_history import (
    FRAME_COLUMNS,
    MEASURES,
    REFERENCE_YEAR,
    HistoryPlan,
    eur_per_usd,
    history_frame,
)
from milex.industry._demand_projection import EquipmentShare, Projected, projection_rows
from milex.industry._models import IndustryError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset
    from milex.projection import Scenario

__all__ = ["FRAME_COLUMNS", "MEASURES", "DemandResult", "EquipmentShare", "equipment_demand",
           "eur_per_usd"]  # fmt: skip


@dataclass(frozen=True)
class DemandResult(Result):
    """Equipment demand per ally and bloc total: NATO history, and projections with quantiles."""

    chart_kind: ClassVar[str] = "industry-demand"

    table: pd.DataFrame = field(repr=False)
    summary_frame: pd.DataFrame = field(repr=False)
    base_year: int
    horizon: int | None
    equipment: EquipmentShare
    notes: tuple[str, ...]
    sources_used: tuple[dict[str, str], ...]
    scenario: dict[str, Any] | None = None

    def frame(self) -> pd.DataFrame:
        """Tidy rows: row_type, iso3, name, year, basis, measure, unit, value, p5..p95, flags."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """One row per ally and bloc: equipment spending in 2014, the base year and the horizon."""
        return self.summary_frame.copy()

    def value(self, iso3: str, measure: str, year: int) -> float:
        """One central figure (the projection's for projected years, NATO's before)."""
        f = self.table
        hit = f[(f["iso3"] == iso3) & (f["measure"] == measure) & (f["year"] == year)]
        if hit.empty:
            raise IndustryError(f"no {measure} for {iso3} in {year}")
        return float(hit["value"].iloc[-1])

    def meta(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources_used),
            "base_year": self.base_year,
            "horizon": self.horizon,
            "equipment_share": self.equipment.describe(),
            "scenario": self.scenario,
            "notes": list(self.notes),
        }

    # -- entry point -------------------------------------------------------------------------------

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def equipment_demand(
    dataset: Dataset | None = None,
    *,
    scenario: Scenario | dict[str, Any] | str | Path | None = None,
    bloc: str | None = None,
    members_as_of: int | None = None,
    equipment: EquipmentShare | None = None,
    target: str | None = None,
) -> DemandResult:
    """Equipment expenditure per ally and bloc: NATO's figures from 2014, and with a projection
    scenario (a Scenario, mapping or TOML file) its projected years under ``equipment``.

    ``bloc`` (no scenario: NATO or NATO_EU_CA) picks the allies; a scenario brings its own.
    Bloc totals count each year's members (NATO's convention) unless ``members_as_of`` fixes
    one year's members. ``target`` names the scenario target that is defence expenditure on
    NATO's definition (default: the first one on NATO's measure).
    """
    from milex.data.store import Dataset

    ds = dataset or Dataset.open()
    equipment = equipment or EquipmentShare()
    if members_as_of is not None and not ds.registry.members("NATO", members_as_of):
        raise IndustryError(f"members_as_of = {members_as_of}: NATO had no members that year")
    if scenario is None:
        if equipment.target_pct is not None or target is not None:
            raise IndustryError(
                "an equipment-share assumption or a target applies to projected years: give a "
                "scenario"
            )
        return _build(ds, HistoryPlan.plan(ds, bloc or "NATO", members_as_of), None, equipment)
    if bloc is not None:
        raise IndustryError("give the bloc or countries in the scenario, not as bloc")
    projected = Projected.run(ds, _scenario(scenario), equipment, target)
    history = HistoryPlan.for_projection(
        ds, projected.base, projected.countries, projected.aggregates, members_as_of
    )
    return _build(ds, history, projected, equipment)


def _scenario(value: Scenario | dict[str, Any] | str | Path) -> Scenario:
    from milex.projection import Scenario

    if isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return Scenario.parse(value)
    return Scenario.from_toml(Path(value))


def _build(
    ds: Dataset, h: HistoryPlan, p: Projected | None, equipment: EquipmentShare
) -> DemandResult:
    import pandas as pd

    rate = eur_per_usd(ds, h.years)
    hist, notes, used = history_frame(ds, h, rate)
    codes = [*h.allies, *h.groups]
    names = {c: "Total" if c == "TOTAL" else ds.registry.name(c) for c in codes}
    present = [m for m in MEASURES if m in hist.columns]
    long = hist.melt(["iso3", "year", "flags"], present, var_name="measure", value_name="value")
    long = long[long["value"].notna()].assign(basis="nato")
    frame = pd.concat([long, projection_rows(p, hist)] if p else [long], ignore_index=True)
    frame["row_type"] = np.where(frame["iso3"].isin(h.allies), "ally", "bloc")
    frame["name"] = frame["iso3"].map(names)
    frame["unit"] = frame["measure"].map(MEASURES)
    frame["year"] = frame["year"].astype(int)
    order = {c: i for i, c in enumerate(codes)}
    frame = frame.assign(_e=frame["iso3"].map(order), _m=frame["measure"].map(list(MEASURES).index))
    frame = frame.sort_values(["_e", "_m", "year", "basis"], kind="stable")
    frame = frame.reindex(columns=list(FRAME_COLUMNS)).reset_index(drop=True)
    base = p.base if p else h.years[-1]
    horizon = p.years[-1] if p else None
    sources = ds.citations(used) + ([dict(s) for s in p.usd.sources()] if p else [])
    return DemandResult(
        table=frame,
        summary_frame=_summary(frame, codes, base, horizon),
        base_year=base,
        horizon=horizon,
        equipment=equipment,
        notes=tuple(notes + _notes(rate, h, p, equipment)),
        sources_used=tuple({(s["source"], s["edition"]): s for s in sources}.values()),
        scenario=p.scenario.to_dict() if p else None,
    )


#: Summary columns: (column, measure, year, value column); "horizon" ones are the projection's.
SUMMARY = (
    ("equipment_share_2014_pct", "equipment_share_pct", "2014", "value"),
    ("equipment_share_base_pct", "equipment_share_pct", "base", "value"),
    ("equipment_usd_2014_m", "equipment_usd", "2014", "value"),
    ("equipment_usd_base_m", "equipment_usd", "base", "value"),
    ("equipment_eur_base_m", "equipment_eur", "base", "value"),
    ("increase_2014_to_base_usd_m", "increase_since_2014_usd", "base", "value"),
    ("real_change_2014_to_base_pct", "real_change_since_2014_pct", "base", "value"),
    ("equipment_share_horizon_pct", "equipment_share_pct", "horizon", "value"),
    ("equipment_usd_horizon_m", "equipment_usd", "horizon", "value"),
    ("equipment_usd_horizon_p5_m", "equipment_usd", "horizon", "p5"),
    ("equipment_usd_horizon_p95_m", "equipment_usd", "horizon", "p95"),
    ("equipment_eur_horizon_m", "equipment_eur", "horizon", "value"),
    ("increase_base_to_horizon_usd_m", "increase_since_base_usd", "horizon", "value"),
    ("real_change_base_to_horizon_pct", "real_change_since_base_pct", "horizon", "value"),
    ("real_change_2014_to_horizon_pct", "real_change_since_2014_pct", "horizon", "value"),
    ("cum_extra_usd_m", "cum_extra_usd", "horizon", "value"),
    ("cum_extra_usd_p5_m", "cum_extra_usd", "horizon", "p5"),
    ("cum_extra_usd_p95_m", "cum_extra_usd", "horizon", "p95"),
    ("cum_extra_eur_m", "cum_extra_eur", "horizon", "value"),
)


def _summary(frame: pd.DataFrame, codes: list[str], base: int, horizon: int | None) -> pd.DataFrame:
    """One row per entity; the horizon columns only with a scenario."""
    import pandas as pd

    years = {"2014": REFERENCE_YEAR, "base": base, "horizon": horizon}
    wanted = frame[frame["year"].isin([y for y in years.values() if y is not None])]
    table = {
        (c, basis, m, y): (v, p5, p95)
        for c, basis, m, y, v, p5, p95 in wanted[
            ["iso3", "basis", "measure", "year", "value", "p5", "p95"]
        ].itertuples(index=False)
    }
    position = {"value": 0, "p5": 1, "p95": 2}
    heads = frame.drop_duplicates("iso3").set_index("iso3")
    rows = []
    for code in codes:
        row = {"row_type": heads.at[code, "row_type"], "iso3": code, "name": heads.at[code, "name"],
               "base_year": base} | ({"horizon": horizon} if horizon else {})  # fmt: skip
        for column, measure, when, value in SUMMARY:
            if when == "horizon" and horizon is None:
                continue
            key = (code, "projection" if when == "horizon" else "nato", measure, years[when])
            row[column] = float(table[key][position[value]]) if key in table else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _notes(
    rate: dict[int, float], h: HistoryPlan, p: Projected | None, equipment: EquipmentShare
) -> list[str]:
    first, last = h.years[0], h.years[-1]
    notes = [
        "Equipment expenditure = NATO defence expenditure (current USD, Table 2; constant 2015 "
        "USD, Table 3) x NATO's share on major equipment incl. related R&D (Table 8a).",
        f"Euros at NATO's implied rate of each year (Germany's EUR over USD figures): "
        f"{rate.get(first, np.nan):.4f} EUR per USD in {first}, {rate.get(last, np.nan):.4f} in {last}.",
        "Bloc totals sum their members (a member without figures leaves the year without a "
        "total, never a zero); a bloc's equipment share is its equipment over its defence spending.",
    ]
    if any(len({tuple(v) for v in g.values()}) > 1 for g in h.groups.values()):
        notes.append(
            "Bloc totals count each year's members (NATO's convention): changes since 2014 include "
            "enlargement (e.g. Finland 2023, Sweden 2024); members_as_of fixes one year's members."
        )
    if p is None:
        return notes
    notes += [
        *p.notes,
        f"Projected years: {equipment.describe()}; equipment spending is projected by the engine "
        "as a plan of shares of GDP (defence share x equipment share) on the same seeded paths "
        "as defence spending, so its quantiles and bloc totals are the engine's own.",
        "Projected levels are the engine's (share of GDP x IMF WEO GDP) and differ from NATO's "
        "base-year figure; increase_since_base and real_change_since_base compare with the "
        "projection's own base-year value; equipment_usd_const and real_change_since_2014 chain "
        "NATO's constant-2015 series at the base year to the projection's constant-price growth "
        "(chained bloc figures are not sums of their allies').",
        "extra_usd and cum_extra: equipment spending above the base year's equipment share of GDP.",
        "Blocs' projected equipment share has no quantiles (a ratio of two uncertain sums).",
    ]
    if len(p.scenario.targets) > 1:
        notes.append(
            f"Only target {p.defence!r} is defence expenditure on NATO's definition; the other "
            "targets of the scenario are left out."
        )
    own = f"Target {p.equipment_name!r}"
    notes += [n for n in p.usd.notes if not n.startswith(own)]
    return notes

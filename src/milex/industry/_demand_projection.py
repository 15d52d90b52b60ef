"""Projected procurement demand: the equipment-share assumption and the engine's projected years.

The equipment share is held at its base-year level or moves in a straight line to a given share by
a year; the engine projects equipment spending itself as a plan of equipment shares of GDP
(defence share x equipment share), so its quantiles, bloc totals included, are the engine's own, on
the same seeded paths as defence spending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from milex.industry._demand_history import MEASURES, REFERENCE_YEAR, VALUES
from milex.industry._models import IndustryError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset
    from milex.projection import ProjectionResult, Scenario


@dataclass(frozen=True)
class EquipmentShare:
    """The equipment-share assumption for projected years: hold each ally's base-year share
    (``target_pct`` None), or move in a straight line to ``target_pct`` by ``by`` and hold it.
    ``allow_cuts=False`` keeps allies already above the target at their own share."""

    target_pct: float | None = None
    by: int | None = None
    allow_cuts: bool = False

    def __post_init__(self) -> None:
        if (self.target_pct is None) != (self.by is None):
            raise IndustryError(
                "equipment share: give target_pct and by together (or neither, to hold the "
                f"base-year share); got target_pct = {self.target_pct}, by = {self.by}"
            )
        if self.target_pct is not None and not 0 <= self.target_pct <= 100:
            raise IndustryError(f"equipment share target_pct = {self.target_pct}: must be 0-100")

    def path(self, base_share: float, years: np.ndarray) -> np.ndarray:
        """Equipment share (%) for each year from the base year on."""
        if self.target_pct is None or self.by is None:
            return np.full(len(years), base_share)
        if base_share > self.target_pct and not self.allow_cuts:
            return np.full(len(years), base_share)
        x = np.clip((years - years[0]) / (self.by - years[0]), 0.0, 1.0)
        out: np.ndarray = base_share + (self.target_pct - base_share) * x
        out[x >= 1] = self.target_pct
        return out

    def describe(self) -> str:
        if self.target_pct is None:
            return "each ally's base-year equipment share held"
        cuts = "" if self.allow_cuts else "; allies above it keep their own share"
        return (
            f"equipment share moves in a straight line to {self.target_pct:g}% by {self.by}{cuts}"
        )


@dataclass
class Projected:
    """The engine's paths for defence and equipment spending, in USD and EUR."""

    base: int
    years: list[int]
    countries: list[str]
    aggregates: list[str]
    shares: dict[str, np.ndarray]  # equipment share % per country, base year on
    usd: ProjectionResult
    eur: ProjectionResult
    defence: str  # the defence target's name
    equipment_name: str
    scenario: Scenario
    notes: list[str]

    @classmethod
    def run(cls, ds: Dataset, scenario: Scenario, equipment: EquipmentShare,
            target: str | None) -> Projected:  # fmt: skip
        from milex.projection import project

        chosen = _choose_target(scenario, target)
        if scenario.base_year is None:
            # the projection links to NATO's own constant-price equipment history at the base
            # year, so it starts from that history's newest year, not from a restatement's
            scenario = scenario.with_changes(base_year=ds.latest_year("equipment_pct", "nato"))
        central = project(
            scenario.with_changes(targets=[chosen], currency="USD", uncertainty={"paths": 1}), ds
        )
        countries = list(central.assumptions()["iso3"])
        aggregates = [e for e in central.entities if e not in countries]
        base, years = central.base_year, np.array(central.years)
        if equipment.by is not None and equipment.by <= base:
            raise IndustryError(
                f"equipment share by = {equipment.by}: must be after the base year {base}"
            )
        shares, share_notes = _base_equipment(ds, countries, base)
        paths = {c: equipment.path(shares[c], years) for c in countries}
        ei = central.series.index((chosen.name, "share_pct"))
        defence_share = {c: central.central[ei, i] for i, c in enumerate(countries)}
        joint = _joint_scenario(
            central.scenario, chosen, countries, aggregates, defence_share, paths
        )
        joint = joint.with_changes(uncertainty=scenario.uncertainty)
        usd = project(joint, ds)
        eur = project(joint.with_changes(currency="EUR"), ds)
        return cls(base, [int(y) for y in years], countries, aggregates, paths, usd, eur,
                   chosen.name, joint.targets[1].name, scenario, share_notes)  # fmt: skip


def _choose_target(scenario: Scenario, name: str | None) -> Any:
    """The target that is NATO defence expenditure (named, or the first on NATO's measure)."""
    targets = scenario.targets
    found = [t for t in targets if (t.name == name if name else t.metric == "milex_pct_gdp")]
    if not found:
        known = ", ".join(f"{t.name} ({t.metric})" for t in targets)
        what = f"target = {name!r} is" if name else "no target on NATO's milex_pct_gdp is"
        raise IndustryError(f"{what} not in the scenario (targets: {known})")
    i, chosen = targets.index(found[0]), found[0]
    if chosen.metric != "milex_pct_gdp":
        raise IndustryError(
            f"targets[{i}] ({chosen.name!r}, {chosen.guideline}) is not NATO defence expenditure, "
            "to which equipment shares apply"
        )
    paths = [(f"targets[{i}].path", chosen.path)] + [
        (f"targets[{i}].overrides.{c}.path", o.path) for c, o in chosen.overrides.items() if o.path
    ]
    for key, spec in paths:
        if spec.shape == "constant_real_growth":
            raise IndustryError(
                f"{key} = 'constant_real_growth': equipment demand needs a share-of-GDP path "
                "(linear, front_loaded, back_loaded, hold_share or plan)"
            )
    return chosen


def _base_equipment(
    ds: Dataset, countries: list[str], base: int
) -> tuple[dict[str, float], list[str]]:
    """Each ally's NATO equipment share in the base year (else its latest earlier figure)."""
    span = (REFERENCE_YEAR, base)
    frame = ds.series("equipment_pct", countries, "nato", span, include_secondary=False)
    frame = frame[frame["value"].notna()].sort_values("year")
    latest = {
        c: (int(y), float(v)) for c, y, v in frame[["iso3", "year", "value"]].itertuples(False)
    }
    missing = [c for c in countries if c not in latest]
    if missing:
        raise IndustryError(f"no NATO equipment_pct up to {base} for: {', '.join(missing)}")
    older = [f"{c} ({y})" for c, (y, _) in latest.items() if y < base]
    note = f"No {base} equipment share; the latest is held for: {', '.join(older)}."
    return {c: v for c, (_, v) in latest.items()}, [note] if older else []


def _joint_scenario(
    resolved: Scenario,
    chosen: Any,
    countries: list[str],
    aggregates: list[str],
    defence: dict[str, np.ndarray],
    equipment: dict[str, np.ndarray],
) -> Scenario:
    """The user's scenario with two targets: defence as given, and equipment as a plan of shares
    of GDP (defence share x equipment share) for every projected year."""
    from milex.projection import CountryOverride, PathSpec, Target

    years = range(resolved.base_year or 0, resolved.horizon + 1)
    name = "equipment" if chosen.name != "equipment" else "equipment_demand"
    overrides, path = {}, PathSpec()
    for c in countries:
        shares = defence[c] * equipment[c] / 100
        path = PathSpec(
            shape="plan", plan={y: float(v) for y, v in zip(years[1:], shares[1:], strict=True)}
        )
        overrides[c] = CountryOverride(base_pct=float(shares[0]), path=path)
    equip = Target(name=name, target_pct=0.0, base_pct=overrides[countries[0]].base_pct,
                   allow_cuts=True, path=path, overrides=overrides)  # fmt: skip
    return resolved.with_changes(
        targets=[chosen, equip], countries=countries, bloc=None, aggregates=aggregates,
        currency="USD",
    )  # fmt: skip


def _series(res: ProjectionResult, target: str, measure: str) -> np.ndarray:
    """Central and quantiles of one series: (entities, years, 6)."""
    s = res.series.index((target, measure))
    return np.concatenate([res.central[s][..., None], np.moveaxis(res.quantiles[:, s], 0, -1)], -1)


def projection_rows(p: Projected, hist: pd.DataFrame) -> pd.DataFrame:
    """Rows for the projected years (after the base year), every value with its quantiles."""
    import pandas as pd

    d, q = p.defence, p.equipment_name
    got = {
        "defence_usd": _series(p.usd, d, "spending"),
        "defence_eur": _series(p.eur, d, "spending"),
        "equipment_usd": _series(p.usd, q, "spending"),
        "equipment_eur": _series(p.eur, q, "spending"),
        "extra_usd": _series(p.usd, q, "extra"),
        "cum_extra_usd": _series(p.usd, q, "cum_extra"),
        "cum_extra_eur": _series(p.eur, q, "cum_extra"),
    }
    const = _series(p.usd, q, "spending_const")
    known = hist.set_index(["iso3", "year"])
    parts = []
    for e, code in enumerate(p.usd.entities):

        def nato(column: str, year: int, code: str = code) -> float:
            key = (code, year)
            return float(known.at[key, column]) if key in known.index else np.nan  # type: ignore[arg-type]

        m = {k: v[e] for k, v in got.items()}
        usd, eur, c = m["equipment_usd"], m["equipment_eur"], const[e]
        if code in p.shares:
            m["equipment_share_pct"] = np.repeat(p.shares[code][:, None], 6, axis=1)
        else:
            m["equipment_share_pct"] = np.full_like(usd, np.nan)
            m["equipment_share_pct"][:, 0] = usd[:, 0] / m["defence_usd"][:, 0] * 100
        for cur, level in (("usd", usd), ("eur", eur)):
            m[f"increase_since_base_{cur}"] = level - level[0, 0]
            m[f"increase_since_2014_{cur}"] = level - nato(f"equipment_{cur}", REFERENCE_YEAR)
        growth = c / c[0, 0]
        base_const = nato("equipment_usd_const", p.base)
        m["equipment_usd_const"] = base_const * growth
        m["real_change_since_base_pct"] = (growth - 1) * 100
        ref = nato("equipment_usd_const", REFERENCE_YEAR)
        m["real_change_since_2014_pct"] = (base_const / ref * growth - 1) * 100
        for measure in MEASURES:
            block = pd.DataFrame(m[measure][1:], columns=list(VALUES))
            parts.append(block.assign(iso3=code, year=p.years[1:], measure=measure))
    out = pd.concat(parts, ignore_index=True)
    return out.assign(basis="projection", flags="projection")

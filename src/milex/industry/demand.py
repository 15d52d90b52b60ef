"""Procurement demand: equipment expenditure = defence expenditure x equipment share, per ally and year.

History is NATO's own: defence expenditure (Table 2, current USD; constant 2015 USD) times the
share spent on major equipment including R&D (Table 8a), in euros at NATO's implied rate of the
year (Germany's euro figure over its dollar figure, as the tracker does). Projections come from a
projection-engine scenario: the equipment share is held at its base-year level or moves in a
straight line to a given share by a year, and the engine projects equipment spending itself as a
plan of equipment shares of GDP (defence share x equipment share), so its quantiles, bloc totals
included, are the engine's own, on the same seeded paths as defence spending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from milex.industry.models import IndustryError
from milex.registry import NO_ARMED_FORCES

if TYPE_CHECKING:
    import pandas as pd

    from milex.projection import ProjectionResult, Scenario
    from milex.store import Dataset

REFERENCE_YEAR = 2014  # the Wales pledge and the first year of NATO's file
BLOCS = ("NATO", "NATO_EU_CA")
NO_FORCES = tuple(NO_ARMED_FORCES)
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
        out = base_share + (self.target_pct - base_share) * x
        out[x >= 1] = self.target_pct
        return out

    def describe(self) -> str:
        if self.target_pct is None:
            return "each ally's base-year equipment share held"
        cuts = "" if self.allow_cuts else "; allies above it keep their own share"
        return (
            f"equipment share moves in a straight line to {self.target_pct:g}% by {self.by}{cuts}"
        )


@dataclass(frozen=True)
class DemandResult:
    """Equipment demand per ally and bloc total: NATO history, and projections with quantiles."""

    frame: pd.DataFrame = field(repr=False)
    summary_frame: pd.DataFrame = field(repr=False)
    base_year: int
    horizon: int | None
    equipment: EquipmentShare
    notes: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    scenario: dict[str, Any] | None = None

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: row_type, iso3, name, year, basis, measure, unit, value, p5..p95, flags."""
        return self.frame.copy()

    def summary(self) -> pd.DataFrame:
        """One row per ally and bloc: equipment spending in 2014, the base year and the horizon."""
        return self.summary_frame.copy()

    def value(self, iso3: str, measure: str, year: int) -> float:
        """One central figure (the projection's for projected years, NATO's before)."""
        f = self.frame
        hit = f[(f["iso3"] == iso3) & (f["measure"] == measure) & (f["year"] == year)]
        if hit.empty:
            raise IndustryError(f"no {measure} for {iso3} in {year}")
        return float(hit["value"].iloc[-1])

    def meta(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "base_year": self.base_year,
            "horizon": self.horizon,
            "equipment_share": self.equipment.describe(),
            "scenario": self.scenario,
            "notes": list(self.notes),
        }


# -- entry point -------------------------------------------------------------------------------
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
    import milex

    ds = dataset or milex.load()
    equipment = equipment or EquipmentShare()
    if members_as_of is not None and not ds.registry.members("NATO", members_as_of):
        raise IndustryError(f"members_as_of = {members_as_of}: NATO had no members that year")
    if scenario is None:
        if equipment.target_pct is not None or target is not None:
            raise IndustryError(
                "an equipment-share assumption or a target applies to projected years: give a "
                "scenario"
            )
        return _build(ds, _History.plan(ds, bloc or "NATO", members_as_of), None, equipment)
    if bloc is not None:
        raise IndustryError("give the bloc or countries in the scenario, not as bloc")
    projected = _Projected.run(ds, _scenario(scenario), equipment, target)
    history = _History.for_projection(ds, projected, members_as_of)
    return _build(ds, history, projected, equipment)


def _scenario(value: Scenario | dict[str, Any] | str | Path) -> Scenario:
    from milex.projection import Scenario

    if isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return Scenario.parse(value)
    return Scenario.from_toml(Path(value))


# -- history -----------------------------------------------------------------------------------
@dataclass
class _History:
    """Allies, each aggregate's members per year, and the historical years."""

    allies: list[str]
    groups: dict[str, dict[int, list[str]]]  # aggregate -> year -> members
    years: list[int]

    @classmethod
    def plan(cls, ds: Dataset, bloc: str, as_of: int | None) -> _History:
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
    def for_projection(cls, ds: Dataset, p: _Projected, as_of: int | None) -> _History:
        last = min(p.base, ds.latest_year("equipment_pct", "nato"))
        years = list(range(REFERENCE_YEAR, last + 1))
        groups = {
            code: {
                y: p.countries if code == "TOTAL" else _members(ds, code, as_of or y) for y in years
            }
            for code in p.aggregates
        }
        return cls(list(p.countries), groups, years)


def _members(ds: Dataset, code: str, year: int) -> list[str]:
    return [m for m in ds.registry.members(code, year) if m not in NO_FORCES]


def eur_per_usd(ds: Dataset, years: list[int]) -> dict[int, float]:
    """NATO's implied euros per dollar each year: Germany's defence spending in EUR over USD."""
    span = (years[0], years[-1])
    lcu = ds.series("milex_lcu", EURO_REFERENCE, "nato", span, include_secondary=False)
    usd = ds.series("milex_usd", EURO_REFERENCE, "nato", span, include_secondary=False)
    a = dict(zip(lcu["year"], lcu["value"], strict=True))
    b = dict(zip(usd["year"], usd["value"], strict=True))
    return {int(y): float(a[y] / b[y]) for y in a if b.get(y)}


def _history(
    ds: Dataset, h: _History, rate: dict[int, float]
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


# -- projection ----------------------------------------------------------------------------------
@dataclass
class _Projected:
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
            target: str | None) -> _Projected:  # fmt: skip
        from milex.projection import project

        chosen = _choose_target(scenario, target)
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


def _projection_rows(p: _Projected, hist: pd.DataFrame) -> pd.DataFrame:
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


def _build(
    ds: Dataset, h: _History, p: _Projected | None, equipment: EquipmentShare
) -> DemandResult:
    import pandas as pd

    rate = eur_per_usd(ds, h.years)
    hist, notes, used = _history(ds, h, rate)
    codes = [*h.allies, *h.groups]
    names = {c: "Total" if c == "TOTAL" else ds.registry.name(c) for c in codes}
    present = [m for m in MEASURES if m in hist.columns]
    long = hist.melt(["iso3", "year", "flags"], present, var_name="measure", value_name="value")
    long = long[long["value"].notna()].assign(basis="nato")
    frame = pd.concat([long, _projection_rows(p, hist)] if p else [long], ignore_index=True)
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
    sources = ds.citations(used) + ([dict(s) for s in p.usd.sources] if p else [])
    return DemandResult(
        frame=frame,
        summary_frame=_summary(frame, codes, base, horizon),
        base_year=base,
        horizon=horizon,
        equipment=equipment,
        notes=tuple(notes + _notes(rate, h, p, equipment)),
        sources=tuple({(s["source"], s["edition"]): s for s in sources}.values()),
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
    rate: dict[int, float], h: _History, p: _Projected | None, equipment: EquipmentShare
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

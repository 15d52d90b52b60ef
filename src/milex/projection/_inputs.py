"""From a scenario and the dataset to the engine's arrays, writing down every assumption made.

Data used: each ally's newest NATO share of GDP up to the base year (the baseline of targets on
NATO's measure; the base year is the newest with NATO figures, and an ally whose newest figure is
older starts from that one, named in the notes), IMF WEO nominal GDP in the base year, WEO real
growth and GDP deflator to the WEO's last year (then a
long-run assumption), and WEO GDP in national currency and in US dollars for exchange rates.
Missing figures are collected and reported together; nothing missing is ever taken as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from milex.analysis.commitments import BY_ID as GUIDELINES
from milex.analysis.coverage import default_year
from milex.data.registry import NO_ARMED_FORCES
from milex.errors import QueryError
from milex.projection._bloc_weights import bloc_weights
from milex.projection._model import EngineInputs, Shocks
from milex.projection._paths import PartPaths, build_part
from milex.projection._shocks import shocks_note, shocks_of
from milex.projection.scenario import (
    DATA_BASELINE_METRIC,
    Scenario,
    ScenarioError,
    Target,
    check_years,
)

if TYPE_CHECKING:
    from milex.data.store import Dataset

NO_FORCES = {c: f"{why} and no defence-expenditure figures" for c, why in NO_ARMED_FORCES.items()}
WEO, NATO = "imf_weo", "nato"
#: How far back an ally's newest NATO share is looked for (the base year's, else an earlier one).
NEWEST_FROM = 2014
EURO_REFERENCE = "DEU"  # euros per dollar: Germany's GDP in euros over its GDP in dollars
WEO_MEASURES = ("gdp_lcu", "gdp_usd", "gdp_real_growth_pct", "gdp_deflator")


@dataclass
class Prepared:
    """Everything ``project`` hands to the engine and to the result."""

    scenario: Scenario  # resolved: base year and bloc filled in
    inputs: EngineInputs
    shocks: Shocks
    countries: list[str]
    aggregates: list[tuple[str, list[str]]]
    units: list[str]  # currency of each entity (countries, then aggregates)
    assumptions: list[dict[str, Any]]
    sources: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)


@dataclass
class _Macro:
    """One country's central path: growth and inflation (fractions) for each projected year."""

    growth: np.ndarray
    inflation: np.ndarray
    long_run: tuple[float, float]  # % a year
    weo_last: int


def prepare(scenario: Scenario, ds: Dataset) -> Prepared:
    """Resolve defaults against the dataset and build the engine's inputs."""
    return _Builder(scenario, ds).build()


class _Builder:
    """Reads what a scenario needs from the dataset, collecting every missing figure."""

    def __init__(self, scenario: Scenario, ds: Dataset) -> None:
        self.sc, self.ds = scenario, ds
        # the newest year with NATO figures, where each ally starts from its newest figure
        self.base = scenario.base_year or default_year(ds)
        problems = check_years(scenario, self.base)
        if problems:
            raise ScenarioError("invalid scenario: " + "; ".join(problems))
        self.years = np.arange(self.base, scenario.horizon + 1)
        self.bloc = None if scenario.countries else (scenario.bloc or "NATO")
        chosen = scenario.countries or ds.registry.members(str(self.bloc), self.base)
        self.excluded = {c: NO_FORCES[c] for c in chosen if c in NO_FORCES}
        self.countries = [c for c in chosen if c not in NO_FORCES]
        if not self.countries:
            raise ScenarioError(
                f"nothing to project: {', '.join(self.excluded)} excluded "
                f"({'; '.join(self.excluded.values())})"
            )
        self.problems: list[str] = []
        self.values: dict[str, dict[str, dict[int, float]]] = {}
        self.flags: dict[str, dict[str, dict[int, str]]] = {}
        self.editions: set[tuple[str, str]] = set()
        self._macro: dict[str, _Macro] = {}
        #: Per ally, the NATO figure its baseline share starts from: (year, edition, flags).
        self.base_from: dict[str, tuple[int, str, str]] = {}

    def build(self) -> Prepared:
        sc, countries = self.sc, self.countries
        self._fetch()
        macro = [self.macro(c) for c in countries]
        fx, units, fx_notes = self._exchange_rates()
        gdp0 = np.array([self.get("gdp_lcu", c, self.base) or np.nan for c in countries])
        self.problems += [
            f"{c}: no IMF WEO gdp_lcu for {self.base}"
            for c, v in zip(countries, gdp0, strict=True)
            if np.isnan(v)
        ]
        shares = [self._base_shares(t, i) for i, t in enumerate(sc.targets)]
        if self.problems:
            raise QueryError("missing data for the projection: " + "; ".join(self.problems))
        parts = [
            build_part(t, countries, self.years, b, gdp0, sc.horizon)
            for t, b in zip(sc.targets, shares, strict=True)
        ]
        aggregates, agg_notes = self._aggregates(units)
        weights = bloc_weights(self.ds, countries, aggregates, self.base, gdp0 * fx[0])
        inputs = EngineInputs(
            years=self.years,
            gdp0=gdp0,
            growth=np.stack([m.growth for m in macro], axis=1),
            inflation=np.stack([m.inflation for m in macro], axis=1),
            fx=fx,
            fx_const=fx[0].copy(),
            parts=tuple(parts),
            groups=tuple((a, np.array([countries.index(m) for m in ms])) for a, ms in aggregates),
            bloc_weights=weights.per_country,
            bloc_scale=weights.scale,
        )
        shocks = shocks_of(sc.uncertainty)
        resolved = sc.with_changes(base_year=self.base, bloc=self.bloc)
        return Prepared(
            scenario=resolved,
            inputs=inputs,
            shocks=shocks,
            countries=countries,
            aggregates=aggregates,
            units=units + [units[countries.index(ms[0])] for _, ms in aggregates],
            assumptions=self._assumptions(parts, gdp0, fx[0], units),
            sources=sorted(self.editions),
            notes=self._notes(parts)
            + fx_notes
            + agg_notes
            + ([weights.note] if weights.note else []),
            excluded=self.excluded,
        )

    # -- data ----------------------------------------------------------------------------------
    def get(self, measure: str, iso3: str, year: int) -> float | None:
        return self.values.get(measure, {}).get(iso3, {}).get(year)

    def _fetch(self) -> None:
        lo, hi = self.sc.macro.long_run_years
        extra = {"USA", EURO_REFERENCE} if self.sc.currency != "national" else set()
        codes = sorted(set(self.countries) | extra)
        span = (min(self.base, lo) - 1, max(self.sc.horizon, hi))
        requests = [(m, WEO, span) for m in WEO_MEASURES]
        requests += [("milex_pct_gdp", NATO, (NEWEST_FROM, self.base))]
        requests += [("milex_lcu", NATO, (self.base, self.base))]
        wanted = set(self.countries)
        for measure, source, years in requests:
            values: dict[str, dict[int, float]] = {}
            flags: dict[str, dict[int, str]] = {}
            for row in self.ds.series_records(measure, codes, source, years):
                iso3, year, value = row["iso3"], int(row["year"]), row["value"]
                if value is not None and value == value:  # a missing value is never a figure
                    values.setdefault(iso3, {})[year] = float(value)
                flags.setdefault(iso3, {})[year] = str(row["flags"])
                if measure == "milex_pct_gdp" and iso3 in wanted:
                    # rows come in year order: the last one kept is the ally's newest figure
                    self.base_from[iso3] = (year, str(row["edition"]), str(row["flags"]))
                elif measure != "milex_lcu" and iso3 in wanted:  # for the assumptions table only
                    self.editions.add((row["source"], row["edition"]))
            self.values[measure], self.flags[measure] = values, flags
        for _, edition, _ in self.base_from.values():
            self.editions.add((NATO, edition))

    def macro(self, iso3: str) -> _Macro:
        """Central growth and inflation of a country: WEO to its last year, then the long run."""
        if iso3 in self._macro:
            return self._macro[iso3]
        g = self.values.get("gdp_real_growth_pct", {}).get(iso3, {})
        d = self.values.get("gdp_deflator", {}).get(iso3, {})
        last = max((y for y in g if y in d and y - 1 in d), default=self.base)
        long_run = self._long_run(iso3, g, d, needed=self.sc.horizon > last)
        T = len(self.years) - 1
        growth, inflation = np.full(T, np.nan), np.full(T, np.nan)
        for i, y in enumerate(int(y) for y in self.years[1:]):
            if y > last:
                growth[i], inflation[i] = long_run[0] / 100, long_run[1] / 100
            elif y in g and y in d and y - 1 in d:
                growth[i], inflation[i] = g[y] / 100, d[y] / d[y - 1] - 1
            else:
                self.problems.append(f"{iso3}: IMF WEO growth or deflator missing for {y}")
        self._macro[iso3] = _Macro(growth, inflation, long_run, last)
        return self._macro[iso3]

    def _long_run(
        self, iso3: str, g: dict[int, float], d: dict[int, float], *, needed: bool
    ) -> tuple[float, float]:
        """Long-run growth and inflation, %: the country's override, the scenario's, else WEO's."""
        macro = self.sc.macro
        override = macro.overrides.get(iso3)
        values: list[float | None] = []
        for name in ("long_run_growth_pct", "long_run_inflation_pct"):
            own = getattr(override, name) if override else None
            values.append(own if own is not None else getattr(macro, name))
        lo, hi = macro.long_run_years
        window = range(lo, hi + 1)
        if None in values and all(y in g and y in d and y - 1 in d for y in window):
            means = (
                float(np.mean([g[y] for y in window])),
                float(np.mean([(d[y] / d[y - 1] - 1) * 100 for y in window])),
            )
            values = [v if v is not None else m for v, m in zip(values, means, strict=True)]
        elif None in values and needed:
            self.problems.append(
                f"{iso3}: IMF WEO growth or deflator missing in {lo}-{hi} (long run)"
            )
        return (
            np.nan if values[0] is None else float(values[0]),
            np.nan if values[1] is None else float(values[1]),
        )

    # -- exchange rates ------------------------------------------------------------------------
    def per_usd(self, iso3: str) -> np.ndarray:
        """National currency per USD each year: WEO GDP ratio, then relative-PPP or held."""
        T1 = len(self.years)
        if self.ds.registry.countries[iso3].currency == "USD":
            return np.ones(T1)
        out = np.full(T1, np.nan)
        for i, y in enumerate(int(y) for y in self.years):
            lcu, usd = self.get("gdp_lcu", iso3, y), self.get("gdp_usd", iso3, y)
            if lcu and usd:
                out[i] = lcu / usd
            elif i and not np.isnan(out[i - 1]):  # after the WEO: a constant real rate
                own, us = self.macro(iso3).inflation[i - 1], self.macro("USA").inflation[i - 1]
                out[i] = out[i - 1] * (1 + own) / (1 + us)
        if self.sc.exchange_rates == "base_year":
            out[:] = out[0]
        if np.isnan(out[0]):
            self.problems.append(f"{iso3}: no IMF WEO gdp_lcu and gdp_usd for {self.base}")
        return out

    def _exchange_rates(self) -> tuple[np.ndarray, list[str], list[str]]:
        """Output currency per national currency (T1, C), each country's unit, and notes."""
        currency, reg = self.sc.currency, self.ds.registry
        national = [reg.countries[c].currency for c in self.countries]
        T1, C = len(self.years), len(self.countries)
        if currency == "national":
            return np.ones((T1, C)), national, []
        ref = self.per_usd(EURO_REFERENCE) if currency == "EUR" else np.ones(T1)
        fx = np.ones((T1, C))
        for j, c in enumerate(self.countries):
            if national[j] != currency:
                fx[:, j] = ref / self.per_usd(c)
        if self.sc.exchange_rates == "base_year":
            how = f"the {self.base} rate held constant"
        else:
            how = (
                "each year's rate to the WEO's last year, then moving with the central inflation "
                "difference against the United States (a constant real rate)"
            )
        notes = [
            f"Exchange rates: national currency per USD = IMF WEO GDP in national currency / GDP "
            f"in USD, {how}; rates do not respond to the growth and inflation shocks."
        ]
        if currency == "EUR":
            notes.append(
                f"EUR per USD from {EURO_REFERENCE}'s WEO GDP ({ref[0]:.4f} in {self.base}); "
                "euro-area members convert at 1."
            )
        notes.append(
            f"Constant-price figures: {self.base} prices (each country's GDP deflator) and "
            f"{self.base} exchange rates."
        )
        return fx, [currency] * C, notes

    # -- targets and aggregates ------------------------------------------------------------------
    def _base_shares(self, target: Target, i: int) -> np.ndarray:
        """Baseline share per country, %: an override, the target's base_pct, else NATO's figure."""
        out = np.full(len(self.countries), np.nan)
        for j, c in enumerate(self.countries):
            override = target.overrides.get(c)
            value = override.base_pct if override and override.base_pct is not None else None
            value = target.base_pct if value is None else value
            if value is None and target.metric == DATA_BASELINE_METRIC:
                found = self.base_from.get(c)
                value = None if found is None else self.get("milex_pct_gdp", c, found[0])
                if value is None:
                    self.problems.append(
                        f"{c}: no NATO milex_pct_gdp for {NEWEST_FROM}-{self.base} (set "
                        f"targets[{i}].base_pct or targets[{i}].overrides.{c}.base_pct)"
                    )
                    continue
            out[j] = value
        return out

    def _aggregates(self, units: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
        codes = self.sc.aggregates
        if codes is None and self.bloc:
            codes = [self.bloc] + (["NATO_EU_CA"] if self.bloc == "NATO" else [])
        elif codes is None:
            codes = ["TOTAL"] if len(self.countries) > 1 else []
        out = []
        for code in codes:
            members = (
                self.countries
                if code == "TOTAL"
                else [m for m in self.ds.registry.members(code, self.base) if m not in NO_FORCES]
            )
            missing = [m for m in members if m not in self.countries]
            if missing:
                raise ScenarioError(
                    f"invalid scenario: aggregates = {code!r}: members {', '.join(missing)} "
                    "are not projected"
                )
            out.append((code, [m for m in self.countries if m in members]))
        if out and len({units[self.countries.index(m)] for _, ms in out for m in ms}) > 1:
            return [], [
                "No bloc totals in national currencies (members use several): use USD or EUR."
            ]
        if not out:
            return [], []
        return out, [f"Aggregates count members as of {self.base}: {', '.join(c for c, _ in out)}."]

    # -- what a reader needs to know -------------------------------------------------------------
    def _notes(self, parts: list[PartPaths]) -> list[str]:
        sc = self.sc
        notes = [f"{c} excluded: {why}; never counted as zero." for c, why in self.excluded.items()]
        found = {c: self.base_from[c] for c in self.countries if c in self.base_from}
        flagged = {
            flag: [c for c, (_, _, flags) in found.items() if flag in flags]
            for flag in ("estimate", "secondary")
        }
        notes += self._start_notes(found)
        if flagged["estimate"]:
            notes.append(
                f"Starting NATO shares are estimates for {len(flagged['estimate'])} of "
                f"{len(self.countries)} countries."
            )
        if flagged["secondary"]:
            notes.append(
                "Starting NATO shares restated by a secondary source (press reports or public "
                f"code), not NATO's own file: {', '.join(flagged['secondary'])}."
            )
        gdp_flags = self.flags.get("gdp_lcu", {})
        projected = [
            y for c in self.countries for y, f in gdp_flags.get(c, {}).items() if "projection" in f
        ]
        weo_last = min(max(self.macro(c).weo_last for c in self.countries), sc.horizon)
        lo, hi = sc.macro.long_run_years
        notes.append(
            f"Central path: IMF WEO real GDP growth and GDP deflator to {weo_last}"
            + (f" (projections from {min(projected)})" if projected else "")
            + (
                f", then a long-run assumption (default: each country's {lo}-{hi} WEO average)."
                if sc.horizon > weo_last
                else "."
            )
        )
        notes.append(
            "Spending = share of GDP x IMF WEO nominal GDP. NATO's shares are of its own (real) "
            "GDP figures, so base-year spending differs from NATO's current-price figure: see "
            "assumptions()." + self._spending_gaps(parts)
        )
        notes.append(shocks_note(sc.uncertainty))
        for target, part in zip(sc.targets, parts, strict=True):
            notes += self._target_notes(target) + part.notes
        return notes

    def _spending_gaps(self, parts: list[PartPaths]) -> str:
        """Countries whose base-year spending here is more than 5% off NATO's own figure."""
        gaps = []
        first = self.sc.targets[0]
        if first.metric != DATA_BASELINE_METRIC or first.base_pct is not None:
            return ""
        for j, c in enumerate(self.countries):
            nato = self.get("milex_lcu", c, self.base)
            gdp = self.get("gdp_lcu", c, self.base)
            own = first.overrides.get(c)
            if nato and gdp and not (own and own.base_pct is not None):
                diff = parts[0].base_share[j] / 100 * gdp / nato - 1
                if abs(diff) > 0.05:
                    gaps.append(f"{c} {diff:+.0%}")
        return f" More than 5% apart: {', '.join(gaps)}." if gaps else ""

    def _target_notes(self, target: Target) -> list[str]:
        deadline = target.deadline_for(self.sc.horizon)
        text = f"Target {target.name!r}: {target.level}% of GDP by {deadline}"
        if target.guideline:
            g = GUIDELINES[target.guideline]
            text += f" ({g.id}: {g.source})"
            if g.kind == "up to":
                text += "; an 'up to' allowance, assumed used in full"
        if target.base_pct is not None:
            text += f"; baseline {target.base_pct}% of GDP as stated in the scenario"
        notes = [text + "."]
        if deadline > self.sc.horizon:
            notes.append(f"Target {target.name!r}: deadline {deadline} is after the horizon.")
        return notes

    def _start_notes(self, found: dict[str, tuple[int, str, str]]) -> list[str]:
        """Which year each ally's baseline share comes from: its newest NATO figure."""
        by_year: dict[int, list[str]] = {}
        for c, (year, _, _) in found.items():
            by_year.setdefault(year, []).append(c)
        if not by_year:
            return []
        parts = [
            f"{year} for {len(cs)} ({', '.join(cs)})" if year != self.base else
            f"{year} for {len(cs)}"
            for year, cs in sorted(by_year.items(), reverse=True)
        ]  # fmt: skip
        older = [c for c, (year, _, _) in found.items() if year < self.base]
        carried = (
            f"; an earlier year's share is held at that level to {self.base} (the base year)"
            if older
            else ""
        )
        return [
            "Each ally starts from its newest NATO share of GDP: "
            + "; ".join(parts)
            + carried
            + "."
        ]

    def _assumptions(
        self, parts: list[PartPaths], gdp0: np.ndarray, fx0: np.ndarray, units: list[str]
    ) -> list[dict[str, Any]]:
        rows = []
        for j, c in enumerate(self.countries):
            m = self.macro(c)
            row: dict[str, Any] = {
                "iso3": c,
                "name": self.ds.registry.name(c),
                "currency": units[j],
                "gdp_base_lcu_m": gdp0[j],
                "fx_base": fx0[j],
                "weo_last_year": m.weo_last,
                "long_run_growth_pct": m.long_run[0],
                "long_run_inflation_pct": m.long_run[1],
                "nato_milex_lcu_m": self.get("milex_lcu", c, self.base),
                "start_year": self.base_from[c][0] if c in self.base_from else None,
                "start_edition": self.base_from[c][1] if c in self.base_from else None,
            }
            for part in parts:
                row[f"{part.name}_base_pct"] = part.base_share[j]
                row[f"{part.name}_target_pct"] = part.level[j]
                row[f"{part.name}_path"] = part.shapes[j]
            row["model_base_spending_lcu_m"] = parts[0].base_share[j] / 100 * gdp0[j]
            rows.append(row)
        return rows

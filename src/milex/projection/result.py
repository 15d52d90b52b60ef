"""The projection result: central path and quantiles as a tidy frame, a per-country summary, and
the sources, editions, assumptions, engine and seed behind them.

A ``milex.result.Result``: ``frame()``, ``chart()`` (the fan chart, drawn by the builder the
presentation layer registers in milex.chart_registry; this layer never imports it) and
``sources()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from milex.projection._model import QUANTILES
from milex.projection.scenario import Scenario
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

#: Columns of ``frame()``, in order.
FRAME_COLUMNS = (
    "iso3", "name", "target", "measure", "year", "unit", "central", "p5", "p25", "p50", "p75", "p95",
)  # fmt: skip
QUANTILE_COLUMNS = tuple(f"p{round(q * 100)}" for q in QUANTILES)
MEASURE_DOC = {
    "gdp": "nominal GDP",
    "share_pct": "spending on the target as % of GDP",
    "spending": "spending on the target, current prices",
    "spending_const": "spending on the target, constant base-year prices and exchange rates",
    "extra": "spending above the hold_share baseline (base-year share of GDP), current prices",
    "extra_const": "extra spending at constant base-year prices and exchange rates",
    "cum_extra": "extra spending summed from the year after the base year to the year",
    "cum_extra_const": "cum_extra at constant base-year prices and exchange rates",
}


@dataclass(frozen=True, eq=False)
class ProjectionResult(Result):
    """Central (no-shock) path and quantiles per (target, measure), country or bloc, and year."""

    scenario: Scenario  # resolved: base year, bloc or countries filled in
    years: tuple[int, ...]
    entities: tuple[str, ...]  # ISO3 codes, then aggregate codes
    names: tuple[str, ...]
    currencies: tuple[str, ...]  # per entity
    series: tuple[tuple[str, str], ...]  # (target, measure); target "" for gdp
    central: np.ndarray = field(repr=False)  # (series, entities, years)
    quantiles: np.ndarray = field(repr=False)  # (len(QUANTILES), series, entities, years)
    sources_used: tuple[dict[str, str], ...]
    notes: tuple[str, ...]
    excluded: dict[str, str]
    method: str  # "exact" or "histogram"
    paths: int
    assumption_rows: tuple[dict[str, Any], ...] = field(repr=False)
    engine: str = "numpy"  # the engine that ran: "numpy" or "compiled"
    chart_kind: ClassVar[str] = "projection-fan"

    @property
    def seed(self) -> int:
        """The seed that drew the paths (with the scenario and paths it fixes every figure)."""
        return self.scenario.uncertainty.seed

    @property
    def base_year(self) -> int:
        return self.years[0]

    @property
    def horizon(self) -> int:
        return self.years[-1]

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for t, _ in self.series if t))

    def unit(self, measure: str, entity: int) -> str:
        if measure == "share_pct":
            return "percent"
        suffix = f" constant {self.base_year}" if measure.endswith("_const") else ""
        return f"{self.currencies[entity]} m{suffix}"

    def value(self, iso3: str, measure: str, year: int, target: str | None = None) -> float:
        """The central figure for one entity, measure and year (target: default the summed one)."""
        s = self._series_index(measure, target)
        return float(self.central[s, self.entities.index(iso3), self.years.index(year)])

    def _series_index(self, measure: str, target: str | None) -> int:
        if measure == "gdp":
            return self.series.index(("", "gdp"))
        part = target or ("total" if len(self.targets) > 1 else self.targets[0])
        return self.series.index((part, measure))

    # ------------------------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """One row per entity, target, measure and year: unit, central value and the quantiles."""
        import pandas as pd

        S, E, T1 = self.central.shape
        s, e, t = (a.ravel() for a in np.meshgrid(range(S), range(E), range(T1), indexing="ij"))
        frame = pd.DataFrame(
            {
                "iso3": np.array(self.entities, dtype=object)[e],
                "name": np.array(self.names, dtype=object)[e],
                "target": [self.series[i][0] for i in s],
                "measure": [self.series[i][1] for i in s],
                "year": np.array(self.years)[t],
                "unit": [self.unit(self.series[i][1], j) for i, j in zip(s, e, strict=True)],
                "central": self.central[s, e, t],
                **{name: self.quantiles[k, s, e, t] for k, name in enumerate(QUANTILE_COLUMNS)},
            }
        )
        order = {m: i for i, m in enumerate(MEASURE_DOC)}
        frame["_e"], frame["_m"] = e, frame["measure"].map(order)
        frame = frame.sort_values(["_e", "target", "_m", "year"], kind="stable")
        return frame.drop(columns=["_e", "_m"]).reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per country and bloc: extra spending to the horizon and the peak annual rise."""
        import pandas as pd

        return pd.DataFrame(self.summary_rows())

    def summary_rows(self) -> list[dict[str, Any]]:
        """``summary`` as row dicts (the command line prints them without importing pandas)."""
        part = "total" if len(self.targets) > 1 else self.targets[0]
        ix = {m: self.series.index((part, m)) for m in MEASURE_DOC if m != "gdp"}
        h = len(self.years) - 1
        rows = []
        for e, code in enumerate(self.entities):
            spend = self.central[ix["spending"], e]
            real = self.central[ix["spending_const"], e]
            rise = np.diff(spend)
            peak = int(np.argmax(rise)) if len(rise) else 0
            with np.errstate(divide="ignore", invalid="ignore"):
                real_growth = np.diff(real) / real[:-1] * 100
            cum, cum_c = ix["cum_extra"], ix["cum_extra_const"]
            rows.append(
                {
                    "iso3": code,
                    "name": self.names[e],
                    "target": part,
                    "currency": self.currencies[e],
                    "base_share_pct": self.central[ix["share_pct"], e, 0],
                    "horizon_share_pct": self.central[ix["share_pct"], e, h],
                    "base_spending_m": spend[0],
                    "horizon_spending_m": spend[h],
                    "extra_to_horizon_m": self.central[cum, e, h],
                    **{f"extra_to_horizon_{p}_m": self.quantiles[k, cum, e, h] for k, p in _ENDS},
                    "extra_to_horizon_const_m": self.central[cum_c, e, h],
                    **{
                        f"extra_to_horizon_const_{p}_m": self.quantiles[k, cum_c, e, h]
                        for k, p in _ENDS
                    },
                    "peak_increase_m": rise[peak],
                    "peak_increase_year": self.years[peak + 1],
                    "peak_increase_pct": rise[peak] / spend[peak] * 100 if spend[peak] else np.nan,
                    "peak_real_growth_pct": np.nanmax(real_growth)
                    if np.isfinite(real_growth).any()
                    else np.nan,
                }
            )
        return rows

    def chart(
        self, entity: str | None = None, *, measure: str = "share_pct", target: str | None = None
    ) -> Any:
        """The fan chart (p5-p95, p25-p75, median) of one country or bloc, an Altair chart.

        Default entity: the projected bloc (or the only country). Drawn by the builder the
        presentation layer registered (milex.present.charts.projection_fan); a process that
        loaded neither it nor ``milex.project`` gets an error saying so.
        """
        return super().chart(entity, measure=measure, target=target)

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]

    def assumptions(self) -> pd.DataFrame:
        """Per country: base-year shares and GDP, exchange rate, long-run growth and inflation."""
        import pandas as pd

        return pd.DataFrame(list(self.assumption_rows))

    def meta(self) -> dict[str, Any]:
        """Sources, scenario and notes, for JSON output and reports."""
        return {
            "sources": self.sources(),
            "scenario": self.scenario.to_dict(),
            "quantiles": {"method": self.method, "paths": self.paths, "levels": list(QUANTILES)},
            "engine": self.engine,
            "seed": self.seed,
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return (
            f"<ProjectionResult {len(self.entities)} entities, {self.base_year}-{self.horizon}, "
            f"targets {', '.join(self.targets)}, {self.paths} paths ({self.method}), "
            f"engine {self.engine}, seed {self.seed}>"
        )


_ENDS = ((0, "p5"), (2, "p50"), (4, "p95"))

"""Named figures: what ``milex chart NAME``, the web downloads and the reports draw.

Each figure fetches the library results it needs (tracker, profile, projection, totals) and hands
them to its builder in ``milex.present.charts``. This layer sits above both the analyses and the chart
builders, so the builders never import an analysis and the layers read one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.bundle import examples_dir
from milex.errors import MilexError
from milex.present.charts import (
    alliance_totals,
    country_share,
    equipment_scatter,
    projection_fan,
    status_tiles,
    tracker_bars,
)
from milex.present.charts.projection import default_entity

if TYPE_CHECKING:
    import pandas as pd

    from milex.analysis.tracking import TrackerResult
    from milex.data.store import Dataset
    from milex.projection import ProjectionResult
    from milex.projection.engine import EngineName

__all__ = ["CHARTS", "ChartDef", "Inputs", "build", "chart_def", "inputs", "spec", "totals_frame"]


@dataclass(frozen=True)
class Inputs:
    """What a user asked for: options are None when not given."""

    dataset: Dataset
    country: str | None
    year: int | None
    scenario: Any
    engine: EngineName = "auto"  # the Monte Carlo engine of a projection (milex.projection)
    extent: str | None = None  #: a map's frame: europe (default) or world


@dataclass(frozen=True)
class ChartDef:
    """One figure ``milex chart NAME`` can draw: which options it takes and how it is built."""

    name: str
    figure: str
    description: str
    options: frozenset[str]
    required: frozenset[str]
    make: Callable[[Inputs], Any]


def _highlight(inputs: Inputs) -> str | None:
    return None if inputs.country is None else inputs.dataset.registry.resolve(inputs.country)


def _tracker(inputs: Inputs) -> TrackerResult:
    from milex.analysis.tracking import tracker

    return tracker(inputs.year, dataset=inputs.dataset)


def _projection(inputs: Inputs) -> tuple[ProjectionResult, str]:
    from milex.projection import project

    result = project(inputs.scenario, inputs.dataset, engine=inputs.engine)
    return result, _entity(inputs, result)


def _entity(inputs: Inputs, result: ProjectionResult) -> str:
    if inputs.country is None:
        return default_entity(result)
    code = inputs.country.strip().upper()
    if code not in result.entities:
        code = inputs.dataset.registry.resolve(inputs.country)
    if code not in result.entities:
        raise MilexError(
            f"{inputs.country!r} is not in this projection; it covers {', '.join(result.entities)}"
        )
    return code


def _totals(dataset: Dataset) -> Any:
    """The totals chart: NATO's own file drawn, newer restated years told and cited."""
    frame, sources = totals_frame(dataset)
    newer = newer_totals(dataset)
    cited = {s["edition"] for s in sources}
    sources += [
        s
        for s in dataset.package["sources"]
        if s["source"] == "nato" and s["edition"] not in cited
        and any(f"({s['edition']} edition" in n for n in newer)
    ]  # fmt: skip
    return alliance_totals(frame, sources, newer)


def newer_totals(dataset: Dataset) -> list[str]:
    """NATO's totals for years after its own file, in their own price base, as sentences: the
    present told beside the line, never joined to it (another base year is another unit)."""
    rows = dataset.sql_records(
        "SELECT iso3, year, edition, value, unit, flags FROM observations WHERE source = 'nato' "
        "AND measure = 'milex_usd_const' AND iso3 IN ('USA', 'NATO_EU_CA') "
        "AND flags LIKE '%secondary%' AND year > ? ORDER BY year, iso3",
        [dataset.latest_year("milex_usd_const", "nato")],
    )
    by_year: dict[tuple[int, str, str], dict[str, float]] = {}
    for r in rows:
        by_year.setdefault((int(r["year"]), str(r["edition"]), str(r["unit"])), {})[
            str(r["iso3"])
        ] = float(r["value"])
    out = []
    for (year, edition, unit), values in sorted(by_year.items()):
        if set(values) != {"USA", "NATO_EU_CA"}:
            continue
        base = unit.replace("USD m constant", "").strip()
        out.append(
            f"{year}: NATO's estimate ({edition} edition, as reported) at constant {base} prices, "
            f"not joined to the line: European allies and Canada US$ "
            f"{values['NATO_EU_CA'] / 1000:,.0f} bn, the United States US$ "
            f"{values['USA'] / 1000:,.0f} bn, {values['NATO_EU_CA'] / values['USA']:.0%} of it."
        )
    return out


def totals_frame(dataset: Dataset) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """NATO's constant-price spending of the United States and of Europe and Canada, by year.

    Figures from NATO's own file only: a press restatement in another base year is left out, so
    the two series share one unit. Returns the tidy rows and the sources they came from.
    """
    import pandas as pd

    us = dataset.series("milex_usd_const", "USA", "nato", include_secondary=False)
    europe = dataset.aggregate("milex_usd_const", "NATO_EU_CA", "nato")
    europe = europe[~europe["flags"].str.contains("secondary", regex=False)]
    frame = pd.concat([us, europe], ignore_index=True)
    used = set(zip(frame["source"], frame["edition"], strict=True))
    sources = [s for s in dataset.package["sources"] if (s["source"], s["edition"]) in used]
    return frame, sources


YEAR, COUNTRY, SCENARIO, EXTENT = "year", "country", "scenario", "extent"


def _chart_defs() -> dict[str, ChartDef]:
    return {d.name: d for d in (*_alliance_charts(), *_map_charts(), *_comparison_charts())}


def _alliance_charts() -> list[ChartDef]:
    """The charts of NATO's own figures: tracker, country, equipment, projections, totals, map."""
    year, country, scenario = YEAR, COUNTRY, SCENARIO
    return [
        ChartDef(
            "tracker", "a", "every ally's % of GDP as a bar, with the 2% and 3.5% lines",
            frozenset({year, country}), frozenset(),
            lambda i: tracker_bars(_tracker(i), highlight=_highlight(i)),
        ),
        ChartDef(
            "country", "b", "one ally's % of GDP over time, NATO and SIPRI, with its path",
            frozenset({country}), frozenset({country}),
            lambda i: country_share(_profile(i)),
        ),
        ChartDef(
            "equipment", "c", "equipment share against % of GDP, with the 20% and 2% lines",
            frozenset({year, country}), frozenset(),
            lambda i: equipment_scatter(_tracker(i), highlight=_highlight(i)),
        ),
        ChartDef(
            "projection-share", "d", "projection fan, % of GDP, for a country or bloc",
            frozenset({scenario, country}), frozenset(),
            lambda i: projection_fan(*_projection(i), measure="share_pct"),
        ),
        ChartDef(
            "projection-money", "d", "projection fan, spending in money, for a country or bloc",
            frozenset({scenario, country}), frozenset(),
            lambda i: projection_fan(*_projection(i), measure="spending"),
        ),
        ChartDef(
            "totals", "e", "alliance spending over time, United States against Europe and Canada",
            frozenset(), frozenset(),
            lambda i: _totals(i.dataset),
        ),
        ChartDef(
            "tiles", "f", "a tile grid of the allies, coloured by % of GDP band",
            frozenset({year, country}), frozenset(),
            lambda i: status_tiles(_tracker(i), highlight=_highlight(i)),
        ),
        ChartDef(
            "per-capita", "a", "every ally's defence spending per person, constant US$, as a bar",
            frozenset({year, country}), frozenset(),
            lambda i: _indicator(i, "per-capita"),
        ),
        ChartDef(
            "real-change", "a", "every ally's real change in defence spending on the year before",
            frozenset({year, country}), frozenset(),
            lambda i: _indicator(i, "real-change"),
        ),
    ]  # fmt: skip


def _map_charts() -> list[ChartDef]:
    """(g) The map of each indicator view (``map_views``), framed on Europe or the world."""
    from milex.present.map_views import MAPS

    return [
        ChartDef(name, "g", description, frozenset({YEAR, COUNTRY, EXTENT}), frozenset(),
                 _map(name))
        for name, description in MAPS.items()
    ]  # fmt: skip


def _comparison_charts() -> list[ChartDef]:
    """The charts beyond NATO's figures: SIPRI, rivals, burden, industry and fiscal space."""
    year, country = YEAR, COUNTRY
    return [
        ChartDef(
            "sipri-country", "h", "a country's share of GDP over time, SIPRI's figures (any country)",
            frozenset({country}), frozenset({country}),
            _sipri_country,
        ),
        ChartDef(
            "threat-mer", "i",
            "NATO against Russia, China, Iran and North Korea at market exchange rates",
            frozenset(), frozenset(),
            lambda i: _threat(i, "mer_constant"),
        ),
        ChartDef(
            "threat-ppp", "i", "the same blocs at purchasing-power parity, with IISS's Russia estimate",
            frozenset(), frozenset(),
            lambda i: _threat(i, "ppp"),
        ),
        ChartDef(
            "burden", "j", "each ally's GDP against its share of GDP, with the Olson-Zeckhauser test",
            frozenset({year}), frozenset(),
            _burden,
        ),
        ChartDef(
            "industry", "k", "155 mm shell production capacity against demand, by year",
            frozenset(), frozenset(),
            lambda i: _industry(),
        ),
        ChartDef(
            "fiscal-debt", "l",
            "an ally's debt, % of GDP, with and without borrowing for 3.5% by 2035 (default DEU)",
            frozenset({country}), frozenset(),
            lambda i: _fiscal(i, "debt"),
        ),
        ChartDef(
            "fiscal-deficit", "l",
            "an ally's deficit, % of GDP, with and without borrowing for 3.5% by 2035 (default DEU)",
            frozenset({country}), frozenset(),
            lambda i: _fiscal(i, "deficit"),
        ),
    ]  # fmt: skip


def _profile(inputs: Inputs) -> Any:
    from milex.analysis.profile import country_profile

    assert inputs.country is not None
    return country_profile(inputs.country, dataset=inputs.dataset)


def _map(name: str) -> Callable[[Inputs], Any]:
    def make(inputs: Inputs) -> Any:
        from milex.present.map_views import draw

        return draw(name)(inputs.dataset, inputs.country, inputs.year, inputs.extent)

    return make


def indicator_figure(inputs: Inputs, name: str) -> Any:
    """The figure of indicator view ``name`` (``per-capita`` or ``real-change``) for the year."""
    from milex.present.indicator_figures import per_capita_figure, real_change_figure

    make = per_capita_figure if name == "per-capita" else real_change_figure
    return make(inputs.dataset, inputs.year)


def _indicator(inputs: Inputs, name: str) -> Any:
    from milex.present.charts.indicator_bars import indicator_bars

    return indicator_bars(indicator_figure(inputs, name), highlight=_highlight(inputs))


def _sipri_country(inputs: Inputs) -> Any:
    from milex.analysis.profile import sipri_profile

    assert inputs.country is not None
    return sipri_profile(inputs.country, dataset=inputs.dataset).chart()


def _threat(inputs: Inputs, basis: str) -> Any:
    from milex.analysis.balance import threat_balance
    from milex.present.charts.comparisons import threat_lines

    return threat_lines(threat_balance(inputs.dataset), basis)


def _burden(inputs: Inputs) -> Any:
    from milex.analysis.burden import burden_sharing, olson_zeckhauser
    from milex.present.charts.comparisons import burden_scatter

    ds = inputs.dataset
    # burden-sharing needs every ally's spending from NATO's own file: its newest year is that
    # file's, which the chart's title names (a restatement year would count only some allies)
    year = inputs.year or ds.latest_year("milex_usd", "nato")
    return burden_scatter(burden_sharing(ds, year), olson_zeckhauser(ds, "nato", year), year)


#: The ally a fiscal chart draws when none is named: the largest European economy.
FISCAL_DEFAULT = "DEU"


def _fiscal(inputs: Inputs, measure: str) -> Any:
    """Paying for 3.5% (linear to 2035) for one ally: deficit or debt with and without it."""
    from milex.finance.fiscal import fiscal
    from milex.present.charts.fiscal import fiscal_chart

    code = inputs.dataset.registry.resolve(inputs.country or FISCAL_DEFAULT)
    return fiscal_chart(fiscal([code], dataset=inputs.dataset), code, measure)


def _industry() -> Any:
    from milex.industry.capacity import run_capacity
    from milex.present.charts.comparisons import industry_capacity

    return industry_capacity(run_capacity(examples_dir() / "industry" / "eu-155mm.toml"))


CHARTS: dict[str, ChartDef] = _chart_defs()


def chart_def(name: str) -> ChartDef:
    """The figure called ``name``; an unknown name is an error listing every available one."""
    key = name.strip().lower()
    if key in CHARTS:
        return CHARTS[key]
    import difflib

    close = difflib.get_close_matches(key, list(CHARTS), n=2)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    listing = "; ".join(f"{d.name}: {d.description}" for d in CHARTS.values())
    raise MilexError(f"unknown chart {name!r}{hint}. Available charts: {listing}")


def build(
    name: str,
    *,
    country: str | None = None,
    year: int | None = None,
    scenario: str | Path | Any = None,
    dataset: Dataset | None = None,
    engine: EngineName = "auto",
    extent: str | None = None,
) -> Any:
    """Fetch the library results figure ``name`` needs and build it (an Altair chart).

    ``country`` highlights an ally (tracker, equipment, tiles), names the ally (country) or the
    country or bloc of a projection; ``year`` picks the tracker year; ``scenario`` is a scenario
    file, mapping or ``Scenario`` (default: the Hague 3.5% core target for NATO by 2035);
    ``extent`` frames a map on ``europe`` (default) or the ``world``.
    """
    definition, given = inputs(
        name, country=country, year=year, scenario=scenario, dataset=dataset, extent=extent
    )
    return definition.make(replace(given, engine=engine))


def inputs(
    name: str,
    *,
    country: str | None = None,
    year: int | None = None,
    scenario: str | Path | Any = None,
    dataset: Dataset | None = None,
    extent: str | None = None,
) -> tuple[ChartDef, Inputs]:
    """Figure ``name`` and what its builders take, the options checked against the figure's
    (its chart and its table, ``figure_tables``, are built from the same inputs)."""
    definition = chart_def(name)
    given = {
        k
        for k, v in {
            "country": country,
            "year": year,
            "scenario": scenario,
            "extent": extent,
        }.items()
        if v is not None
    }
    extra = given - definition.options
    if extra:
        takes = ", ".join(f"--{o}" for o in sorted(definition.options)) or "no options"
        raise MilexError(
            f"chart {definition.name!r} does not take {', '.join('--' + e for e in sorted(extra))}"
            f" (it takes {takes})"
        )
    missing = definition.required - given
    if missing:
        raise MilexError(
            f"chart {definition.name!r} needs {', '.join('--' + m for m in sorted(missing))}"
        )
    if isinstance(scenario, str | Path) and not Path(scenario).is_file():
        raise MilexError(f"scenario file not found: {scenario}")
    from milex.data.store import Dataset

    if extent is not None:
        from milex.present.charts.map import check_extent

        extent = check_extent(extent)
    return definition, Inputs(dataset or Dataset.open(), country, year, scenario, extent=extent)


def spec(
    name: str,
    *,
    country: str | None = None,
    year: int | None = None,
    scenario: str | Path | Any = None,
    dataset: Dataset | None = None,
    extent: str | None = None,
) -> dict[str, Any]:
    """The Vega-Lite spec (a dict) of figure ``name``, data inline and sources in ``usermeta``."""
    from milex.present.render import spec as to_spec

    chart = build(
        name, country=country, year=year, scenario=scenario, dataset=dataset, extent=extent
    )
    return to_spec(chart)

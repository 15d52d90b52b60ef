"""(d) Projection fan chart: the 90% and 50% ranges and the median of the simulated paths, for one
country or bloc, as a share of GDP or in money."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from milex.errors import MilexError
from milex.present.charts.reference import reference_rules
from milex.present.charts.style import (
    CORE_PCT,
    TWO_PCT,
    altair_module,
    compose,
    halo_text,
    money_title,
)
from milex.present.numbers import figure

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from milex.projection import ProjectionResult

#: Measures a fan can show: (what, is money).
FAN_MEASURES: dict[str, tuple[str, bool]] = {
    "share_pct": ("spending on the target as a share of GDP", False),
    "spending": ("spending on the target", True),
    "spending_const": ("spending on the target at base-year prices", True),
    "extra": ("extra spending over holding the base-year share", True),
    "cum_extra": ("extra spending summed from the base year", True),
}
FAN_BANDS = {
    "90% of paths (p5-p95)": "#C6DBEF",
    "50% of paths (p25-p75)": "#6BAED6",
    "median (p50)": "#08519C",
}


def default_entity(result: ProjectionResult) -> str:
    """The bloc the scenario projects (its first aggregate), else its only country."""
    scenario = result.scenario
    if scenario.bloc and scenario.bloc in result.entities:
        return scenario.bloc
    if len(result.entities) == 1:
        return result.entities[0]
    aggregates = [e for e in result.entities if e == "TOTAL" or len(e) != 3]
    if aggregates:
        return aggregates[0]
    raise MilexError(
        f"this projection covers {len(result.entities)} countries; name one with --country "
        f"({', '.join(result.entities)})"
    )


def fan_rows(
    result: ProjectionResult,
    entity: str,
    measure: str,
    target: str | None = None,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The result's rows for one entity, measure and target (default: the summed target);
    ``frame`` is ``result.frame()`` when the caller already has it."""
    if measure not in FAN_MEASURES:
        raise MilexError(f"unknown fan measure {measure!r}; one of {', '.join(FAN_MEASURES)}")
    if entity not in result.entities:
        raise MilexError(
            f"{entity} is not in this projection; it covers {', '.join(result.entities)}"
        )
    targets = result.targets
    part = target or ("total" if len(targets) > 1 else targets[0])
    frame = result.frame() if frame is None else frame
    rows = frame[
        (frame["iso3"] == entity) & (frame["measure"] == measure) & (frame["target"] == part)
    ]
    if rows.empty:
        raise MilexError(f"no {measure} figures for {entity}, target {part!r}")
    return rows.sort_values("year")


def projection_fan(
    result: ProjectionResult,
    entity: str | None = None,
    *,
    measure: str = "share_pct",
    target: str | None = None,
) -> alt.LayerChart:
    """(d) The fan of a projection for one country or bloc: p5-p95, p25-p75 and the median.

    ``measure`` is ``share_pct`` (% of GDP) or a money measure (``spending``, ``spending_const``,
    ``extra``, ``cum_extra``), drawn in billions of the scenario's currency.
    """
    import pandas as pd

    alt = altair_module()
    code = entity or default_entity(result)
    frame = result.frame()
    rows = fan_rows(result, code, measure, target, frame)
    what, money = FAN_MEASURES[measure]
    unit = str(rows["unit"].iloc[0])
    scale = 1000.0 if money else 1.0
    quantiles = ["p5", "p25", "p50", "p75", "p95", "central"]
    data = pd.DataFrame({"year": rows["year"].astype(int)})
    for q in quantiles:
        data[q] = rows[q].astype(float).to_numpy() / scale
    axis_unit = _axis_unit(unit, money)
    name = str(rows["name"].iloc[0])
    first, last = int(data["year"].min()), int(data["year"].max())
    x = alt.X(
        "year:Q", title="Year", scale=alt.Scale(domain=[first, last], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )  # fmt: skip
    y_title = "Defence spending, % of GDP" if not money else f"Defence spending, {axis_unit}"
    top = max(float(data["p95"].max()) * 1.05, 0.0 if money else CORE_PCT + 0.5)
    y = alt.Y("p95:Q", title=y_title, scale=alt.Scale(domain=[0, top], nice=True))
    colour = alt.Color(
        "band:N",
        title=None,
        scale=alt.Scale(domain=list(FAN_BANDS), range=list(FAN_BANDS.values())),
        legend=alt.Legend(symbolType="square"),
    )
    labels = list(FAN_BANDS)
    base = alt.Chart(data)
    outer = base.mark_area().encode(x=x, y=y, y2="p5:Q", color=colour)
    outer = outer.transform_calculate(band=f"'{labels[0]}'")
    inner = base.mark_area().encode(x=x, y="p75:Q", y2="p25:Q", color=colour)
    inner = inner.transform_calculate(band=f"'{labels[1]}'")
    fmt = ",.1f" if money else ".2f"
    median = base.mark_line(strokeWidth=3).encode(
        x=x,
        y="p50:Q",
        color=colour,
        tooltip=[
            alt.Tooltip("year:Q", title="Year", format="d"),
            *(alt.Tooltip(f"{q}:Q", title=q, format=fmt) for q in quantiles),
        ],
    )
    median = median.transform_calculate(band=f"'{labels[2]}'")
    end = base.transform_filter(f"datum.year === {last}").transform_calculate(
        label="format(datum.p50, ',.0f') + ' bn'" if money else "format(datum.p50, '.2f') + '%'"
    )
    end_label = halo_text(end, {"align": "right", "dy": -12}, x=x, y="p50:Q", text="label:N")
    layers = [outer, inner, median, *end_label]
    baseline = _baseline(result, frame, code, measure, target, data["year"].tolist(), scale)
    if baseline is not None:
        layers += _baseline_layers(alt, baseline, x, fmt)
    if not money:
        layers = [*reference_rules("y", [TWO_PCT, CORE_PCT], y), *layers]
    several = target is None and len(result.targets) > 1
    title = fan_message(name, data, baseline, measure, axis_unit, several)
    notes = _notes(result, data, what, baseline is not None)
    return compose(layers, title=title, notes=notes, sources=result.sources(), height=480)


def _baseline_layers(alt: Any, baseline: pd.DataFrame, x: Any, fmt: str) -> list[Any]:
    """The baseline (each ally holding its base-year share): a dotted line and its label."""
    line = alt.Chart(baseline).mark_line(strokeDash=[2, 3], strokeWidth=2, color="#333333")
    return [
        line.encode(x=x, y="baseline:Q", tooltip=[
            alt.Tooltip("year:Q", format="d"),
            alt.Tooltip("baseline:Q", title="Baseline", format=fmt),
        ]),
        *halo_text(
            alt.Chart(baseline.tail(1)).transform_calculate(label="'baseline'"),
            {"align": "right", "dy": 12, "fontStyle": "italic"},
            x=x, y="baseline:Q", text="label:N",
        ),
    ]  # fmt: skip


def fan_message(
    name: str,
    data: pd.DataFrame,
    baseline: pd.DataFrame | None,
    measure: str,
    axis_unit: str,
    several: bool = False,
) -> str:
    """The fan chart's message: where the median ends, and how far above the baseline (or, for
    the extra measures, how much extra), in the axis's unit and price base."""
    first, last = int(data["year"].iloc[0]), int(data["year"].iloc[-1])
    end, start = float(data["p50"].iloc[-1]), float(data["p50"].iloc[0])
    who = f"{name} (the targets together)" if several else name
    if measure == "share_pct":
        head = f"{who}: {start:.2f}% of GDP in {first}, {end:.2f}% by {last} (median)"
        unit = "points"
    else:
        currency, _, prices = axis_unit.partition(" bn")
        basis = f"median, {prices.lstrip(', ')}"
        amount = f"{currency} {figure(end)} bn"
        if measure == "extra":
            return f"{who}: {amount} more in {last} than if allies kept their share ({basis})"
        if measure == "cum_extra":
            return (
                f"{who}: {amount} more in total by {last} than if allies kept their share ({basis})"
            )
        head, unit = f"{who}: {amount} by {last} ({basis})", "bn"
    if baseline is None:
        return head
    gap = end - float(baseline["baseline"].iloc[-1])
    return f"{head}, {figure(gap, 2 if unit == 'points' else 0)} {unit} above the baseline"


def _baseline(
    result: ProjectionResult,
    frame: pd.DataFrame,
    code: str,
    measure: str,
    target: str | None,
    years: list[int],
    scale: float,
) -> pd.DataFrame | None:
    """The central path if the allies only held their base-year share (the hold_share baseline):
    spending less the extra spending, or that as a share of GDP; None for the extra measures."""
    import pandas as pd

    if measure not in ("share_pct", "spending", "spending_const"):
        return None
    part = target or ("total" if len(result.targets) > 1 else result.targets[0])
    mine = frame[frame["iso3"] == code].set_index(["measure", "target", "year"])["central"]

    def central(name: str, which: str) -> pd.Series:
        return mine.xs((name, which), level=("measure", "target")).reindex(years).astype(float)

    extra = central("extra_const" if measure == "spending_const" else "extra", part)
    if measure == "share_pct":
        values = central("share_pct", part) - 100.0 * extra / central("gdp", "")
    else:
        values = central(measure, part) - extra
    return pd.DataFrame({"year": years, "baseline": (values / scale).to_numpy()})


def _axis_unit(unit: str, money: bool) -> str:
    """'EUR m constant 2024' -> 'EUR bn, constant 2024 prices'; a share -> '% of GDP'."""
    return money_title(unit) if money else "% of GDP"


def _notes(result: ProjectionResult, data: Any, what: str, baseline: bool) -> list[str]:
    scenario = result.scenario
    parts = []
    for t in scenario.targets:
        deadline = t.deadline_for(result.horizon)
        part = f"{t.level:g}% of GDP by {deadline} on a {t.path.shape.replace('_', ' ')} path"
        parts.append(part + ("" if t.allow_cuts else " (allies above it keep their share)"))
    u = scenario.uncertainty
    notes = [
        f"Scenario{' ' + repr(scenario.title) if scenario.title else ''}: {'; '.join(parts)}. "
        f"Shown: {what}" + (" (the targets summed)." if len(result.targets) > 1 else "."),
        f"Shaded: middle 50% and 90% of {result.paths:,} simulated paths of real growth and "
        f"inflation (s.d. {u.growth_sd_pct:g} and {u.inflation_sd_pct:g} pp, seed {u.seed}); "
        "line: median.",
    ]
    if baseline:
        notes.append(
            f"Dotted: the baseline, each ally holding its {result.scenario.base_year} share of "
            "GDP (central path); the gap to the median is the extra spending the target takes."
        )
    if bool((data["p95"] - data["p5"]).abs().max() < 1e-9):
        notes.append(
            "No spread: the path fixes this share of GDP; the uncertainty is in the money it takes."
        )
    return notes

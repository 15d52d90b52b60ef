"""`milex industry`: procurement demand, capacity against demand, and what buying together saves.

Thin over :mod:`milex.industry`: each command computes first and writes only once everything
succeeded, so an error leaves no file behind; errors are one line and exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from milex.cli.common import OutputOption, TableFormat, console, emit, handle_errors
from milex.data.schema import is_missing as _missing
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

Column = tuple[str, str, Callable[[Any], str]]  # frame column, header, formatter


def register(app: typer.Typer) -> None:
    """Add the ``industry`` group (demand, capacity, pooling) to the milex app."""
    group = typer.Typer(
        help="Industrial base: procurement demand, capacity against demand, pooling savings.",
        no_args_is_help=True,
    )
    group.command("demand")(demand_command)
    group.command("capacity")(capacity_command)
    group.command("pooling")(pooling_command)
    app.add_typer(group, name="industry")


# -- formatting ----------------------------------------------------------------------------------
def _num(digits: int = 0, scale: float = 1.0) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        return "" if _missing(value) else f"{float(value) / scale:,.{digits}f}"

    return fmt


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _table(frame: pd.DataFrame, columns: list[Column], title: str, caption: str = "") -> Table:
    table = Table(
        title=title,
        caption=caption or None,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    rows = [[fmt(row.get(key)) for key, _, fmt in columns] for row in frame.to_dict("records")]
    for i, (_, header, fmt) in enumerate(columns):
        text = fmt is _text  # the label column keeps its width (up to 12); the rest give way
        width = min(12, max((len(r[i]) for r in rows), default=0)) if i == 0 else None
        table.add_column(header, justify="left" if text else "right", min_width=width)
    for cells in rows:
        table.add_row(*cells)
    return table


def _footer(notes: Any, sources: Any) -> None:
    for note in notes:
        console.print(f"note: {note}", highlight=False)
    for src in sources:
        cite = (
            src.get("citation") or f"{src.get('publisher')}, {src.get('title')} ({src.get('date')})"
        )
        url = src.get("url", "")
        console.print(f"source: {cite} {url}".rstrip(), highlight=False)


# -- demand --------------------------------------------------------------------------------------
DEMAND_HISTORY: list[Column] = [
    ("iso3", "iso3", _text),
    ("equipment_share_2014_pct", "eq% 2014", _num(1)),
    ("equipment_share_base_pct", "eq% base", _num(1)),
    ("equipment_usd_2014_m", "USD bn 2014", _num(1, 1000)),
    ("equipment_usd_base_m", "USD bn base", _num(1, 1000)),
    ("equipment_eur_base_m", "EUR bn base", _num(1, 1000)),
    ("real_change_2014_to_base_pct", "real % since 2014", _num(0)),
]
DEMAND_PROJECTED: list[Column] = [
    ("iso3", "iso3", _text),
    ("equipment_share_horizon_pct", "eq% hor.", _num(1)),
    ("equipment_usd_base_m", "USD bn base", _num(1, 1000)),
    ("equipment_usd_horizon_m", "USD bn hor.", _num(1, 1000)),
    ("horizon_range", "p5-p95", _text),
    ("real_change_2014_to_horizon_pct", "real % 2014-hor.", _num(0)),
    ("cum_extra_usd_m", "extra USD bn", _num(1, 1000)),
]


def _demand_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Column]]:
    """The summary as shown: history only, or base year against the horizon with its range."""
    if "horizon" not in frame.columns:
        return frame, DEMAND_HISTORY
    bn = _num(0, 1000)
    low, high = frame["equipment_usd_horizon_p5_m"], frame["equipment_usd_horizon_p95_m"]
    spread = [f"{bn(a)}-{bn(b)}" for a, b in zip(low, high, strict=True)]
    return frame.assign(horizon_range=spread), DEMAND_PROJECTED


@handle_errors
def demand_command(
    scenario: Annotated[
        Path | None, typer.Option(help="Projection scenario TOML (see examples/hague-2035.toml).")
    ] = None,
    bloc: Annotated[
        str | None, typer.Option(help="Without a scenario: NATO (default) or NATO_EU_CA.")
    ] = None,
    equipment_share: Annotated[
        float | None, typer.Option(help="Equipment share to reach, % (default: hold base year).")
    ] = None,
    equipment_by: Annotated[
        int | None, typer.Option(help="Year the equipment share is reached.")
    ] = None,
    allow_cuts: Annotated[
        bool, typer.Option("--allow-cuts", help="Allies above the share also move to it.")
    ] = False,
    target: Annotated[
        str | None, typer.Option(help="Scenario target that is defence spending (default: core).")
    ] = None,
    members_as_of: Annotated[
        int | None, typer.Option(help="Bloc totals with one year's members (default: each year's).")
    ] = None,
    paths: Annotated[
        int | None, typer.Option(help="Monte Carlo paths (replaces the file's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (replaces the file's).")] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="Every ally, year and measure (tidy), not the summary.")
    ] = False,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Equipment expenditure (defence spending x equipment share), per ally and bloc, in USD and
    EUR: NATO's figures since 2014 and, with --scenario, projected to the scenario's horizon."""
    from milex.industry import EquipmentShare, equipment_demand

    spec = _demand_scenario(scenario, paths, seed)
    result = equipment_demand(
        scenario=spec,
        bloc=bloc,
        members_as_of=members_as_of,
        equipment=EquipmentShare(equipment_share, equipment_by, allow_cuts),
        target=target,
    )
    frame = result.frame() if detail else result.summary()
    if format is TableFormat.table and output is None and not detail:
        view, columns = _demand_view(frame)
        horizon = f", horizon (hor.) {result.horizon}" if result.horizon else ""
        title = f"Equipment expenditure: 2014, base year {result.base_year}{horizon}"
        caption = (
            "eq%: equipment share of defence spending; USD/EUR bn, current prices; real %: at "
            "constant prices; extra: above the base year's equipment share of GDP, summed to the "
            "horizon."
        )
        console.print(_table(view, columns, title, caption))
        _footer(result.notes, result.sources())
        return
    emit(frame, format.value, output, "equipment demand", result.meta())


def _demand_scenario(file: Path | None, paths: int | None, seed: int | None) -> Any:
    if file is None:
        if paths is not None or seed is not None:
            raise MilexError("--paths and --seed apply to a projection: give --scenario")
        return None
    from milex.projection import Scenario

    spec = Scenario.from_toml(file)
    changes = {k: v for k, v in (("paths", paths), ("seed", seed)) if v is not None}
    if changes:
        spec = spec.with_changes(uncertainty=spec.uncertainty.model_dump() | changes)
    return spec


# -- capacity ------------------------------------------------------------------------------------
CAPACITY_TABLE: list[Column] = [
    ("period", "period", _text),
    ("capacity_per_year", "capacity/yr", _num(0, 1000)),
    ("production", "made", _num(0, 1000)),
    ("demand", "demand", _num(0, 1000)),
    ("shipped", "shipped", _num(0, 1000)),
    ("backlog", "backlog", _num(0, 1000)),
    ("stock", "stock", _num(0, 1000)),
    ("stock_range", "stock p5-p95", _text),
]


def _capacity_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-period frame with demand, shipments and backlog summed over both streams."""
    k = 1000
    return frame.assign(
        demand=frame["demand_consumption"] + frame["demand_deliveries"],
        shipped=frame["shipped_consumption"] + frame["shipped_deliveries"],
        backlog=frame["backlog_consumption"] + frame["backlog_deliveries"],
        stock_range=[
            f"{a / k:,.0f}-{b / k:,.0f}"
            for a, b in zip(frame["stock_p5"], frame["stock_p95"], strict=True)
        ],
    )


@handle_errors
def capacity_command(
    model: Annotated[Path, typer.Argument(help="Capacity model TOML (examples/industry/).")],
    paths: Annotated[
        int | None, typer.Option(help="Lead-time draws (replaces [uncertainty] paths).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (replaces the file's).")] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="Every period (month) rather than calendar years.")
    ] = False,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Production capacity against demand for one item class: stock, backlog, the period the
    stock target is met (or "not by horizon"), capital cost, and comparison figures."""
    from milex.industry import run_capacity

    result = run_capacity(model, paths=paths, seed=seed)
    frame = result.frame() if detail else result.yearly()
    if format is TableFormat.table and output is None:
        s = result.summary
        title = s["title"] or f"{s['item_name']}: capacity against demand"
        caption = f"Thousands of {s['unit']}; demand: new consumption + deliveries that period."
        console.print(_table(_capacity_view(frame), CAPACITY_TABLE, title, caption))
        for line in _capacity_lines(s, result.comparisons()):
            console.print(line, highlight=False)
        _footer(result.notes, result.sources())
        return
    emit(frame, format.value, output, "capacity", result.meta())


def _capacity_lines(s: dict[str, Any], comparisons: pd.DataFrame) -> list[str]:
    lines = []
    if s["stock_target"] is not None:
        met = s["target_met"]
        when = f"met {met}" if met != "not by horizon" else f"not met by the horizon ({s['end']})"
        late = "" if s["months_late"] in (None, 0) else f", {s['months_late']} months late"
        on_time = " (on time)" if s["target_met_on_time"] else late
        lines.append(
            f"Stock target {s['stock_target']:,.0f} {s['unit']} by {s['stock_target_by']}: "
            f"{when}{on_time}."
        )
        if "target_met_probability_by_deadline" in s:
            lines.append(
                f"Over {s['paths']} lead-time draws: met by {s['stock_target_by']} in "
                f"{s['target_met_probability_by_deadline']:.0%} of paths; p5/p50/p95 "
                f"{s['target_met_p5']} / {s['target_met_p50']} / {s['target_met_p95']}."
            )
    lines.append(f"Capacity covers new demand from: {s['capacity_covers_demand_from']}.")
    if s["backlog_peak"] > 0:
        lines.append(
            f"Backlog peaks at {s['backlog_peak']:,.0f} in {s['backlog_peak_period']}; "
            f"cleared: {s['backlog_cleared']}."
        )
    if s["capex_currency"]:
        lines.append(f"Capital cost: {s['capex_total'] / 1e6:,.0f} m {s['capex_currency']}.")
    for c in comparisons.to_dict("records"):
        est = " (estimate)" if c["estimate"] else ""
        ratio = "" if _missing(c["ratio_to_model"]) else f", {c['ratio_to_model']:.1f}x this model"
        lines.append(
            f"Compare: {c['label']}, {c['as_of']}: {c['rate_per_year']:,.0f} a year{est}{ratio}."
        )
    return lines


# -- pooling -------------------------------------------------------------------------------------
def _pooling_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Column]]:
    """Cases down, savings % at each learning rate across, money at the model's rate."""
    model = frame[frame["model_rate"]].set_index("case")
    wide = frame.pivot_table(
        index="case", columns="learning_rate", values="savings_pct", sort=False
    )
    rates = sorted(wide.columns)
    view = wide.reindex(columns=rates).reset_index()
    view["savings"] = view["case"].map(model["savings"])
    view["budget_savings"] = view["case"].map(model["budget_savings"])
    columns: list[Column] = [
        ("case", "case", _text),
        ("savings", "saved m", _num(0, 1e6)),
        ("budget_savings", "on budget m", _num(0, 1e6)),
    ]
    columns += [(b, f"{b:.2f}", _num(1)) for b in rates]
    return view, columns


BUYERS_TABLE: list[Column] = [
    ("buyer", "buyer", _text),
    ("units", "units", _num()),
    ("cost_alone", "alone m", _num(0, 1e6)),
    ("cost_pooled_share", "pooled share m", _num(0, 1e6)),
    ("avg_unit_cost_alone", "unit alone m", _num(2, 1e6)),
    ("avg_unit_cost_pooled", "unit pooled m", _num(2, 1e6)),
    ("savings_pct", "savings %", _num(1)),
]


@handle_errors
def pooling_command(
    model: Annotated[Path, typer.Argument(help="Pooling model TOML (examples/industry/).")],
    buyers: Annotated[
        bool, typer.Option("--buyers", help="Per buyer: alone against its pooled share.")
    ] = False,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """What buying together saves on Wright's learning curve: separate lines against one pooled
    buy, fragmentation (many systems against few), collaboration shares; b from 0.75 to 0.95."""
    from milex.industry import run_pooling

    result = run_pooling(model)
    frame = result.buyers() if buyers else result.frame()
    if format is TableFormat.table and output is None:
        s = result.summary
        title = s["title"] or f"{s['item_name']}: separate against pooled buys"
        if buyers:
            caption = f"Millions of {s['currency']} at learning rate b = {s['learning_rate']}."
            console.print(_table(frame, BUYERS_TABLE, title, caption))
        else:
            view, columns = _pooling_view(frame)
            caption = (
                f"Savings % at each learning rate b (columns); money at the model's b = "
                f"{s['learning_rate']}, millions of {s['currency']}."
            )
            console.print(_table(view, columns, title, caption))
            for c in s.get("collaboration", [])[1:]:
                money = (
                    ""
                    if _missing(c["gain_on_budget"])
                    else (
                        f", {c['gain_on_budget'] / 1e6:,.0f} m {s['currency']} a year on the budget"
                    )
                )
                console.print(
                    f"{c['case']} against {c['against']}: {c['gain_pct_points']:+.1f} percentage "
                    f"points of savings{money}.",
                    highlight=False,
                )
        _footer(result.notes, result.sources())
        return
    emit(frame, format.value, output, "pooling", result.meta())

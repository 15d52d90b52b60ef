"""`milex project`: what a spending target costs each ally, year by year, with its uncertainty."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from milex.cli.common import TableFormat, console, emit, err_console, handle_errors, rich_table
from milex.cli.fiscal import (
    DEFAULT_FACTORS,
    FactorsOption,
    SamplesOption,
    TornadoOption,
    WorkersOption,
    sensitivity_command,
)
from milex.cli.tables import records_table
from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.projection import EngineName, ProjectionResult, Scenario

PROGRESS_FROM = 100_000  # paths: show progress from here on
SUMMARY_COLUMNS = {
    "iso3": "iso3",
    "name": "country",
    "base_share_pct": "base %",
    "horizon_share_pct": "horizon %",
    "extra_to_horizon_m": "extra to horizon",
    "extra_to_horizon_p5_m": "p5",
    "extra_to_horizon_p95_m": "p95",
    "extra_to_horizon_const_m": "extra, constant prices",
    "peak_increase_m": "peak rise",
    "peak_increase_year": "in",
}


class Currency(StrEnum):
    national = "national"
    USD = "USD"
    EUR = "EUR"


class Engine(StrEnum):
    auto = "auto"
    numpy = "numpy"
    compiled = "compiled"


class Shape(StrEnum):
    linear = "linear"
    front_loaded = "front_loaded"
    back_loaded = "back_loaded"
    hold_share = "hold_share"


EngineOption = Annotated[
    Engine,
    typer.Option(
        case_sensitive=False,
        help="Monte Carlo engine: auto (the fastest for this one run: NumPy, unless loading "
        "the compiled engine pays for itself, as for a large run with numba's cache on "
        "disk), numpy, or compiled (numba). The same seed gives the same figures on either; "
        "the notes name the engine and seed.",
    ),
]
SensitivityOption = Annotated[
    bool,
    typer.Option(
        "--sensitivity",
        help="Sobol' indices of the horizon-year cost of the path and debt ratio over growth, "
        "inflation, interest and slippage (as milex fiscal --sensitivity).",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("project")(project)


@handle_errors
def project(
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML file (see examples/hague-2035.toml).")
    ] = None,
    target: Annotated[float | None, typer.Option(help="Target, % of GDP (default 3.5).")] = None,
    by: Annotated[int | None, typer.Option(help="Deadline year (default 2035).")] = None,
    path: Annotated[Shape | None, typer.Option(help="Path shape to the target.")] = None,
    countries: Annotated[
        str | None, typer.Option(help="Countries (ISO3 or names), comma-separated.")
    ] = None,
    bloc: Annotated[str | None, typer.Option(help="A bloc (default NATO).")] = None,
    paths: Annotated[int | None, typer.Option(help="Monte Carlo paths (default 10000).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 1).")] = None,
    currency: Annotated[
        Currency | None, typer.Option(case_sensitive=False, help="Output currency (default USD).")
    ] = None,
    base_year: Annotated[int | None, typer.Option(help="Default: latest NATO year.")] = None,
    horizon: Annotated[int | None, typer.Option(help="Last year (default 2035).")] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="Every year and measure with quantiles (tidy).")
    ] = False,
    save_scenario: Annotated[
        Path | None, typer.Option(help="Also write the scenario as run (TOML) to this file.")
    ] = None,
    engine: EngineOption = Engine.auto,
    sensitivity: SensitivityOption = False,
    factors: FactorsOption = DEFAULT_FACTORS,
    samples: SamplesOption = 1024,
    workers: WorkersOption = 1,
    chart: TornadoOption = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Spending paths to a target (% of GDP by a deadline) with fan-chart quantiles.

    Default: every NATO ally but Iceland, 3.5% of GDP by 2035 on a linear path, in USD.

    Shows each ally's extra spending to the horizon and its peak annual rise; --detail: every year.
    --sensitivity: what drives the cost (Sobol' indices, a tornado chart with --chart).
    """
    if sensitivity:
        sensitivity_command(countries, bloc, target or 3.5, by or 2035, factors, samples,
                            paths or 1000, workers, chart, format, output)  # fmt: skip
        return
    from functools import partial

    import milex
    from milex.projection import fastest_for_one_run
    from milex.projection import project as run

    spec = _scenario(
        scenario,
        target=target,
        by=by,
        path=path,
        countries=countries,
        bloc=bloc,
        paths=paths,
        seed=seed,
        currency=currency,
        base_year=base_year,
        horizon=horizon,
    )
    ds = milex.load()
    paths_run = spec.uncertainty.paths
    chosen = fastest_for_one_run(paths_run) if engine is Engine.auto else engine.value
    chosen = cast("EngineName", chosen)
    result = _run_with_progress(partial(run, engine=chosen), spec, ds)
    if save_scenario is not None:
        result.scenario.to_toml(save_scenario)
        err_console.print(f"wrote the scenario to {save_scenario}")
    if format is TableFormat.table and output is None:
        _print_table(result, detail)
        return
    frame = result.frame() if detail else result.summary()
    emit(frame, format.value, output, "projection", result.meta())


def _scenario(file: Path | None, **options: Any) -> Scenario:
    """The scenario file (or the default) with the command-line options applied on top."""
    from milex.projection import Scenario

    spec = Scenario.from_toml(file) if file is not None else Scenario()
    changes: dict[str, Any] = {}
    if options["countries"] is not None and options["bloc"] is not None:
        raise MilexError("give --countries or --bloc, not both")
    if options["countries"] is not None:
        changes.update(countries=[c.strip() for c in options["countries"].split(",")], bloc=None)
    if options["bloc"] is not None:
        changes.update(bloc=options["bloc"], countries=None, aggregates=None)
    for key in ("currency", "base_year", "horizon"):
        if options[key] is not None:
            changes[key] = str(options[key]) if key == "currency" else options[key]
    uncertainty = {k: options[k] for k in ("paths", "seed") if options[k] is not None}
    if uncertainty:
        changes["uncertainty"] = {**spec.uncertainty.model_dump(), **uncertainty}
    target_options = {k: options[k] for k in ("target", "by", "path") if options[k] is not None}
    if target_options:
        if len(spec.targets) > 1:
            names = ", ".join(t.name for t in spec.targets)
            raise MilexError(
                f"--{', --'.join(target_options)}: only for a scenario with one target; "
                f"{file} has {len(spec.targets)} ({names}): edit the file instead"
            )
        first = spec.targets[0].model_dump(exclude_none=True)
        if "target" in target_options:
            first.pop("guideline", None)
            first["target_pct"] = target_options["target"]
            first.setdefault("deadline", spec.targets[0].deadline_for(spec.horizon))
        if "by" in target_options:
            first["deadline"] = target_options["by"]
        if "path" in target_options:
            first["path"] = str(target_options["path"])
        changes["targets"] = [first]
    return spec.with_changes(**changes) if changes else spec


def _run_with_progress(run: Any, spec: Scenario, ds: Any) -> ProjectionResult:
    """Large runs report progress on stderr: a Rich bar on a terminal, else a line per tenth."""
    total = spec.uncertainty.paths
    if total < PROGRESS_FROM:
        return run(spec, ds)  # type: ignore[no-any-return]
    if not err_console.is_terminal:  # piped or logged: plain lines, so a long run is not silent
        step, shown = max(1, total // 10), [0]

        def report(done: int, total: int) -> None:
            if done >= shown[0] + step or done == total:
                shown[0] = done
                err_console.print(f"simulated {done:,} of {total:,} paths", highlight=False)

        return run(spec, ds, progress=report)  # type: ignore[no-any-return]
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("simulating paths", total=total)
        return run(spec, ds, progress=lambda done, total: bar.update(task, completed=done))  # type: ignore[no-any-return]


def _print_table(result: ProjectionResult, detail: bool) -> None:
    """The projection on the terminal; the summary (the default) without importing pandas."""
    currency = result.currencies[0] if len(set(result.currencies)) == 1 else "national currency"
    if detail:
        title = f"Projection {result.base_year}-{result.horizon}"
        console.print(rich_table(result.frame(), title))
    else:
        shown = [
            {label: _whole(row[key]) if key.endswith("_m") else row[key]
             for key, label in SUMMARY_COLUMNS.items()}
            for row in result.summary_rows()
        ]  # fmt: skip
        title = (
            f"Extra spending {result.base_year + 1}-{result.horizon} over each ally's "
            f"{result.base_year} share ({currency} m at current prices; the constant-price "
            f"column at {result.base_year} prices and exchange rates), "
            f"{result.paths} paths"
        )
        console.print(records_table(shown, title))
    for note in result.notes:
        console.print(f"- {note}", highlight=False)
    for src in result.sources():
        console.print(
            f"source: {src.get('citation', src['source'])}; edition {src['edition']}",
            highlight=False,
        )


def _whole(value: float) -> str:
    """Money in millions as whole numbers, which read better; missing as blank."""
    from milex.present.numbers import figure

    return figure(value) if value == value else ""

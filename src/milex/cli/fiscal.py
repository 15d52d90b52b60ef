"""`milex fiscal`: what a path to 3.5% does to each ally's deficit and debt if it is borrowed."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from milex.cli.common import (
    OutputOption,
    TableFormat,
    console,
    emit,
    err_console,
    handle_errors,
)
from milex.cli.tables import records_table

if TYPE_CHECKING:
    from milex.finance.fiscal import FiscalResult


class FiscalPath(StrEnum):
    linear = "linear"
    plans = "plans"
    trend = "trend"


#: The sensitivity options, shared with `milex project --sensitivity`.
DEFAULT_FACTORS = "growth,inflation,interest,slippage"
FactorsOption = Annotated[
    str, typer.Option(help="--sensitivity: factors, comma-separated (see docs/fiscal.md).")
]
SamplesOption = Annotated[int, typer.Option(help="--sensitivity: base samples (power of 2).")]
WorkersOption = Annotated[int, typer.Option(help="--sensitivity: worker processes.")]
TornadoOption = Annotated[
    Path | None, typer.Option(help="--sensitivity: also draw the tornado (png, svg, html).")
]


def register(app: typer.Typer) -> None:
    app.command("fiscal")(fiscal_command)


@handle_errors
def fiscal_command(
    country: Annotated[
        str | None, typer.Option(help="Allies (ISO3 or names), comma-separated.")
    ] = None,
    bloc: Annotated[str | None, typer.Option(help="A bloc (default NATO).")] = None,
    target: Annotated[float, typer.Option(help="Target, % of GDP.")] = 3.5,
    by: Annotated[int, typer.Option(help="Deadline year.")] = 2035,
    path: Annotated[
        FiscalPath, typer.Option(help="linear; plans (national plans); trend (2019-2024 growth).")
    ] = FiscalPath.linear,
    interest: Annotated[
        float | None,
        typer.Option(help="Interest on the extra debt, % a year (default: see notes)."),
    ] = None,
    paths: Annotated[int, typer.Option(help="Monte Carlo paths for the fan.")] = 2_000,
    detail: Annotated[bool, typer.Option("--detail", help="Every ally and year.")] = False,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Sobol' indices of the cost and the debt ratio.")
    ] = False,
    factors: FactorsOption = DEFAULT_FACTORS,
    samples: SamplesOption = 1024,
    workers: WorkersOption = 1,
    chart: TornadoOption = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Paying for 3.5%: per ally, the extra spending of the path, its deficit and debt if borrowed
    (arithmetic on the IMF WEO baseline, not a forecast), against the EU's 3% and 60%, the
    escape clause and SAFE loans, with a verdict in plain words.

    Example: milex fiscal --country DEU --target 3.5 --by 2035
    """
    if sensitivity:
        sensitivity_command(country, bloc, target, by, factors, samples, paths, workers, chart,
                     format, output)  # fmt: skip
        return
    from milex.finance.fiscal import fiscal

    result = fiscal(country, bloc=bloc, target=target, by=by, path=path.value, paths=paths,
                    interest_pct=interest)  # fmt: skip
    if format is TableFormat.table and output is None:
        _print(result, detail)
        return
    frame = result.frame() if detail else result.summary()
    emit(frame, format.value, output, "fiscal", result.meta())


def _print(result: FiscalResult, detail: bool) -> None:
    h = result.horizon
    if detail:
        emit(result.frame(), "table", None, f"Paying for {result.target:g}%: every year")
    else:
        shown = [_view(row) for row in result.summary_records()]
        title = (
            f"Paying for {result.target:g}% by {result.by} ({result.path} path): extra spending, "
            f"deficit and debt in {h}, % of GDP, if borrowed"
        )
        console.print(records_table(shown, title))
    console.print("")
    for ally in result.allies:
        memo = f" [memo, not added: {ally.memo}]" if ally.memo else ""
        console.print(f"{ally.iso3}: {ally.verdict}{memo}", highlight=False, soft_wrap=True)
    console.print("")
    for note in result.notes:
        console.print(f"- {note}", highlight=False, soft_wrap=True)
    for item in result.context:
        console.print(f"- context: {item['text']} ({item['url']})", highlight=False, soft_wrap=True)
    for src in result.sources():
        console.print(
            f"source: {src.get('citation', src['source'])}; edition {src['edition']}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip


def _view(row: dict[str, Any]) -> dict[str, str]:
    """One ally in short columns, so a row stays one line at 80 columns."""

    def pct(value: Any) -> str:
        return "" if value is None or value != value else f"{value:.1f}"

    safe = row["safe_eur_m"]
    return {
        "ally": row["iso3"],
        "extra": pct(row["extra_pct"]),
        "deficit": f"{pct(row['deficit_base_pct'])}>{pct(row['deficit_pct'])}",
        "debt": f"{pct(row['debt_base_pct'])}>{pct(row['debt_pct'])}",
        "debt p5-p95": f"{pct(row['debt_p5_pct'])}-{pct(row['debt_p95_pct'])}",
        "clause": row["escape_clause"] or "-",
        "SAFE EUR bn": "" if safe is None else f"{safe / 1000:.2f}",
        "SAFE %GDP": pct(row["safe_pct_gdp"]),
    }


def sensitivity_command(
    country: str | None, bloc: str | None, target: float, by: int, factors: str, samples: int,
    paths: int, workers: int, chart: Path | None, format: TableFormat, output: Path | None,
) -> None:  # fmt: skip
    """Sobol' indices of the horizon-year cost and debt ratio over the chosen factors."""
    import milex
    from milex.finance.sensitivity import sobol_indices

    result = sobol_indices(
        milex.load(), country, bloc=bloc, target=target, by=by, samples=samples, paths=paths,
        factors=tuple(f.strip() for f in factors.split(",") if f.strip()), workers=workers,
    )  # fmt: skip
    if chart is not None:
        from milex.present.charts.sensitivity import tornado
        from milex.present.render import save

        err_console.print(f"wrote {save(tornado(result), chart)}")
    frame = result.frame()
    if format is TableFormat.table and output is None:
        shown = [
            {"output": r["output"], "factor": r["factor"], "range": f"{r['low']:g} to {r['high']:g}",
             "first": f"{r['first_order']:.3f}", "total": f"{r['total_order']:.3f}"}
            for r in result.records()
        ]  # fmt: skip
        title = (f"What drives the {result.horizon} cost and debt ratio: Sobol' indices, "
                 f"{result.samples} samples x {result.paths} paths")  # fmt: skip
        console.print(records_table(shown, title))
        for note in result.notes:
            console.print(f"- {note}", highlight=False, soft_wrap=True)
        return
    meta = {"sources": result.sources(), "notes": list(result.notes)}
    emit(frame, format.value, output, "sensitivity", meta)

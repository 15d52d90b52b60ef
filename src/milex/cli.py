"""The ``milex`` command: a thin Typer layer over the library. Errors are one line and exit 1."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="milex: NATO defence-spending data, commitments and projections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="The bundled data snapshot: status, build, export.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_RAW = Path("../shared/data/raw")


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


def handle_errors(command: F) -> F:
    """Turn a MilexError into one clear line on stderr and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MilexError as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def emit(
    frame: pd.DataFrame,
    fmt: str,
    output: Path | None,
    title: str,
    meta: dict[str, Any] | None = None,
) -> None:
    """Show a frame as a Rich table, or write/print it as CSV, JSON, XLSX or Parquet."""
    from milex import export

    if output is not None:
        written = export.write(frame, output, None if fmt == "table" else fmt, meta)
        err_console.print(f"wrote {len(frame)} rows to {written}")
    elif fmt == "table":
        console.print(rich_table(frame, title))
    else:
        sys.stdout.write(export.to_text(frame, fmt, meta))


def rich_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "fi"
        table.add_column(str(column), justify="right" if numeric else "left")
    for values in frame.itertuples(index=False):
        table.add_row(*[_cell(v) for v in values])
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:,.2f}"
    return str(value)


# ----------------------------------------------------------------------------------------------
@data_app.command("status")
@handle_errors
def data_status() -> None:
    """Snapshot location, editions, provenance and figure counts by source."""
    import milex

    ds = milex.load()
    pkg = ds.package
    console.print(f"snapshot: {ds.path} (sha256 verified)")
    console.print(f"SIPRI figures: {pkg['sipri_figures']} of {pkg['sipri_limit']} allowed")
    prov = Table(title="Raw files (provenance)", title_justify="left")
    for col in ("source", "edition", "retrieved", "sha256", "figures"):
        prov.add_column(col, overflow="fold", justify="right" if col == "figures" else "left")
    for src in pkg["sources"]:
        prov.add_row(
            src["source"], src["edition"], src["retrieved"], src["sha256"][:12], str(src["figures"])
        )
    console.print(prov)
    for src in pkg["sources"]:
        console.print(
            f"- {src['path']}: {src['publisher']}; {src['licence']}; {src['url']}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(rich_table(ds.status(), "Figures by source and edition"))


@data_app.command("build")
@handle_errors
def data_build(
    raw: Annotated[Path, typer.Option(help="Directory of raw publisher files.")] = DEFAULT_RAW,
    output: Annotated[Path | None, typer.Option(help="Write here instead of the package.")] = None,
) -> None:
    """Parse the raw publisher files and write the snapshot (Parquet + datapackage.json)."""
    from rich.progress import Progress

    from milex import snapshot

    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("parsing", total=9)

        def step(name: str) -> None:
            progress.update(task, advance=1, description=f"parsing {name}")

        package = snapshot.build(raw, output, progress=step)
    target = output or snapshot.package_dir()
    console.print(
        f"wrote {package['resources'][0]['rows']} observations "
        f"({package['sipri_figures']} SIPRI) to {target}"
    )


@data_app.command("export")
@handle_errors
def data_export(
    output: Annotated[Path, typer.Option(help="File to write.")],
    format: Annotated[
        ExportFormat | None, typer.Option(help="Default: from the extension.")
    ] = None,
    measure: Annotated[str | None, typer.Option(help="Only this measure.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """Export the observations (all, or one measure/source) with their provenance columns."""
    import milex
    from milex import export

    ds = milex.load()
    if measure:
        frame = ds.series(measure, source=source, edition="all")
    else:
        frame = ds.observations()
        if source:
            frame = frame[frame["source"] == source]
    written = export.write(frame, output, format.value if format else None, _meta(ds, frame))
    err_console.print(f"wrote {len(frame)} rows to {written}")


@data_app.command("measures")
@handle_errors
def data_measures(
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
) -> None:
    """Every measure id with its unit, definition and publishers."""
    import pandas as pd

    from milex.schema import MEASURES

    frame = pd.DataFrame([vars(m) for m in MEASURES])
    emit(frame, format.value, None, "Measures")


@app.command("series")
@handle_errors
def series(
    measure: Annotated[str, typer.Option(help="Measure id, e.g. milex_pct_gdp.")],
    country: Annotated[
        str | None, typer.Option(help="ISO3, names or blocs, comma-separated.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="nato, sipri, imf_weo or worldbank.")] = None,
    from_: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    to: Annotated[int | None, typer.Option(help="Last year.")] = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """One measure for some countries, sources and years, each figure with its source and flags."""
    import milex

    ds = milex.load()
    years = None
    if from_ is not None or to is not None:
        years = (from_ if from_ is not None else 1949, to if to is not None else 2100)
    frame = ds.series(measure, country, source, years)
    if frame.empty:
        raise MilexError(f"no figures for {measure} with these filters")
    if format is TableFormat.table and output is None:
        units = ", ".join(sorted(set(frame["unit"])))
        shown = frame.assign(country=[ds.registry.name(c) for c in frame["iso3"]])
        console.print(
            rich_table(
                shown[["iso3", "country", "year", "source", "value", "flags"]],
                f"{measure} ({units})",
            )
        )
        for src in _meta(ds, frame)["sources"]:
            console.print(
                f"source: {src['citation']}; edition {src['edition']}",
                highlight=False,
                soft_wrap=True,
            )
        return
    emit(frame, format.value, output, measure, _meta(ds, frame))


def _meta(ds: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Sources and editions behind a frame, for JSON output."""
    used = set(zip(frame["source"], frame["edition"], strict=True)) if len(frame) else set()
    return {
        "sources": [
            {
                "source": s["source"],
                "edition": s["edition"],
                "citation": s["citation"],
                "url": s["url"],
                "licence": s["licence"],
            }
            for s in ds.package["sources"]
            if (s["source"], s["edition"]) in used
        ]
    }


def main() -> None:
    app()

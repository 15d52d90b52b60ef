"""`milex chart` and `milex report`: publication charts and the alliance and country reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from milex.cli.common import err_console, handle_errors
from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.projection.engine import EngineName

#: ``milex.present.figures.CHARTS`` by name, spelled out so that ``--help`` need not build the charts.
CHART_NAMES = (
    "tracker, country, equipment, projection-share, projection-money, totals, tiles, per-capita, "
    "real-change, map, map-equipment, map-burden, map-sipri, map-per-capita, map-real-change, "
    "sipri-country, threat-mer, threat-ppp, burden, "
    "industry, fiscal-debt, fiscal-deficit"
)

OutputFile = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write; its extension sets the format."),
]
CountryOption = Annotated[
    str | None,
    typer.Option(help="ISO3 code or name: the ally to chart or highlight, or a projection's bloc."),
]
YearOption = Annotated[int | None, typer.Option(help="Tracker year (default: latest NATO year).")]
ScenarioOption = Annotated[
    Path | None,
    typer.Option(help="Scenario TOML file (default: the Hague 3.5% core target by 2035)."),
]


def register(app: typer.Typer) -> None:
    app.command("chart")(chart_command)
    app.command("report")(report_command)


@handle_errors
def chart_command(
    name: Annotated[str, typer.Argument(help=f"Chart: {CHART_NAMES}.")],
    output: OutputFile = None,
    country: CountryOption = None,
    year: YearOption = None,
    scenario: ScenarioOption = None,
    extent: Annotated[
        str | None, typer.Option(help="A map's frame: europe (default) or world.")
    ] = None,
    scale: Annotated[
        float, typer.Option(help="PNG pixels per chart pixel (2: 1600 px wide).")
    ] = 2.0,
) -> None:
    """Draw a publication chart as PNG, SVG, standalone HTML (works offline) or Vega-Lite JSON."""
    from milex.present import figures, render

    definition = figures.chart_def(name)
    if output is None:
        raise MilexError(f"give --output FILE.({'|'.join(render.FORMATS)}) for the chart")
    render.output_format(output)
    render.check_directory(output)
    with err_console.status(f"drawing {definition.name} chart..."):
        chart = figures.build(
            definition.name,
            country=country,
            year=year,
            scenario=_scenario(scenario),
            engine=_one_run(scenario) if definition.name.startswith("projection") else "auto",
            extent=extent,
        )
        written = render.save(chart, output, scale=scale)
    err_console.print(f"wrote the {definition.name} chart to {written}", highlight=False)


@handle_errors
def report_command(
    output: OutputFile = None,
    country: Annotated[
        str | None, typer.Option(help="ISO3 code or name: a country brief instead.")
    ] = None,
    year: YearOption = None,
    scenario: ScenarioOption = None,
) -> None:
    """The alliance report, or a country brief with --country, as self-contained HTML or A4 PDF."""
    from milex.present import render
    from milex.present.report import FORMATS, build_report

    if output is None:
        raise MilexError(f"give --output FILE.({'|'.join(FORMATS)}) for the report")
    render.output_format(output, FORMATS)
    render.check_directory(output)
    what = "country brief" if country else "alliance report"
    with err_console.status(f"building the {what}..."):
        engine = _one_run(scenario)
        report = build_report(country, year, scenario=_scenario(scenario), engine=engine)
        written = report.save(output)
    err_console.print(f"wrote the {what} to {written}", highlight=False)


def _one_run(scenario: Path | None) -> EngineName:
    """The faster engine for a process that makes one projection and ends."""
    from milex.projection.engine import one_run_engine

    return one_run_engine(_scenario(scenario))


def _scenario(path: Path | None) -> Path | None:
    if path is not None and not path.is_file():
        raise MilexError(f"scenario file not found: {path}")
    return path

"""`milex site build DIR`: the dashboard as static files, for a host that runs no Python."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from milex.cli.common import console, handle_errors
from milex.errors import MilexError

site_app = typer.Typer(
    help="A static copy of the dashboard, for any web host.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(site_app, name="site")


@site_app.command("build")
@handle_errors
def build(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the copy into (empty or new).")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty folder (once the copy is whole).")
    ] = False,
    years: Annotated[
        str | None,
        typer.Option(
            help="Years to build the year views for, comma-separated (default: every year)."
        ),
    ] = None,
    allies: Annotated[
        str | None,
        typer.Option(
            help="Allies to build pages for, ISO3 or names, comma-separated (default: all); "
            "links to the others become text."
        ),
    ] = None,
) -> None:
    """Write every page, chart file and API answer of the dashboard as static files.

    Links are relative, so the copy works from any sub-path and from `python -m http.server`.
    Progress goes to stderr; a summary line ends the build. The scenario builder holds its
    presets' projections; other settings need `milex serve`.
    """
    import sys

    from milex.web.site import build_site

    chosen_years = _years(years) if years else None
    chosen_allies = [a.strip() for a in allies.split(",") if a.strip()] if allies else None
    report = build_site(
        directory, force=force, years=chosen_years, allies=chosen_allies, progress=sys.stderr
    )
    console.print(f"site: {directory}: {report.line()}", highlight=False, soft_wrap=True)


def _years(text: str) -> list[int]:
    try:
        return [int(y) for y in text.split(",") if y.strip()]
    except ValueError:
        raise MilexError(f"--years: {text!r} is not a comma-separated list of years") from None

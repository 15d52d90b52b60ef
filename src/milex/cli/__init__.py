"""The ``milex`` command: a thin Typer layer over the library. Errors are one line and exit 1.

Each submodule adds its commands with ``register(app)``.
"""

from __future__ import annotations

import typer

from milex.cli import analyses, charts, data, industry, project, serve, tracker

app = typer.Typer(
    help="milex: NATO defence-spending data, commitments and projections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in (data, tracker, analyses, charts, project, industry, serve):
    module.register(app)


def main() -> None:
    app()

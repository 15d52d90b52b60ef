"""`milex plans` and `milex hague`: allies' national plans against the Hague line, the review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from milex.cli.common import OutputOption, TableFormat, console, emit, handle_errors

PLAN_VIEW = ("country", "year", "line_pct", "plan_pct", "plan_basis", "plan_definition",
             "trend_pct", "verdict", "plan_cost_lcu_m", "currency")  # fmt: skip
REVIEW_VIEW = ("country", "line_pct", "plan_pct", "plan_basis", "trend_pct", "latest_pct",
               "latest_year", "verdict", "gap_lcu_m", "gap_usd_m", "gap_eur_m", "currency")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("plans")(plans_command)
    app.command("hague")(hague_command)


@handle_errors
def plans_command(
    country: Annotated[
        list[str] | None, typer.Option(help="Ally (ISO3 or name); repeat or comma-separate.")
    ] = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Every ally's national plan beside the straight line to 3.5% by 2035, the trend and cost."""
    from milex import load
    from milex.review import plans_table

    names = [n.strip() for item in country or [] for n in item.split(",") if n.strip()]
    frame = plans_table(load(), names or None)
    meta = _meta(frame.attrs)
    if format is TableFormat.table and output is None:
        emit(frame[list(PLAN_VIEW)], "table", None, "National plans against the Hague line")
        _print_notes(frame.attrs)
        return
    emit(frame, format.value, output, "plans", meta)


@handle_errors
def hague_command(
    review: Annotated[int, typer.Option(help="Review year (the pledge's review is 2029).")] = 2029,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """The Hague review: each ally's required, planned and trend level, latest figure and gap."""
    from milex import load
    from milex.review import review as review_view

    frame = review_view(load(), review)
    meta = _meta(frame.attrs)
    if format is TableFormat.table and output is None:
        a = frame.attrs
        emit(frame[list(REVIEW_VIEW)], "table", None, f"The Hague review, {review}")
        console.print(
            f"{review}: of {a['allies']} allies, {a['count_plan_at_or_above']} have a plan at or "
            f"above the line ({a['count_plan_held']} of all plans rest on a level held after the "
            f"plan's last year), {a['count_plan_below']} below it, {a['count_no_plan']} no plan; "
            f"{a['count_trend_at_or_above']} at or above it at their recent trend; "
            f"{a['count_latest_at_or_above']} already there on their latest figure.",
            highlight=False,
            soft_wrap=True,
        )
        related = a["related"]
        console.print(f"1.5% leg: {related['note']}", highlight=False, soft_wrap=True)
        for iso3, text in related["stated"].items():
            console.print(f"  {iso3}: {text}", highlight=False)
        _print_notes(a)
        return
    emit(frame, format.value, output, "hague", meta)


def _meta(attrs: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in attrs.items()}


def _print_notes(attrs: Mapping[Any, Any]) -> None:
    for note in attrs["notes"]:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)
    for src in attrs["sources"]:
        console.print(
            f"source: {src.get('citation', src['source'])} (edition {src['edition']})",
            highlight=False,
        )

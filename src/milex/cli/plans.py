"""`milex plans` and `milex hague`: allies' national plans against the Hague line, the review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from milex.cli.common import OutputOption, TableFormat, console, emit, handle_errors

#: The terminal view: short headers and labels so a row stays one line at 80 columns.
PLAN_VIEW = {"iso3": "Ally", "year": "Year", "line_pct": "Line %", "plan_pct": "Plan %",
             "verdict": "Verdict", "plan_basis": "Basis", "plan_entry": "Entry",
             "trend_pct": "Trend %", "plan_cost_lcu_m": "Cost, LCU m",
             "currency": "Cur."}  # fmt: skip
SHORT = {
    "plan at or above the line": "at/above",
    "plan below the line": "below",
    "no plan": "no plan",
    "interpolated": "between",
    "held after plan end": "held",
    "from money": "money",
}
REVIEW_VIEW = ("country", "verdict", "gap_usd_m", "line_pct", "plan_pct", "latest_pct",
               "trend_pct", "plan_basis", "latest_year", "gap_eur_m", "gap_lcu_m",
               "currency")  # fmt: skip
#: What gives way first at 80 columns: the verdict, the gap in dollars and the levels stay.
REVIEW_DROP = ("currency", "gap_lcu_m", "gap_eur_m", "latest_year", "plan_basis", "trend_pct")


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
    trail: Annotated[
        bool, typer.Option("--trail", help="Every ledger entry per ally: quote, URL, conversion.")
    ] = False,
) -> None:
    """Every ally's national plan beside the straight line to 3.5% by 2035, the trend and cost."""
    from milex import load
    from milex.analysis.review import plans_table

    names = [n.strip() for item in country or [] for n in item.split(",") if n.strip()]
    ds = load()
    found = plans_table(ds, names or None)
    frame, meta = found.frame(), found.summary
    if format is TableFormat.table and output is None:
        emit(_view(frame), "table", None, "National plans against the Hague line")
        _print_used(frame)
        if trail:
            _print_ledgers(ds, list(dict.fromkeys(frame["iso3"])))
        else:
            for line in found.summary["trail"]:
                console.print(f"trail: {line}", highlight=False)
        _print_notes(found.summary)
        return
    emit(frame, format.value, output, "plans", meta)


def _view(frame: Any) -> Any:
    """The terminal's columns, with short labels (the CSV and JSON keep the full ones)."""
    view = frame[list(PLAN_VIEW)].copy()
    for column in ("verdict", "plan_basis"):
        view[column] = view[column].map(lambda v: SHORT.get(v, v))
    view["plan_entry"] = view["plan_entry"].str.replace(r" \((\w)\w*\) \S+", r"/\1", regex=True)
    return view.rename(columns=PLAN_VIEW)


def _print_used(frame: Any) -> None:
    """The ledger entries the table used (entry: b/d = budget, draft; p/a = plan, adopted ...)."""
    used = frame[frame["plan_entry"] != ""].drop_duplicates(["iso3", "plan_entry", "plan_source"])
    for row in used.itertuples():
        gdp = f"; as a share of {row.plan_gdp_used}" if row.plan_gdp_used else ""
        console.print(
            f"entry: {row.iso3} {row.plan_entry} ({row.plan_definition}): {row.plan_source}{gdp}",
            highlight=False, markup=False,
        )  # fmt: skip


def _print_ledgers(ds: Any, codes: list[str]) -> None:
    """Each ally's whole ledger in date order (superseded entries too), as plain lines."""
    from milex.analysis.plans import ledger

    for iso3 in codes:
        currency = ds.registry.countries[iso3].currency
        for entry in ledger(iso3, ds):
            f = entry.figure
            years = f"{f.year}-{f.until}" if f.until else f"{f.year}"
            used = (
                f"used for {', '.join(map(str, entry.used_for))}" if entry.used_for else "not used"
            )
            state = f"superseded by {f.superseded_by}" if f.superseded_by else used
            console.print(
                f"{iso3} {f.source_date.isoformat()} {f.label} {years}: {f.stated()} "
                f"[{f.definition}] ({state})",
                highlight=False, markup=False,
            )  # fmt: skip
            for conv in entry.conversions:
                console.print(f"  = {conv.describe(currency)}", highlight=False, markup=False)
            quote = f'"{f.quote}"' if f.quote else "quote not recorded"
            console.print(
                f"  {f.document}; {quote} ({f.quote_type}); {f.source_url}"
                + (f"; note: {f.note}" if f.note else ""),
                highlight=False,
                markup=False,
            )


@handle_errors
def hague_command(
    review: Annotated[int, typer.Option(help="Review year (the pledge's review is 2029).")] = 2029,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """The Hague review: each ally's required, planned and trend level, latest figure and gap."""
    from milex import load
    from milex.analysis.review import review as review_view

    found = review_view(load(), review)
    frame, meta = found.frame(), found.summary
    if format is TableFormat.table and output is None:
        a = found.summary
        shown = frame[list(REVIEW_VIEW)].sort_values(
            ["gap_usd_m", "country"], ascending=[False, True], na_position="last", kind="stable"
        )
        emit(shown, "table", None, f"The Hague review, {review}", drop_first=REVIEW_DROP)
        console.print(
            f"{review}: of {a['allies']} allies, {a['count_plan_at_or_above']} have a plan at or "
            f"above the line ({a['count_plan_held']} of all plans rest on a level held after the "
            f"plan's last year), {a['count_plan_below']} below it, {a['count_no_plan']} no plan; "
            f"{a['count_trend_at_or_above']} at or above it at their recent trend; "
            f"{a['count_latest_at_or_above']} already there on their latest figure.",
            highlight=False,
        )
        related = a["related"]
        console.print(f"1.5% leg: {related['note']}", highlight=False)
        for iso3, text in related["stated"].items():
            console.print(f"  {iso3}: {text}", highlight=False)
        _print_notes(a)
        return
    emit(frame, format.value, output, "hague", meta)


def _print_notes(attrs: Mapping[Any, Any]) -> None:
    for note in attrs["notes"]:
        console.print(f"note: {note}", highlight=False)
    for src in attrs["sources"]:
        console.print(
            f"source: {src.get('citation', src['source'])} (edition {src['edition']})",
            highlight=False,
        )

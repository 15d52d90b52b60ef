"""`milex burden`, `milex compare` and `milex reconcile`: thin presenters over the analyses.

Every command computes first and writes last, so an error (one line, exit 1) leaves nothing
behind. Notes (coverage, exclusions, caveats, user data) go under a table, into JSON's ``notes``,
or to stderr beside CSV, XLSX and Parquet output.
"""

from __future__ import annotations

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
    rich_table,
)

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset

VIEWS = ("allies", "alliance", "olson", "proximity", "scatter")
#: Columns a terminal table shows per view (files and JSON carry every column).
DISPLAY = {
    "allies": (
        "iso3", "country", "milex_share_pct", "gdp_share_pct", "share_ratio", "milex_pct_gdp",
        "milex_per_capita_usd", "milex_per_service_member_usd", "equipment_per_capita_usd",
    ),
    "alliance": (
        "year", "members", "milex_usd_m", "us_milex_share_pct", "us_gdp_share_pct",
        "us_milex_usd_m", "eu_ca_milex_usd_m", "us_to_eu_ca_milex_ratio",
        "us_spending_to_gdp_pct", "eu_ca_spending_to_gdp_pct",
    ),
    "proximity": (
        "year", "n", "pearson_r", "pearson_p", "spearman_rho", "spearman_p",
        "slope_pp_per_1000km", "slope_stderr", "r_squared",
    ),
    "reconcile": (
        "iso3", "country", "year", "nato_pct_gdp", "sipri_pct_gdp", "difference_pp",
        "relative_difference_pct", "spending_ratio", "gdp_ratio", "nato_flags", "sipri_flags",
    ),
}  # fmt: skip
LEGEND = "* partial: members without figures are listed in the notes; † includes user data"
FormatOption = Annotated[TableFormat, typer.Option(help="Output format.")]
FromOption = Annotated[int | None, typer.Option("--from", help="First year.")]
ToOption = Annotated[int | None, typer.Option("--to", help="Last year.")]


def register(app: typer.Typer) -> None:
    app.command("burden")(burden_command)
    app.command("compare")(compare_command)
    app.command("reconcile")(reconcile_command)


# ----------------------------------------------------------------------------------------------
@handle_errors
def burden_command(
    year: Annotated[int | None, typer.Option(help="One year (default: latest).")] = None,
    view: Annotated[str, typer.Option(help=f"One of {', '.join(VIEWS)}.")] = "allies",
    source: Annotated[
        str | None, typer.Option(help="nato or sipri (default: sipri for olson, else nato).")
    ] = None,
    from_: FromOption = None,
    to: ToOption = None,
    format: FormatOption = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Burden-sharing: shares of alliance GDP and spending, Olson-Zeckhauser, proximity to Moscow."""
    import milex
    from milex.analysis.burden import SOURCES
    from milex.errors import MilexError

    if view not in VIEWS:
        raise MilexError(f"unknown view {view!r}; use one of {', '.join(VIEWS)}")
    source = source or ("sipri" if view == "olson" else "nato")
    if source not in SOURCES:
        raise MilexError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if year is not None and (from_ is not None or to is not None):
        raise MilexError("give --year or --from/--to, not both")
    ds = milex.load()
    if view in ("allies", "scatter") and year is None:
        year = ds.latest_year("milex_pct_gdp", source)
    years = (year, year) if year is not None else (from_, to)
    frame, notes, title, used = _burden_frame(ds, view, source, years)
    _show(ds, frame, format, output, title, notes, set(used), display=DISPLAY.get(view))


def _burden_frame(
    ds: Dataset, view: str, source: str, years: tuple[int | None, int | None]
) -> tuple[pd.DataFrame, tuple[str, ...], str, tuple[tuple[str, str], ...]]:
    """The view's frame, notes, title and the (source, edition) pairs behind it."""
    from milex.analysis import burden

    if view in ("allies", "alliance"):
        shares = burden.burden_sharing(ds, years, source=source)
        if view == "allies":
            title = f"Burden-sharing {years[0]} ({source})"
            return shares.allies, shares.notes, title, shares.editions_used
        span = f"{shares.years[0]}-{shares.years[1]}"
        title = f"United States and Europe+Canada, {span} ({source})"
        return shares.alliance, shares.notes, title, shares.editions_used
    if view == "olson":
        oz = burden.olson_zeckhauser(ds, source, years)
        trend = oz.trend().iloc[0]
        summary = (
            f"trend: mean Spearman rho {trend['mean_spearman_rho']:.3f} over {trend['years']} "
            f"years; slope {trend['rho_slope_per_decade']:+.3f} per decade "
            f"(p = {trend['slope_p']:.3g}); positive and significant (p < 0.05) in "
            f"{trend['years_positive_p05']} of {trend['years']} years, negative and significant "
            f"in {trend['years_negative_p05']}"
        )
        title = f"Olson-Zeckhauser rank test, {oz.years[0]}-{oz.years[1]} ({source})"
        return oz.table, (*oz.notes, summary), title, oz.editions_used
    near = burden.proximity(ds, source, years)
    if view == "scatter":
        title = f"% of GDP and distance to Moscow, {years[0]} ({source})"
        return near.points, near.notes, title, near.editions_used
    title = f"% of GDP on distance to Moscow, {near.years[0]}-{near.years[1]} ({source})"
    return near.fits, near.notes, title, near.editions_used


# ----------------------------------------------------------------------------------------------
@handle_errors
def compare_command(
    blocs: Annotated[
        str, typer.Option(help="Blocs and countries, comma-separated.")
    ] = "NATO,NATO_EU_CA,EU27,RUS,CHN,IRN,PRK,CRINK",
    basis: Annotated[str, typer.Option(help="mer (market rates), ppp or both.")] = "both",
    from_: FromOption = None,
    to: ToOption = None,
    ppp_source: Annotated[str, typer.Option(help="imf_weo or worldbank.")] = "imf_weo",
    overlay: Annotated[
        list[Path] | None, typer.Option(help="User CSV overlay (repeatable).")
    ] = None,
    include_uncertain: Annotated[
        bool, typer.Option(help="Use figures SIPRI marks highly uncertain.")
    ] = False,
    include_secondary: Annotated[
        bool,
        typer.Option(
            help="Use SIPRI's newest year as restated by others (flag secondary; totals "
            "marked partial where members lack figures)."
        ),
    ] = True,
    format: FormatOption = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Threat balance: bloc totals at market rates and PPP, and each bloc's ratio to the four."""
    import milex
    from milex.analysis.balance import threat_balance
    from milex.data.overlay import read_overlays

    ds = milex.load()
    overlays = read_overlays(overlay or [], ds.registry)
    result = threat_balance(
        ds,
        blocs,
        basis,
        (from_, to),
        ppp_source=ppp_source,
        overlays=overlays,
        include_uncertain=include_uncertain,
        include_secondary=include_secondary,
    )
    frame = result.frame()
    title = f"Threat balance {result.years[0]}-{result.years[1]} (bn; ratio to {result.reference})"
    extra = [o.meta() for o in overlays if o.source in {s for s, _ in result.editions_used}]
    if format is TableFormat.table and output is None:
        console.print(rich_table(_balance_display(frame, result.bases), title))
        console.print(LEGEND, highlight=False, markup=False)
        _print_notes(result.notes)
        return
    _show(ds, frame, format, output, title, result.notes, set(result.editions_used), None, extra)


#: Terminal headers per basis: the currency each total is in, and its ratio column.
BASIS_HEADERS = {
    "mer_current": ("US$ bn, current", "Ratio, current"),
    "mer_constant": ("US$ bn, constant", "Ratio, constant"),
    "ppp": ("Intl $ bn, PPP", "Ratio, PPP"),
}


def _balance_display(frame: pd.DataFrame, bases: tuple[str, ...]) -> pd.DataFrame:
    """One row per year and group, years in order; per basis the total (in its own currency:
    PPP totals are international dollars) and the ratio, 'no data' kept."""
    import pandas as pd

    blocs = list(dict.fromkeys(frame["bloc"]))
    out = frame[["year", "bloc"]].drop_duplicates()
    out = out.sort_values(
        ["year", "bloc"], key=lambda c: c if c.name == "year" else c.map(blocs.index)
    ).reset_index(drop=True)
    for basis in bases:
        total, ratio = BASIS_HEADERS[basis]
        part = frame[frame["basis"] == basis].set_index(["year", "bloc"])
        keys = pd.MultiIndex.from_frame(out[["year", "bloc"]])
        rows = part.reindex(keys)
        out[total] = [
            _total_cell(v, s, u)
            for v, s, u in zip(rows["value"], rows["status"], rows["user_data"], strict=True)
        ]
        out[ratio] = ["" if r != r else f"{r:.2f}" for r in rows["ratio"]]
    return out


def _total_cell(value: float, status: Any, user: Any) -> str:
    if status != status or status is None:
        return ""
    if status == "no data":
        return "no data"
    mark = ("*" if status == "partial" else "") + ("†" if user else "")
    return f"{value / 1000:,.1f}{mark}"


# ----------------------------------------------------------------------------------------------
@handle_errors
def reconcile_command(
    year: Annotated[int | None, typer.Option(help="One year (default: latest both cover).")] = None,
    all_years: Annotated[bool, typer.Option(help="Every year both cover.")] = False,
    top: Annotated[int | None, typer.Option(help="Only the N largest gaps.")] = None,
    format: FormatOption = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """NATO and SIPRI % of GDP side by side for each ally, largest gaps first (never merged)."""
    import milex
    from milex.analysis.reconcile import reconcile
    from milex.errors import MilexError

    if year is not None and all_years:
        raise MilexError("give --year or --all-years, not both")
    ds = milex.load()
    if year is None and not all_years:
        year = min(ds.latest_year("milex_pct_gdp", s) for s in ("nato", "sipri"))
    result = reconcile(ds, year)
    table = result.largest_gaps(top if top is not None else len(result.table))
    span = f"{result.years[0]}" if year else f"{result.years[0]}-{result.years[1]}"
    title = f"NATO vs SIPRI % of GDP, {span}, largest gaps first"
    _show(
        ds,
        table,
        format,
        output,
        title,
        result.notes,
        set(result.editions_used),
        display=DISPLAY["reconcile"],
    )


# ----------------------------------------------------------------------------------------------
def _show(
    ds: Dataset,
    frame: pd.DataFrame,
    fmt: TableFormat,
    output: Path | None,
    title: str,
    notes: tuple[str, ...] | list[str],
    used: set[Any],
    display: tuple[str, ...] | None = None,
    extra_sources: list[dict[str, str]] | None = None,
) -> None:
    """Emit the frame; notes beside it (under the table, in JSON, or on stderr)."""
    meta = {"sources": ds.citations(used) + (extra_sources or []), "notes": list(notes)}
    if fmt is TableFormat.table and output is None:
        console.print(rich_table(frame[list(display)] if display else frame, title))
        _print_notes(notes)
        return
    emit(frame, fmt.value, output, title, meta)
    if fmt is not TableFormat.json or output is not None:
        for note in notes:
            err_console.print(f"note: {note}", highlight=False, markup=False)


def _print_notes(notes: tuple[str, ...] | list[str]) -> None:
    for note in notes:
        console.print(f"- {note}", highlight=False, markup=False)

"""`milex tracker` and `milex country`: allies against the guidelines, and one ally's profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from milex.cli.common import (
    OutputOption,
    TableFormat,
    console,
    emit,
    handle_errors,
)
from milex.cli.tables import FittedTable
from milex.data.schema import NATIONAL_LAW_MARK, flag_marks, mark_legend
from milex.data.schema import is_missing as _missing
from milex.errors import MilexError

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from milex.analysis.tracking import TrackerResult

STATUS_MARK = {
    "met": "[green]✓ met[/green]",
    "not met": "[red]✗ not met[/red]",
    "not applicable": "[dim]· n/a[/dim]",
    "no data": "[yellow]? no data[/yellow]",
    "at threshold (rounded in the source)": "[yellow]≈ at threshold (rounded in the source)[/yellow]",
}
SHORT_MARK = {
    "met": "[green]✓[/green]",
    "not met": "[red]✗[/red]",
    "not applicable": "[dim]·[/dim]",
    "no data": "[yellow]?[/yellow]",
    "at threshold (rounded in the source)": "[yellow]≈[/yellow]",
}
SHORT_NAMES = {"NATO": "NATO total", "NATO_EU_CA": "Europe+Canada", "USA": "United States"}
ASCENDING_BY_DEFAULT = {"rank", "year", "iso3", "country", "currency"}


def register(app: typer.Typer) -> None:
    app.command("tracker")(tracker_command)
    app.command("country")(country_command)


@handle_errors
def tracker_command(
    year: Annotated[
        int | None, typer.Option(help="Year (default: the newest with NATO figures).")
    ] = None,
    bloc: Annotated[str, typer.Option(help="NATO or NATO_EU_CA.")] = "NATO",
    sort: Annotated[str, typer.Option(help="Column to sort allies by.")] = "rank",
    ascending: Annotated[bool, typer.Option(help="Flip the default sort order.")] = False,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """Every ally against 2%, 20% equipment and the Hague 3.5%, with gaps in money and rank."""
    from milex.analysis.tracking import NO_FIGURE, summary_line, tracker

    _check_sort(sort)
    found = _sorted(tracker(year, bloc), sort, (sort in ASCENDING_BY_DEFAULT) != ascending)
    if format is TableFormat.table and output is None:
        console.print(_tracker_table(found.rows, found.summary))
        console.print(summary_line(found), highlight=False)
        console.print(found.summary["as_of"], highlight=False)
        for line in _secondary_sources(found.rows):
            console.print(line, highlight=False)
        for row in found.rows:  # allies without a figure are listed once, in the partial-year note
            if row["row_type"] == "ally" and row["note"] not in ("", NO_FIGURE):
                console.print(f"{row['country']}: {row['note']}", highlight=False)
        for check in found.summary["aggregate_checks"]:
            console.print(f"{check['iso3']}: {check['note']}", highlight=False)
        for note in found.summary["notes"]:
            console.print(f"note: {note}", highlight=False)
        for src in found.summary["sources"]:
            console.print(f"source: {src['citation']} (edition {src['edition']})", highlight=False)
        return
    meta = _json_meta({str(k): v for k, v in found.summary.items()})
    emit(found.frame(), format.value, output, "tracker", meta)


def _check_sort(column: str) -> None:
    """A sort column must be one of the tracker's, named before any figure is read."""
    from milex.analysis.tracking import COLUMNS

    if column not in COLUMNS:
        import difflib

        close = difflib.get_close_matches(column, COLUMNS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise MilexError(f"cannot sort by {column!r}{hint} (columns: {', '.join(COLUMNS)})")


def _sorted(found: TrackerResult, column: str, ascending: bool) -> TrackerResult:
    """Allies sorted by ``column`` (stable; no value last, either way), then the aggregates."""
    allies = [r for r in found.rows if r["row_type"] == "ally"]
    known = [r for r in allies if not _missing(r.get(column))]
    ordered = sorted(known, key=lambda r: r[column], reverse=not ascending)
    rows = [
        *ordered,
        *(r for r in allies if _missing(r.get(column))),
        *(r for r in found.rows if r["row_type"] != "ally"),
    ]
    return found.with_rows(rows)


def _money(value: Any) -> str:
    if _missing(value):
        return ""
    return f"{value:,.0f}"


def _pct(value: Any) -> str:
    if _missing(value):
        return ""
    return f"{value:.2f}"


def _tracker_table(records: list[dict[str, Any]], attrs: dict[str, Any]) -> FittedTable:
    """Allies then aggregates; fitted to the terminal, plain aligned text when piped."""
    headers: list[tuple[str, JustifyMethod]] = [
        ("#", "right"), ("Ally", "left"), ("%GDP", "right"), ("SIPRI", "right"),
        ("Eq%", "right"), ("2%", "center"), ("20%", "center"), ("3.5", "center"),
        ("Gap2%", "right"), ("Gap3.5%", "right"), ("Real%", "right"), ("Note", "left"),
    ]  # fmt: skip
    rows: list[list[str]] = []
    sections: set[int] = set()
    for row in records:
        aggregate = row["row_type"] == "aggregate"
        if aggregate and not sections:
            sections.add(len(rows))
        flags = flag_marks(row["flags"]) + (NATIONAL_LAW_MARK[0] * bool(row["national_2pct_law"]))
        rows.append([
            "" if _missing(row["rank"]) else str(int(row["rank"])),
            escape(SHORT_NAMES.get(row["iso3"], row["country"])),
            _pct(row["milex_pct_gdp"]),
            _pct(row["milex_pct_gdp_sipri"]),
            _pct(row["equipment_pct"]),
            *(
                "" if aggregate else SHORT_MARK.get(row[f"status_{rule}"], row[f"status_{rule}"])
                for rule in ("wales_2pct", "wales_20pct_equipment")
            ),
            "" if aggregate or _missing(row["milex_pct_gdp"])
            else SHORT_MARK.get(row["status_hague_core_3_5pct"], ""),
            _money(row["gap_2pct_usd_m"]),
            _money(row["gap_3_5pct_usd_m"]),
            _pct(row["real_change_pct"]),
            escape(flags if not aggregate else "sum"),
        ])  # fmt: skip
    covered = "" if not attrs.get("partial") else f" ({attrs['coverage']})"
    return FittedTable(
        title=f"NATO allies against the spending guidelines, {attrs['year']}{covered}",
        headers=[h for h, _ in headers],
        rows=rows,
        justify=[j for _, j in headers],
        numeric=[j == "right" and h != "Ally" for h, j in headers],
        caption="✓ met  ✗ not met  ≈ at threshold as rounded in the source  · not applicable  "
        "? no data. % of GDP: NATO's (share of real GDP); SIPRI's beside it, never merged. Gaps: "
        "USD m. 3.5: the Hague core target's level (adopted 2025, due 2035). Notes: "
        + mark_legend(("estimate", "secondary", "rounded"), law=True)
        + " (secondary sources listed below).",
        markup=True,
        sections=sections,
        gap=1,
    )


def _secondary_sources(records: list[dict[str, Any]]) -> list[str]:
    """'secondary: Denmark, Germany: <url>' for each URL a secondary figure came from."""
    by_url: dict[str, list[str]] = {}
    for row in records:
        if row["row_type"] != "ally":
            continue
        for url_key, flags_key in (("source_url", "flags"),
                                   ("equipment_source_url", "equipment_flags")):  # fmt: skip
            url = row.get(url_key)
            if url and "secondary" in (row.get(flags_key) or ""):
                names = by_url.setdefault(url, [])
                if row["country"] not in names:
                    names.append(row["country"])
    return [f"secondary ({', '.join(names)}): {url}" for url, names in by_url.items()]


def _json_meta(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k != "sources"} | {"sources": attrs["sources"]}


@handle_errors
def country_command(
    country: Annotated[str, typer.Argument(help="ISO3 code or name in any spelling.")],
    year: Annotated[int | None, typer.Option(help="Year for status and gaps.")] = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: OutputOption = None,
) -> None:
    """One ally: every NATO measure since 2014, SIPRI beside it, status, gaps, rank, Hague path."""
    from milex.analysis.profile import country_profile

    profile = country_profile(country, year)
    s = profile.status
    if format is not TableFormat.table or output is not None:
        meta = {"country": profile.iso3, "name": profile.name, "status": _jsonable(s),
                "notes": list(profile.notes), "sources": profile.sources()}  # fmt: skip
        emit(profile.measures, format.value, output, profile.name, meta)
        return
    console.print(f"[bold]{profile.name}[/bold] ({profile.iso3}), NATO ally since "
                  f"{profile.joined_nato}", highlight=False)  # fmt: skip
    rank = "" if _missing(s["rank"]) else f"rank {int(s['rank'])}, "
    share = (
        f"{_pct(s['milex_pct_gdp'])}% of GDP (NATO)"
        if not _missing(s["milex_pct_gdp"])
        else ("no NATO share of GDP")
    )
    equipment = (
        f"equipment {_pct(s['equipment_pct'])}%" if not _missing(s["equipment_pct"])
        else "no NATO equipment share"
    )  # fmt: skip
    console.print(
        f"{profile.year}: {share}, {rank}SIPRI "
        f"{_pct(s['milex_pct_gdp_sipri']) + '%' if _pct(s['milex_pct_gdp_sipri']) else 'n/a'}; "
        f"{equipment}",
        highlight=False,
    )
    console.print(f"  {profile.as_of}", highlight=False)
    if s.get("source_url") and "secondary" in (s.get("flags") or ""):
        console.print(f"  source of the share: {s['source_url']}", highlight=False)
    for rule, label in (("wales_2pct", "Wales 2%"), ("wales_20pct_equipment", "Wales 20% equipment"),
                        ("vilnius_2pct_floor", "Vilnius 2% floor"),
                        ("hague_core_3_5pct", "Hague 3.5% core")):  # fmt: skip
        console.print(f"  {label}: {STATUS_MARK.get(s[f'status_{rule}'], s[f'status_{rule}'])}")
    console.print(f"  {_gap_line(s, profile.name, profile.year)}", highlight=False)
    reach = profile.reach
    if reach.year is not None and reach.year <= (reach.newest_year or reach.base_year):
        console.print(f"  3.5%: reached in {reach.year} ({reach.note})", highlight=False)
    else:
        when = f"in {reach.year}" if reach.year else "not reached"
        console.print(f"  3.5% at recent trend: {when} ({reach.note})", highlight=False)
    console.print(_history_table(profile))
    for note in profile.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    for src in profile.sources():
        console.print(f"source: {src['citation']} (edition {src['edition']})", highlight=False)


def _gap_line(s: dict[str, Any], name: str, year: int) -> str:
    """The gaps in money, in national currency, US$ and euros (each once), or why there are none."""
    if _missing(s["milex_pct_gdp"]):
        return f"gaps: not computed: no NATO share of GDP for {name} in {year}"
    if _missing(s["gap_2pct_usd_m"]) and _missing(s["gap_2pct_lcu_m"]):
        return (
            f"gaps: not computed: NATO's {year} figures for {name} give its share of GDP but no "
            "spending in money"
        )
    parts = []
    for label in ("2pct", "3_5pct"):
        money = []
        for unit, code in (("lcu", s["currency"]), ("usd", "USD"), ("eur", "EUR")):
            value = s[f"gap_{label}_{unit}_m"]
            if not _missing(value) and (unit == "lcu" or code != s["currency"]):
                money.append(f"{_money(value)} {code} m")
        parts.append(f"gap to {label.replace('_', '.').replace('pct', '%')}: " + " = ".join(money))
    return "; ".join(parts)


HISTORY = (
    ("milex_pct_gdp", "nato", "% GDP", _pct),
    ("milex_pct_gdp", "sipri", "SIPRI", _pct),
    ("equipment_pct", "nato", "Equip %", _pct),
    ("milex_usd", "nato", "USD m", _money),
    ("milex_real_change_pct", "nato", "Real chg %", _pct),
    ("mil_personnel", "nato", "Personnel k", _pct),
)


def _history_table(profile: Any) -> Table:
    """Years down, key measures across: readable in an 80-column terminal."""
    m = profile.measures
    table = Table(title=f"{profile.name}: NATO figures, SIPRI beside", title_justify="left")
    table.add_column("Year")
    for _, _, header, _ in HISTORY:
        table.add_column(header, justify="right")
    for year in sorted(set(m["year"])):
        here = m[m["year"] == year]
        cells = []
        for measure, source, _, fmt in HISTORY:
            hit = here[(here["measure"] == measure) & (here["source"] == source)]
            cells.append(fmt(hit["value"].iloc[0]) if len(hit) else "")
        mark = flag_marks(";".join(here["flags"]), only=("estimate", "secondary"))
        share = here[(here["measure"] == "milex_pct_gdp") & (here["source"] == "nato")]
        definition = (
            (profile.definitions or {}).get(str(share["edition"].iloc[0])) if len(share) else None
        )
        mark += "c" if definition == "core defence expenditure" else ""
        table.add_row(f"{year}{mark}", *cells)
    table.caption = (
        mark_legend(("estimate", "secondary")) + "; c: NATO's core-defence definition (2026 "
        "edition). Full table: --format csv"
    )
    return table


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}

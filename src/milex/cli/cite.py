"""`milex cite`: how to cite milex, and every publisher edition behind a result.

Without a result it lists milex itself and every source edition in the snapshot. With a result
(``milex cite tracker --year 2026``, or ``--for tracker``) it computes that result as its command
would with default options and lists only the editions it used and the URL of every secondary
figure in it, so a published figure can be cited and checked exactly. The milex entry agrees
with ``CITATION.cff`` (a test keeps them in step).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from milex.cli.common import console, handle_errors
from milex.errors import MilexError
from milex.present.provenance import milex_citation

if TYPE_CHECKING:
    from milex.data.store import Dataset

RESULTS = ("tracker", "burden", "reconcile", "compare")


def register(app: typer.Typer) -> None:
    app.command("cite")(cite_command)


def editions_for(ds: Dataset, result: str | None, year: int | None) -> list[dict[str, str]]:
    """Citations of the source editions a result uses (every edition when ``result`` is None)."""
    return cited(ds, result, year)[0]


def cited(
    ds: Dataset, result: str | None, year: int | None
) -> tuple[list[dict[str, str]], list[str]]:
    """The editions a result used (every edition when ``result`` is None) and the URL of every
    secondary figure in it, each once: what a journalist credits and where a reader checks."""
    if result is None:
        if year is not None:
            raise MilexError(
                "--year needs a result to cite: milex cite RESULT --year Y (or --for RESULT), "
                "RESULT one of " + ", ".join(RESULTS)
            )
        every = ((s["source"], s["edition"]) for s in ds.package.get("sources", []))
        return ds.citations(every), []
    if result not in RESULTS:
        raise MilexError(f"cannot cite {result!r}; cite one of {', '.join(RESULTS)}")
    if result == "tracker":
        from milex.analysis.tracking import tracker

        found = tracker(year, dataset=ds)
        return found.sources(), list(found.summary["source_urls"])
    return ds.citations(_used(ds, result, year)), []


def _used(ds: Dataset, result: str, year: int | None) -> set[tuple[str, str]]:
    if result == "burden":
        from milex.analysis.burden import burden_sharing

        year = year or ds.latest_year("milex_pct_gdp", "nato")
        return set(burden_sharing(ds, (year, year)).editions_used)
    if result == "reconcile":
        from milex.analysis.reconcile import reconcile

        year = year or min(ds.latest_year("milex_pct_gdp", s) for s in ("nato", "sipri"))
        return set(reconcile(ds, year).editions_used)
    from milex.analysis.balance import threat_balance

    return set(threat_balance(ds, years=year).editions_used)


@handle_errors
def cite_command(
    result: Annotated[
        str | None,
        typer.Argument(
            help=f"The result to cite: {', '.join(RESULTS)} (as --for).", show_default=False
        ),
    ] = None,
    for_: Annotated[
        str | None,
        typer.Option("--for", help=f"Only the editions behind one result: {', '.join(RESULTS)}."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="The result's year (with --for).")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """How to cite milex and each publisher edition used (all, or those behind one result)."""
    import milex

    if result and for_ and result != for_:
        raise MilexError(f"cite one result: {result!r} or --for {for_!r}, not both")
    for_ = for_ or result
    ds = milex.load()
    sources, urls = cited(ds, for_, year)
    software = milex_citation()
    if json_:
        payload: dict[str, Any] = {"software": software, "sources": sources,
                                   "secondary_urls": urls}  # fmt: skip
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    console.print(f"Cite milex as: {software['citation']}.", highlight=False, markup=False)
    scope = f"behind milex {for_}" + (f" {year}" if year else "") if for_ else "in this snapshot"
    console.print(f"Cite the data {scope}:", highlight=False, markup=False)
    for src in sources:
        line = src.get("citation", src["source"])
        extra = "; ".join(x for x in (src.get("url", ""), src.get("licence", "")) if x)
        console.print(
            f"- {line} [{src['source']}, edition {src['edition']}]"
            + (f"; {extra}" if extra else ""),
            highlight=False,
            markup=False,
        )
    if urls:
        console.print(
            "Secondary figures (NATO's, as reported; check each at its source):",
            highlight=False, markup=False,
        )  # fmt: skip
        for url in urls:
            console.print(f"- {url}", highlight=False, markup=False)

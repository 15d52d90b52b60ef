"""`milex cite`: how to cite milex, and every publisher edition behind a result.

Without ``--for`` it lists milex itself and every source edition in the snapshot. With ``--for
tracker|burden|reconcile|compare`` (and ``--year``) it computes that result as its command would
with default options and lists only the editions it used, so a published figure can be cited
exactly. The milex entry agrees with ``CITATION.cff`` (a test keeps them in step).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from milex.cli.common import console, handle_errors
from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.store import Dataset

TITLE = "milex: an open workbench for NATO defence-spending data, commitments and projections"
AUTHORS = "the milex developers"
LICENCE = "MIT"
RESULTS = ("tracker", "burden", "reconcile", "compare")


def register(app: typer.Typer) -> None:
    app.command("cite")(cite_command)


def milex_citation() -> dict[str, str]:
    """The software citation: authors, title, version, licence (as in CITATION.cff)."""
    from milex import __version__

    return {
        "authors": AUTHORS,
        "title": TITLE,
        "version": __version__,
        "licence": LICENCE,
        "citation": f"{AUTHORS[0].upper()}{AUTHORS[1:]}, {TITLE}, version {__version__} "
        f"({LICENCE} licence)",
    }


def editions_for(ds: Dataset, result: str | None, year: int | None) -> list[dict[str, str]]:
    """Citations of the source editions a result uses (every edition when ``result`` is None)."""
    if result is None:
        if year is not None:
            raise MilexError("--year needs --for (one of " + ", ".join(RESULTS) + ")")
        return ds.citations((s["source"], s["edition"]) for s in ds.package.get("sources", []))
    if result not in RESULTS:
        raise MilexError(f"cannot cite {result!r}; use --for one of {', '.join(RESULTS)}")
    used = _used(ds, result, year)
    return ds.citations(used)


def _used(ds: Dataset, result: str, year: int | None) -> set[tuple[str, str]]:
    if result == "tracker":
        from milex.tracking import tracker

        frame = tracker(year, dataset=ds)
        return {(s["source"], s["edition"]) for s in frame.attrs["sources"]}
    if result == "burden":
        from milex.burden import burden_sharing

        year = year or ds.latest_year("milex_pct_gdp", "nato")
        return set(burden_sharing(ds, (year, year)).sources)
    if result == "reconcile":
        from milex.reconcile import reconcile

        year = year or min(ds.latest_year("milex_pct_gdp", s) for s in ("nato", "sipri"))
        return set(reconcile(ds, year).sources)
    from milex.balance import threat_balance

    return set(threat_balance(ds, years=year).sources)


@handle_errors
def cite_command(
    for_: Annotated[
        str | None,
        typer.Option("--for", help=f"Only the editions behind one result: {', '.join(RESULTS)}."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="The result's year (with --for).")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """How to cite milex and each publisher edition used (all, or those behind one result)."""
    import milex

    ds = milex.load()
    sources = editions_for(ds, for_, year)
    software = milex_citation()
    if json_:
        payload: dict[str, Any] = {"software": software, "sources": sources}
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
            soft_wrap=True,
        )

"""`milex data ...` and `milex series`: the snapshot and raw queries over it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from milex.cli.common import (
    ExportFormat,
    TableFormat,
    console,
    emit,
    err_console,
    handle_errors,
    rich_table,
    sources_meta,
)
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.update import UpdateResult

data_app = typer.Typer(
    help="The bundled data snapshot: status, build, export.", no_args_is_help=True
)
DEFAULT_RAW = Path("../shared/data/raw")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
    app.command("series")(series)


# ----------------------------------------------------------------------------------------------
@data_app.command("status")
@handle_errors
def data_status() -> None:
    """Snapshot location, editions, provenance and figure counts by source."""
    import milex
    from milex.data.update import choose_snapshot

    ds = milex.load()
    pkg = ds.package
    console.print(
        f"snapshot: {ds.path} (sha256 verified; {choose_snapshot()[1]})",
        highlight=False,
    )
    console.print(f"SIPRI figures: {pkg['sipri_figures']} of {pkg['sipri_limit']} allowed")
    console.print(editions_table(pkg))
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
        )
    console.print(rich_table(ds.status(), "Figures by source and edition"))
    receipts = receipts_frame(pkg)
    if not receipts.empty:
        console.print(rich_table(receipts, "Receipts: the publishers' own identities, per edition"))


def editions_table(package: dict[str, Any]) -> Any:
    """The edition watch: per source, the edition in use, its date and age, and what is due."""
    import pandas as pd

    from milex.data.update import _watch as watch

    rows = [r.record() for r in watch.edition_status(package)]
    return rich_table(pd.DataFrame(rows), "Editions in use")


def _pages(values: list[str] | None) -> dict[str, str]:
    """--page nato=URL ... as a dict, each name checked."""
    from milex.data.update import PUBLISHERS

    pages = {}
    for value in values or []:
        name, sep, url = value.partition("=")
        if not sep or name not in PUBLISHERS or not url:
            raise MilexError(
                f"--page {value!r}: give PUBLISHER=URL, PUBLISHER one of {', '.join(PUBLISHERS)}"
            )
        pages[name] = url
    return pages


PAGE_HELP = "PUBLISHER=URL: another start page or API base (a mirror); repeatable."


def _update_kiel(origin: str | None, page: list[str] | None, output: Path | None) -> None:
    """`data update --source kiel`: the memo table of military aid to Ukraine (Kiel)."""
    from milex.data.sources.kiel import CITATION
    from milex.data.update._kiel import update_kiel

    start = None
    for value in page or []:
        name, sep, url = value.partition("=")
        if name != "kiel" or not sep or not url:
            raise MilexError(f"--page {value!r}: with --source kiel give kiel=URL")
        start = url
    with err_console.status("fetching the Ukraine Support Tracker"):
        done = update_kiel(origin=origin, page=start, out_dir=output)
    release = f"release {done.release}" if done.release else "release not named in the file"
    console.print(
        f"wrote military aid to Ukraine for {done.donors} donors ({CITATION}, {release}) to "
        f"{done.path}: a memo line beside NATO's figures, never added to them. From {done.url}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


def receipts_frame(package: dict[str, Any]) -> pd.DataFrame:
    """One row per receipt in a descriptor: edition, check, passed/failed, counts and where."""
    import pandas as pd

    rows = []
    for src in package.get("sources", []):
        for rec in src.get("receipts", []):
            where = "; ".join(
                f"{f['iso3']} {f['year']}{' ' + f['measure'] if f.get('measure') else ''} "
                f"({f['cells']}: {f['published']:g} vs {f['computed']:g})"
                for f in rec["failures"][:3]
            )
            more = rec["failed"] - min(3, len(rec["failures"]))
            rows.append(
                {
                    "source": src["source"],
                    "edition": src["edition"],
                    "check": rec["check"],
                    "status": rec["status"],
                    "checked": rec["checked"],
                    "failed": rec["failed"],
                    "where": where + (f"; and {more} more" if more > 0 else ""),
                }
            )
    return pd.DataFrame(
        rows, columns=["source", "edition", "check", "status", "checked", "failed", "where"]
    )


@data_app.command("build")
@handle_errors
def data_build(
    raw: Annotated[Path, typer.Option(help="Directory of raw publisher files.")] = DEFAULT_RAW,
    output: Annotated[Path | None, typer.Option(help="Write here instead of the package.")] = None,
    full_sipri: Annotated[
        bool, typer.Option(help="Keep every SIPRI figure (local use; needs --output).")
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            help="Allow shrinks: a source or edition losing over 5% of its figures, an edition "
            "gone or relabelled, a country's series or a year's figures gone, SIPRI colour "
            "flags lost. Scale and range checks still apply."
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            help="Stop on a NATO workbook in RAW/nato/ that cannot be read (else skip it)."
        ),
    ] = False,
) -> None:
    """Parse the raw publisher files, check them, and commit the snapshot atomically."""
    import warnings

    from rich.progress import Progress

    from milex.data import bundle, snapshot

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with Progress(console=err_console, transient=True) as progress:
                task = progress.add_task("parsing", total=9)

                def step(name: str) -> None:
                    progress.update(task, advance=1, description=f"parsing {name}")

                package = snapshot.build(
                    raw,
                    output,
                    progress=step,
                    full_sipri=full_sipri,
                    allow_shrink=allow_shrink,
                    strict=strict,
                )
        finally:  # what was read around (a skipped workbook, a missing figure), said once each
            for message in dict.fromkeys(str(w.message) for w in caught):
                err_console.print(f"warning: {message}", highlight=False)
    target = output or bundle.package_dir()
    console.print(
        f"wrote {package['resources'][0]['rows']} observations "
        f"({package['sipri_figures']} SIPRI) to {target}"
    )


@data_app.command("update")
@handle_errors
def data_update(
    source: Annotated[
        str, typer.Option(help="nato, sipri, imf, worldbank or all; kiel (a memo line apart).")
    ] = "all",
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="A local file or URL instead of discovery (with --source all: one publisher's file).",
        ),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", hidden=True)] = None,
    output: Annotated[
        Path | None, typer.Option(help="Snapshot directory (default: your user data directory).")
    ] = None,
    keep_raw: Annotated[
        Path | None, typer.Option(help="Also save the downloaded publisher files here.")
    ] = None,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            help="Commit even if figures shrink: an edition gone or relabelled, a series, a "
            "year or SIPRI colour flags lost, a source down over 5%."
        ),
    ] = False,
    edition: Annotated[
        str | None,
        typer.Option(
            help="IMF only: the WEO vintage to fetch ('WEO 2026-04'; default: the newest "
            "published), or the label of a --from file that carries no date."
        ),
    ] = None,
    page: Annotated[list[str] | None, typer.Option(help=PAGE_HELP)] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Seconds the whole update may take, every download together (default: "
            "$MILEX_UPDATE_DEADLINE_S, else 900).",
        ),
    ] = None,
) -> None:
    """Fetch each publisher's newest edition, check it and commit it beside the other editions.

    --source kiel reads the Kiel Institute's Ukraine Support Tracker (its newest workbook, found
    on its page) into a memo table beside your snapshot: military aid to Ukraine by donor, never
    added to NATO's figures.
    """
    if source == "kiel":
        _update_kiel(from_ or url, page, output)
        return
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from milex.data import update
    from milex.data.update._download import Limits

    origin = from_ or url
    if url and source == "all":
        source = "sipri"  # the old --url option fetched SIPRI's workbook
    with Progress(
        *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("discovering", total=None)

        def step(label: str, done: int, total: int | None) -> None:
            name = label.rsplit("/", 1)[-1].split("?")[0][:40]
            bar.update(task, completed=done, total=total, description=name)

        result = update.update(
            source, origin=origin, out_dir=output, keep_raw=keep_raw,
            allow_shrink=allow_shrink, progress=step, edition=edition, pages=_pages(page),
            limits=None if deadline is None else Limits(deadline=deadline),
        )  # fmt: skip
    _print_update(result)


def _print_update(result: UpdateResult) -> None:
    """What an update committed, where, and what the user may do with it."""
    from milex.data import update

    console.print(result.summary(), highlight=False)
    package = result.package
    note = (
        " It holds SIPRI's full workbook: for local use only, do not redistribute it."
        if package.get("sipri_limit") is None
        else ""
    )
    console.print(
        f"wrote {package['resources'][0]['rows']} observations to {result.target}. "
        f"milex.load() reads it by default (or set {update.ENV_DATA_DIR}={result.target})." + note,
        highlight=False,
    )
    for path in result.kept:
        console.print(f"kept {path}", highlight=False)


@data_app.command("check")
@handle_errors
def data_check(
    source: Annotated[str, typer.Option(help="nato, sipri, imf, worldbank or all.")] = "all",
    page: Annotated[list[str] | None, typer.Option(help=PAGE_HELP)] = None,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
) -> None:
    """Ask each publisher whether a newer edition is out (listings and HEAD only, no download)."""
    import milex
    from milex.data.update import PUBLISHERS
    from milex.data.update import _watch as watch

    names = list(PUBLISHERS) if source == "all" else [source]
    if any(n not in PUBLISHERS for n in names):
        raise MilexError(f"unknown source {source}; choose from all, {', '.join(PUBLISHERS)}")
    with err_console.status("asking the publishers"):
        checks = watch.check(milex.load().package, names, pages=_pages(page))
    if format is not TableFormat.table:
        import pandas as pd

        emit(pd.DataFrame([c.record() for c in checks]), format.value, None, "Editions")
        return
    import pandas as pd

    frame = pd.DataFrame([c.record() for c in checks])
    console.print(rich_table(frame[["source", "status", "in use", "publisher has"]], "Editions"))
    for c in checks:
        what = f"`data update` would fetch {c.fetch}" if c.fetch else ""
        line = "; ".join(x for x in (c.why, what) if x)
        console.print(f"{c.source}: {line}", highlight=False, markup=False)


@data_app.command("diff")
@handle_errors
def data_diff(
    old: Annotated[
        str | None,
        typer.Argument(
            help="Snapshot directory or edition label (default: the previous snapshot)."
        ),
    ] = None,
    new: Annotated[
        str | None,
        typer.Argument(help="Snapshot directory or edition label (default: the current snapshot)."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    measure: Annotated[str | None, typer.Option(help="Only this measure.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows shown in the table format.")] = 30,
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """What a new snapshot or edition revised, added and removed, largest revisions first.

    With no arguments: the snapshot the last commit replaced against the current one. OLD and NEW
    are snapshot directories, or two edition labels of the current snapshot.
    """
    import milex
    from milex.data import diff, snapshot

    current = milex.load().path.parent
    sides = [x for x in (old, new) if x is not None]
    dirs = [Path(x).is_dir() for x in sides]
    if not sides:
        if not (current / snapshot.PREVIOUS).is_file():
            raise MilexError(
                f"no previous snapshot in {current}: only a commit outside the package keeps one "
                "(the bundled snapshot's history is in git); pass OLD and NEW"
            )
        result = diff.compare(
            diff.Snapshot.read(current, previous=True),
            diff.Snapshot.read(current),
            source=source,
            measure=measure,
        )
    elif all(dirs):
        later = new if new is not None else current
        result = diff.compare(
            diff.Snapshot.read(sides[0]), diff.Snapshot.read(later), source=source, measure=measure
        )
    elif len(sides) == 2 and not any(dirs):
        result = diff.compare_editions(
            diff.Snapshot.read(current), sides[0], sides[1], source=source, measure=measure
        )
    else:
        raise MilexError(
            "OLD and NEW must both be snapshot directories or both edition labels of the current "
            f"snapshot; not a directory: {', '.join(x for x, d in zip(sides, dirs, strict=True) if not d)}"
        )
    frame = result.frame()
    meta = {
        "old": result.old_label,
        "new": result.new_label,
        "definition_breaks": [
            {k: getattr(p, k) for k in ("source", "old_edition", "new_edition",
                                        "old_definition", "new_definition")}
            for p in result.breaks
        ],
    }  # fmt: skip
    if format is TableFormat.table and output is None:
        console.print(result.summary(), highlight=False)
        if not frame.empty:
            rank = frame["change"].map({"revised": 0, "added": 1, "removed": 2})
            shown = frame.iloc[rank.argsort(kind="stable")].drop(
                columns=["unit", "flags", "origin", "definition_break"]
            )
            console.print(rich_table(shown.head(limit), f"Revisions first (first {limit} rows)"))
        return
    emit(frame, format.value, output, "Changes", meta)


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
    from milex.present import export

    ds = milex.load()
    if measure:
        frame = ds.series(measure, source=source, edition="all")
    else:
        frame = ds.observations()
        if source:
            frame = frame[frame["source"] == source]
    written = export.write(frame, output, format.value if format else None, sources_meta(ds, frame))
    err_console.print(f"wrote {len(frame)} rows to {written}")


@data_app.command("measures")
@handle_errors
def data_measures(
    format: Annotated[TableFormat, typer.Option(help="Output format.")] = TableFormat.table,
) -> None:
    """Every measure id with its unit, definition and publishers."""
    import pandas as pd

    from milex.data.schema import MEASURES

    frame = pd.DataFrame([vars(m) for m in MEASURES])
    emit(frame, format.value, None, "Measures")


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
        for src in sources_meta(ds, frame)["sources"]:
            console.print(
                f"source: {src['citation']}; edition {src['edition']}",
                highlight=False,
            )
        return
    emit(frame, format.value, output, measure, sources_meta(ds, frame))

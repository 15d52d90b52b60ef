"""Shrink checks against the snapshot being replaced: counts that cannot be dodged, flags that stay.

A figure count is compared per source, per (source, edition), per (source, country, measure) series
and per (source, measure, year) slice, so neither a whole edition (NATO's 2026 figures), nor one
country's series (every IMF figure for the USA), nor one year of a table (World Bank GDP for 2020)
can vanish inside a tolerance meant for the whole source. An edition that is gone, or that reappears
under another label, is a shrink too. SIPRI's estimate/uncertain flags are counted per edition
against the previous snapshot; against the workbook's own legend they are checked where the legend
is read, sheet by sheet, by the parser (milex.data.sources.sipri.check_legend).
Every shrink is an error unless the caller passes ``--allow-shrink``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from milex.data.checks._base import Violation

if TYPE_CHECKING:
    import pandas as pd

SHRINK_THRESHOLD = 0.05
#: A (source, measure, year) slice may lose this share of its figures (publishers revise coverage).
SLICE_THRESHOLD = 0.5
#: Slices smaller than this in the previous snapshot are not compared (a handful of secondary figures).
SLICE_MIN = 10
#: A SIPRI workbook edition keeps at least this share of the previous edition's flagged share.
FLAG_THRESHOLD = 0.5
#: Flags whose vanishing is a shrink, by source: SIPRI's font colours.
COLOUR_FLAGS = {"sipri": ("estimate", "uncertain")}
ALLOW = "pass --allow-shrink if this is intended"


def _counts(obs: pd.DataFrame, by: list[str]) -> dict[tuple[str, ...], int]:
    sizes = obs.groupby(by, observed=True).size()
    keys = sizes.index.to_flat_index()
    return {
        (tuple(str(k) for k in key) if isinstance(key, tuple) else (str(key),)): int(n)
        for key, n in zip(keys, sizes, strict=True)
    }


def _file(files: Mapping[tuple[str, str], str], source: str) -> str:
    return ", ".join(sorted({f for (s, _), f in files.items() if s == source and f})) or source


def count_violations(
    obs: pd.DataFrame,
    previous: pd.DataFrame,
    files: Mapping[tuple[str, str], str],
    threshold: float = SHRINK_THRESHOLD,
) -> list[Violation]:
    """Every shrink against the previous snapshot: source, edition, series, year slice."""
    return [
        *_source_shrinks(obs, previous, files, threshold),
        *_edition_shrinks(obs, previous, files, threshold),
        *_series_losses(obs, previous, files),
        *_slice_losses(obs, previous, files),
    ]


def _source_shrinks(
    obs: pd.DataFrame, previous: pd.DataFrame, files: Mapping[tuple[str, str], str], t: float
) -> list[Violation]:
    out = []
    new, old = _counts(obs, ["source"]), _counts(previous, ["source"])
    for (source,), before in old.items():
        after = new.get((source,), 0)
        if after < before * (1 - t):
            out.append(
                Violation(
                    "count",
                    _file(files, source),
                    f"{source}: {after} figures, {before} in the previous snapshot "
                    f"({(after - before) / before:+.1%}); {ALLOW}",
                )
            )
    return out


def _edition_shrinks(
    obs: pd.DataFrame, previous: pd.DataFrame, files: Mapping[tuple[str, str], str], t: float
) -> list[Violation]:
    out = []
    new, old = _counts(obs, ["source", "edition"]), _counts(previous, ["source", "edition"])
    for (source, edition), before in old.items():
        after = new.get((source, edition), 0)
        if after >= before * (1 - t):
            continue
        where = files.get((source, edition)) or _file(files, source)
        if after:
            message = f"{after} figures, {before} in the previous snapshot"
            message += f" ({(after - before) / before:+.1%})"
        else:
            added = sorted(e for (s, e) in new if s == source and (s, e) not in old)
            message = f"gone ({before} figures in the previous snapshot)"
            if added:
                message += f"; new label(s) {added}: an edition label that changed?"
        out.append(Violation("count", where, f"{source} edition {edition!r}: {message}; {ALLOW}"))
    return out


def _series_losses(
    obs: pd.DataFrame, previous: pd.DataFrame, files: Mapping[tuple[str, str], str]
) -> list[Violation]:
    by = ["source", "iso3", "measure"]
    new, old = _counts(obs, by), _counts(previous, by)
    lost: dict[tuple[str, str], list[str]] = {}
    for (source, iso3, measure), before in old.items():
        if (source, iso3, measure) not in new:
            lost.setdefault((source, iso3), []).append(f"{measure} ({before})")
    return [
        Violation(
            "count",
            _file(files, source),
            f"{source}: every figure for {iso3} is gone in {', '.join(sorted(measures))} "
            f"(figures in the previous snapshot in brackets); {ALLOW}",
        )
        for (source, iso3), measures in sorted(lost.items())
    ]


def _slice_losses(
    obs: pd.DataFrame, previous: pd.DataFrame, files: Mapping[tuple[str, str], str]
) -> list[Violation]:
    by = ["source", "measure", "year"]
    new, old = _counts(obs, by), _counts(previous, by)
    out = []
    for (source, measure, year), before in sorted(old.items()):
        after = new.get((source, measure, year), 0)
        if before >= SLICE_MIN and after < before * (1 - SLICE_THRESHOLD):
            out.append(
                Violation(
                    "count",
                    _file(files, source),
                    f"{source} {measure} {year}: {after} figures, {before} in the previous "
                    f"snapshot; {ALLOW}",
                )
            )
    return out


def _flag_counts(obs: pd.DataFrame, source: str, flag: str) -> dict[str, tuple[int, int]]:
    """edition -> (figures flagged ``flag``, figures) for one source."""
    rows = obs[obs["source"] == source]
    has = rows["flags"].str.split(";").map(lambda f: flag in f)
    flagged = has.groupby(rows["edition"]).sum()
    total = rows.groupby("edition").size()
    return {str(e): (int(flagged.get(e, 0)), int(n)) for e, n in total.items()}


def flag_violations(
    obs: pd.DataFrame,
    previous: pd.DataFrame | None,
    files: Mapping[tuple[str, str], str],
) -> list[Violation]:
    """Colour flags that vanished against the previous snapshot (the workbook's legend is the
    parser's to check: milex.data.sources.sipri.check_legend)."""
    out: list[Violation] = []
    if previous is None:
        return out
    for source, flags in COLOUR_FLAGS.items():
        secondary = {e for e, (n, _) in _flag_counts(obs, source, "secondary").items() if n}
        for flag in flags:
            now = _flag_counts(obs, source, flag)
            before = _flag_counts(previous, source, flag)
            out += _flag_shrinks(source, flag, now, before, files, secondary)
    return out


def _flag_shrinks(
    source: str,
    flag: str,
    now: Mapping[str, tuple[int, int]],
    before: Mapping[str, tuple[int, int]],
    files: Mapping[tuple[str, str], str],
    secondary: set[str],
) -> list[Violation]:
    """An edition (or its successor) whose share of ``flag`` fell below FLAG_THRESHOLD of before."""
    out: list[Violation] = []
    old_flagged = sum(n for n, _ in before.values())
    if not old_flagged:
        return out
    old_share = old_flagged / max(1, sum(t for n, t in before.values() if n))
    for edition, (n, total) in now.items():
        was = before.get(edition)
        expected = was[0] if was else old_share * total
        if was is None and edition in secondary:
            continue
        if n < expected * (1 - (SHRINK_THRESHOLD if was else FLAG_THRESHOLD)) and expected >= 1:
            out.append(
                Violation(
                    "flags",
                    files.get((source, edition)) or f"{source} {edition}",
                    f"{source} edition {edition!r}: {n} figures marked {flag!r}, "
                    f"{expected:.0f} expected from the previous snapshot; {ALLOW}",
                )
            )
    return out

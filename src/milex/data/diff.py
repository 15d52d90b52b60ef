"""What a new snapshot or edition revised, added and removed: ``compare(old, new) -> DiffResult``.

Two snapshots are compared edition by edition. An edition in both is compared figure by figure on
(iso3, year, measure). An edition only in the new snapshot is compared with its predecessor: the
newest edition of the same source that the new snapshot dropped, else the newest one in the old
snapshot (so a new NATO edition shows what it revised against the one before). Two editions of
one snapshot can be compared directly (``compare_editions``).

When the two editions' definitions differ (each edition's ``definition`` in datapackage.json, e.g.
"defence expenditure" and "core defence expenditure"), the pair is a definition break: recorded on
the result and on every row, never hidden; a missing definition counts as unknown, not a break.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

MATCH = ("iso3", "year", "measure")
COLUMNS = (
    "change",
    "source",
    "old_edition",
    "new_edition",
    "measure",
    "iso3",
    "year",
    "old_value",
    "new_value",
    "difference",
    "difference_pct",
    "unit",
    "flags",
    "origin",
    "definition_break",
)
RTOL = 1e-9


@dataclass(frozen=True)
class Snapshot:
    """One side of a comparison: observations, source entries (for definitions) and a label."""

    observations: pd.DataFrame
    sources: list[dict[str, Any]] = field(default_factory=list)
    label: str = ""

    @classmethod
    def read(cls, directory: str | Path, *, previous: bool = False) -> Snapshot:
        """The snapshot in a directory (or the one its last commit replaced, ``previous=True``)."""
        import pandas as pd

        from milex.data.bundle import DATAPACKAGE
        from milex.data.snapshot import PREVIOUS, read_package

        name = PREVIOUS if previous else DATAPACKAGE
        path, package = read_package(Path(directory), descriptor=name)
        label = f"{directory}{' (previous)' if previous else ''}"
        return cls(pd.read_parquet(path), list(package.get("sources", [])), label)

    def definition(self, source: str, edition: str) -> str | None:
        for entry in self.sources:
            if entry.get("source") == source and entry.get("edition") == edition:
                found = entry.get("definition")
                return str(found) if found else None
        return None

    def published(self, source: str, edition: str) -> str:
        """A sort key for how new an edition is: its published date if known, else its label."""
        for entry in self.sources:
            if entry.get("source") == source and entry.get("edition") == edition:
                return str(entry.get("published") or entry.get("retrieved") or edition)
        return edition


@dataclass(frozen=True)
class Pair:
    """Two editions compared, and whether their definitions differ."""

    source: str
    old_edition: str | None
    new_edition: str | None
    old_definition: str | None = None
    new_definition: str | None = None
    persists: bool = False  # the old edition stays in the new snapshot: nothing was removed

    @property
    def definition_break(self) -> bool:
        known = self.old_definition and self.new_definition
        return bool(known and self.old_definition != self.new_definition)


@dataclass(frozen=True)
class DiffResult:
    """Revised, added and removed figures, largest revisions first within source/edition/measure."""

    old_label: str
    new_label: str
    rows: pd.DataFrame
    pairs: tuple[Pair, ...]

    @property
    def breaks(self) -> list[Pair]:
        return [p for p in self.pairs if p.definition_break]

    def frame(self) -> pd.DataFrame:
        return self.rows.copy()

    def counts(self) -> pd.DataFrame:
        """Revised/added/removed counts per source, edition pair and measure."""
        import pandas as pd

        keys = ["source", "old_edition", "new_edition", "measure"]
        if self.rows.empty:
            return pd.DataFrame(columns=[*keys, "revised", "added", "removed"])
        table = (
            self.rows.assign(n=1)
            .pivot_table(index=keys, columns="change", values="n", aggfunc="sum", fill_value=0)
            .reindex(columns=["revised", "added", "removed"], fill_value=0)
            .reset_index()
        )
        table.columns.name = None
        return table

    def summary(self, *, top: int = 3) -> str:
        """A few lines a person reads after an update: counts per edition pair, biggest changes."""
        lines = [f"changes from {self.old_label} to {self.new_label}:"]
        if self.rows.empty:
            return lines[0] + " none"
        for pair in self.pairs:
            part = self._pair_rows(pair)
            if part.empty:
                continue
            n = part["change"].value_counts()
            what = (
                f"{pair.old_edition} -> {pair.new_edition}"
                if pair.old_edition and pair.new_edition
                else (pair.new_edition or pair.old_edition)
            )
            lines.append(
                f"- {pair.source} {what}: {n.get('revised', 0)} revised, "
                f"{n.get('added', 0)} added, {n.get('removed', 0)} removed"
            )
            if pair.definition_break:
                lines.append(
                    f"  definition break: {pair.old_definition!r} -> {pair.new_definition!r} "
                    "(figures are not comparable as a series)"
                )
            for rec in part[part["change"] == "revised"].head(top).itertuples(index=False):
                share = float(rec.difference_pct)  # type: ignore[arg-type]
                pct = f", {share:+.1f}%" if share == share else ""
                lines.append(
                    f"  {rec.iso3} {rec.year} {rec.measure}: {rec.old_value:g} -> "
                    f"{rec.new_value:g} ({rec.difference:+g}{pct})"
                )
        return "\n".join(lines)

    def _pair_rows(self, pair: Pair) -> pd.DataFrame:
        rows = self.rows
        mask = rows["source"] == pair.source
        mask &= rows["old_edition"].fillna("").eq(pair.old_edition or "")
        mask &= rows["new_edition"].fillna("").eq(pair.new_edition or "")
        return rows[mask]


def _editions(obs: pd.DataFrame) -> set[tuple[str, str]]:
    return {(str(s), str(e)) for s, e in obs[["source", "edition"]].drop_duplicates().values}


def pair_editions(old: Snapshot, new: Snapshot) -> list[Pair]:
    """Which edition of the old snapshot each edition of the new one is compared with."""
    before, after = _editions(old.observations), _editions(new.observations)
    pairs: list[tuple[str, str | None, str | None, bool]] = [
        (s, e, e, True) for s, e in sorted(before & after)
    ]
    used: set[tuple[str, str]] = set()
    for source, edition in sorted(after - before, key=lambda k: new.published(*k)):
        gone = sorted(
            (k for k in before - after if k[0] == source and k not in used),
            key=lambda k: old.published(*k),
        )
        kept = sorted(
            (k for k in before & after if k[0] == source), key=lambda k: old.published(*k)
        )
        if gone:
            used.add(gone[-1])
            pairs.append((source, gone[-1][1], edition, False))
        elif kept:
            pairs.append((source, kept[-1][1], edition, True))
        else:
            pairs.append((source, None, edition, False))
    pairs += [(s, e, None, False) for s, e in sorted(before - after - used)]
    return [
        Pair(
            source,
            old_ed,
            new_ed,
            old.definition(source, old_ed) if old_ed else None,
            new.definition(source, new_ed) if new_ed else None,
            persists,
        )
        for source, old_ed, new_ed, persists in pairs
    ]


def _side(obs: pd.DataFrame, source: str, edition: str | None) -> pd.DataFrame:
    if edition is None:
        return obs.iloc[0:0]
    return obs[(obs["source"] == source) & (obs["edition"] == edition)]


def _compare_pair(old: pd.DataFrame, new: pd.DataFrame, pair: Pair) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    cols = [*MATCH, "value", "unit", "flags", "origin"]
    merged = pd.merge(
        _side(old, pair.source, pair.old_edition)[cols],
        _side(new, pair.source, pair.new_edition)[cols],
        on=list(MATCH),
        how="outer",
        suffixes=("_old", "_new"),
        indicator=True,
    )
    a, b = merged["value_old"].to_numpy(float), merged["value_new"].to_numpy(float)
    both = (merged["_merge"] == "both").to_numpy()
    revised = both & ~np.isclose(a, b, rtol=RTOL, atol=0.0, equal_nan=True)
    change = np.select(
        [
            revised,
            (merged["_merge"] == "right_only").to_numpy(),
            (merged["_merge"] == "left_only").to_numpy(),
        ],
        ["revised", "added", "removed"],
        default="",
    )
    keep = change != ""
    if pair.persists:
        keep &= change != "removed"
    out = merged[keep]
    change = change[keep]
    difference = out["value_new"] - out["value_old"]
    old_abs = out["value_old"].abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(old_abs > 0, difference / old_abs * 100, np.nan)
    frame = pd.DataFrame(
        {
            "change": change,
            "source": pair.source,
            "old_edition": pair.old_edition,
            "new_edition": pair.new_edition,
            "measure": out["measure"].to_numpy(),
            "iso3": out["iso3"].to_numpy(),
            "year": out["year"].to_numpy(),
            "old_value": out["value_old"].to_numpy(),
            "new_value": out["value_new"].to_numpy(),
            "difference": difference.to_numpy(),
            "difference_pct": pct,
            "unit": out["unit_new"].fillna(out["unit_old"]).to_numpy(),
            "flags": out["flags_new"].fillna(out["flags_old"]).to_numpy(),
            "origin": out["origin_new"].fillna(out["origin_old"]).to_numpy(),
            "definition_break": pair.definition_break,
        }
    )
    return frame


def _order(rows: pd.DataFrame) -> pd.DataFrame:
    rank = {"revised": 0, "added": 1, "removed": 2}
    return (
        rows.assign(_rank=rows["change"].map(rank), _size=-rows["difference"].abs().fillna(0))
        .sort_values(
            ["source", "new_edition", "old_edition", "measure", "_rank", "_size", "iso3", "year"],
            kind="stable",
            na_position="last",
        )
        .drop(columns=["_rank", "_size"])
        .reset_index(drop=True)
    )


def _diff(old: Snapshot, new: Snapshot, pairs: Iterable[Pair]) -> DiffResult:
    import pandas as pd

    pairs = tuple(pairs)
    frames = [_compare_pair(old.observations, new.observations, p) for p in pairs]
    frames = [f for f in frames if not f.empty]
    rows = (
        _order(pd.concat(frames, ignore_index=True))
        if frames
        else pd.DataFrame(columns=list(COLUMNS))
    )
    return DiffResult(old.label, new.label, rows[list(COLUMNS)], pairs)


def _as_snapshot(side: Snapshot | pd.DataFrame | str | Path, label: str) -> Snapshot:
    import pandas as pd

    if isinstance(side, Snapshot):
        return side
    if isinstance(side, pd.DataFrame):
        return Snapshot(side, [], label)
    return Snapshot.read(side)


def compare(
    old: Snapshot | pd.DataFrame | str | Path,
    new: Snapshot | pd.DataFrame | str | Path,
    *,
    source: str | None = None,
    measure: str | None = None,
) -> DiffResult:
    """What changed from the old snapshot to the new one (directories, frames or Snapshots)."""
    before, after = _as_snapshot(old, "old"), _as_snapshot(new, "new")
    before, after = _filtered(before, source, measure), _filtered(after, source, measure)
    return _diff(before, after, pair_editions(before, after))


def compare_editions(
    snapshot: Snapshot,
    old_edition: str,
    new_edition: str,
    *,
    source: str | None = None,
    measure: str | None = None,
) -> DiffResult:
    """What one edition revised, added and removed against another edition of the same source."""
    obs = snapshot.observations
    known = _editions(obs)
    sources = {}
    for edition in (old_edition, new_edition):
        found = sorted(s for s, e in known if e == edition and (source is None or s == source))
        if not found:
            listed = "; ".join(sorted(e for _, e in known))
            raise MilexError(f"no edition {edition!r} in {snapshot.label}; editions: {listed}")
        if len(found) > 1:
            raise MilexError(f"edition {edition!r} belongs to {found}: pass --source")
        sources[edition] = found[0]
    if sources[old_edition] != sources[new_edition]:
        raise MilexError(
            f"{old_edition!r} ({sources[old_edition]}) and {new_edition!r} "
            f"({sources[new_edition]}) are editions of different sources"
        )
    snap = _filtered(snapshot, source, measure)
    src = sources[new_edition]
    pair = Pair(
        src,
        old_edition,
        new_edition,
        snap.definition(src, old_edition),
        snap.definition(src, new_edition),
    )
    result = _diff(snap, snap, [pair])
    return DiffResult(old_edition, new_edition, result.rows, result.pairs)


def _filtered(snap: Snapshot, source: str | None, measure: str | None) -> Snapshot:
    obs = snap.observations
    if source is not None:
        obs = obs[obs["source"] == source]
    if measure is not None:
        obs = obs[obs["measure"] == measure]
    return Snapshot(obs, snap.sources, snap.label)

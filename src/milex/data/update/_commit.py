"""Merge new editions into the current snapshot and commit it; summarise what changed.

Editions live side by side: only rows of the same (source, edition) as the new data are replaced,
every other edition is kept. The snapshot is written by `milex.data.snapshot.write_snapshot` (validation,
atomic commit), so a failed check leaves the previous snapshot as it was.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MATCH = ["iso3", "year", "measure"]


@dataclass(frozen=True)
class Change:
    """What one new (source, edition) did, against the previous edition of that publisher."""

    source: str
    edition: str
    figures: int
    replaced: int  # rows of this same edition that were there before (a re-download)
    compared_with: str | None  # the edition it was compared against
    revised: int
    added: int
    removed: int
    largest: list[tuple[str, int, str, float, float]]  # iso3, year, measure, old, new

    def line(self) -> str:
        head = f"{self.source} {self.edition}: {self.figures} figures"
        if self.replaced:
            head += f" (replacing {self.replaced} of the same edition)"
        if self.compared_with is None:
            return head + "; no earlier edition to compare"
        text = (
            f"{head}; against {self.compared_with}: {self.revised} revised, {self.added} added, "
            f"{self.removed} not in the new edition"
        )
        if self.largest:
            text += "; largest revisions: " + ", ".join(
                f"{i} {y} {m} {a:g}->{b:g}" for i, y, m, a, b in self.largest
            )
        return text


def countries_file(directory: Path, package: dict[str, Any]) -> Path:
    """The registry file a snapshot's descriptor names (countries.csv if it names none)."""
    entry: dict[str, Any] = next(
        (r for r in package.get("resources", []) if r.get("name") == "countries"), {}
    )
    return directory / str(entry.get("path") or "countries.csv")


def merge(base: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """base without the (source, edition) pairs new brings, plus new."""
    import pandas as pd

    pairs = new[["source", "edition"]].drop_duplicates()
    drop = pd.MultiIndex.from_frame(base[["source", "edition"]]).isin(
        pd.MultiIndex.from_frame(pairs)
    )
    return pd.concat([base[~drop], new], ignore_index=True)


def merge_sources(base: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Provenance entries: the base's, minus those the new entries replace, then the new ones."""
    pairs = {(e["source"], e["edition"]) for e in new}
    names = {e["name"] for e in new}
    kept = [e for e in base if (e["source"], e["edition"]) not in pairs and e["name"] not in names]
    return kept + new


def changes(base: pd.DataFrame, new: pd.DataFrame, top: int = 5) -> list[Change]:
    """Per new (source, edition): revised/added/removed against the same edition if it was there,
    else against the newest other publisher (non-secondary) edition of that source."""
    out = []
    for (source, edition), rows in new.groupby(["source", "edition"], sort=True):
        same = base[(base["source"] == source) & (base["edition"] == edition)]
        previous, label = same, str(edition)
        if same.empty:
            others = base[
                (base["source"] == source)
                & ~base["flags"].str.contains("secondary", regex=False)
                & (base["measure"].isin(set(rows["measure"])))
            ]
            label = max(others["edition"]) if len(others) else ""
            previous = others[others["edition"] == label]
        out.append(_change(str(source), str(edition), rows, previous, label, len(same), top))
    return out


def _change(
    source: str,
    edition: str,
    rows: pd.DataFrame,
    previous: pd.DataFrame,
    label: str,
    replaced: int,
    top: int,
) -> Change:
    if previous.empty:
        return Change(source, edition, len(rows), replaced, None, 0, 0, 0, [])
    both = previous[[*MATCH, "value"]].merge(
        rows[[*MATCH, "value"]], on=MATCH, how="outer", suffixes=("_old", "_new"), indicator=True
    )
    common = both[both["_merge"] == "both"]
    delta = (common["value_new"] - common["value_old"]).abs()
    tolerance = 1e-9 * common["value_old"].abs().clip(lower=1.0)
    revised = common[delta > tolerance].assign(_d=delta[delta > tolerance])
    revised = revised.sort_values("_d", ascending=False, kind="stable").head(top)
    largest = [
        (str(iso3), int(year), str(measure), float(old), float(new))
        for iso3, year, measure, old, new in zip(
            revised["iso3"],
            revised["year"],
            revised["measure"],
            revised["value_old"],
            revised["value_new"],
            strict=True,
        )
    ]
    return Change(
        source,
        edition,
        len(rows),
        replaced,
        label,
        int((delta > tolerance).sum()),
        int((both["_merge"] == "right_only").sum()),
        int((both["_merge"] == "left_only").sum()),
        largest,
    )


def write(
    target: Path,
    obs: pd.DataFrame,
    countries_csv: bytes,
    sources: list[dict[str, Any]],
    *,
    full_sipri: bool,
    allow_shrink: bool,
) -> dict[str, Any]:
    """Commit through `milex.data.snapshot.write_snapshot`, passing allow_shrink where it is accepted."""
    from milex.data import snapshot

    kwargs: dict[str, Any] = {"full_sipri": full_sipri}
    if "allow_shrink" in inspect.signature(snapshot.write_snapshot).parameters:
        kwargs["allow_shrink"] = allow_shrink
    return snapshot.write_snapshot(target, obs, countries_csv, sources, **kwargs)

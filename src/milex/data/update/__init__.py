"""`milex data update`: fetch each publisher's newest edition and commit it beside the others.

For NATO, SIPRI, the IMF and the World Bank, discover the newest edition on the publisher's own
pages or API (the IMF's WEO from its SDMX 3.0 API, labelled from its PUBLICATION_DATE; or take
``origin``, a local file or URL), download it within timeouts, a deadline and a size cap, parse and
validate it, then merge it into the current snapshot: rows of the same (source,
edition) are replaced, every other edition is kept. Nothing is written unless every requested
publisher was fetched and parsed; the commit itself is `milex.data.snapshot.write_snapshot`'s.

The default target is the user data directory (`user_snapshot_dir()`), which `milex.load()` reads
when it exists (after $MILEX_DATA_DIR, before the bundled snapshot).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from milex.data.update._download import Limits, Progress
from milex.data.update._locate import ENV_DATA_DIR, ENV_USER_DIR, choose_snapshot, user_snapshot_dir
from milex.data.update._publishers import PUBLISHERS
from milex.errors import MilexError

__all__ = [
    "ENV_DATA_DIR",
    "ENV_USER_DIR",
    "PUBLISHERS",
    "Limits",
    "UpdateResult",
    "choose_snapshot",
    "update",
    "user_snapshot_dir",
]


@dataclass
class UpdateResult:
    """Where the update wrote, its descriptor, what changed per edition and the raw files kept."""

    target: Path
    package: dict[str, Any]
    changes: list[Any]
    kept: list[Path] = field(default_factory=list)
    diff_summary: str | None = None

    def summary(self) -> str:
        """What changed, one line per new edition (plus `milex.data.diff`'s summary where available)."""
        lines = [c.line() for c in self.changes]
        if self.diff_summary:
            lines.append(self.diff_summary)
        return "\n".join(lines)


def update(
    source: str | Iterable[str] = "all",
    *,
    origin: str | Path | None = None,
    out_dir: Path | None = None,
    keep_raw: Path | None = None,
    allow_shrink: bool = False,
    progress: Progress | None = None,
    limits: Limits | None = None,
    pages: dict[str, str] | None = None,
    today: dt.date | None = None,
    edition: str | None = None,
) -> UpdateResult:
    """Fetch, parse and commit the newest edition of each publisher in ``source``.

    ``source`` is ``"all"`` or any of nato, sipri, imf, worldbank. ``origin`` (``--from``) replaces
    discovery with a local file or URL; with ``"all"`` it must name one publisher's file, and only
    that publisher is updated. ``pages`` overrides a publisher's discovery start page or API base
    (a mirror). ``edition`` asks the IMF's API for one WEO vintage ("WEO 2026-04"); one it no
    longer serves is an error naming those it does, never a substitute.
    """
    chosen = _chosen(source, origin)
    if edition and chosen != ["imf"]:
        raise MilexError("--edition names a WEO vintage: use it with --source imf")
    target = Path(out_dir) if out_dir else user_snapshot_dir()
    with tempfile.TemporaryDirectory(prefix="milex-update-") as workdir:
        # one deadline for the whole run: every request gets what is left of it
        ctx_args = ((limits or Limits()).started(), progress, pages or {}, today, edition)
        fetched = _fetch_all(chosen, origin, ctx_args, Path(workdir))
        result = _committed(target, fetched, allow_shrink)
        if keep_raw:
            result.kept = [p for f in fetched for p in f.keep(Path(keep_raw))]
    return result


def _chosen(source: str | Iterable[str], origin: str | Path | None) -> list[str]:
    from milex.data.update._publishers import publisher_of

    names = [source] if isinstance(source, str) else list(source)
    if names == ["all"]:
        return [publisher_of(str(origin))] if origin else list(PUBLISHERS)
    unknown = [n for n in names if n not in PUBLISHERS]
    if unknown:
        raise MilexError(
            f"unknown source {', '.join(unknown)}; choose from all, {', '.join(PUBLISHERS)}"
        )
    if origin and len(names) > 1:
        raise MilexError("--from names one file: give one --source with it")
    return names


def _fetch_all(
    chosen: list[str],
    origin: str | Path | None,
    ctx_args: tuple[Limits, Progress | None, dict[str, str], dt.date | None, str | None],
    workdir: Path,
) -> list[Any]:
    import milex.data.update._publishers as publishers
    from milex.data.registry import default_registry
    from milex.data.update import _download as download

    limits, progress, pages, today, edition = ctx_args
    with download.client(limits) as http:
        ctx = publishers.Context(
            http, limits, workdir, default_registry(), progress, pages,
            today or dt.date.today(), edition,
        )  # fmt: skip
        fetched = []
        for name in chosen:
            fetched.append(publishers.FETCHERS[name](ctx, str(origin) if origin else None))
    return fetched


def _committed(target: Path, fetched: list[Any], allow_shrink: bool) -> UpdateResult:
    """Merge every fetched edition into the base snapshot and write it to target."""
    import pandas as pd

    import milex.data.update._commit as commit
    from milex.data.snapshot import SIPRI_LIMIT, read_package

    base_dir = target if (target / "datapackage.json").is_file() else choose_snapshot()[0]
    base_path, base_package = read_package(base_dir)
    base = pd.read_parquet(base_path)
    new = pd.concat([f.frame for f in fetched], ignore_index=True)
    merged = commit.merge(base, new)
    sources = commit.merge_sources(
        list(base_package.get("sources", [])), [e for f in fetched for e in f.entries]
    )
    countries = commit.countries_file(base_path.parent, base_package).read_bytes()
    sipri_count = int((merged["source"] == "sipri").sum())
    # SIPRI's whole workbook is for local use: such a snapshot is "full" (write_snapshot refuses
    # to write one into the package), as is one built on a full snapshot.
    full = (
        base_package.get("sipri_limit", SIPRI_LIMIT) is None
        or any(f.publisher == "sipri" for f in fetched)
        or sipri_count > SIPRI_LIMIT
    )
    package = commit.write(
        target, merged, countries, sources, full_sipri=full, allow_shrink=allow_shrink
    )
    result = UpdateResult(target, package, commit.changes(base, new))
    result.diff_summary = _diff_summary(base, base_package, merged, sources)
    return result


def _diff_summary(
    base: Any, base_package: dict[str, Any], merged: Any, sources: list[dict[str, Any]]
) -> str | None:
    """`milex.data.diff`'s summary of the commit (definition breaks included), if that module is there."""
    try:
        from milex.data import diff
    except ImportError:  # pragma: no cover - diff ships with milex; tolerate a partial install
        return None
    before = diff.Snapshot(base, list(base_package.get("sources", [])), "before the update")
    after = diff.Snapshot(merged, sources, "after the update")
    return str(diff.compare(before, after).summary())

"""NATO workbooks found in a raw directory beside the bundled edition (``DIR/nato/``, where
`milex data update --keep-raw` saves them), read as editions of their own.

A workbook that cannot be read is skipped with a warning naming it and why, so the editions that
can be read still build; with ``strict`` it stops the build instead. A workbook's edition replaces
the secondary restatements of that same edition (as `milex data update` does): the publisher's
own file, never a restatement, speaks for an edition it covers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milex.data.sources.nato._cells import NatoWarning
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.registry import Registry
    from milex.data.sources._common import Resource


@dataclass(frozen=True)
class Found:
    """A workbook read from the raw directory: its observations and provenance."""

    observations: pd.DataFrame
    resource: Resource


def newer_workbooks(raw_dir: Path) -> list[Path]:
    """NATO workbooks beside the bundled edition (e.g. kept by `milex data update --keep-raw`)."""
    from milex.data.sources.nato.editions import RESOURCE

    known = raw_dir / RESOURCE.path
    return sorted(p for p in (raw_dir / "nato").glob("*def-exp-*.xlsx") if p != known)


def read_found(
    raw_dir: Path,
    registry: Registry,
    progress: Callable[[str], None] | None = None,
    *,
    strict: bool = False,
) -> list[Found]:
    """Every readable workbook of ``newer_workbooks``; the others skipped with a warning (or, with
    ``strict``, the first one's error raised)."""
    from milex.data.sources.nato import workbook_resource
    from milex.data.sources.nato._workbook import parse_workbook

    out: list[Found] = []
    for path in newer_workbooks(raw_dir):
        name = str(path.relative_to(raw_dir))
        if progress:
            progress(name)
        try:
            observations = parse_workbook(path, registry)
        except MilexError as exc:
            if strict:
                raise
            warnings.warn(f"{name} skipped, it cannot be read: {exc}", NatoWarning, stacklevel=2)
            continue
        edition = observations.attrs["edition"]
        out.append(Found(observations, workbook_resource(path, raw_dir, edition)))
    return out


def with_found(
    obs: pd.DataFrame, read: list[Resource], found: list[Found]
) -> tuple[pd.DataFrame, list[Resource]]:
    """The observations and resources read, plus the workbooks found; each workbook's edition
    replaces the secondary figures (and wholly secondary resources) of that edition."""
    import pandas as pd

    editions = {f.resource.edition for f in found}
    superseded = (
        (obs["source"] == "nato")
        & obs["edition"].isin(editions)
        & obs["flags"].str.contains("secondary", regex=False)
    )
    kept = [
        r
        for r in read
        if not (r.extra.get("secondary") and r.source == "nato" and r.edition in editions)
    ]
    frames = [obs[~superseded], *(f.observations for f in found)]
    return pd.concat(frames, ignore_index=True), [*kept, *(f.resource for f in found)]

"""NATO's "Defence Expenditure (Investment) of NATO Countries": workbooks in every layout since
2014-2024, the editions as data, and restatements of editions milex could not download."""

from __future__ import annotations

from typing import TYPE_CHECKING

from milex.data.sources._common import Resource
from milex.data.sources.nato._cells import NatoWarning
from milex.data.sources.nato._secondary import (
    parse_editions,
    parse_secondary,
    press_without_repeats,
)
from milex.data.sources.nato._tables import TABLES
from milex.data.sources.nato._workbook import parse_workbook
from milex.data.sources.nato.editions import (
    CORE_DEFENCE,
    DEFENCE,
    KNOWN,
    RESOURCE,
    SECONDARY_2025,
    SECONDARY_ANNUAL_REPORT,
    SECONDARY_EDITIONS,
    SOURCE,
    TOPIC_URL,
    Edition,
)

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    import pandas as pd

    from milex.data.registry import Registry

SECONDARY = SECONDARY_2025  # the name earlier code used

__all__ = [
    "CORE_DEFENCE",
    "DEFENCE",
    "KNOWN",
    "RESOURCE",
    "SECONDARY",
    "SECONDARY_2025",
    "SECONDARY_ANNUAL_REPORT",
    "SECONDARY_EDITIONS",
    "SOURCE",
    "TABLES",
    "TOPIC_URL",
    "Edition",
    "NatoWarning",
    "parse_editions",
    "parse_restatements",
    "parse_secondary",
    "parse_workbook",
    "press_without_repeats",
    "workbook_resource",
]


def workbook_resource(path: Path, raw_dir: Path, edition: dict[str, Any]) -> Resource:
    """Provenance of a NATO workbook found in a raw directory, from what the workbook says."""
    import datetime as dt

    modified = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    extra = {k: v for k, v in edition.items() if k not in ("edition", "url")}
    return Resource(
        name=f"nato-{path.stem}",
        source=SOURCE,
        path=str(path.relative_to(raw_dir)),
        publisher=RESOURCE.publisher,
        url=TOPIC_URL,
        edition=edition["edition"],
        licence=RESOURCE.licence,
        retrieved=modified,
        citation=f"NATO, {edition.get('title', 'Defence Expenditure of NATO Countries')}",
        extra=extra,
    )


def parse_restatements(raw_dir: Path, registry: Registry) -> pd.DataFrame:
    """The secondary files of the raw directory as one frame, each NATO cell stated once.

    The Secretary General's annual report is its own edition (rounded, one decimal), read in the
    editions file's layout; it is never spliced into the 2025 or 2026 tables.
    """
    import pandas as pd

    editions = parse_editions(raw_dir / SECONDARY_EDITIONS.path, registry)
    press = parse_secondary(raw_dir / SECONDARY_2025.path, registry)
    kept = press_without_repeats(press, editions, raw_dir / SECONDARY_2025.path)
    annual = parse_editions(raw_dir / SECONDARY_ANNUAL_REPORT.path, registry)
    return pd.concat([kept, editions, annual], ignore_index=True)

"""`milex data update --source kiel`: the Ukraine Support Tracker's newest workbook, found on its
page (never a hard-coded file name), read into the memo table in the user's data directory.

The workbook's name carries a UUID and a release number that change with every release, so the
page's links are searched for ``..._Ukraine_Support_Tracker_Release_<N>.xlsx`` and the highest
release is taken. ``origin`` (a local file or URL) skips discovery. Nothing is written to the
package: Kiel's licence terms could not be confirmed, so the figures stay on the user's machine.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from milex.data.sources import kiel
from milex.data.update import _discovery as discovery
from milex.data.update._download import Limits, client, fetch, fetch_text
from milex.data.update._locate import user_snapshot_dir
from milex.errors import MilexError


@dataclass(frozen=True)
class KielUpdate:
    path: Path
    release: int | None
    url: str
    donors: int


def memo_path(directory: Path | None = None) -> Path:
    """Where the memo table lives: beside the user's snapshot (or in ``directory``)."""
    return Path(directory or user_snapshot_dir().parent) / kiel.MEMO_FILE


def workbook_url(page_url: str, html: str) -> str:
    """The link to the newest release's workbook on the Tracker's page."""
    found = [(kiel.release_of(u), u) for u in discovery.links(html, page_url)]
    found = [(r, u) for r, u in found if r is not None]
    if not found:
        raise MilexError(
            f"no Ukraine Support Tracker workbook (…_Ukraine_Support_Tracker_Release_N.xlsx) "
            f"linked from {page_url}: the page changed, or give the file with --from"
        )
    return max(found)[1]


def update_kiel(
    *, origin: str | None = None, page: str | None = None, out_dir: Path | None = None,
    limits: Limits | None = None,
) -> KielUpdate:  # fmt: skip
    """Find, fetch and read the newest workbook; write the memo table; return what was written."""
    from milex.data.registry import default_registry

    registry = default_registry()
    limits = (limits or Limits()).started()
    with tempfile.TemporaryDirectory(prefix="milex-kiel-") as tmp:
        if origin and not origin.startswith(("http://", "https://")):
            path, url = Path(origin), Path(origin).resolve().as_uri()
        else:
            with client(limits) as http:
                if origin:
                    url = origin
                else:
                    start = page or kiel.TRACKER_PAGE
                    url = workbook_url(start, fetch_text(http, start, limits))
                path = Path(tmp) / (discovery.file_name(url) or "kiel.xlsx")
                fetch(http, url, path, limits)
        aid = kiel.read_country_summary(path, registry.lookup)
        target = memo_path(out_dir)
        kiel.write_memo(aid, target, file=path.name, url=url, retrieved=date.today().isoformat())
    return KielUpdate(target, aid[0].release, url, len(aid))


def load_memo(directory: Path | None = None) -> dict[str, str]:
    """ISO3 -> the memo line ('military aid to Ukraine: X% of 2021 GDP (Kiel, release N)') from
    the last `data update --source kiel`; empty where it never ran."""
    return {code: kiel.memo_line(row) for code, row in kiel.read_memo(memo_path(directory)).items()}

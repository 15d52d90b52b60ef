"""`milex data update`: download the full SIPRI workbook and build a full snapshot for local use.

The bundled snapshot carries at most 3,500 SIPRI figures (SIPRI's terms). A user who wants every
country and every year since 1949 downloads SIPRI's own workbook; milex verifies and parses it and
writes a snapshot to the user's data directory that keeps the bundled NATO, IMF and World Bank
figures and replaces the SIPRI extract with the whole workbook. Nothing is written unless the
download and the parse both succeed.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from milex.errors import MilexError
from milex.sources import sipri
from milex.sources._common import sha256_file

DEFAULT_URL = sipri.RESOURCE.url
ENV_DATA_DIR = "MILEX_DATA_DIR"
TIMEOUT_SECONDS = 60.0


def user_snapshot_dir() -> Path:
    """Where `milex data update` writes by default (the platform's user data directory)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("milex")) / "snapshot"


def download(
    url: str, dest: Path, *, progress: Callable[[int, int | None], None] | None = None
) -> Path:
    """Stream url to dest (via a temporary file); HTTP and network failures name the URL."""
    import httpx

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with (
            httpx.stream("GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=True) as response,
            tmp.open("wb") as out,
        ):
            if response.status_code != 200:
                raise MilexError(f"download failed: {url} answered HTTP {response.status_code}")
            total = (
                int(response.headers["content-length"])
                if "content-length" in response.headers
                else None
            )
            done = 0
            for chunk in response.iter_bytes(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        if total is not None and done != total:
            raise MilexError(f"download incomplete: {url} sent {done} of {total} bytes")
        os.replace(tmp, dest)
    except httpx.HTTPError as exc:
        raise MilexError(f"download failed: {url}: {exc.__class__.__name__}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def update(
    url: str = DEFAULT_URL,
    out_dir: Path | None = None,
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> dict[str, Any]:
    """Download SIPRI's workbook from url, parse it, and write a full snapshot to out_dir."""
    import pandas as pd

    from milex.registry import default_registry
    from milex.snapshot import COUNTRIES, package_dir, read_package, write_snapshot

    target = Path(out_dir) if out_dir else user_snapshot_dir()
    with tempfile.TemporaryDirectory() as tmp:
        workbook = download(url, Path(tmp) / Path(url.split("?")[0]).name, progress=progress)
        observations = sipri.parse_workbook(workbook, default_registry())
        digest = sha256_file(workbook)
    bundled_path, bundled = read_package()
    base = pd.read_parquet(bundled_path)
    primary_sipri = (base["source"] == "sipri") & ~base["flags"].str.contains("secondary")
    merged = pd.concat([base[~primary_sipri], observations], ignore_index=True)
    edition = str(observations["edition"].iloc[0]) if len(observations) else ""
    entry = {
        "name": "sipri-milex-download",
        "source": "sipri",
        "path": workbook.name,
        "publisher": sipri.RESOURCE.publisher,
        "url": url,
        "edition": edition,
        "licence": sipri.RESOURCE.licence + "; full workbook for local use only",
        "retrieved": dt.date.today().isoformat(),
        "citation": sipri.CITATION,
        "sha256": digest,
        "figures": len(observations),
    }
    sources = [s for s in bundled["sources"] if s["name"] != sipri.RESOURCE.name] + [entry]
    countries = (package_dir() / COUNTRIES).read_bytes()
    return write_snapshot(target, merged, countries, sources, full_sipri=True)

"""One fetcher per publisher: find (or take) its newest file, download it, parse it to observations.

Each returns a `Fetched`: the observations, one datapackage.json entry per edition and the files
downloaded (for ``--keep-raw``). Nothing here writes a snapshot; `milex.data.update._commit` does that
once every requested publisher has been fetched and parsed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data import _bounds as bounds
from milex.data.sources._common import Resource, sha256_file
from milex.data.update import _discovery as discovery
from milex.data.update._download import (
    Limits,
    NotFound,
    Progress,
    check_redirect,
    fetch,
    fetch_text,
)
from milex.errors import MilexError

if TYPE_CHECKING:
    import httpx
    import pandas as pd

    from milex.data.registry import Registry

#: Publisher names on the command line -> source id in the snapshot, and raw-directory folder.
PUBLISHERS: dict[str, tuple[str, str]] = {
    "nato": ("nato", "nato"),
    "sipri": ("sipri", "sipri"),
    "imf": ("imf_weo", "imf"),
    "worldbank": ("worldbank", "worldbank"),
}
WB_PER_PAGE = 20000
WB_MAX_PAGES = 50


@dataclass
class Context:
    """What every fetcher needs: the HTTP client and limits, a work folder, the registry."""

    http: httpx.Client
    limits: Limits
    workdir: Path
    registry: Registry
    progress: Progress | None = None
    pages: dict[str, str] = field(default_factory=dict)  # overrides of the discovery start pages
    today: dt.date = field(default_factory=dt.date.today)
    edition: str | None = None  # --edition: a WEO vintage, or the label of a --from file
    seen: dict[str, dict[str, str]] = field(default_factory=dict)  # url -> ETag, Last-Modified

    def page(self, publisher: str, default: str) -> str:
        return self.pages.get(publisher, default)

    def get(self, url: str, folder: str, name: str | None = None) -> Path:
        """Download url into the work folder as folder/name (default: the URL's file name)."""
        dest = self.workdir / folder / (name or discovery.file_name(url) or "download")
        seen: dict[str, str] = {}
        result = fetch(self.http, url, dest, self.limits, progress=self.progress, seen=seen)
        self.seen[url] = seen
        assert isinstance(result, Path)
        return result

    def local_or_get(self, origin: str, folder: str) -> tuple[Path, str]:
        """A --from value as (local path, URL or file: URI recorded as provenance)."""
        if re.match(r"^https?://", origin):
            return self.get(origin, folder), origin
        path = Path(origin).expanduser()
        if not path.exists():
            raise MilexError(f"--from: no such file or URL: {origin}")
        return path, path.resolve().as_uri()


@dataclass
class Fetched:
    """A publisher's new observations, their datapackage entries and the raw files behind them."""

    publisher: str
    frame: pd.DataFrame
    entries: list[dict[str, Any]]
    files: list[Path]

    def keep(self, raw_dir: Path) -> list[Path]:
        """Copy the raw files to raw_dir/<publisher folder>/ under their publisher's names."""
        folder = raw_dir / PUBLISHERS[self.publisher][1]
        folder.mkdir(parents=True, exist_ok=True)
        kept = []
        for path in self.files:
            target = folder / path.name
            if path.resolve() != target.resolve():
                shutil.copyfile(path, target)
            kept.append(target)
        return kept


#: Descriptor fields an update copies from a parser's edition description, with their one type
#: (the same as `milex data build` writes: the price base year is an integer).
EDITION_FIELDS: dict[str, type] = {
    "title": str,
    "published": str,
    "price_base": int,
    "definition": str,
}


def entries_for(
    obs: pd.DataFrame,
    resource: Resource,
    path: Path,
    url: str,
    retrieved: str | None = None,
    seen: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """datapackage.json entries, one per (source, edition) in obs, with the file's sha256 (and the
    server's ETag and Last-Modified, where it was downloaded)."""
    meta = dict(obs.attrs.get("edition") or {})
    out = []
    counts = obs.groupby(["source", "edition"]).size()
    for (source, edition), count in zip(counts.index.tolist(), counts.tolist(), strict=True):
        entry: dict[str, Any] = {
            "name": f"{source}-{_slug(str(edition))}",
            "source": source,
            "path": f"{PUBLISHERS_BY_SOURCE[str(source)]}/{path.name}",
            "publisher": resource.publisher,
            "url": url,
            "edition": edition,
            "licence": resource.licence,
            "retrieved": retrieved or dt.date.today().isoformat(),
            "citation": _citation(resource, meta) if meta.get("title") else resource.citation,
            "sha256": sha256_file(path),
            "figures": int(count),
        }
        for key, kind in EDITION_FIELDS.items():
            if meta.get(key) not in (None, ""):
                entry[key] = kind(meta[key])
        entry.update(seen or {})
        out.append(entry)
    return out


PUBLISHERS_BY_SOURCE = {source: folder for source, folder in PUBLISHERS.values()}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _citation(resource: Resource, meta: dict[str, Any]) -> str:
    published = f", {meta['published']}" if meta.get("published") else ""
    return f"{resource.publisher.split(' ')[0]}, {meta['title']}{published}"


def _first_found(ctx: Context, candidates: tuple[str, ...], folder: str, what: str) -> Path:
    """Download the first candidate URL that exists (404s skipped); none is an error listing all."""
    for url in candidates:
        try:
            return ctx.get(url, folder)
        except NotFound:
            continue
    raise MilexError(f"{what}: none of these exist (HTTP 404): {', '.join(candidates)}")


# ----------------------------------------------------------------------------------------------
def fetch_nato(ctx: Context, origin: str | None) -> Fetched:
    """NATO's newest Excel tables (from the topic page's editions archive) as observations."""
    from milex.data.sources import nato

    if origin:
        path, url = ctx.local_or_get(origin, "nato")
    else:
        page = ctx.page("nato", discovery.NATO_PAGE)
        edition = discovery.nato_edition(page, fetch_text(ctx.http, page, ctx.limits))
        for link in edition.candidates:  # links on the page obey the redirect rule
            check_redirect(page, link, "link")
        path = _first_found(ctx, edition.candidates, "nato", f"{edition.label} Excel tables")
        url = _url_of(edition.candidates, path)
    obs = nato.parse_workbook(path, ctx.registry)
    entries = entries_for(obs, nato.RESOURCE, path, url, seen=ctx.seen.get(url))
    return Fetched("nato", obs, entries, [path])


def fetch_sipri(ctx: Context, origin: str | None) -> Fetched:
    """SIPRI's newest workbook (linked from its database page) as observations."""
    from milex.data.sources import sipri

    if origin:
        path, url = ctx.local_or_get(origin, "sipri")
    else:
        page = ctx.page("sipri", discovery.SIPRI_PAGE)
        edition = discovery.sipri_edition(page, fetch_text(ctx.http, page, ctx.limits))
        url = edition.candidates[0]
        check_redirect(page, url, "link")  # a link on the page obeys the redirect rule
        path = ctx.get(url, "sipri")
    obs = sipri.parse_workbook(path, ctx.registry)
    resource = sipri.RESOURCE
    entries = entries_for(obs, resource, path, url, seen=ctx.seen.get(url))
    for entry in entries:
        entry["licence"] = resource.licence + "; full workbook for local use only"
        entry["citation"] = sipri.CITATION
    return Fetched("sipri", obs, entries, [path])


def fetch_imf(ctx: Context, origin: str | None) -> Fetched:
    """The IMF's newest WEO (or the --edition asked for) from its SDMX 3.0 API, or a saved file."""
    from milex.data.sources import imf, weo
    from milex.data.update import _imf_api as imf_api

    if origin:
        path, url = ctx.local_or_get(origin, "imf")
        edition = imf_api.normal_label(ctx.edition) if ctx.edition else None
        obs = imf.parse_bulk(path, ctx.registry, edition=edition)
        return Fetched("imf", obs, entries_for(obs, imf.RESOURCE, path, url), [path])
    base = ctx.page("imf", imf_api.IMF_API)
    served = imf_api.vintages(ctx.http, base, ctx.limits)
    vintage = imf_api.choose(served, ctx.edition, ctx.today, base)
    dest = ctx.workdir / "imf" / imf_api.file_name(vintage)
    path = imf_api.fetch_vintage(ctx.http, base, vintage, dest, ctx.limits, ctx.progress)
    obs = imf.parse_bulk(path, ctx.registry, edition=vintage.label)
    url = vintage.data_url(base, "*.{INDICATOR}.A")
    entries = entries_for(obs, imf.RESOURCE, path, url)
    for entry in entries:
        entry["dataflow"] = f"{imf_api.AGENCY}:{vintage.flow}({vintage.version})"
        entry["notes"] = f"{len(weo.CONCEPTS)} concepts: {', '.join(weo.CONCEPTS)}"
    return Fetched("imf", obs, entries, [path])


def fetch_worldbank(ctx: Context, origin: str | None) -> Fetched:
    """The four WDI indicators from the World Bank API (or saved API JSON) as observations."""
    import pandas as pd

    from milex.data.sources import worldbank as wb

    local: dict[str, Path] = {}
    base = ctx.page("worldbank", discovery.WORLDBANK_API)
    if origin and re.match(r"^https?://", origin):
        base = origin
    elif origin:
        local = _worldbank_local(Path(origin).expanduser())
    frames, entries, files = [], [], []
    for ind in wb.INDICATORS:
        code = wb.indicator_code(ind)
        if local and code not in local:
            continue
        if local:
            path, url = local[code], local[code].resolve().as_uri()
        else:
            path, url = _worldbank_pages(ctx, base, code)
        obs = wb.parse_api(path, ctx.registry, ind)
        updated = str(obs["edition"].iloc[0]).split(" ")[2] if len(obs) else None
        resource = wb.api_resource(ind, updated or "", url)
        frames.append(obs)
        entries += entries_for(obs, resource, path, url, retrieved=dt.date.today().isoformat())
        files.append(path)
    return Fetched("worldbank", pd.concat(frames, ignore_index=True), entries, files)


def _worldbank_local(origin: Path) -> dict[str, Path]:
    """Saved API answers: one <code>.json file, or a folder of them (as --keep-raw writes)."""
    from milex.data.sources import worldbank as wb

    if origin.is_file():
        _meta, records = wb.read_api(origin)
        code = str((records[0].get("indicator") or {}).get("id")) if records else ""
        return {wb.indicator_code(wb.by_code(code)): origin}
    folder = origin / "worldbank" if (origin / "worldbank").is_dir() else origin
    found = {
        wb.indicator_code(ind): folder / f"{wb.indicator_code(ind)}.json"
        for ind in wb.INDICATORS
        if (folder / f"{wb.indicator_code(ind)}.json").is_file()
    }
    if not found:
        raise MilexError(f"--from: no World Bank API files (<indicator>.json) in {origin}")
    return found


def _worldbank_pages(ctx: Context, base: str, code: str) -> tuple[Path, str]:
    """Every page of one indicator joined into [metadata, records], saved as <code>.json."""
    url = f"{base.rstrip('/')}/country/all/indicator/{code}?format=json&per_page={WB_PER_PAGE}"
    records: list[Any] = []
    meta: dict[str, Any] = {}
    page, pages = 1, 1
    left = (
        ctx.limits.max_api_page_bytes
    )  # all of one indicator's pages together (milex.data._bounds)
    while page <= pages:
        page_url = f"{url}&page={page}"
        data = fetch(ctx.http, page_url, None, ctx.limits, cap=left, cap_env=bounds.API_PAGE.env)
        assert isinstance(data, bytes)
        left -= len(data)
        try:
            answer = json.loads(data)
            meta = answer[0]
            if "message" in meta:
                raise MilexError(f"download failed: {page_url}: API error {meta['message']}")
            pages = int(meta.get("pages") or 1)
            records += answer[1] or []
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise MilexError(
                f"download failed: {page_url} is not a WDI API answer ({exc})"
            ) from None
        if pages > WB_MAX_PAGES:
            raise MilexError(f"download failed: {page_url}: {pages} pages exceed {WB_MAX_PAGES}")
        if ctx.progress:
            ctx.progress(f"{code} page {page}/{pages}", page, pages)
        page += 1
    meta = {**meta, "page": 1, "pages": 1, "per_page": len(records), "total": len(records)}
    dest = ctx.workdir / "worldbank" / f"{code}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps([meta, records]), "utf-8")
    return dest, url


def _url_of(candidates: tuple[str, ...], path: Path) -> str:
    return next(u for u in candidates if discovery.file_name(u) == path.name)


FETCHERS = {
    "nato": fetch_nato,
    "sipri": fetch_sipri,
    "imf": fetch_imf,
    "worldbank": fetch_worldbank,
}


def publisher_of(origin: str) -> str:
    """Which publisher's file a --from value names (used with --source all)."""
    name = discovery.file_name(origin) if "://" in origin else Path(origin).name
    hits = set()
    if discovery.NATO_FILE.match(name):
        hits.add("nato")
    if discovery.SIPRI_FILE.match(name) or name.lower().startswith("sipri-milex"):
        hits.add("sipri")
    if re.search(r"weo", name, re.IGNORECASE):
        hits.add("imf")
    if "worldbank" in origin.lower() or re.match(r"^[A-Z]{2}\.[A-Z.]+\.json$", name):
        hits.add("worldbank")
    if len(hits) != 1:
        raise MilexError(
            f"--from {origin}: with --source all it must name one publisher's file "
            "(def-exp-YYYY-en.xlsx, SIPRI-Milex-data-*.xlsx, a saved WEO file or SDMX answer, or World "
            "Bank API JSON); add --source nato|sipri|imf|worldbank"
        )
    return hits.pop()

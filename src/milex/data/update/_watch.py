"""Edition watch: which edition of each publisher is in use, how old it is, and whether a newer one
is due (`milex data status`, the dashboard's sources page) or already out (`milex data check`).

The check downloads no data file: it reads the listing `milex data update` would read (NATO's topic
page, SIPRI's database page, the IMF API's dataflow list and one-observation probes, the World
Bank API's first record) and asks for the file's ETag and Last-Modified with HEAD. A served file is
newer when its edition label is, when its ETag differs from the one recorded at download, or when
it was modified after the copy in use was (or, for a file never downloaded, after it was obtained).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from milex.data.update import _discovery as discovery
from milex.data.update._download import Limits, NotFound, client, fetch, fetch_text, head
from milex.errors import MilexError

if TYPE_CHECKING:
    import httpx

NEWER = "newer edition available"
UP_TO_DATE = "up to date"
FAILED = "could not check"


@dataclass(frozen=True)
class Release:
    """A publisher's habit: the months its editions usually come out, in words and numbers."""

    publisher: str
    months: tuple[int, ...]
    usual: str


RELEASES: dict[str, Release] = {
    "nato": Release("nato", (6,), "Jun-Aug"),
    "sipri": Release("sipri", (4,), "late Apr"),
    "imf_weo": Release("imf", (4, 10), "Apr, Oct"),
    "worldbank": Release("worldbank", (7,), "Jul (+ updates)"),
}
NBSP = "\u00a0"  # keeps "2 yr 6 mo" on one line in a fitted table
DATE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?(?!\d)")


def _date(text: Any) -> dt.date | None:
    m = DATE.search(str(text or ""))
    return dt.date(int(m[1]), int(m[2]), int(m[3] or 1)) if m else None


def published_of(entry: dict[str, Any]) -> dt.date | None:
    """When the publisher released an edition: its ``published`` field, else the label's date."""
    return _date(entry.get("published")) or _date(entry.get("edition"))


def is_secondary(entry: dict[str, Any]) -> bool:
    text = f"{entry.get('publisher', '')} {entry.get('path', '')}".lower()
    return bool(entry.get("secondary")) or "restat" in text or "secondary" in text


def in_use(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per watched source, the newest publisher (not secondary) edition in the snapshot."""
    best: dict[str, dict[str, Any]] = {}
    for entry in package.get("sources", []):
        source = entry.get("source")
        if source not in RELEASES or is_secondary(entry):
            continue
        key = (published_of(entry) or dt.date.min, str(entry.get("edition")))
        held = best.get(source)
        if held is None or key > (published_of(held) or dt.date.min, str(held.get("edition"))):
            best[source] = entry
    return best


def next_release(published: dt.date, months: tuple[int, ...]) -> dt.date:
    """The first usual release month (its first day) after a publication date."""
    for year in range(published.year, published.year + 3):
        for month in sorted(months):
            if dt.date(year, month, 1) > published:
                return dt.date(year, month, 1)
    raise ValueError(f"no release month in {months}")  # pragma: no cover - months is never empty


def age_text(start: dt.date, end: dt.date) -> str:
    """Whole calendar months (or days, under a month) from start to end: '1 yr 2 mo', '12 days'."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if months < 1:
        days = (end - start).days
        return f"{days} day{'s' * (days != 1)}"
    years, months = divmod(months, 12)
    return " ".join(([f"{years} yr"] if years else []) + ([f"{months} mo"] if months else []))


def date_text(entry: dict[str, Any]) -> str:
    """The publication date as precise as known: '2024-06-17', or '2025-04' from a label."""
    for text in (entry.get("published"), entry.get("edition")):
        if m := DATE.search(str(text or "")):
            return m[0]
    return "unknown"


@dataclass(frozen=True)
class EditionStatus:
    """One source's edition in use, its age and whether the publisher's next one is due."""

    source: str
    edition: str
    published: dt.date | None
    today: dt.date
    usual: str
    next_due: dt.date | None
    published_text: str = ""

    @property
    def age(self) -> str:
        if self.published is None:
            return "unknown"
        return age_text(self.published, self.today).replace(" ", NBSP)

    @property
    def due(self) -> bool:
        return self.next_due is not None and self.next_due <= self.today

    def due_text(self) -> str:
        if self.next_due is None:
            return "unknown"
        when = f"{self.next_due:%Y-%m}"
        return f"yes, since{NBSP}{when}" if self.due else f"no, next{NBSP}{when}"

    def record(self) -> dict[str, str]:
        return {
            "source": self.source,
            "edition": self.edition,
            "published": self.published_text or str(self.published or "unknown"),
            "age": self.age,
            "usual release": self.usual,
            "newer due": self.due_text(),
        }


def edition_status(package: dict[str, Any], today: dt.date | None = None) -> list[EditionStatus]:
    """The edition watch table, one row per source, in the order of RELEASES."""
    today = today or dt.date.today()
    used = in_use(package)
    rows = []
    for source, release in RELEASES.items():
        entry = used.get(source)
        if entry is None:
            continue
        published = published_of(entry)
        due = next_release(published, release.months) if published else None
        edition = str(entry["edition"])
        rows.append(
            EditionStatus(source, edition, published, today, release.usual, due, date_text(entry))
        )
    return rows


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """What a publisher serves now against the edition in use, and what an update would fetch."""

    source: str
    in_use: str
    served: str
    status: str
    fetch: str
    why: str = ""

    def record(self) -> dict[str, str]:
        return {
            "source": self.source,
            "in use": self.in_use,
            "publisher has": self.served,
            "status": self.status,
            "why": self.why,
            "update would fetch": self.fetch,
        }


@dataclass
class Probe:
    """What a checker needs: the HTTP client, limits, start pages and today."""

    http: httpx.Client
    limits: Limits
    pages: dict[str, str]
    today: dt.date
    package: dict[str, Any]


def check(
    package: dict[str, Any],
    sources: Iterable[str] = ("nato", "sipri", "imf", "worldbank"),
    *,
    pages: dict[str, str] | None = None,
    limits: Limits | None = None,
    today: dt.date | None = None,
) -> list[Check]:
    """Ask each publisher whether it serves a newer edition than the snapshot's (no data file)."""
    from milex.data.update._publishers import PUBLISHERS

    limits = limits or Limits(read=20.0, deadline=60.0)
    used = in_use(package)
    out = []
    with client(limits) as http:
        probe = Probe(http, limits, pages or {}, today or dt.date.today(), package)
        for name in sources:
            source = PUBLISHERS[name][0]
            entry = used.get(source, {})
            try:
                out.append(CHECKERS[name](probe, entry))
            except MilexError as exc:
                label = str(entry.get("edition", "none"))
                out.append(Check(source, label, "?", FAILED, "", str(exc)))
    return out


def judge(entry: dict[str, Any], url: str, seen: dict[str, str]) -> tuple[str, str]:
    """Newer or up to date, by ETag (same URL, recorded at download) or by date."""
    if entry.get("etag") and seen.get("etag") and entry.get("url") == url:
        if seen["etag"] != entry["etag"]:
            return NEWER, f"ETag {seen['etag']} differs from {entry['etag']} (in use)"
        return UP_TO_DATE, f"same ETag {seen['etag']}"
    ours = _date(entry.get("last_modified")) or _date(entry.get("retrieved"))
    theirs = _date(seen.get("last_modified"))
    if ours and theirs:
        if theirs > ours:
            return NEWER, f"modified {theirs}, after the copy in use ({ours})"
        return UP_TO_DATE, f"modified {theirs}, not after the copy in use ({ours})"
    return UP_TO_DATE, "same edition; the server sends no ETag or date to compare"


def _head_first(probe: Probe, candidates: Iterable[str]) -> tuple[str, dict[str, str]]:
    tried = []
    for url in candidates:
        try:
            return url, head(probe.http, url)
        except NotFound:
            tried.append(url)
    raise MilexError(f"none of these exist (HTTP 404): {', '.join(tried)}")


def _last_year(text: str) -> int:
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text)]
    return max(years) if years else 0


def check_nato(probe: Probe, entry: dict[str, Any]) -> Check:
    page = probe.pages.get("nato", discovery.NATO_PAGE)
    edition = discovery.nato_edition(page, fetch_text(probe.http, page, probe.limits))
    url, seen = _head_first(probe, edition.candidates)
    ours = str(entry.get("edition", "none"))
    span = _last_year(ours.split("(")[0])
    if _last_year(edition.label) > span:
        status, why = NEWER, f"{edition.label} is newer than the tables in use (to {span})"
    else:
        status, why = judge(entry, url, seen)
    return Check("nato", ours, edition.label, status, url, why)


def check_sipri(probe: Probe, entry: dict[str, Any]) -> Check:
    page = probe.pages.get("sipri", discovery.SIPRI_PAGE)
    edition = discovery.sipri_edition(page, fetch_text(probe.http, page, probe.limits))
    url, seen = _head_first(probe, edition.candidates)
    ours = str(entry.get("edition", "none"))
    name = discovery.file_name(url)
    span = _last_year(ours[ours.find("(") :] if "(" in ours else ours)
    if _last_year(edition.label) > span:
        status, why = NEWER, f"{name} covers to {_last_year(edition.label)}, ours to {span}"
    elif name != discovery.file_name(str(entry.get("url", ""))):
        status, why = NEWER, f"{name} is another file than the one in use"
    else:
        status, why = judge(entry, url, seen)
    return Check("sipri", ours, name, status, url, why)


def check_imf(probe: Probe, entry: dict[str, Any]) -> Check:
    from milex.data.update import _imf_api as imf_api

    base = probe.pages.get("imf", imf_api.IMF_API)
    served = imf_api.vintages(probe.http, base, probe.limits)
    newest = imf_api.choose(served, None, probe.today, base)
    ours = str(entry.get("edition", "none"))
    mine = published_of(entry) or dt.date.min
    what = f"{newest.label} (published {newest.published})"
    if newest.published > mine and newest.label != ours:
        status, why = NEWER, f"{newest.label} was published {newest.published}; in use: {ours}"
    else:
        status, why = UP_TO_DATE, f"the newest served is {newest.label}"
    fetch_what = f"{imf_api.AGENCY}:{newest.flow}({newest.version})"
    return Check("imf_weo", ours, what, status, fetch_what, why)


def check_worldbank(probe: Probe, entry: dict[str, Any]) -> Check:
    """The WDI API's ``lastupdated`` for each indicator (one record asked for) against ours."""
    from milex.data.sources import worldbank as wb

    base = probe.pages.get("worldbank", discovery.WORLDBANK_API).rstrip("/")
    newer, newest = [], dt.date.min
    for ind in wb.INDICATORS:
        code = wb.indicator_code(ind)
        theirs = _wdi_updated(probe, f"{base}/country/all/indicator/{code}")
        mine = [
            _date(e.get("edition")) or dt.date.min
            for e in probe.package.get("sources", [])
            if e.get("source") == "worldbank" and code in str(e.get("edition"))
        ]
        newest = max(newest, theirs)
        if theirs > max(mine, default=dt.date.min):
            newer.append(f"{code} {theirs}")
    status = NEWER if newer else UP_TO_DATE
    why = f"updated: {', '.join(newer)}" if newer else f"WDI last updated {newest}"
    label = str(entry.get("edition", "none"))
    return Check("worldbank", label, f"WDI {newest}", status, f"{base}/country/all/...", why)


def _wdi_updated(probe: Probe, url: str) -> dt.date:
    import json

    url += "?format=json&per_page=1&page=1"
    data = fetch(probe.http, url, None, probe.limits)
    assert isinstance(data, bytes)
    try:
        found = _date(json.loads(data)[0]["lastupdated"])
    except (ValueError, KeyError, IndexError, TypeError):
        found = None
    if found is None:
        raise MilexError(f"{url}: not a WDI API answer (no lastupdated)")
    return found


CHECKERS: dict[str, Callable[[Probe, dict[str, Any]], Check]] = {
    "nato": check_nato,
    "sipri": check_sipri,
    "imf": check_imf,
    "worldbank": check_worldbank,
}

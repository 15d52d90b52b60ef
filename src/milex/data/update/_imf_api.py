"""The IMF's SDMX 3.0 API: which WEO vintages it serves, and the milex concepts of one of them.

Since 2025 the IMF publishes no bulk WEO file; the API (no key) serves the WEO as dataflow
``IMF.RES:WEO`` (and archival ``WEO_YYYY_MON_VINTAGE`` flows), keeps about three vintages and reuses
dataflow versions across them. So a vintage is known only by its ``PUBLICATION_DATE`` dataset
attribute: each served (flow, version) is probed with a one-observation query and labelled from it.

* ``structure/dataflow/IMF.RES/*/*?detail=allstubs``: the flows and versions (SDMX-JSON,
  ``data.dataflows[].id`` / ``.version``);
* ``data/dataflow/IMF.RES/{flow}/{version}/USA.NGDP_RPCH.A?attributes=dataset&lastNObservations=1``:
  the probe, in SDMX-CSV with a ``PUBLICATION_DATE`` column;
* ``data/dataflow/IMF.RES/{flow}/{version}/*.{concept}.A``: one concept for every country.

The concepts' answers are joined into one SDMX-CSV file (``--keep-raw`` keeps it, ``--from`` reads
it again), each row carrying the probed PUBLICATION_DATE if the answer left it out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from milex.data.sources import imf_sdmx, weo
from milex.data.update._download import Limits, Progress
from milex.errors import MilexError

if TYPE_CHECKING:
    import httpx

IMF_API = "https://api.imf.org/external/sdmx/3.0"
AGENCY = "IMF.RES"
FLOW_ID = re.compile(r"^WEO(?:_(\d{4})_([A-Z]{3})_VINTAGE)?$")
CSV_ACCEPT = "application/vnd.sdmx.data+csv;version=2.0.0, text/csv;q=0.9"
JSON_ACCEPT = "application/vnd.sdmx.structure+json;version=2.0.0, application/json;q=0.9"
PROBE_KEY = "USA.NGDP_RPCH.A"


@dataclass(frozen=True)
class Vintage:
    """One WEO the API serves: its dataflow, version and publication date."""

    flow: str
    version: str
    published: dt.date

    @property
    def label(self) -> str:
        return imf_sdmx.edition_label(self.published)

    def data_url(self, base: str, key: str) -> str:
        return f"{base.rstrip('/')}/data/dataflow/{AGENCY}/{self.flow}/{self.version}/{key}"


def _get(http: httpx.Client, url: str, accept: str, limits: Limits, cap: int) -> bytes:
    from milex.data.update._download import fetch

    data = fetch(http, url, None, limits, cap=cap, headers={"Accept": accept})
    assert isinstance(data, bytes)
    return data


def flows(http: httpx.Client, base: str, limits: Limits) -> list[tuple[str, str]]:
    """(flow id, version) of every WEO dataflow the API lists."""
    url = f"{base.rstrip('/')}/structure/dataflow/{AGENCY}/*/*?detail=allstubs"
    data = _get(http, url, JSON_ACCEPT, limits, limits.max_page_bytes)
    try:
        stubs = json.loads(data)["data"]["dataflows"]
        found = [(str(s["id"]), str(s["version"])) for s in stubs if FLOW_ID.match(str(s["id"]))]
    except (ValueError, KeyError, TypeError) as exc:
        raise MilexError(f"{url}: not an SDMX-JSON dataflow list ({exc})") from None
    if not found:
        raise MilexError(f"{url}: lists no WEO dataflow (IMF.RES:WEO)")
    return found


def probe(http: httpx.Client, base: str, flow: str, version: str, limits: Limits) -> dt.date:
    """The PUBLICATION_DATE of one served (flow, version)."""
    stub = Vintage(flow, version, dt.date.min)
    url = stub.data_url(base, PROBE_KEY) + "?attributes=dataset&lastNObservations=1"
    text = _get(http, url, CSV_ACCEPT, limits, limits.max_page_bytes).decode("utf-8-sig")
    _, rows = imf_sdmx.csv_records(text)
    dates = {r.get(imf_sdmx.PUBLICATION, "").strip() for r in rows} - {""}
    if len(dates) != 1:
        raise MilexError(
            f"{url}: expected one PUBLICATION_DATE, found {sorted(dates) or 'none'}: cannot tell "
            "which WEO this dataflow version serves"
        )
    try:
        return imf_sdmx.publication_date(dates.pop(), f"{url}: PUBLICATION_DATE")
    except ValueError as exc:
        raise MilexError(str(exc)) from None


def vintages(http: httpx.Client, base: str, limits: Limits) -> list[Vintage]:
    """Every WEO vintage served, newest first; one per label (the plain WEO flow, then the
    highest version, wins where two serve the same vintage)."""
    by_label: dict[str, Vintage] = {}
    for flow, version in flows(http, base, limits):
        found = Vintage(flow, version, probe(http, base, flow, version, limits))
        held = by_label.get(found.label)
        if held is None or _precedence(found) > _precedence(held):
            by_label[found.label] = found
    return sorted(by_label.values(), key=lambda v: v.published, reverse=True)


def _precedence(v: Vintage) -> tuple[bool, tuple[int, ...]]:
    numbers = tuple(int(p) for p in re.findall(r"\d+", v.version))
    return (v.flow == "WEO", numbers)


def normal_label(edition: str) -> str:
    """'WEO 2026-10' from 'WEO 2026-10', '2026-10' or 'October 2026'."""
    text = edition.strip()
    if m := re.fullmatch(r"(?:WEO\s+)?(\d{4})-(\d{2})", text, re.IGNORECASE):
        return f"WEO {m[1]}-{m[2]}"
    months = {dt.date(2000, i, 1).strftime("%B").lower(): i for i in range(1, 13)}
    m = re.fullmatch(r"(?:WEO\s+)?([A-Za-z]+)\s+(\d{4})", text)
    if m and m[1].lower() in months:
        return f"WEO {m[2]}-{months[m[1].lower()]:02d}"
    raise MilexError(f"--edition {edition!r}: give a WEO as 'WEO YYYY-MM' (e.g. 'WEO 2026-10')")


def choose(served: list[Vintage], edition: str | None, today: dt.date, base: str) -> Vintage:
    """The vintage to fetch: the one asked for, or the newest already published ("latest")."""
    listing = ", ".join(f"{v.label} (published {v.published})" for v in served) or "none"
    if edition in (None, "", "latest"):
        published = [v for v in served if v.published <= today]
        if not published:
            raise MilexError(f"{base}: no WEO vintage published by {today}; it serves {listing}")
        return published[0]
    assert edition is not None
    label = normal_label(edition)
    for v in served:
        if v.label == label:
            return v
    raise MilexError(
        f"{label} is not served by the IMF's SDMX API ({base}); it serves {listing}. "
        "An older WEO can be read from a saved file with --from FILE"
    )


def fetch_vintage(
    http: httpx.Client,
    base: str,
    vintage: Vintage,
    dest: Path,
    limits: Limits,
    progress: Progress | None = None,
) -> Path:
    """Every milex concept of one vintage, for every country, joined into one SDMX-CSV file."""
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for done, concept in enumerate(weo.CONCEPTS, start=1):
        url = vintage.data_url(base, f"*.{concept}.A")
        text = _get(http, url, CSV_ACCEPT, limits, limits.max_bytes).decode("utf-8-sig")
        found_header, found = imf_sdmx.csv_records(text)
        if not imf_sdmx.is_sdmx_csv(found_header):
            raise MilexError(f"{url}: not SDMX-CSV (needs {', '.join(imf_sdmx.REQUIRED)})")
        got = [r for r in found if r.get("INDICATOR") == concept]
        if not got:
            raise MilexError(f"{url}: no {concept} series in {vintage.label}")
        header += [h for h in found_header if h not in header]
        rows += got
        if progress:
            progress(f"WEO {concept}", done, len(weo.CONCEPTS))
    _stamp(rows, vintage, base)
    if imf_sdmx.PUBLICATION not in header:
        header.append(imf_sdmx.PUBLICATION)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(out.getvalue(), "utf-8")
    return dest


def _stamp(rows: list[dict[str, str]], vintage: Vintage, base: str) -> None:
    """Give every row the probed PUBLICATION_DATE; a different one means the API moved under us."""
    for row in rows:
        text = (row.get(imf_sdmx.PUBLICATION) or "").strip()
        if text and imf_sdmx.publication_date(text) != vintage.published:
            raise MilexError(
                f"{base}: {vintage.flow} {vintage.version} changed during the download (probed "
                f"{vintage.published}, data says {text}); run the update again"
            )
        row[imf_sdmx.PUBLICATION] = text or vintage.published.isoformat()


def file_name(vintage: Vintage) -> str:
    """The saved answer's name, e.g. IMF.RES_WEO_10.0.0_2026-10-13.csv."""
    return f"{AGENCY}_{vintage.flow}_{vintage.version}_{vintage.published}.csv"

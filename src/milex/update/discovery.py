"""Find each publisher's newest edition from its own web pages (links read, never guessed from dates).

NATO lists its editions on a topic page ("archive of tables": one PDF per edition, the Excel tables
beside it); SIPRI links its workbook from the database page; the IMF's "download entire database"
page of each WEO edition links the bulk file. Each finder returns the newest edition's candidate
file URLs, best first; a page without an edition link is an error naming the page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from milex.errors import MilexError

NATO_PAGE = (
    "https://www.nato.int/en/what-we-do/introduction-to-nato/"
    "defence-expenditures-and-natos-5-commitment"
)
SIPRI_PAGE = "https://www.sipri.org/databases/milex"
IMF_PAGES = "https://www.imf.org/en/Publications/WEO/weo-database"
WORLDBANK_API = "https://api.worldbank.org/v2"

NATO_FILE = re.compile(
    r"^(?:(?P<date>\d{6})-)?def-exp-(?P<year>\d{4})(?P<tables>-TABLES)?-en\.(?P<ext>pdf|xlsx)$",
    re.IGNORECASE,
)
SIPRI_FILE = re.compile(
    r"^SIPRI-Milex-data-(?P<first>\d{4})-(?P<last>\d{4})(?:_v?(?P<version>\d+(?:\.\d+)*))?\.xlsx$",
    re.IGNORECASE,
)
IMF_FILE = re.compile(r"^WEO(?P<month>[A-Z][a-z]{2})(?P<year>\d{4})all\.(?:xls|ashx|txt)$")
IMF_CSV = re.compile(r"WEO.*\.csv$", re.IGNORECASE)
MONTHS = ("April", "October")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def links(html: str, base: str) -> list[str]:
    """Every <a href> of a page as an absolute URL, in page order, without duplicates."""
    parser = _Links()
    parser.feed(html)
    return list(dict.fromkeys(urljoin(base, h.strip()) for h in parser.hrefs))


def file_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Edition:
    """A publisher edition found on a page: a label, its candidate file URLs (best first)."""

    label: str
    candidates: tuple[str, ...]


def nato_edition(page_url: str, html: str) -> Edition:
    """The newest edition on NATO's topic page: its linked xlsx, else the names beside its PDF.

    Since 2025 the tables are ``def-exp-YYYY-en.xlsx`` beside ``def-exp-YYYY-en.pdf``; up to 2024
    ``YYMMDD-def-exp-YYYY-TABLES-en.xlsx`` beside ``YYMMDD-def-exp-YYYY-en.pdf``. Both are tried.
    """
    by_year: dict[int, list[tuple[str, re.Match[str]]]] = {}
    for url in links(html, page_url):
        if m := NATO_FILE.match(file_name(url)):
            by_year.setdefault(int(m["year"]), []).append((url, m))
    if not by_year:
        raise MilexError(
            f"no NATO edition links (def-exp-YYYY-en.pdf or .xlsx) found on {page_url}"
        )
    year = max(by_year)
    found = by_year[year]
    direct = [url for url, m in found if m["ext"].lower() == "xlsx"]
    guessed: list[str] = []
    for url, m in found:
        if m["ext"].lower() != "pdf":
            continue
        folder = url.rsplit("/", 1)[0]
        date = m["date"]
        names = [f"def-exp-{year}-en.xlsx", f"def-exp-{year}-TABLES-en.xlsx"]
        if date:
            names = [f"{date}-def-exp-{year}-TABLES-en.xlsx", f"{date}-def-exp-{year}-en.xlsx"]
            names += [f"def-exp-{year}-en.xlsx"]
        guessed += [f"{folder}/{n}" for n in names]
    return Edition(f"NATO {year}", tuple(dict.fromkeys(direct + guessed)))


def sipri_edition(page_url: str, html: str) -> Edition:
    """The workbook on SIPRI's database page covering the latest year, newest version first."""
    found = []
    for url in links(html, page_url):
        if m := SIPRI_FILE.match(file_name(url)):
            version = tuple(int(p) for p in (m["version"] or "0").split("."))
            found.append(((int(m["last"]), version, -int(m["first"])), url, m))
    if not found:
        raise MilexError(
            f"no SIPRI workbook link (SIPRI-Milex-data-YYYY-YYYY*.xlsx) found on {page_url}"
        )
    found.sort(key=lambda item: item[0], reverse=True)
    _, url, m = found[0]
    return Edition(f"SIPRI {m['first']}-{m['last']}", (url,))


def imf_edition_pages(base: str, today: dt.date) -> list[tuple[str, str]]:
    """(label, "download entire database" page URL) for the WEO editions up to today, newest first."""
    out = []
    for year in range(today.year, today.year - 3, -1):
        for month in reversed(MONTHS):
            if year == today.year and month == "October" and today.month < 10:
                continue
            if year == today.year and month == "April" and today.month < 4:
                continue
            label = f"WEO {year}-{'10' if month == 'October' else '04'}"
            out.append((label, f"{base.rstrip('/')}/{year}/{month}/download-entire-database"))
    return out


def imf_bulk_links(page_url: str, html: str) -> list[str]:
    """Bulk files an IMF edition page links: the by-country tab-delimited file or a WEO CSV."""
    urls = links(html, page_url)
    tsv = [u for u in urls if IMF_FILE.match(file_name(u))]
    csv = [u for u in urls if IMF_CSV.search(file_name(u))]
    return tsv + csv


def imf_label_from_name(name: str) -> str | None:
    """'WEO 2024-10' from 'WEOOct2024all.xls'; None if the name does not say."""
    m = IMF_FILE.match(name)
    if not m:
        return None
    month = {"Apr": "04", "Sep": "09", "Oct": "10"}.get(m["month"])
    return f"WEO {m['year']}-{month}" if month else None

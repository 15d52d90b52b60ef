"""Find each publisher's newest edition from its own web pages (links read, never guessed from dates).

NATO lists its editions on a topic page ("archive of tables": one PDF per edition, the Excel tables
beside it); SIPRI links its workbook from the database page. Each finder returns the newest
edition's candidate file URLs, best first; a page without an edition link is an error naming the
page. (The IMF publishes no bulk WEO file any more: `milex.data.update._imf_api` asks its SDMX API.)
"""

from __future__ import annotations

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
WORLDBANK_API = "https://api.worldbank.org/v2"

NATO_FILE = re.compile(
    r"^(?:(?P<date>\d{6})-)?def-exp-(?P<year>\d{4})(?P<tables>-TABLES)?-en\.(?P<ext>pdf|xlsx)$",
    re.IGNORECASE,
)
SIPRI_FILE = re.compile(
    r"^SIPRI-Milex-data-(?P<first>\d{4})-(?P<last>\d{4})(?:_v?(?P<version>\d+(?:\.\d+)*))?\.xlsx$",
    re.IGNORECASE,
)


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

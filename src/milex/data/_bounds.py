"""Size caps checked before anything is parsed: one place for every limit and its variable.

A zip bomb of a few KB (an xlsx whose members expand to gigabytes) or a 300 MB CSV would make
openpyxl or pandas take gigabytes of memory. Each input is measured first (an xlsx by the sizes its
zip directory declares, which Python's zipfile then enforces while reading: a member that expands
past its declared size fails its CRC check; a file or a download by its bytes) and refused with
an error that says the limit and the environment variable that raises it.

The defaults sit far above the real publisher files (SIPRI's workbook expands to 3.7 MB, its
largest sheet 0.6 MB; the largest raw CSV is 1.4 MB; a World Bank API answer about 5 MB).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from milex.errors import MilexError, SourceError

MB = 1024 * 1024


@dataclass(frozen=True)
class Bound:
    """A size cap in bytes with the environment variable (in MB) that overrides it."""

    env: str
    default_mb: float
    what: str

    @property
    def bytes(self) -> int:
        text = os.environ.get(self.env, "").strip()
        if not text:
            return int(self.default_mb * MB)
        try:
            value = float(text)
        except ValueError:
            raise MilexError(f"{self.env}={text!r} is not a number of MB") from None
        if not value > 0:
            raise MilexError(f"{self.env}={text!r} must be a positive number of MB")
        return int(value * MB)

    def exceeded(self, size: int) -> str:
        """The error text: the size, the limit and how to raise it."""
        return (
            f"{self.what} is {size / MB:,.1f} MB, over the limit of {self.bytes / MB:,.1f} MB "
            f"(set {self.env}=<MB> to raise it)"
        )


#: Decompressed size of one xlsx member (a sheet, the shared-strings table, the styles).
XLSX_MEMBER = Bound("MILEX_MAX_XLSX_MEMBER_MB", 64, "decompressed workbook part")
#: Decompressed size of a whole xlsx (all its members together).
XLSX_TOTAL = Bound("MILEX_MAX_XLSX_MB", 256, "decompressed workbook")
#: A raw CSV or JSON file read whole (IMF, World Bank, NATO secondary, geography).
RAW_FILE = Bound("MILEX_MAX_CSV_MB", 128, "file")
#: One downloaded publisher file (a workbook, the IMF's SDMX CSV answer).
DOWNLOAD = Bound("MILEX_MAX_DOWNLOAD_MB", 300, "download")
#: One web page read for links (NATO's, SIPRI's), or one small API answer.
PAGE = Bound("MILEX_MAX_PAGE_MB", 10, "page")
#: One page of a paged API (the World Bank's) and, together, all the pages of one indicator.
API_PAGE = Bound("MILEX_MAX_API_PAGE_MB", 64, "API page")


def check_xlsx(path: Path) -> None:
    """Refuse a workbook whose members would expand past XLSX_MEMBER or, together, XLSX_TOTAL.

    Reads only the zip's central directory (nothing is decompressed). A path that is not a zip
    is left to the caller's own check.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    member_cap, total_cap = XLSX_MEMBER.bytes, XLSX_TOTAL.bytes
    for info in members:
        if info.file_size > member_cap:
            raise SourceError(path, info.filename, XLSX_MEMBER.exceeded(info.file_size))
    total = sum(info.file_size for info in members)
    if total > total_cap:
        biggest = max(members, key=lambda i: i.file_size)
        raise SourceError(
            path, None, XLSX_TOTAL.exceeded(total) + f"; largest part {biggest.filename}"
        )


def check_file(path: Path, bound: Bound = RAW_FILE) -> None:
    """Refuse a file larger than the bound before it is read."""
    size = path.stat().st_size
    if size > bound.bytes:
        raise SourceError(path, None, bound.exceeded(size))

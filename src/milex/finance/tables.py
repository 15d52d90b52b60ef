"""The EU's defence-financing facts as package data: escape-clause activations, SAFE loans, EDIP.

Three small tables ship in ``data/bundled/`` and are read directly (decisions, not reported figures,
so they never enter the observations snapshot). Every row carries the source URL, the date the
source was published and a short verbatim quote of it; the loader checks every field, collects
every problem and raises once, each naming file, row and field.

- ``escape_clause.csv``: one row per state for which the Council activated the Stability and Growth
  Pact's national escape clause for defence (``activated_on``, ``max_pct_gdp`` of flexibility a
  year, ``first_year`` to ``last_year``).
- ``safe.csv``: SAFE loans by ``stage``: ``allocation`` (the Commission's tentative allocation of
  9 Sep 2025), ``council_decision`` (a Council implementing decision: maximum loan and
  pre-financing), ``loan_agreement`` (a signed agreement; none is sourced yet). A newer stage
  stands beside the older, never replaces it.
- ``eu_programmes.csv``: EU programmes as context (EDIP grants; SAFE's total).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from milex.data.bundle import package_dir
from milex.errors import MilexError

ESCAPE_FILE = "escape_clause.csv"
SAFE_FILE = "safe.csv"
PROGRAMMES_FILE = "eu_programmes.csv"
ESCAPE_COLUMNS = (
    "iso3", "activated_on", "decision", "max_pct_gdp", "first_year", "last_year", "source_url",
    "published", "quote", "note",
)  # fmt: skip
SAFE_COLUMNS = (
    "iso3", "stage", "eur_m", "prefinancing_eur_m", "dated", "source_url", "published", "quote",
    "note",
)  # fmt: skip
PROGRAMME_COLUMNS = (
    "id", "programme", "eur_m", "first_year", "last_year", "kind", "text", "source_url",
    "published", "quote",
)  # fmt: skip
#: SAFE stages, earliest first: a later stage is the stronger figure.
STAGES = ("allocation", "council_decision", "loan_agreement")
YEARS = (2020, 2100)


class FinanceTableError(MilexError):
    """An invalid EU financing table: every problem, each naming the file, row and field."""


@dataclass(frozen=True)
class Source:
    """Where a row's figure comes from: the URL, the day it was published and its words."""

    url: str
    published: date
    quote: str

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "published": self.published.isoformat(), "quote": self.quote}


@dataclass(frozen=True)
class EscapeClause:
    """One state's activation of the national escape clause for defence spending."""

    iso3: str
    activated_on: date
    decision: str
    max_pct_gdp: float
    first_year: int
    last_year: int
    source: Source
    note: str
    row: int

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class SafeLoan:
    """One stage of one state's SAFE loan, in EUR m."""

    iso3: str
    stage: str
    eur_m: float
    prefinancing_eur_m: float | None
    dated: date
    source: Source
    note: str
    row: int


@dataclass(frozen=True)
class Programme:
    """An EU programme given as context (EDIP's grants, SAFE's envelope)."""

    id: str
    programme: str
    eur_m: float
    first_year: int
    last_year: int | None
    kind: str
    text: str
    source: Source


@dataclass(frozen=True)
class FinanceTables:
    """The three tables, checked."""

    escape: tuple[EscapeClause, ...]
    safe: tuple[SafeLoan, ...]
    programmes: tuple[Programme, ...]

    def clause(self, iso3: str) -> EscapeClause | None:
        """The state's activation, if the Council activated the clause for it."""
        return next((c for c in self.escape if c.iso3 == iso3), None)

    def loans(self, iso3: str) -> list[SafeLoan]:
        """Every stage of the state's SAFE loan, earliest stage first."""
        return sorted((s for s in self.safe if s.iso3 == iso3), key=lambda s: STAGES.index(s.stage))

    def loan(self, iso3: str) -> SafeLoan | None:
        """The latest stage of the state's SAFE loan (a Council decision over an allocation)."""
        rows = self.loans(iso3)
        return rows[-1] if rows else None

    def programme(self, programme_id: str) -> Programme:
        return next(p for p in self.programmes if p.id == programme_id)


class _Row:
    """Field readers for one CSV row that record problems instead of raising at the first."""

    def __init__(self, file: str, line: int, raw: dict[str, str], problems: list[str]) -> None:
        self.file, self.line, self.raw, self.problems = file, line, raw, problems

    def bad(self, name: str, why: str) -> None:
        self.problems.append(f"{self.file} row {self.line}, field {name!r}: {why}")

    def text(self, name: str, *, required: bool = True) -> str:
        value = (self.raw.get(name) or "").strip()
        if required and not value:
            self.bad(name, "is empty")
        return value

    def number(self, name: str, *, required: bool = True, low: float = 0.0) -> float | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            out = float(value)
        except ValueError:
            self.bad(name, f"{value!r} is not a number")
            return None
        if not out > low or out != out or out == float("inf"):
            self.bad(name, f"{value} must be a finite number above {low:g}")
            return None
        return out

    def year(self, name: str, *, required: bool = True) -> int | None:
        value = self.text(name, required=required)
        if not value:
            return None
        if not value.isdigit() or not YEARS[0] <= int(value) <= YEARS[1]:
            self.bad(name, f"{value!r} is not a year in {YEARS[0]}-{YEARS[1]}")
            return None
        return int(value)

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(name, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def iso3(self, known: frozenset[str] | None) -> str:
        value = self.text("iso3")
        if value and (len(value) != 3 or not value.isalpha() or not value.isupper()):
            self.bad("iso3", f"{value!r} is not an ISO3 code")
        elif value and known is not None and value not in known:
            self.bad("iso3", f"{value!r} is not a country the registry knows")
        return value

    def source(self) -> Source | None:
        url = self.text("source_url")
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                self.bad("source_url", f"{url!r} is not an http(s) URL")
        published, quote = self.day("published"), self.text("quote")
        if not (url and published and quote):
            return None
        return Source(url, published, quote)


def _read(
    path: Path, columns: tuple[str, ...], problems: list[str]
) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if header != columns:
                problems.append(
                    f"{path.name}: columns {', '.join(header) or '(none)'}; "
                    f"expected {', '.join(columns)}"
                )
                return []
            return [(i + 2, row) for i, row in enumerate(reader)]
    except FileNotFoundError:
        problems.append(f"{path}: file missing")
        return []


def _escape(path: Path, known: frozenset[str] | None, problems: list[str]) -> list[EscapeClause]:
    out, seen = [], set()
    for line, raw in _read(path, ESCAPE_COLUMNS, problems):
        r = _Row(path.name, line, raw, problems)
        iso3, day, share = r.iso3(known), r.day("activated_on"), r.number("max_pct_gdp")
        first, last, source = r.year("first_year"), r.year("last_year"), r.source()
        decision = r.text("decision")
        if share is not None and share >= 10:
            r.bad("max_pct_gdp", f"{share:g} is not a plausible share of GDP (percent, < 10)")
        if first is not None and last is not None and last < first:
            r.bad("last_year", f"{last} is before first_year {first}")
        if iso3 in seen:
            r.bad("iso3", f"{iso3} is listed twice")
        seen.add(iso3)
        if None in (day, share, first, last, source) or not (iso3 and decision):
            continue
        out.append(EscapeClause(iso3, day, decision, share, first, last, source,  # type: ignore[arg-type]
                                r.text("note", required=False), line))  # fmt: skip
    return out


def _safe(path: Path, known: frozenset[str] | None, problems: list[str]) -> list[SafeLoan]:
    out, seen = [], set()
    for line, raw in _read(path, SAFE_COLUMNS, problems):
        r = _Row(path.name, line, raw, problems)
        iso3, stage, amount = r.iso3(known), r.text("stage"), r.number("eur_m")
        pre = r.number("prefinancing_eur_m", required=False, low=-1e-9)
        dated, source = r.day("dated"), r.source()
        if stage and stage not in STAGES:
            r.bad("stage", f"{stage!r} is not one of {', '.join(STAGES)}")
        if pre is not None and amount is not None and pre > amount:
            r.bad("prefinancing_eur_m", f"{pre:,.1f} exceeds the loan {amount:,.1f}")
        if (iso3, stage) in seen:
            r.bad("stage", f"{iso3} has two {stage!r} rows")
        seen.add((iso3, stage))
        if None in (amount, dated, source) or not iso3 or stage not in STAGES:
            continue
        out.append(SafeLoan(iso3, stage, amount, pre, dated, source,  # type: ignore[arg-type]
                            r.text("note", required=False), line))  # fmt: skip
    return out


def _programmes(path: Path, problems: list[str]) -> list[Programme]:
    out = []
    for line, raw in _read(path, PROGRAMME_COLUMNS, problems):
        r = _Row(path.name, line, raw, problems)
        ident, name, kind, text = r.text("id"), r.text("programme"), r.text("kind"), r.text("text")
        amount, first = r.number("eur_m"), r.year("first_year")
        last, source = r.year("last_year", required=False), r.source()
        if None in (amount, first, source) or not (ident and name and kind and text):
            continue
        out.append(Programme(ident, name, amount, first, last, kind, text, source))  # type: ignore[arg-type]
    return out


def load_tables(
    directory: Path | None = None, *, known: frozenset[str] | None = None
) -> FinanceTables:
    """Read and check the three tables in ``directory`` (default: the package's bundled folder).

    ``known``: ISO3 codes every row must name (default: no registry check). Raises
    :class:`FinanceTableError` listing every problem, each naming file, row and field.
    """
    folder = Path(directory) if directory is not None else package_dir()
    problems: list[str] = []
    escape = _escape(folder / ESCAPE_FILE, known, problems)
    safe = _safe(folder / SAFE_FILE, known, problems)
    programmes = _programmes(folder / PROGRAMMES_FILE, problems)
    if problems:
        raise FinanceTableError(f"{len(problems)} problem(s): " + "; ".join(problems))
    return FinanceTables(tuple(escape), tuple(safe), tuple(programmes))


@functools.cache
def bundled_tables() -> FinanceTables:
    """The bundled tables, read once, every row's country checked against the registry."""
    from milex.data.registry import default_registry

    return load_tables(known=frozenset(default_registry().countries))

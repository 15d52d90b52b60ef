"""Allies' national spending plans as sourced data: what each has announced, in which definition.

The plans live in ``data/national_plans.csv``, package data read directly (they are
announcements, not reported figures, so they never enter the observations snapshot). One row is
one stated figure: an ally, a year (or a span of years, ``until``, for a level stated for several
years), a value in ``unit`` (percent of GDP, percent of GNI or national currency m), the
definition it is stated in, and the document, URL and date it comes from, flag ``national_plan``.
Allies for which no public plan was found have a row that says so: that is data too.

Column rules (the loader checks every row, collects every problem, then raises once naming the
file, row and field): ``status`` is ``current``, ``superseded`` or ``no public plan found``; a
plan row needs a year, a positive value, a known unit, definition and qualifier, a document, an
http(s) source URL and an ISO source date; a "no public plan found" row has none of them.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

    from milex.registry import Registry

PLANS_FILE = Path(__file__).parent / "data" / "national_plans.csv"
COLUMNS = (
    "iso3", "status", "year", "until", "value", "unit", "definition", "qualifier", "document",
    "source_url", "source_date", "flag", "note",
)  # fmt: skip
CURRENT, SUPERSEDED, NO_PLAN = "current", "superseded", "no public plan found"
STATUSES = (CURRENT, SUPERSEDED, NO_PLAN)
PCT_GDP, PCT_GNI, MONEY = "percent of GDP", "percent of GNI", "national currency m"
UNITS = (PCT_GDP, PCT_GNI, MONEY)
#: What a figure measures; the first two are compared with the 3.5% core line.
DEFINITIONS = {
    "nato": "NATO's definition of defence expenditure (the 'NATO quota', core defence)",
    "national": "the national budget's definition, or a definition the source does not state",
    "total_5pct": "the Hague 5% total: core defence plus defence- and security-related spending",
    "related_1_5pct": "defence- and security-related spending (the Hague 1.5% leg)",
}
CORE_DEFINITIONS = ("nato", "national")  # NATO's own first when both state a year
QUALIFIERS = ("", "about", "at least", "more than")
FLAG = "national_plan"
YEARS = (2014, 2100)
#: The year whose NATO members must all be listed (plan rows or "no public plan found").
COVERAGE_YEAR = 2025


class PlanError(MilexError):
    """An invalid national-plans file: every problem, each naming the file, row and field."""


@dataclass(frozen=True)
class PlanFigure:
    """One stated figure of one ally's plan (a level stated for several years spans them)."""

    iso3: str
    status: str
    year: int
    until: int | None
    value: float
    unit: str
    definition: str
    qualifier: str
    document: str
    source_url: str
    source_date: date
    note: str
    row: int  # line in the file, for messages

    @property
    def years(self) -> range:
        return range(self.year, (self.until or self.year) + 1)

    @property
    def is_core_share(self) -> bool:
        """A share of GDP on a definition compared with the 3.5% core line."""
        return self.unit == PCT_GDP and self.definition in CORE_DEFINITIONS

    def cite(self) -> str:
        return f"{self.document}, {self.source_date.isoformat()} ({self.source_url})"


@dataclass(frozen=True)
class Plans:
    """Every ally's stated figures and the allies with no public plan found."""

    figures: tuple[PlanFigure, ...]
    no_plan: dict[str, str]  # iso3 -> note
    path: Path

    def for_country(self, iso3: str, *, status: str = CURRENT) -> list[PlanFigure]:
        return [f for f in self.figures if f.iso3 == iso3 and f.status == status]

    def countries(self) -> list[str]:
        """Allies with a current plan."""
        return sorted({f.iso3 for f in self.figures if f.status == CURRENT})

    def status(self, iso3: str) -> str:
        """'plan', 'superseded plan only', 'no public plan found' or 'not listed'."""
        if self.for_country(iso3):
            return "plan"
        if self.for_country(iso3, status=SUPERSEDED):
            return "superseded plan only"
        return NO_PLAN if iso3 in self.no_plan else "not listed"

    def core_points(self, iso3: str) -> dict[int, PlanFigure]:
        """Stated shares of GDP by year on a core definition; NATO's own definition first."""
        out: dict[int, PlanFigure] = {}
        for figure in sorted(
            (f for f in self.for_country(iso3) if f.is_core_share),
            key=lambda f: CORE_DEFINITIONS.index(f.definition),
            reverse=True,
        ):
            for year in figure.years:
                out[year] = figure
        return dict(sorted(out.items()))

    def money_points(self, iso3: str) -> dict[int, PlanFigure]:
        """Stated money (national currency m) by year on a core definition."""
        out: dict[int, PlanFigure] = {}
        for f in self.for_country(iso3):
            if f.unit == MONEY and f.definition in CORE_DEFINITIONS:
                for year in f.years:
                    out.setdefault(year, f)
        return dict(sorted(out.items()))

    def to_frame(self) -> pd.DataFrame:
        """Every row as read (plans and "no public plan found"), in the file's columns."""
        import pandas as pd

        rows = [
            {
                "iso3": f.iso3, "status": f.status, "year": f.year, "until": f.until,
                "value": f.value, "unit": f.unit, "definition": f.definition,
                "qualifier": f.qualifier, "document": f.document, "source_url": f.source_url,
                "source_date": f.source_date.isoformat(), "flag": FLAG, "note": f.note,
            }
            for f in self.figures
        ]  # fmt: skip
        rows += [dict(dict.fromkeys(COLUMNS), iso3=c, status=NO_PLAN, note=n)
                 for c, n in self.no_plan.items()]  # fmt: skip
        return pd.DataFrame(rows, columns=list(COLUMNS))


def plan_share(iso3: str, year: int, plans: Plans | None = None) -> float | None:
    """The share of GDP an ally's current plan states for ``year`` (core definitions), else None.

    Only stated figures: nothing interpolated, nothing converted from money. This is what the
    tracker shows beside the line; :func:`milex.review.plan_levels` fills the years between.
    """
    figure = (plans or load_plans()).core_points(iso3).get(year)
    return None if figure is None else figure.value


# -- loading ---------------------------------------------------------------------------------------
def load_plans(path: str | Path | None = None) -> Plans:
    """Read and validate a national-plans CSV (default: the bundled file, read once)."""
    if path is None:
        return _bundled()
    return _load(Path(path), complete=False)


@functools.cache
def _bundled() -> Plans:
    return _load(PLANS_FILE, complete=True)


def _load(path: Path, *, complete: bool) -> Plans:
    from milex.registry import NO_ARMED_FORCES, default_registry

    if not path.is_file():
        raise PlanError(f"national plans file not found: {path}")
    registry = default_registry()
    allies = registry.ever_members("NATO") - set(NO_ARMED_FORCES)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if tuple(header) != COLUMNS:
            raise PlanError(f"{path.name}: header must be {','.join(COLUMNS)}; got {header}")
        rows = list(enumerate(reader, start=2))
    problems: list[str] = []
    figures: list[PlanFigure] = []
    no_plan: dict[str, str] = {}
    for line, cells in rows:
        where = f"{path.name} row {line}"
        if len(cells) != len(COLUMNS):
            problems.append(f"{where}: {len(cells)} cells, expected {len(COLUMNS)}")
            continue
        record = dict(zip(COLUMNS, (c.strip() for c in cells), strict=True))
        where += f" ({record['iso3'] or 'no iso3'})"
        if record["iso3"] not in allies:
            problems.append(f"{where}: iso3 {record['iso3']!r} is not a NATO ally with forces")
            continue
        if record["status"] == NO_PLAN:
            problems += _no_plan_problems(where, record)
            if record["iso3"] in no_plan:
                problems.append(f"{where}: a second 'no public plan found' row")
            no_plan[record["iso3"]] = record["note"]
            continue
        figure, found = _figure(where, line, record)
        problems += found
        if figure is not None:
            figures.append(figure)
    problems += _consistency(path.name, figures, no_plan)
    if complete:
        problems += coverage_problems(path.name, figures, no_plan, registry)
    if problems:
        raise PlanError(f"{len(problems)} problem(s) in {path}: " + "; ".join(problems))
    return Plans(tuple(figures), no_plan, path)


def _figure(where: str, line: int, r: dict[str, str]) -> tuple[PlanFigure | None, list[str]]:
    """One plan row, or the problems with it (every field checked)."""
    problems = []
    if r["status"] not in STATUSES:
        problems.append(f"{where}: status {r['status']!r} is not one of {', '.join(STATUSES)}")
    year, p = _int(where, "year", r["year"], required=True)
    until, q = _int(where, "until", r["until"], required=False)
    problems += p + q
    if year is not None and until is not None and until < year:
        problems.append(f"{where}: until {until} is before year {year}")
    value: float | None = None
    try:
        value = float(r["value"])
        if not value > 0 or (r["unit"] != MONEY and value >= 100):
            problems.append(f"{where}: value {r['value']!r} out of range for {r['unit']!r}")
    except ValueError:
        problems.append(f"{where}: value {r['value']!r} is not a number")
    for field, allowed in (("unit", UNITS), ("definition", tuple(DEFINITIONS)),
                           ("qualifier", QUALIFIERS)):  # fmt: skip
        if r[field] not in allowed:
            problems.append(f"{where}: {field} {r[field]!r} is not one of {list(allowed)}")
    if not r["document"]:
        problems.append(f"{where}: document is empty (name the document or announcement)")
    url = urlparse(r["source_url"])
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(f"{where}: source_url {r['source_url']!r} is missing or not an http(s) URL")
    source_date = None
    try:
        source_date = date.fromisoformat(r["source_date"])
    except ValueError:
        problems.append(f"{where}: source_date {r['source_date']!r} is missing or not YYYY-MM-DD")
    if r["flag"] != FLAG:
        problems.append(f"{where}: flag {r['flag']!r} must be {FLAG!r}")
    if problems or year is None or value is None or source_date is None:
        return None, problems
    figure = PlanFigure(
        r["iso3"], r["status"], year, until, value, r["unit"], r["definition"], r["qualifier"],
        r["document"], r["source_url"], source_date, r["note"], line,
    )  # fmt: skip
    return figure, []


def _int(where: str, field: str, text: str, *, required: bool) -> tuple[int | None, list[str]]:
    if not text:
        return None, ([f"{where}: {field} is empty"] if required else [])
    try:
        value = int(text)
    except ValueError:
        return None, [f"{where}: {field} {text!r} is not a year"]
    if not YEARS[0] <= value <= YEARS[1]:
        return None, [f"{where}: {field} {value} outside {YEARS[0]}-{YEARS[1]}"]
    return value, []


def _no_plan_problems(where: str, r: dict[str, str]) -> list[str]:
    filled = [c for c in COLUMNS if c not in ("iso3", "status", "note") and r[c]]
    return [f"{where}: a 'no public plan found' row has no {', '.join(filled)}"] if filled else []


def _consistency(name: str, figures: list[PlanFigure], no_plan: dict[str, str]) -> list[str]:
    """No ally both with and without a plan; no figure stated twice for one year and kind."""
    problems = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for f in figures:
        if f.status == CURRENT and f.iso3 in no_plan:
            problems.append(f"{name} row {f.row} ({f.iso3}): a plan row for an ally also listed "
                            "as 'no public plan found'")  # fmt: skip
        if f.status != CURRENT:
            continue
        for year in f.years:
            key = (f.iso3, year, f.unit, f.definition)
            if key in seen:
                problems.append(
                    f"{name} row {f.row} ({f.iso3}): {year} {f.unit} ({f.definition}) is also "
                    f"stated in row {seen[key]}: keep one current figure, mark the other superseded"
                )
            seen.setdefault(key, f.row)
    return problems


def coverage_problems(
    name: str, figures: Iterable[PlanFigure], no_plan: dict[str, str], registry: Registry
) -> list[str]:
    """Every ally with armed forces must be listed: plan rows or "no public plan found"."""
    from milex.registry import NO_ARMED_FORCES

    listed = {f.iso3 for f in figures} | set(no_plan)
    missing = [
        c for c in registry.members("NATO", COVERAGE_YEAR) if c not in NO_ARMED_FORCES
        and c not in listed
    ]  # fmt: skip
    return [
        f"{name}: no rows for {c}: add its plan or a 'no public plan found' row" for c in missing
    ]

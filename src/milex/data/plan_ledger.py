"""The national-plans ledger as a file: its vocabulary, its rows and the checks on them.

The ledger (``data/bundled/national_plans.csv``) holds announcements, not reported figures, so it
never enters the observations snapshot; this module reads and validates it. Choosing among its
rows for a view is the analysis layer's (milex.analysis.plans).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from milex.data.bundle import package_dir
from milex.errors import MilexError

if TYPE_CHECKING:
    from milex.data.registry import Registry

PLANS_FILE = package_dir() / "national_plans.csv"
COLUMNS = (
    "id", "iso3", "kind", "status", "year", "until", "value", "unit", "definition", "qualifier",
    "document", "source_url", "date", "quote", "quote_type", "supersedes", "flag", "note",
)  # fmt: skip
KINDS = ("target", "plan", "budget", "outturn")
DRAFT, ADOPTED, SUPERSEDED, WITHDRAWN = "draft", "adopted", "superseded", "withdrawn"
IN_FORCE = (DRAFT, ADOPTED)
CURRENT = "current"  # for_country(): rows in force (draft or adopted)
NO_PLAN = "no public plan found"
STATUSES = (DRAFT, ADOPTED, SUPERSEDED, WITHDRAWN, NO_PLAN)
#: Strongest first: what has happened, what parliament voted, what cabinet proposed, what a
#: government has decided or proposed as a path, what it aims at.
STRENGTH = (
    ("outturn", ADOPTED), ("budget", ADOPTED), ("budget", DRAFT), ("plan", ADOPTED),
    ("plan", DRAFT), ("target", ADOPTED), ("target", DRAFT),
)  # fmt: skip
QUOTE_TYPES = ("verbatim", "paraphrase", "not recorded")
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
GDP_SOURCE = "imf_weo"


class PlanError(MilexError):
    """An invalid national-plans file: every problem, each naming the file, row and field."""


@dataclass(frozen=True)
class PlanFigure:
    """One ledger row: one stated figure of one document (a level stated for years spans them)."""

    id: str
    iso3: str
    kind: str
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
    quote: str
    quote_type: str
    supersedes: tuple[str, ...]
    note: str
    row: int  # line in the file, for messages
    superseded_by: str | None = None

    @property
    def years(self) -> range:
        return range(self.year, (self.until or self.year) + 1)

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def strength(self) -> int:
        """Rank in :data:`STRENGTH` (0 strongest); rows not in force rank last."""
        key = (self.kind, self.status)
        return STRENGTH.index(key) if key in STRENGTH else len(STRENGTH)

    @property
    def label(self) -> str:
        """'budget (draft)', 'plan (adopted)', 'target (superseded)'."""
        return f"{self.kind} ({self.status})"

    @property
    def is_core_share(self) -> bool:
        """A share of GDP on a definition compared with the 3.5% core line."""
        return self.unit == PCT_GDP and self.definition in CORE_DEFINITIONS

    def stated(self) -> str:
        """The figure as stated: 'at least 5% of GDP', 'EUR m 152,800' style without currency."""
        q = f"{self.qualifier} " if self.qualifier else ""
        if self.unit == MONEY:
            return f"{q}{self.value:,.0f} m (national currency)"
        return f"{q}{self.value:g}% of {'GNI' if self.unit == PCT_GNI else 'GDP'}"

    def cite(self) -> str:
        return f"{self.document}, {self.source_date.isoformat()} ({self.source_url})"

    def record(self) -> dict[str, Any]:
        """The row in the file's columns."""
        values = {c: getattr(self, c, "") for c in COLUMNS}
        return values | {"date": self.source_date.isoformat(), "flag": FLAG,
                         "supersedes": ";".join(self.supersedes)}  # fmt: skip


def read_ledger(path: Path, *, complete: bool) -> tuple[tuple[PlanFigure, ...], dict[str, str]]:
    """Every row of a national-plans CSV, checked; ``complete`` also requires every ally listed.

    Returns the figures and the allies with no public plan found (iso3 -> note); collects every
    problem and raises one PlanError naming file, row and field.
    """
    from milex.data.registry import NO_ARMED_FORCES, default_registry

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
    figures, found = _link(path.name, figures)
    problems += found + _consistency(path.name, figures, no_plan)
    if complete:
        problems += coverage_problems(path.name, figures, no_plan, registry)
    if problems:
        raise PlanError(f"{len(problems)} problem(s) in {path}: " + "; ".join(problems))
    return tuple(figures), no_plan


def _figure(where: str, line: int, r: dict[str, str]) -> tuple[PlanFigure | None, list[str]]:
    """One ledger row, or the problems with it (every field checked)."""
    problems = _choices(where, r) + _source_problems(where, r)
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
    source_date = None
    try:
        source_date = date.fromisoformat(r["date"])
    except ValueError:
        problems.append(f"{where}: date {r['date']!r} is missing or not YYYY-MM-DD")
    if problems or year is None or value is None or source_date is None:
        return None, problems
    supersedes = tuple(s.strip() for s in r["supersedes"].split(";") if s.strip())
    figure = PlanFigure(
        r["id"], r["iso3"], r["kind"], r["status"], year, until, value, r["unit"],
        r["definition"], r["qualifier"], r["document"], r["source_url"], source_date, r["quote"],
        r["quote_type"], supersedes, r["note"], line,
    )  # fmt: skip
    return figure, []


def _choices(where: str, r: dict[str, str]) -> list[str]:
    problems = []
    if not r["id"] or any(c.isspace() or c == ";" for c in r["id"]):
        problems.append(f"{where}: id {r['id']!r} is empty or has a space or ';'")
    for name, allowed in (("kind", KINDS), ("status", STATUSES[:-1]), ("unit", UNITS),
                          ("definition", tuple(DEFINITIONS)), ("qualifier", QUALIFIERS),
                          ("quote_type", QUOTE_TYPES)):  # fmt: skip
        if r[name] not in allowed:
            problems.append(f"{where}: {name} {r[name]!r} is not one of {list(allowed)}")
    if r["kind"] == "outturn" and r["status"] == DRAFT:
        problems.append(f"{where}: status 'draft' for an outturn (an outturn is reported)")
    return problems


def _source_problems(where: str, r: dict[str, str]) -> list[str]:
    problems = []
    if not r["document"]:
        problems.append(f"{where}: document is empty (name the document or announcement)")
    url = urlparse(r["source_url"])
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(f"{where}: source_url {r['source_url']!r} is missing or not an http(s) URL")
    if r["quote_type"] in ("verbatim", "paraphrase") and not r["quote"]:
        problems.append(f"{where}: quote is empty for quote_type {r['quote_type']!r}")
    if r["quote_type"] == "not recorded" and r["quote"]:
        problems.append(
            f"{where}: quote_type 'not recorded' with a quote: say verbatim or paraphrase"
        )
    if r["status"] == WITHDRAWN and not r["note"]:
        problems.append(f"{where}: note is empty for a withdrawn row (give the evidence)")
    if r["flag"] != FLAG:
        problems.append(f"{where}: flag {r['flag']!r} must be {FLAG!r}")
    return problems


def _int(where: str, name: str, text: str, *, required: bool) -> tuple[int | None, list[str]]:
    if not text:
        return None, ([f"{where}: {name} is empty"] if required else [])
    try:
        value = int(text)
    except ValueError:
        return None, [f"{where}: {name} {text!r} is not a year"]
    if not YEARS[0] <= value <= YEARS[1]:
        return None, [f"{where}: {name} {value} outside {YEARS[0]}-{YEARS[1]}"]
    return value, []


def _no_plan_problems(where: str, r: dict[str, str]) -> list[str]:
    filled = [c for c in COLUMNS if c not in ("iso3", "status", "note") and r[c]]
    return [f"{where}: a 'no public plan found' row has no {', '.join(filled)}"] if filled else []


def _link(name: str, figures: list[PlanFigure]) -> tuple[list[PlanFigure], list[str]]:
    """Check every ``supersedes`` both ways and record ``superseded_by`` on the older rows."""
    problems: list[str] = []
    ids: dict[str, PlanFigure] = {}
    for f in figures:
        if f.id in ids:
            problems.append(
                f"{name} row {f.row} ({f.iso3}): id {f.id!r} is also row {ids[f.id].row}"
            )
        ids.setdefault(f.id, f)
    by: dict[str, PlanFigure] = {}
    for f in figures:
        for old_id in f.supersedes:
            where = f"{name} row {f.row} ({f.iso3}): supersedes {old_id!r}"
            old = ids.get(old_id)
            if old is None:
                problems.append(f"{where}: no row has that id")
                continue
            if old_id in by:
                problems.append(f"{where}: already superseded by {by[old_id].id!r}")
            by[old_id] = f
            if (old.iso3, old.kind) != (f.iso3, f.kind) or not set(old.years) & set(f.years):
                problems.append(f"{where}: not the same ally, kind and years")
            if old.source_date > f.source_date:
                problems.append(f"{where}: it is dated {old.source_date}, after this row")
            if old.status != SUPERSEDED:
                problems.append(f"{where}: its status is {old.status!r}, not 'superseded'")
    for f in figures:
        if f.status == SUPERSEDED and f.id not in by:
            problems.append(
                f"{name} row {f.row} ({f.iso3}): status 'superseded' but no newer row names "
                f"{f.id!r} in supersedes"
            )
    linked = [replace(f, superseded_by=by[f.id].id) if f.id in by else f for f in figures]
    return linked, problems


def _consistency(name: str, figures: list[PlanFigure], no_plan: dict[str, str]) -> list[str]:
    """No ally both with and without a plan; no two rows in force for one year, kind and measure."""
    problems = []
    seen: dict[tuple[str, int, str, str, str], int] = {}
    for f in figures:
        if f.in_force and f.iso3 in no_plan:
            problems.append(f"{name} row {f.row} ({f.iso3}): a plan row for an ally also listed "
                            "as 'no public plan found'")  # fmt: skip
        if not f.in_force:
            continue
        for year in f.years:
            key = (f.iso3, year, f.kind, f.unit, f.definition)
            if key in seen:
                problems.append(
                    f"{name} row {f.row} ({f.iso3}): {year} {f.kind} {f.unit} ({f.definition}) is "
                    f"also stated in row {seen[key]}: mark the older 'superseded' and name it in "
                    "the newer row's supersedes"
                )
            seen.setdefault(key, f.row)
    return problems


def coverage_problems(
    name: str, figures: Iterable[PlanFigure], no_plan: dict[str, str], registry: Registry
) -> list[str]:
    """Every ally with armed forces must be listed: plan rows or "no public plan found"."""
    from milex.data.registry import NO_ARMED_FORCES

    listed = {f.iso3 for f in figures} | set(no_plan)
    missing = [
        c for c in registry.members("NATO", COVERAGE_YEAR) if c not in NO_ARMED_FORCES
        and c not in listed
    ]  # fmt: skip
    return [
        f"{name}: no rows for {c}: add its plan or a 'no public plan found' row" for c in missing
    ]

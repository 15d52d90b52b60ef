"""Allies' national plans as a dated ledger: targets, plans, budgets and outturns, never deleted.

The ledger lives in ``data/national_plans.csv``, package data read directly (announcements, not
reported figures, so they never enter the observations snapshot). One row is one stated figure
of one document: an ``id``, an ally, its ``kind`` (``target``, ``plan``, ``budget``,
``outturn``), its ``status`` (``draft``, ``adopted``, ``superseded``, ``withdrawn``), a year (or a
span, ``until``), a value in ``unit`` (percent of GDP, percent of GNI or national currency m) and
the definition it is stated in, the document, source URL and ``date`` (the day of the decision or
document), the publisher's words (``quote``, with ``quote_type`` ``verbatim``, ``paraphrase`` or
``not recorded`` for rows that predate the ledger), ``supersedes`` (ids of older rows this one
replaces), flag ``national_plan`` and a note. Allies with no public plan have a row that says so.

A newer row replaces an older one by naming it in ``supersedes``; the older row stays, with status
``superseded``. The loader checks that both sides agree (a superseded row is named by exactly one
newer row of the same ally and kind whose years overlap; a named row is marked superseded), that no
two rows in force state the same ally, year, kind, unit and definition, and every field; it
collects every problem and raises once naming file, row and field.

Selection (:meth:`Plans.select`, :func:`plan_share`): among rows in force for a year, the
*strongest kind* first (:data:`STRENGTH`: outturn > adopted budget > draft budget > adopted plan >
draft plan > adopted target > draft target), then the newest date, then NATO's definition before a
national one. Money rows become shares of GDP only with the IMF WEO GDP named beside them
(:func:`convert`).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from milex.data.bundle import package_dir
from milex.errors import MilexError

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.registry import Registry
    from milex.data.store import Dataset

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


@dataclass(frozen=True)
class Conversion:
    """A money figure as a share of GDP, with the GDP the division used."""

    share_pct: float
    year: int
    gdp_lcu_m: float
    source: str
    edition: str

    def describe(self, currency: str = "") -> str:
        unit = f"{currency} m" if currency else "national currency m"
        return (
            f"{self.share_pct:.2f}% of GDP {self.year} ({self.source} {self.edition} GDP "
            f"{self.gdp_lcu_m:,.0f} {unit})"
        )


@dataclass(frozen=True)
class LedgerEntry:
    """A row of an ally's trail: the figure, whether it is used, and its conversion to % GDP."""

    figure: PlanFigure
    used_for: tuple[int, ...]  # years for which this row is the selected share or money figure
    conversions: tuple[Conversion, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """For JSON: the row, what replaced it, the years it is used for, money as % of GDP."""
        f = self.figure
        return f.record() | {
            "stated": f.stated(), "superseded_by": f.superseded_by or "",
            "used_for": list(self.used_for),
            "pct_gdp_from_money": [c.share_pct for c in self.conversions],
            "gdp_used": [f"{c.source} {c.edition} {c.year}: {c.gdp_lcu_m:,.0f}"
                         for c in self.conversions],
        }  # fmt: skip


@dataclass(frozen=True)
class Current:
    """The figure a view uses for an ally and year: a stated share, or money converted."""

    figure: PlanFigure
    share_pct: float | None  # None: money with no GDP for the year
    basis: str  # "stated" or "from money"
    conversion: Conversion | None = None
    trail: tuple[PlanFigure, ...] = field(default=())  # older rows for the same year and kind


@dataclass(frozen=True)
class Plans:
    """Every ledger row and the allies with no public plan found."""

    figures: tuple[PlanFigure, ...]
    no_plan: dict[str, str]  # iso3 -> note
    path: Path

    def entries(self, iso3: str | None = None) -> list[PlanFigure]:
        """Every row (superseded and withdrawn too) in date order, then file order."""
        rows = [f for f in self.figures if iso3 is None or f.iso3 == iso3]
        return sorted(rows, key=lambda f: (f.source_date, f.row))

    def by_id(self, entry_id: str) -> PlanFigure:
        for f in self.figures:
            if f.id == entry_id:
                return f
        raise KeyError(f"no national-plans entry {entry_id!r}")

    def for_country(self, iso3: str, *, status: str = CURRENT) -> list[PlanFigure]:
        """Rows in force (``status=CURRENT``), or rows of one status, in file order."""
        if status == CURRENT:
            return [f for f in self.figures if f.iso3 == iso3 and f.in_force]
        return [f for f in self.figures if f.iso3 == iso3 and f.status == status]

    def countries(self) -> list[str]:
        """Allies with a row in force."""
        return sorted({f.iso3 for f in self.figures if f.in_force})

    def status(self, iso3: str) -> str:
        """'plan', 'superseded plan only', 'no public plan found' or 'not listed'."""
        if self.for_country(iso3):
            return "plan"
        if any(f.iso3 == iso3 for f in self.figures):
            return "superseded plan only"
        return NO_PLAN if iso3 in self.no_plan else "not listed"

    def select(
        self, iso3: str, year: int, *, unit: str = PCT_GDP,
        definitions: tuple[str, ...] = CORE_DEFINITIONS,
    ) -> PlanFigure | None:  # fmt: skip
        """The newest row of the strongest kind in force for the year, unit and definitions."""
        rows = [
            f for f in self.for_country(iso3)
            if year in f.years and f.unit == unit and f.definition in definitions
        ]  # fmt: skip
        if not rows:
            return None
        return min(
            rows,
            key=lambda f: (f.strength, -f.source_date.toordinal(),
                           definitions.index(f.definition), f.row),
        )  # fmt: skip

    def _points(self, iso3: str, unit: str) -> dict[int, PlanFigure]:
        years = sorted({y for f in self.for_country(iso3) if f.unit == unit for y in f.years})
        out = {y: self.select(iso3, y, unit=unit) for y in years}
        return {y: f for y, f in out.items() if f is not None}

    def core_points(self, iso3: str) -> dict[int, PlanFigure]:
        """The selected share of GDP by year (core definitions)."""
        return self._points(iso3, PCT_GDP)

    def money_points(self, iso3: str) -> dict[int, PlanFigure]:
        """The selected money figure (national currency m, core definitions) by year."""
        return self._points(iso3, MONEY)

    def trail(self, figure: PlanFigure) -> list[PlanFigure]:
        """The rows ``figure`` replaced, newest first, following ``supersedes`` back."""
        out: list[PlanFigure] = []
        todo = list(figure.supersedes)
        while todo:
            older = self.by_id(todo.pop(0))
            out.append(older)
            todo += older.supersedes
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every row as read (ledger rows and "no public plan found"), in the file's columns."""
        import pandas as pd

        rows = [f.record() for f in self.entries()]
        rows += [dict(dict.fromkeys(COLUMNS), iso3=c, status=NO_PLAN, note=n)
                 for c, n in self.no_plan.items()]  # fmt: skip
        return pd.DataFrame(rows, columns=list(COLUMNS))


# -- the small API views use -----------------------------------------------------------------------
def plan_share(iso3: str, year: int, plans: Plans | None = None) -> float | None:
    """The share of GDP of the newest row of the strongest kind in force for ``year``, else None.

    Stated shares only (core definitions): nothing interpolated, nothing converted from money.
    This is what the tracker shows beside the line; :func:`milex.analysis.review.plan_levels` fills the
    years between.
    """
    figure = (plans or load_plans()).select(iso3, year)
    return None if figure is None else figure.value


def gdp_lcu(dataset: Dataset, iso3: str) -> tuple[dict[int, float], str]:
    """IMF WEO nominal GDP (national currency m) by year, and its edition."""
    frame = dataset.series("gdp_lcu", iso3, GDP_SOURCE)
    frame = frame[frame["value"].notna()]
    editions = sorted(set(frame["edition"]))
    values = dict(zip(frame["year"].astype(int), frame["value"].astype(float), strict=True))
    return values, "; ".join(editions)


def convert(figure: PlanFigure, gdp: dict[int, float], edition: str) -> tuple[Conversion, ...]:
    """A money row as shares of IMF WEO GDP, one per year the GDP covers (none for shares)."""
    if figure.unit != MONEY:
        return ()
    return tuple(
        Conversion(100.0 * figure.value / gdp[y], y, gdp[y], GDP_SOURCE, edition)
        for y in figure.years
        if gdp.get(y)
    )


def ledger(iso3: str, dataset: Dataset | None = None, *, plans: Plans | None = None
           ) -> list[LedgerEntry]:  # fmt: skip
    """An ally's whole trail in date order: every row, what it is used for, money as % of GDP.

    ``used_for`` lists the years for which the row is the selected share (or, where no share is
    stated, the selected money figure). With a dataset, money rows carry their conversion to a
    share of IMF WEO GDP, naming the GDP and edition used.
    """
    plans = plans or load_plans()
    shares, money = plans.core_points(iso3), plans.money_points(iso3)
    gdp, edition = gdp_lcu(dataset, iso3) if dataset is not None else ({}, "")
    out = []
    for f in plans.entries(iso3):
        used = [y for y, g in shares.items() if g is f]
        used += [y for y, g in money.items() if g is f and y not in shares]
        out.append(LedgerEntry(f, tuple(sorted(used)), convert(f, gdp, edition)))
    return out


def current(
    iso3: str, year: int, dataset: Dataset | None = None, *, plans: Plans | None = None
) -> Current | None:
    """The figure views use for ``year``: the selected share, else the selected money converted."""
    plans = plans or load_plans()
    figure = plans.select(iso3, year)
    if figure is not None:
        return Current(figure, figure.value, "stated", None, tuple(plans.trail(figure)))
    figure = plans.select(iso3, year, unit=MONEY)
    if figure is None:
        return None
    gdp, edition = gdp_lcu(dataset, iso3) if dataset is not None else ({}, "")
    conv = next((c for c in convert(figure, gdp, edition) if c.year == year), None)
    share = conv.share_pct if conv else None
    return Current(figure, share, "from money", conv, tuple(plans.trail(figure)))


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
    return Plans(tuple(figures), no_plan, path)


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

"""Allies' national plans as a dated ledger: targets, plans, budgets and outturns, never deleted.

The ledger lives in ``data/bundled/national_plans.csv``, read by milex.data.plan_ledger
(announcements, not reported figures, so they never enter the observations snapshot). One row is
one stated figure of one document: an ``id``, an ally, its ``kind`` (``target``, ``plan``, ``budget``,
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

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.data.plan_ledger import (
    COLUMNS,
    CORE_DEFINITIONS,
    CURRENT,
    GDP_SOURCE,
    MONEY,
    NO_PLAN,
    PCT_GDP,
    PLANS_FILE,
    PlanFigure,
    read_ledger,
)

if TYPE_CHECKING:
    import pandas as pd

    from milex.data.store import Dataset


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

    def frame(self) -> pd.DataFrame:
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
    path = Path(path)
    return Plans(*read_ledger(path, complete=False), path)


@functools.cache
def _bundled() -> Plans:
    return Plans(*read_ledger(PLANS_FILE, complete=True), PLANS_FILE)

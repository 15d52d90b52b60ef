"""One ally's profile: every NATO measure over time, SIPRI beside it, status, gaps, rank, path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from milex.errors import QueryError
from milex.result import Result

if TYPE_CHECKING:
    import pandas as pd

    from milex.analysis.hague import Reach
    from milex.data.store import Dataset

PROFILE_MEASURES = (
    "milex_pct_gdp", "equipment_pct", "personnel_pct", "infrastructure_pct", "other_pct",
    "milex_lcu", "milex_usd", "milex_usd_const", "milex_real_change_pct",
    "milex_per_capita_usd_const", "mil_personnel", "gdp_usd",
)  # fmt: skip


@dataclass(frozen=True)
class CountryProfile(Result):
    """Everything the tracker knows about one ally, for a brief or a country page."""

    chart_kind: ClassVar[str] = "country-profile"

    iso3: str
    name: str
    joined_nato: int | None
    year: int
    measures: pd.DataFrame  # tidy: measure, source, year, value, unit, flags, edition
    status: dict[str, Any]  # the ally's tracker row for ``year``
    path: pd.DataFrame  # Hague path from the base year to 2035
    reach: Reach
    sources_used: list[dict[str, str]]
    notes: tuple[str, ...] = ()  # e.g. the definition break between NATO editions
    definitions: dict[str, str] | None = None  # NATO edition -> definition it records
    as_of: str = ""  # the editions behind the row for ``year``, with their dates

    def frame(self) -> pd.DataFrame:
        """Measures wide: one row per (measure, source, unit), one column per year."""
        table = self.measures.pivot_table(
            index=["measure", "source", "unit"], columns="year", values="value", aggfunc="first"
        )
        order = {m: i for i, m in enumerate(PROFILE_MEASURES)}
        table = table.sort_index(key=lambda idx: idx.map(lambda v: order.get(v, 99)), level=0)
        table.columns.name = None
        return table.reset_index()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]


def country_profile(
    country: str, year: int | None = None, *, dataset: Dataset | None = None
) -> CountryProfile:
    """The profile of one ally, named by ISO3 or any publisher's spelling ("Türkiye", "Turkey")."""
    import pandas as pd

    from milex.analysis import hague
    from milex.analysis.tracking import COLUMNS, tracker
    from milex.data.store import Dataset

    ds = dataset or Dataset.open()
    iso3 = ds.registry.resolve(country)
    if iso3 not in ds.registry.ever_members("NATO"):
        raise QueryError(f"{ds.registry.name(iso3)} ({iso3}) is not a NATO ally")
    opening = None
    if year is None:
        year, opening = newest_year(ds, iso3)
    found = tracker(year, dataset=ds)
    row = next((r for r in found.allies() if r["iso3"] == iso3), None)
    if row is None:
        raise QueryError(f"{ds.registry.name(iso3)} was not a NATO member in {found.year}")
    status = {c: row.get(c) for c in COLUMNS}
    frames = [ds.series(m, iso3, "nato", include_secondary=True) for m in PROFILE_MEASURES]
    frames.append(ds.series("milex_pct_gdp", iso3, "sipri", (2014, 2100)))
    measures = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    sources = ds.citations(measures)
    definitions = ds.definitions(set(zip(measures["source"], measures["edition"], strict=True)))
    notes = definition_notes(definitions, measures) + ((opening,) if opening else ())
    joined = next(
        (m.joined for m in ds.registry.memberships if m.bloc == "NATO" and m.iso3 == iso3), None
    )
    return CountryProfile(
        iso3=iso3,
        name=ds.registry.name(iso3),
        joined_nato=joined,
        year=found.year,
        measures=measures[["measure", "source", "year", "value", "unit", "flags", "edition"]],
        status=status,
        path=hague.path(ds, iso3),
        reach=hague.reach_year(ds, iso3),
        sources_used=sources,
        notes=notes,
        definitions=definitions,
        as_of=row_as_of(ds, status),
    )


def row_as_of(ds: Dataset, status: dict[str, Any]) -> str:
    """'As of: ...' for the editions an ally's tracker row took its figures from."""
    from milex.analysis.coverage import as_of

    keys = ("edition", "equipment_edition", "spending_edition")
    used = {("nato", str(status[k])) for k in keys if isinstance(status.get(k), str)}
    if isinstance(status.get("sipri_edition"), str):
        used.add(("sipri", status["sipri_edition"]))
    return as_of(ds, used) or "As of: no NATO figure for this year."


def newest_year(ds: Dataset, iso3: str) -> tuple[int, str | None]:
    """The year an ally's page opens on: its newest NATO share of GDP (any edition), and a note
    when that is older than the newest year other allies have (Spain: 2025 while 2026 is out)."""
    from milex.analysis.coverage import default_year

    newest = default_year(ds)
    rows = ds.series_records("milex_pct_gdp", iso3, "nato", (2014, newest))
    own = max((int(r["year"]) for r in rows), default=newest)
    if own == newest:
        return own, None
    return own, (
        f"No NATO figure yet for {ds.registry.name(iso3)} in {newest}: its newest is {own}, "
        f"shown here (other allies' {newest} figures are out)."
    )


def definition_notes(definitions: dict[str, str], measures: pd.DataFrame) -> tuple[str, ...]:
    """A note when NATO's series cross a definition, naming the years on each side.

    ``definitions`` maps each edition used to the definition it records (``Dataset.definitions``).
    """
    nato = measures[measures["source"] == "nato"]
    used = set(nato["edition"])
    definitions = {e: d for e, d in definitions.items() if e in used}
    if len(set(definitions.values())) < 2:
        return ()
    shares = nato[nato["measure"] == "milex_pct_gdp"]
    spans = []
    for definition in dict.fromkeys(definitions.values()):
        editions = [e for e, d in definitions.items() if d == definition]
        years = sorted(shares[shares["edition"].isin(editions)]["year"].astype(int))
        span = f"{years[0]}-{years[-1]}" if years else "no share of GDP"
        spans.append(f"{span}: {definition} ({', '.join(editions)})")
    return (
        "Definition break in NATO's figures: " + "; ".join(spans) + ". NATO's 2026 edition "
        "restates spending as core defence expenditure; compare years across the break with care.",
    )


#: SIPRI's measures on a page for any country, NATO ally or not (SIPRI covers every state).
SIPRI_MEASURES = (
    ("milex_pct_gdp", "% of GDP"),
    ("milex_usd", "current US$ m"),
    ("milex_usd_const", "constant US$ m"),
)


@dataclass(frozen=True, eq=False)
class SipriProfile(Result):
    """One country's SIPRI series (any state, ally or not): share of GDP and spending in US$."""

    iso3: str
    name: str
    ally: bool  # a NATO member (its NATO figures are in CountryProfile)
    measures: pd.DataFrame  # tidy, as Dataset.series: iso3, year, measure, source, edition, ...
    sources_used: tuple[dict[str, str], ...]
    chart_kind: ClassVar[str] = "sipri-country"

    def frame(self) -> pd.DataFrame:
        return self.measures.copy()

    def sources(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.sources_used]

    def share(self) -> pd.DataFrame:
        """The share-of-GDP rows only (what the chart draws)."""
        frame = self.measures
        return frame[frame["measure"] == "milex_pct_gdp"].reset_index(drop=True)


def sipri_profile(country: str, *, dataset: Dataset | None = None) -> SipriProfile:
    """SIPRI's figures for any country, named by ISO3 or any publisher's spelling ("Russia")."""
    import pandas as pd

    from milex.data.store import Dataset

    ds = dataset or Dataset.open()
    iso3 = ds.registry.resolve(country)
    frames = [ds.series(measure, iso3, "sipri") for measure, _ in SIPRI_MEASURES]
    measures = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
    ally = iso3 in ds.registry.ever_members("NATO")
    return SipriProfile(iso3, ds.registry.name(iso3), ally, measures, tuple(ds.citations(measures)))
